namespace SmartCommunity.Domain.Places;

/// <summary>A community: the unit that runs an emergency desk. Communities are in UTC+8 by default.</summary>
public sealed class Community
{
    public int Id { get; set; }
    public required string Name { get; set; }
    public string TimeZone { get; set; } = "Asia/Shanghai";
}

/// <summary>A grid of about 300 households with its grid worker.</summary>
public sealed class Grid
{
    public int Id { get; set; }
    public int CommunityId { get; set; }
    public required string Name { get; set; }
}

public sealed class Household
{
    public int Id { get; set; }
    public int GridId { get; set; }
    /// <summary>Building, unit and flat, e.g. "Bldg 3, Unit 2, Flat 501".</summary>
    public required string Address { get; set; }
}

public sealed class Resident
{
    public int Id { get; set; }
    public int HouseholdId { get; set; }
    public required string Name { get; set; }
    public int? BirthYear { get; set; }
    /// <summary>"Special difficulty" residents need a visit every month (the plan's 100 % rule).</summary>
    public bool SpecialDifficulty { get; set; }
    public string? Notes { get; set; }
}
