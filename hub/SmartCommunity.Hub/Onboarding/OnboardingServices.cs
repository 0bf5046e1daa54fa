using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using SmartCommunity.Domain.Devices;
using SmartCommunity.Domain.Onboarding;
using SmartCommunity.Domain.Places;
using SmartCommunity.Hub.Broker;
using SmartCommunity.Hub.Devices;
using SmartCommunity.Hub.People;
using SmartCommunity.Hub.Persistence;
using SmartCommunity.Hub.Places;

namespace SmartCommunity.Hub.Onboarding;

/// <summary>Hub:Onboarding — how big an import file may be.</summary>
public sealed class OnboardingOptions
{
    public const string Section = "Hub:Onboarding";

    /// <summary>A file larger than this is refused before it is read (413). 16 MiB holds 12,000 devices as CSV several times over.</summary>
    [Range(1024, 256 * 1024 * 1024)]
    public long MaxFileBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>Data rows a file may have (422 beyond): a community of 3,000 households has ~12,000 devices.</summary>
    [Range(1, 200_000)]
    public int MaxRows { get; set; } = 20_000;
}

public static class OnboardingServices
{
    /// <summary>Bulk onboarding: households, residents, people and devices from CSV or XLSX, checked in full before anything is applied.</summary>
    public static void AddHubOnboarding(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<OnboardingOptions>().BindConfiguration(OnboardingOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddScoped<OnboardingService>();
    }
}

/// <summary>What an import did or would do: rows read, and per row created, updated or unchanged; or the problems.</summary>
public sealed record ImportOutcome(ImportKind Kind, int Rows, int Created, int Updated, int Unchanged, IReadOnlyList<ImportProblem> Problems,
    IReadOnlyList<NewDevice> NewDevices, IReadOnlyList<NewPerson> NewPeople);

/// <summary>A device registered by the import, with its secret: handed out once, in the response, never stored or logged.</summary>
public sealed record NewDevice(string Id, DeviceKind Kind, string Secret);

/// <summary>A person created by the import, with a first password: handed out once, like a device secret.</summary>
public sealed record NewPerson(string Email, string Role, string Password);

/// <summary>
/// Checks a whole file against the hub (one read of each table it refers to, no query per row) and applies it in one
/// transaction: all rows or none. A row that matches what is stored is unchanged, so importing the same file twice
/// changes nothing; an existing device's secret is never rotated or shown again.
/// </summary>
public sealed class OnboardingService(HubDbContext db, UserManager<HubUser> users, IDeviceBroker broker, DeviceDirectory directory, PlaceNames names,
    TimeProvider time, ILogger<OnboardingService> logger, DeviceConfigService deviceConfig)
{
    public async Task<ImportOutcome> RunAsync(ImportKind kind, ImportTable table, bool apply, CancellationToken ct)
    {
        var header = OnboardingRules.CheckHeader(kind, table.Columns);
        if (header.Count > 0)
            return Failed(kind, table, header);
        if (table.Rows.Count == 0)
            return Failed(kind, table, [ImportProblem.Of(1, "", "no_rows")]);
        if (!apply)
            return await CheckAndRunAsync(kind, table, apply: false, ct);
        // One transaction, retried whole by the provider's execution strategy (PostgreSQL retries transient failures and
        // refuses a transaction opened outside it): on a retry the snapshot, the check and the writes all run again.
        var outcome = await db.Database.CreateExecutionStrategy().ExecuteAsync(async token =>
        {
            db.ChangeTracker.Clear();
            await using var tx = await db.Database.BeginTransactionAsync(token);
            return await CheckAndRunAsync(kind, table, apply: true, token);
        }, ct);
        if (outcome.Problems.Count == 0)
        {
            await names.ReloadAsync(db, ct);
            // New devices need their whole entry; a household or resident changes whom existing devices belong to.
            if (kind == ImportKind.Devices)
                await directory.RefreshAllAsync(ct);
            else
                await directory.RefreshPlacesAsync(ct);
        }
        return outcome;
    }

    /// <summary>Checks the file against the hub and counts (dry run), or also writes and commits the open transaction (apply).</summary>
    private async Task<ImportOutcome> CheckAndRunAsync(ImportKind kind, ImportTable table, bool apply, CancellationToken ct)
    {
        var snapshot = await Snapshot.LoadAsync(db, kind, ct);
        return kind switch
        {
            ImportKind.Households => await HouseholdsAsync(table, OnboardingRules.Households(table.Rows), snapshot, apply, ct),
            ImportKind.Residents => await ResidentsAsync(table, OnboardingRules.Residents(table.Rows, snapshot), snapshot, apply, ct),
            ImportKind.Users => await UsersAsync(table, OnboardingRules.Users(table.Rows, snapshot), snapshot, apply, ct),
            ImportKind.Devices => await DevicesAsync(table, OnboardingRules.Devices(table.Rows, snapshot), snapshot, apply, ct),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
    }

    private static ImportOutcome Failed(ImportKind kind, ImportTable table, IReadOnlyList<ImportProblem> problems) =>
        new(kind, table.Rows.Count, 0, 0, 0, problems, [], []);

    private async Task<ImportOutcome> HouseholdsAsync(ImportTable table, ImportCheck<HouseholdRow> check, Snapshot s, bool apply, CancellationToken ct)
    {
        if (check.Problems.Count > 0)
            return Failed(ImportKind.Households, table, check.Problems);
        int created = 0, updated = 0, unchanged = 0;
        // Communities and grids a row names are made first (they need ids), then the households.
        var newCommunities = check.Rows.Select(r => r.Community).Distinct(StringComparer.Ordinal).Where(c => !s.Communities.ContainsKey(c)).ToList();
        if (apply && newCommunities.Count > 0)
        {
            var made = newCommunities.Select(n => Community.Create(n)).ToList();
            db.Communities.AddRange(made);
            await db.SaveChangesAsync(ct);
            foreach (var c in made)
                s.Communities[c.Name] = c.Id;
        }
        var newGrids = check.Rows.Select(r => (r.Community, r.Grid)).Distinct().Where(g => !s.Grids.ContainsKey(g)).ToList();
        if (apply && newGrids.Count > 0)
        {
            var made = newGrids.Select(g => (g, Grid: Grid.Create(s.Communities[g.Community], g.Grid))).ToList();
            db.Grids.AddRange(made.Select(m => m.Grid));
            await db.SaveChangesAsync(ct);
            foreach (var (key, grid) in made)
                s.Grids[key] = grid.Id;
        }
        var households = apply ? await db.Households.ToDictionaryAsync(h => h.Id, ct) : [];
        foreach (var row in check.Rows)
        {
            var gridId = s.Grids.GetValueOrDefault((row.Community, row.Grid));
            if (s.Households.TryGetValue((row.Community, row.Address), out var existing))
            {
                if (existing.GridId == gridId && gridId != 0)
                {
                    unchanged++;
                    continue;
                }
                updated++;
                if (apply)
                    households[existing.Id].MoveToGrid(gridId);
            }
            else
            {
                created++;
                if (apply)
                    db.Households.Add(Household.Create(gridId, row.Address));
            }
        }
        if (apply)
            await SaveAndCommitAsync(ct);
        return new(ImportKind.Households, table.Rows.Count, created, updated, unchanged, [], [], []);
    }

    private async Task<ImportOutcome> ResidentsAsync(ImportTable table, ImportCheck<ResidentRow> check, Snapshot s, bool apply, CancellationToken ct)
    {
        if (check.Problems.Count > 0)
            return Failed(ImportKind.Residents, table, check.Problems);
        int created = 0, updated = 0, unchanged = 0;
        var byExternalId = await db.Residents.Where(r => r.ExternalId != null).ToDictionaryAsync(r => r.ExternalId!, StringComparer.Ordinal, ct);
        foreach (var row in check.Rows)
        {
            var householdId = s.Households[(row.Community, row.Address)].Id;
            if (byExternalId.TryGetValue(row.ExternalId, out var resident))
            {
                // Changed in memory only; nothing is saved on a dry run.
                if (resident.Update(householdId, row.Name, row.BirthYear, row.SpecialDifficulty, row.Notes))
                    updated++;
                else
                    unchanged++;
            }
            else
            {
                created++;
                db.Residents.Add(Resident.Register(householdId, row.Name, row.BirthYear, row.SpecialDifficulty, row.Notes, row.ExternalId));
            }
        }
        if (apply)
            await SaveAndCommitAsync(ct);
        else
            db.ChangeTracker.Clear();
        return new(ImportKind.Residents, table.Rows.Count, created, updated, unchanged, [], [], []);
    }

    private async Task<ImportOutcome> UsersAsync(ImportTable table, ImportCheck<UserRow> check, Snapshot s, bool apply, CancellationToken ct)
    {
        if (check.Problems.Count > 0)
            return Failed(ImportKind.Users, table, check.Problems);
        int created = 0, updated = 0, unchanged = 0;
        var emails = check.Rows.Select(r => r.Email.ToUpperInvariant()).ToList();
        var existing = await db.Users.Where(u => emails.Contains(u.NormalizedEmail!)).ToDictionaryAsync(u => u.NormalizedEmail!, StringComparer.Ordinal, ct);
        var links = await db.FamilyLinks.ToListAsync(ct);
        var residentIds = await db.Residents.AsNoTracking().Where(r => r.ExternalId != null).ToDictionaryAsync(r => r.ExternalId!, r => r.Id, StringComparer.Ordinal, ct);
        var newPeople = new List<NewPerson>();
        foreach (var row in check.Rows)
        {
            int? communityId = row.Community is { } c ? s.Communities[c] : null;
            int? gridId = row.Community is { } gc && row.Grid is { } g ? s.Grids[(gc, g)] : null;
            var phone = row.Phone;
            var wanted = row.Residents.Select(r => residentIds[r]).ToHashSet();
            if (existing.TryGetValue(row.Email.ToUpperInvariant(), out var user))
            {
                var linked = links.Where(l => l.UserId == user.Id).Select(l => l.ResidentId).ToHashSet();
                var missing = wanted.Except(linked).ToList();
                var same = (row.DisplayName ?? user.DisplayName) == user.DisplayName && (phone ?? user.PhoneNumber) == user.PhoneNumber
                    && (row.Language ?? user.Language) == user.Language && user.CommunityId == communityId && user.GridId == gridId && missing.Count == 0;
                if (same)
                {
                    unchanged++;
                    continue;
                }
                updated++;
                if (!apply)
                    continue;
                user.DisplayName = row.DisplayName ?? user.DisplayName;
                user.PhoneNumber = phone ?? user.PhoneNumber;
                user.Language = row.Language ?? user.Language;
                (user.CommunityId, user.GridId) = (communityId, gridId);
                // A file adds relatives; it never takes a family member's access away (that is a deliberate act in the console).
                foreach (var rid in missing)
                    db.FamilyLinks.Add(new FamilyLink { UserId = user.Id, ResidentId = rid });
                continue;
            }
            created++;
            if (!apply)
                continue;
            var password = NewPassword();
            user = new HubUser
            {
                UserName = row.Email, Email = row.Email, EmailConfirmed = true, DisplayName = row.DisplayName ?? row.Email,
                CommunityId = communityId, GridId = gridId, Language = row.Language, PhoneNumber = phone,
            };
            var result = await users.CreateAsync(user, password);
            if (!result.Succeeded)
                throw new InvalidOperationException($"line {row.Line}: the account could not be created: {string.Join("; ", result.Errors.Select(e => e.Code))}");
            await users.AddToRoleAsync(user, row.Role);
            foreach (var rid in wanted)
                db.FamilyLinks.Add(new FamilyLink { UserId = user.Id, ResidentId = rid });
            newPeople.Add(new NewPerson(row.Email, row.Role, password));
        }
        if (apply)
            await SaveAndCommitAsync(ct);
        return new(ImportKind.Users, table.Rows.Count, created, updated, unchanged, [], [], newPeople);
    }

    private async Task<ImportOutcome> DevicesAsync(ImportTable table, ImportCheck<DeviceRow> check, Snapshot s, bool apply, CancellationToken ct)
    {
        if (check.Problems.Count > 0)
            return Failed(ImportKind.Devices, table, check.Problems);
        int created = 0, updated = 0, unchanged = 0;
        // The snapshot knows which ids are registered: a first import reads no device, a large re-import the whole table
        // once (a 12,000-id IN list costs SQLite more than reading every row).
        var known = check.Rows.Where(r => s.DeviceKindOf(r.Id) is not null).Select(r => r.Id).ToHashSet(StringComparer.Ordinal);
        var existing = known.Count switch
        {
            0 => new Dictionary<string, Device>(StringComparer.Ordinal),
            <= 500 => await db.Devices.Where(d => known.Contains(d.Id)).ToDictionaryAsync(d => d.Id, StringComparer.Ordinal, ct),
            _ => (await db.Devices.ToListAsync(ct)).Where(d => known.Contains(d.Id)).ToDictionary(d => d.Id, StringComparer.Ordinal),
        };
        var residentIds = await db.Residents.AsNoTracking().Where(r => r.ExternalId != null).ToDictionaryAsync(r => r.ExternalId!, r => r.Id, StringComparer.Ordinal, ct);
        var fresh = new List<NewDevice>();
        var now = time.GetUtcNow();
        foreach (var row in check.Rows)
        {
            int? householdId = row.Address is { } a ? s.Households[(row.Community!, a)].Id : null;
            int? residentId = row.Resident is { } r ? residentIds[r] : null;
            int? gridId = row.Grid is { } g ? s.Grids[(row.Community!, g)] : null;
            if (existing.TryGetValue(row.Id, out var device))
            {
                if (device.PlaceAt(row.Location, row.Label, householdId, residentId, gridId))
                    updated++;
                else
                    unchanged++;
                continue;
            }
            created++;
            if (!apply)
                continue;
            var secret = DeviceSecret.Generate();
            db.Devices.Add(Device.Register(row.Id, row.Kind, DeviceSecret.Hash(secret), now, row.Location, row.Label, householdId, residentId, gridId));
            fresh.Add(new NewDevice(row.Id, row.Kind, secret));
        }
        if (!apply)
        {
            db.ChangeTracker.Clear();
            return new(ImportKind.Devices, table.Rows.Count, created, updated, unchanged, [], [], []);
        }
        var provisioned = new List<string>();
        try
        {
            // The broker first (an external broker's accounts; nothing to do for the embedded one), as one registration does.
            foreach (var d in fresh)
            {
                await broker.ProvisionAsync(d.Id, d.Secret, ct);
                provisioned.Add(d.Id);
            }
            await SaveAndCommitAsync(ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogError(ex, "Device import of {Count} devices failed; removing the {Provisioned} broker accounts it made", fresh.Count, provisioned.Count);
            foreach (var id in provisioned)
                await broker.RemoveAsync(id, CancellationToken.None);
            throw;
        }
        // Their kinds' configuration, retained for their first connect (as one registration does).
        await deviceConfig.PublishAsync(fresh.Select(d => d.Id).ToList(), force: true, ct);
        return new(ImportKind.Devices, table.Rows.Count, created, updated, unchanged, [], fresh, []);
    }

    /// <summary>Writes the rows and commits the transaction <see cref="RunAsync"/> opened for this apply.</summary>
    private async Task SaveAndCommitAsync(CancellationToken ct)
    {
        await db.SaveChangesAsync(ct);
        await db.Database.CommitTransactionAsync(ct);
    }

    /// <summary>20 random characters from four classes: meets the hub's password rules; the person changes it after signing in.</summary>
    private static string NewPassword() =>
        RandomNumberGenerator.GetString("ABCDEFGHJKLMNPQRSTUVWXYZ", 5) + RandomNumberGenerator.GetString("abcdefghijkmnopqrstuvwxyz", 5)
        + RandomNumberGenerator.GetString("23456789", 5) + "-" + RandomNumberGenerator.GetString("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789", 4);

    /// <summary>The hub's places and people by natural key, read once per import (a handful of queries whatever the file's size).</summary>
    private sealed class Snapshot : IOnboardingLookup
    {
        public Dictionary<string, int> Communities { get; } = new(StringComparer.Ordinal);
        public Dictionary<(string Community, string Grid), int> Grids { get; } = [];
        public Dictionary<(string Community, string Address), (int Id, int GridId)> Households { get; } = [];
        private Dictionary<string, (string, string)> _residentHomes = new(StringComparer.Ordinal);
        private Dictionary<string, DeviceKind> _devices = new(StringComparer.Ordinal);
        private Dictionary<string, string> _roles = new(StringComparer.OrdinalIgnoreCase);

        public static async Task<Snapshot> LoadAsync(HubDbContext db, ImportKind kind, CancellationToken ct)
        {
            var s = new Snapshot();
            var communities = await db.Communities.AsNoTracking().Select(c => new { c.Id, c.Name }).ToListAsync(ct);
            var communityName = communities.ToDictionary(c => c.Id, c => c.Name);
            foreach (var c in communities)
                s.Communities.TryAdd(c.Name, c.Id);
            var grids = await db.Grids.AsNoTracking().Select(g => new { g.Id, g.CommunityId, g.Name }).ToListAsync(ct);
            var gridCommunity = grids.ToDictionary(g => g.Id, g => g.CommunityId);
            foreach (var g in grids)
                s.Grids.TryAdd((communityName[g.CommunityId], g.Name), g.Id);
            var households = await db.Households.AsNoTracking().Select(h => new { h.Id, h.GridId, h.Address }).ToListAsync(ct);
            var householdKey = new Dictionary<int, (string, string)>();
            foreach (var h in households)
            {
                var key = (communityName[gridCommunity[h.GridId]], h.Address);
                householdKey[h.Id] = key;
                s.Households.TryAdd(key, (h.Id, h.GridId));
            }
            if (kind is ImportKind.Users or ImportKind.Devices or ImportKind.Residents)
            {
                foreach (var r in await db.Residents.AsNoTracking().Where(r => r.ExternalId != null).Select(r => new { r.ExternalId, r.HouseholdId }).ToListAsync(ct))
                    s._residentHomes[r.ExternalId!] = householdKey[r.HouseholdId];
            }
            if (kind == ImportKind.Devices)
                s._devices = await db.Devices.AsNoTracking().ToDictionaryAsync(d => d.Id, d => d.Kind, StringComparer.Ordinal, ct);
            if (kind == ImportKind.Users)
            {
                var roles = await (from ur in db.UserRoles join r in db.Roles on ur.RoleId equals r.Id join u in db.Users on ur.UserId equals u.Id
                                   select new { u.Email, r.Name }).ToListAsync(ct);
                foreach (var x in roles.Where(x => x.Email is not null))
                    s._roles.TryAdd(x.Email!, x.Name!);
            }
            return s;
        }

        public bool CommunityExists(string community) => Communities.ContainsKey(community);
        public bool GridExists(string community, string grid) => Grids.ContainsKey((community, grid));
        public bool HouseholdExists(string community, string address) => Households.ContainsKey((community, address));
        public (string Community, string Address)? ResidentHome(string externalId) => _residentHomes.TryGetValue(externalId, out var h) ? h : null;
        public DeviceKind? DeviceKindOf(string deviceId) => _devices.TryGetValue(deviceId, out var k) ? k : null;
        public string? RoleOf(string email) => _roles.GetValueOrDefault(email);
    }
}
