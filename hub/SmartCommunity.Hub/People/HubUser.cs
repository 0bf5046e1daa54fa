using Microsoft.AspNetCore.Identity;

namespace SmartCommunity.Hub.People;

public sealed class HubUser : IdentityUser
{
    public string DisplayName { get; set; } = "";

    /// <summary>"en" or "zh-CN"; null means "follow the browser".</summary>
    public string? Language { get; set; }

    /// <summary>Emergency staff: the community whose desk they work. Grid workers: their grid's community.</summary>
    public int? CommunityId { get; set; }

    /// <summary>Grid workers only.</summary>
    public int? GridId { get; set; }
}

/// <summary>Links a family member to a relative; a family member sees only linked residents.</summary>
public sealed class FamilyLink
{
    public required string UserId { get; set; }
    public int ResidentId { get; set; }
    public string? Relation { get; set; }
}

public static class Roles
{
    public const string Admin = "Admin";
    public const string EmergencyStaff = "EmergencyStaff";
    public const string GridWorker = "GridWorker";
    public const string Technician = "Technician";
    public const string Family = "Family";

    public static readonly IReadOnlyList<string> All = [Admin, EmergencyStaff, GridWorker, Technician, Family];

    /// <summary>People who handle alerts.</summary>
    public const string Responders = $"{Admin},{EmergencyStaff},{GridWorker}";
    public const string DevicePeople = $"{Admin},{Technician}";
    public const string PlaceViewers = $"{Admin},{EmergencyStaff},{GridWorker},{Family}";
}
