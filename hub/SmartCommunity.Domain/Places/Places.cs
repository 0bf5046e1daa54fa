namespace SmartCommunity.Domain.Places;

/// <summary>A community: the unit that runs an emergency desk. Communities are in UTC+8 by default.</summary>
public sealed class Community
{
    public const string DefaultTimeZone = "Asia/Shanghai";

    private Community() { }

    public int Id { get; private set; }
    public string Name { get; private set; } = "";
    public string TimeZone { get; private set; } = DefaultTimeZone;

    public static Community Create(string name, string timeZone = DefaultTimeZone) => new() { Name = name, TimeZone = timeZone };

    public void Change(string name, string timeZone) => (Name, TimeZone) = (name, timeZone);
}

/// <summary>A grid of about 300 households with its grid worker.</summary>
public sealed class Grid
{
    private Grid() { }

    public int Id { get; private set; }
    public int CommunityId { get; private set; }
    public string Name { get; private set; } = "";

    public static Grid Create(int communityId, string name) => new() { CommunityId = communityId, Name = name };

    public void Rename(string name) => Name = name;
}

public sealed class Household
{
    private Household() { }

    public int Id { get; private set; }
    public int GridId { get; private set; }
    /// <summary>Building, unit and flat, e.g. "Bldg 3, Unit 2, Flat 501".</summary>
    public string Address { get; private set; } = "";

    public static Household Create(int gridId, string address) => new() { GridId = gridId, Address = address };

    /// <summary>A new address, or the same one in another grid (grids are redrawn): its alerts route to the new grid.</summary>
    public void Change(int gridId, string address) => (GridId, Address) = (gridId, address);

    /// <summary>Its last resident was erased: the address would still say who lived there, so only the number is kept.</summary>
    public void ForgetAddress() => Address = $"Household {Id}";
}

public sealed class Resident
{
    private Resident() { }

    public int Id { get; private set; }
    public int HouseholdId { get; private set; }
    public string Name { get; private set; } = "";
    public int? BirthYear { get; private set; }
    /// <summary>"Special difficulty" residents need a visit every month (the plan's 100 % rule).</summary>
    public bool SpecialDifficulty { get; private set; }
    public string? Notes { get; private set; }

    public static Resident Register(int householdId, string name, int? birthYear = null, bool specialDifficulty = false, string? notes = null) =>
        new() { HouseholdId = householdId, Name = name, BirthYear = birthYear, SpecialDifficulty = specialDifficulty, Notes = notes };

    /// <summary>Corrected details, or a move to another household.</summary>
    public void Change(int householdId, string name, int? birthYear, bool specialDifficulty) =>
        (HouseholdId, Name, BirthYear, SpecialDifficulty) = (householdId, name, birthYear, specialDifficulty);
}
