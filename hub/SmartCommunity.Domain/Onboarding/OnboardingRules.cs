using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using SmartCommunity.Domain.Catalog;
using SmartCommunity.Domain.Contacts;
using SmartCommunity.Domain.Devices;
using SmartCommunity.Domain.Ingestion;
using SmartCommunity.Domain.Places;

namespace SmartCommunity.Domain.Onboarding;

/// <summary>What a file imports; its name is the URL segment and the template's file name.</summary>
public enum ImportKind
{
    Households,
    Residents,
    Users,
    Devices,
}

/// <summary>One data row of an import file: its line (the header is line 1) and its cells by column name.</summary>
public sealed record ImportRow(int Line, IReadOnlyDictionary<string, string?> Cells);

/// <summary>A refused cell: the line, the column (empty for the whole row or file), a reason code and its text in either language.</summary>
public sealed record ImportProblem(int Line, string Column, string Code, LocalizedText Message)
{
    public static ImportProblem Of(int line, string column, string code, params object?[] args) =>
        new(line, column, code, LocalizedText.Of("onboarding." + code, args));
}

/// <summary>The hub's places and people as an import refers to them by natural key, read once before the rows are checked.</summary>
public interface IOnboardingLookup
{
    bool CommunityExists(string community);
    bool GridExists(string community, string grid);
    bool HouseholdExists(string community, string address);

    /// <summary>The household of the resident with this external id, or null when there is none.</summary>
    (string Community, string Address)? ResidentHome(string externalId);

    /// <summary>The kind an already registered device has, or null.</summary>
    DeviceKind? DeviceKindOf(string deviceId);

    /// <summary>The role an existing person has (e-mail, case-insensitive), or null.</summary>
    string? RoleOf(string email);
}

public sealed record HouseholdRow(int Line, string Community, string Grid, string Address);
public sealed record ResidentRow(int Line, string ExternalId, string Community, string Address, string Name, int? BirthYear, bool SpecialDifficulty, string? Notes);
public sealed record UserRow(int Line, string Email, string? DisplayName, string Role, string? Community, string? Grid, string? Phone, string? Language, IReadOnlyList<string> Residents);
public sealed record DeviceRow(int Line, string Id, DeviceKind Kind, DeviceLocation Location, string? Label, string? Community, string? Address, string? Resident, string? Grid);

/// <summary>The rows that passed and every problem found; a file applies only when <see cref="Problems"/> is empty.</summary>
public sealed record ImportCheck<T>(IReadOnlyList<T> Rows, IReadOnlyList<ImportProblem> Problems);

/// <summary>
/// Bulk onboarding's rules, without I/O: the columns of each kind's template, and the check of every row — required
/// cells, text rules (<see cref="TextField"/>), phones (<see cref="PhoneNumber"/>), device kinds (<see cref="SensorCatalog"/>),
/// duplicates inside the file and references to what the hub already has. Every problem is reported, not the first, so
/// one dry run lists all that needs fixing. Rows name places by natural keys (community and grid names, a household's
/// address in its community, a resident's external id, a device id), so a file can be written by hand and imported twice.
/// </summary>
public static class OnboardingRules
{
    public const int ExternalIdMaxLength = 64;
    public const int EmailMaxLength = 256;

    /// <summary>Roles a file may give; administrators are never made from a file.</summary>
    public static readonly IReadOnlyList<string> ImportableRoles = ["EmergencyStaff", "GridWorker", "Technician", "Family"];

    private static readonly TextField ExternalId = new("external_id", ExternalIdMaxLength);

    public static string Name(this ImportKind kind) => kind.ToString().ToLowerInvariant();

    public static bool TryParse(string? name, out ImportKind kind)
    {
        foreach (var k in Enum.GetValues<ImportKind>())
        {
            if (string.Equals(k.Name(), name, StringComparison.Ordinal))
            {
                kind = k;
                return true;
            }
        }
        kind = default;
        return false;
    }

    /// <summary>The template's columns, in order; the first ones are the row's natural key.</summary>
    public static IReadOnlyList<string> Columns(ImportKind kind) => kind switch
    {
        ImportKind.Households => ["community", "grid", "address"],
        ImportKind.Residents => ["external_id", "community", "address", "name", "birth_year", "special_difficulty", "notes"],
        ImportKind.Users => ["email", "display_name", "role", "community", "grid", "phone", "language", "residents"],
        ImportKind.Devices => ["device_id", "kind", "location", "label", "community", "address", "resident", "grid"],
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary>The columns a row cannot do without (others may be left out of the file entirely).</summary>
    public static IReadOnlyList<string> RequiredColumns(ImportKind kind) => kind switch
    {
        ImportKind.Households => ["community", "grid", "address"],
        ImportKind.Residents => ["external_id", "community", "address", "name"],
        ImportKind.Users => ["email", "role"],
        ImportKind.Devices => ["device_id", "kind"],
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary>A header cell as a column name: trimmed, lower case, spaces as underscores ("Birth year" → birth_year).</summary>
    public static string ColumnName(string? header) =>
        (header ?? "").Trim().TrimStart('\uFEFF').ToLowerInvariant().Replace(' ', '_');

    /// <summary>Problems with the header row (line 1): a required column missing, a column the template does not have.</summary>
    public static IReadOnlyList<ImportProblem> CheckHeader(ImportKind kind, IEnumerable<string> columns)
    {
        var problems = new List<ImportProblem>();
        var known = Columns(kind);
        var present = columns.ToList();
        foreach (var c in present.Where(c => c.Length > 0 && !known.Contains(c)))
            problems.Add(ImportProblem.Of(1, c, "unknown_column", c, string.Join(", ", known)));
        foreach (var c in RequiredColumns(kind).Where(c => !present.Contains(c)))
            problems.Add(ImportProblem.Of(1, c, "missing_column", c));
        return problems;
    }

    public static ImportCheck<HouseholdRow> Households(IReadOnlyList<ImportRow> rows)
    {
        var problems = new List<ImportProblem>();
        var result = new List<HouseholdRow>(rows.Count);
        var seen = new Dictionary<(string, string), int>();
        foreach (var row in rows)
        {
            var p = new RowProblems(row, problems);
            var community = p.Text("community", TextField.CommunityName);
            var grid = p.Text("grid", TextField.GridName);
            var address = p.Text("address", TextField.Address);
            if (community is null || grid is null || address is null)
                continue;
            if (!p.Unique(seen, (community, address), "address"))
                continue;
            if (p.Clean)
                result.Add(new HouseholdRow(row.Line, community, grid, address));
        }
        return new(result, problems);
    }

    public static ImportCheck<ResidentRow> Residents(IReadOnlyList<ImportRow> rows, IOnboardingLookup hub)
    {
        var problems = new List<ImportProblem>();
        var result = new List<ResidentRow>(rows.Count);
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            var p = new RowProblems(row, problems);
            var id = p.Text("external_id", ExternalId);
            var community = p.Text("community", TextField.CommunityName);
            var address = p.Text("address", TextField.Address);
            var name = p.Text("name", TextField.ResidentName);
            var year = p.Year("birth_year");
            var special = p.Bool("special_difficulty");
            var notes = p.Text("notes", new TextField("notes", 2000, Required: false, MultiLine: true));
            if (id is not null)
                p.Unique(seen, id, "external_id");
            if (community is not null && address is not null)
                p.Household(hub, community, address);
            if (p.Clean)
                result.Add(new ResidentRow(row.Line, id!, community!, address!, name!, year, special ?? false, notes));
        }
        return new(result, problems);
    }

    public static ImportCheck<UserRow> Users(IReadOnlyList<ImportRow> rows, IOnboardingLookup hub)
    {
        var problems = new List<ImportProblem>();
        var result = new List<UserRow>(rows.Count);
        var seen = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        foreach (var row in rows)
        {
            var p = new RowProblems(row, problems);
            var email = p.Email("email");
            var displayName = p.Text("display_name", TextField.DisplayName);
            var role = p.Text("role", new TextField("role", 32));
            var community = p.Text("community", new TextField("community", TextField.CommunityName.MaxLength, Required: false));
            var grid = p.Text("grid", new TextField("grid", TextField.GridName.MaxLength, Required: false));
            var phone = p.Phone("phone");
            var language = p.Text("language", new TextField("language", 16, Required: false));
            var residents = p.List("residents", ExternalId);
            if (email is not null)
                p.Unique(seen, email, "email");
            if (role is not null && !ImportableRoles.Contains(role))
                p.Add("role", "bad_role", role, string.Join(", ", ImportableRoles));
            else if (role is not null && email is not null && hub.RoleOf(email) is { } existing && existing != role)
                p.Add("role", "role_changed", email, existing);
            if (language is not (null or TextCatalogues.English or TextCatalogues.Chinese))
                p.Add("language", "bad_language", TextCatalogues.English, TextCatalogues.Chinese);
            if (role is "EmergencyStaff" or "GridWorker" && community is null && p.CellOk("community"))
                p.Add("community", "needs_community");
            if (role is "GridWorker" && grid is null && p.CellOk("grid"))
                p.Add("grid", "needs_grid");
            if (community is not null && !hub.CommunityExists(community))
                p.Add("community", "unknown_community", community);
            else if (community is not null && grid is not null && !hub.GridExists(community, grid))
                p.Add("grid", "unknown_grid", grid);
            if (role is "Family" && residents.Count == 0 && p.CellOk("residents"))
                p.Add("residents", "needs_resident");
            foreach (var r in residents.Where(r => hub.ResidentHome(r) is null))
                p.Add("residents", "unknown_resident", r);
            if (p.Clean)
            {
                // Only what the role uses is kept: a technician's stray community would otherwise scope them.
                var (c, g) = role switch { "EmergencyStaff" => (community, null), "GridWorker" => (community, grid), _ => ((string?)null, (string?)null) };
                result.Add(new UserRow(row.Line, email!, displayName, role!, c, g, phone, language, role == "Family" ? residents : []));
            }
        }
        return new(result, problems);
    }

    public static ImportCheck<DeviceRow> Devices(IReadOnlyList<ImportRow> rows, IOnboardingLookup hub)
    {
        var problems = new List<ImportProblem>();
        var result = new List<DeviceRow>(rows.Count);
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        var kinds = string.Join(", ", SensorCatalog.DeviceKinds.Select(k => k.Kind.ToWire()));
        var locations = string.Join(", ", Enum.GetNames<DeviceLocation>());
        foreach (var row in rows)
        {
            var p = new RowProblems(row, problems);
            var id = p.Text("device_id", new TextField("device_id", DeviceIdentifier.MaxLength));
            if (id is not null && !DeviceIdentifier.IsValid(id))
            {
                p.Add("device_id", "bad_device_id");
                id = null;
            }
            else if (id is not null && DeviceIdentifier.IsReserved(id))
            {
                p.Add("device_id", "reserved_device_id", DeviceIdentifier.ReservedPrefix);
                id = null;
            }
            var kindText = p.Text("kind", new TextField("kind", 32));
            DeviceKind kind = default;
            if (kindText is not null && !DeviceKinds.TryParse(kindText.ToLowerInvariant(), out kind))
                p.Add("kind", "bad_kind", kindText, kinds);
            else if (kindText is not null && id is not null && hub.DeviceKindOf(id) is { } registered && registered != kind)
                p.Add("kind", "kind_changed", id, registered.ToWire());
            var locationText = p.Text("location", new TextField("location", 32, Required: false));
            var location = DeviceLocation.Home;
            if (locationText is not null && !Enum.TryParse(locationText.Replace("_", "", StringComparison.Ordinal), ignoreCase: true, out location))
                p.Add("location", "bad_location", locationText, locations);
            var label = p.Text("label", TextField.DeviceLabel);
            var community = p.Text("community", new TextField("community", TextField.CommunityName.MaxLength, Required: false));
            var address = p.Text("address", new TextField("address", TextField.Address.MaxLength, Required: false));
            var resident = p.Text("resident", new TextField("resident", ExternalIdMaxLength, Required: false));
            var grid = p.Text("grid", new TextField("grid", TextField.GridName.MaxLength, Required: false));
            if (id is not null)
                p.Unique(seen, id, "device_id");
            if (resident is not null)
            {
                var home = hub.ResidentHome(resident);
                if (home is null)
                    p.Add("resident", "unknown_resident", resident);
                else if (address is not null && (home.Value.Address != address || (community is not null && home.Value.Community != community)))
                    p.Add("resident", "resident_elsewhere", resident, address);
                else
                    (community, address) = home.Value;
            }
            else if (address is not null)
            {
                if (community is null)
                    p.Add("community", "required", "community");
                else
                    p.Household(hub, community, address);
            }
            else if (grid is not null)
            {
                if (community is null)
                    p.Add("community", "required", "community");
                else if (!hub.CommunityExists(community))
                    p.Add("community", "unknown_community", community);
                else if (!hub.GridExists(community, grid))
                    p.Add("grid", "unknown_grid", grid);
            }
            else if (p.CellOk("address") && p.CellOk("resident"))
            {
                p.Add("address", "needs_place");
            }
            if (p.Clean)
            {
                // A device in a household belongs to it; only a public-space device is placed by its grid alone.
                var publicSpace = address is null;
                result.Add(new DeviceRow(row.Line, id!, kind, location, label, community, address, resident, publicSpace ? grid : null));
            }
        }
        return new(result, problems);
    }

    /// <summary>One row's cells and the problems found in them; each cell is reported once.</summary>
    private sealed class RowProblems(ImportRow row, List<ImportProblem> problems)
    {
        private readonly int _before = problems.Count;
        private readonly HashSet<string> _bad = new(StringComparer.Ordinal);

        public bool Clean => problems.Count == _before;

        /// <summary>The cell was read without a problem (so a rule about its absence may speak).</summary>
        public bool CellOk(string column) => !_bad.Contains(column);

        public void Add(string column, string code, params object?[] args)
        {
            _bad.Add(column);
            problems.Add(ImportProblem.Of(row.Line, column, code, args));
        }

        private string? Cell(string column) => row.Cells.TryGetValue(column, out var v) ? v : null;

        public string? Text(string column, TextField field)
        {
            var check = field.Check(Cell(column));
            if (check.IsValid)
                return check.Value;
            var value = Cell(column);
            if (string.IsNullOrWhiteSpace(value))
                Add(column, "required", column);
            else if (value.Trim().Length > field.MaxLength)
                Add(column, "too_long", column, field.MaxLength);
            else
                Add(column, "bad_text", column);
            return null;
        }

        public int? Year(string column)
        {
            var value = Cell(column)?.Trim();
            if (string.IsNullOrEmpty(value))
                return null;
            if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var year) && year is >= 1900 and <= 2030)
                return year;
            Add(column, "bad_year");
            return null;
        }

        public bool? Bool(string column)
        {
            var value = Cell(column)?.Trim().ToLowerInvariant();
            switch (value)
            {
                case null or "":
                    return null;
                case "yes" or "y" or "true" or "1" or "是" or "x":
                    return true;
                case "no" or "n" or "false" or "0" or "否":
                    return false;
                default:
                    Add(column, "bad_bool");
                    return null;
            }
        }

        public string? Email(string column)
        {
            var value = Text(column, new TextField(column, EmailMaxLength));
            if (value is null)
                return null;
            var at = value.IndexOf('@', StringComparison.Ordinal);
            if (at <= 0 || at != value.LastIndexOf('@') || at == value.Length - 1 || value.Any(char.IsWhiteSpace) || !value[(at + 1)..].Contains('.', StringComparison.Ordinal))
            {
                Add(column, "bad_email");
                return null;
            }
            return value.ToLowerInvariant();
        }

        public string? Phone(string column)
        {
            var value = Cell(column);
            if (string.IsNullOrWhiteSpace(value))
                return null;
            var phone = PhoneNumber.Normalize(value, out _);
            if (phone is null)
                Add(column, "bad_phone", value.Trim());
            return phone;
        }

        /// <summary>Values separated by ; (or ，/, as people type them).</summary>
        public IReadOnlyList<string> List(string column, TextField each)
        {
            var value = Cell(column);
            if (string.IsNullOrWhiteSpace(value))
                return [];
            var items = new List<string>();
            foreach (var part in value.Split([';', ',', '，', '；'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var check = each.Check(part);
                if (!check.IsValid)
                {
                    Add(column, "bad_text", column);
                    return [];
                }
                if (!items.Contains(check.Value!))
                    items.Add(check.Value!);
            }
            return items;
        }

        public bool Unique<TKey>(Dictionary<TKey, int> seen, TKey key, string column) where TKey : notnull
        {
            if (seen.TryGetValue(key, out var first))
            {
                Add(column, "duplicate", column, first);
                return false;
            }
            seen[key] = row.Line;
            return true;
        }

        public void Household(IOnboardingLookup hub, string community, string address)
        {
            if (!hub.CommunityExists(community))
                Add("community", "unknown_community", community);
            else if (!hub.HouseholdExists(community, address))
                Add("address", "unknown_household", address);
        }
    }
}
