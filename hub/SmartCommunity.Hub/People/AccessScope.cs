using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using SmartCommunity.Domain.Alerts;
using SmartCommunity.Domain.Escalation;
using SmartCommunity.Domain.Visits;
using SmartCommunity.Hub.Persistence;

namespace SmartCommunity.Hub.People;

/// <summary>
/// What one person may see, resolved from the database on each request or connection (never from
/// client input): admins everything; emergency staff their community; grid workers their grid;
/// family members their linked residents, and the shared devices (those of no resident, e.g. a kitchen smoke
/// detector) of those residents' households; technicians devices only. The one place these rules are written: every
/// API asks this (alerts, residents, readings, visits, rosters, reports), and the SignalR groups mirror it
/// (<see cref="Alerts.AlertGroups"/>).
/// </summary>
public sealed record AccessScope(string UserId, string UserName, bool All, IReadOnlyList<int> CommunityIds, IReadOnlyList<int> GridIds, IReadOnlyList<int> ResidentIds, bool Devices)
{
    public static readonly AccessScope None = new("", "", false, [], [], [], false);

    /// <summary>Households of the linked residents (families only): their shared devices and alerts are the family's too.</summary>
    public IReadOnlyList<int> HouseholdIds { get; init; } = [];

    /// <summary>The profile's language (null: not chosen), for texts the hub renders for this person.</summary>
    public string? Language { get; init; }

    public bool IsResponder => All || CommunityIds.Count > 0 || GridIds.Count > 0;

    /// <summary>The one rule for "may see what happens at this place": alerts, residents and device data all use it.</summary>
    public bool CanSee(AlertPlace p) => CanHandle(p.CommunityId, p.GridId) || IsFamilyOf(p);

    public bool CanSee(Alert a) => CanSee(Place(a));

    /// <summary>
    /// The family rule: a linked resident's own place, or a place of their household that belongs to no resident.
    /// Another resident's devices in the same household stay that resident's family's. <see cref="AccessScopeResolver.FamilyMembersAsync"/> is its inverse.
    /// </summary>
    public bool IsFamilyOf(AlertPlace p) =>
        (p.ResidentId is { } r && ResidentIds.Contains(r))
        || (p.ResidentId is null && p.HouseholdId is { } h && HouseholdIds.Contains(h));

    public bool IsFamilyOf(Alert a) => IsFamilyOf(Place(a));

    private static AlertPlace Place(Alert a) => new(a.ResidentId, a.HouseholdId, a.GridId, a.CommunityId);

    /// <summary>
    /// The responders' rule, "handles what happens at this place": admins everywhere, emergency staff in their community,
    /// grid workers in their grid. Only they change alerts, record visits, see rosters and visit lists; families view.
    /// </summary>
    public bool CanHandle(int? communityId, int? gridId) =>
        All
        || (communityId is { } c && CommunityIds.Contains(c))
        || (gridId is { } g && GridIds.Contains(g));

    public bool CanHandle(Alert a) => CanHandle(a.CommunityId, a.GridId);

    /// <summary>Handles every place of the community: its emergency staff and admins (its rosters, its reports).</summary>
    public bool CanHandleCommunity(int communityId) => All || CommunityIds.Contains(communityId);

    /// <summary>Handles some place of the community (<paramref name="gridsOfCommunity"/>): its staff and admins, or a grid
    /// worker of one of its grids, who then sees the community's lists filtered to their grid.</summary>
    public bool CanHandleSomewhereIn(int communityId, IEnumerable<int> gridsOfCommunity) =>
        CanHandleCommunity(communityId) || gridsOfCommunity.Any(g => GridIds.Contains(g));

    /// <summary>
    /// Why this person may not be rostered or paged at <paramref name="level"/> for this place, or null when they may. A page
    /// carries residents' names and addresses, so it goes to staff of that place only: grid-worker pages to grid workers of
    /// that grid; duty officer and emergency centre pages to the community's emergency staff or an admin. Families and
    /// technicians never.
    /// </summary>
    public string? PagingRefusal(EscalationLevel level, int communityId, int? gridId) => level == EscalationLevel.GridWorker
        ? gridId is { } g && GridIds.Contains(g) ? null : $"only grid workers of grid {gridId?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "(none)"} take grid-worker shifts and pages"
        : CanHandleCommunity(communityId) ? null : $"only emergency staff of community {communityId.ToString(System.Globalization.CultureInfo.InvariantCulture)} or an admin take duty-officer and emergency-centre shifts and pages";

    public IQueryable<Alert> Filter(IQueryable<Alert> alerts)
    {
        if (All)
            return alerts;
        var communities = CommunityIds;
        var grids = GridIds;
        var residents = ResidentIds;
        var households = HouseholdIds;
        return alerts.Where(a =>
            (a.CommunityId != null && communities.Contains(a.CommunityId.Value))
            || (a.GridId != null && grids.Contains(a.GridId.Value))
            || (a.ResidentId != null && residents.Contains(a.ResidentId.Value))
            || (a.ResidentId == null && a.HouseholdId != null && households.Contains(a.HouseholdId.Value)));
    }

    /// <summary>Visits in the places this person handles (<see cref="CanHandle(int?, int?)"/>, as a query).</summary>
    public IQueryable<Visit> Filter(IQueryable<Visit> visits)
    {
        if (All)
            return visits;
        var communities = CommunityIds;
        var grids = GridIds;
        return visits.Where(v => communities.Contains(v.CommunityId) || grids.Contains(v.GridId));
    }

    /// <summary>Roster shifts of the places this person handles (<see cref="CanHandle(int?, int?)"/>, as a query).</summary>
    public IQueryable<RosterShift> Filter(IQueryable<RosterShift> shifts)
    {
        if (All)
            return shifts;
        var communities = CommunityIds;
        var grids = GridIds;
        return shifts.Where(s => communities.Contains(s.CommunityId) || (s.GridId != null && grids.Contains(s.GridId.Value)));
    }

    public bool CanSeeResident(int residentId, int? gridId, int? communityId) =>
        CanSee(new AlertPlace(residentId, null, gridId, communityId));
}

public sealed class AccessScopeResolver(IDbContextFactory<HubDbContext> dbFactory)
{
    public async Task<AccessScope> ResolveAsync(ClaimsPrincipal principal, CancellationToken ct) =>
        principal.FindFirstValue(ClaimTypes.NameIdentifier) is { } userId ? await ResolveUserAsync(userId, ct) : AccessScope.None;

    /// <summary>The scope of any account by id: what the signed-in person may see, or whether someone else may be paged or dispatched.</summary>
    public async Task<AccessScope> ResolveUserAsync(string userId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var user = await db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.Id == userId, ct);
        if (user is null)
            return AccessScope.None;
        // Roles come from the database too, so a role removed by an admin takes effect at the next request.
        var roles = await (from ur in db.UserRoles join r in db.Roles on ur.RoleId equals r.Id where ur.UserId == userId select r.Name).ToListAsync(ct);
        var name = user.UserName ?? "";
        if (roles.Contains(Roles.Admin))
            return new AccessScope(userId, name, true, [], [], [], true) { Language = user.Language };
        var communities = new List<int>();
        var grids = new List<int>();
        var residents = new List<int>();
        var households = new List<int>();
        if (roles.Contains(Roles.EmergencyStaff) && user.CommunityId is { } c)
            communities.Add(c);
        if (roles.Contains(Roles.GridWorker) && user.GridId is { } g)
            grids.Add(g);
        if (roles.Contains(Roles.Family))
        {
            var links = await (from l in db.FamilyLinks join r in db.Residents on l.ResidentId equals r.Id where l.UserId == userId
                               select new { l.ResidentId, r.HouseholdId }).ToListAsync(ct);
            residents.AddRange(links.Select(l => l.ResidentId));
            households.AddRange(links.Select(l => l.HouseholdId).Distinct());
        }
        return new AccessScope(userId, name, false, communities, grids, residents, roles.Contains(Roles.Technician)) { HouseholdIds = households, Language = user.Language };
    }

    /// <summary>
    /// The family members who see what happens at this place (<see cref="AccessScope.IsFamilyOf(AlertPlace)"/> turned
    /// around): the resident's family, or for a device of no resident, the families of everyone in its household.
    /// </summary>
    public async Task<List<string>> FamilyMembersAsync(AlertPlace place, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (place.ResidentId is { } residentId)
            return await db.FamilyLinks.AsNoTracking().Where(l => l.ResidentId == residentId).Select(l => l.UserId).ToListAsync(ct);
        if (place.HouseholdId is not { } householdId)
            return [];
        return await (from l in db.FamilyLinks join r in db.Residents on l.ResidentId equals r.Id where r.HouseholdId == householdId
                      select l.UserId).Distinct().ToListAsync(ct);
    }
}
