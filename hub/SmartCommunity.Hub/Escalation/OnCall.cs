using Microsoft.EntityFrameworkCore;
using SmartCommunity.Domain.Alerts;
using SmartCommunity.Domain.Escalation;
using SmartCommunity.Hub.People;
using SmartCommunity.Hub.Persistence;

namespace SmartCommunity.Hub.Escalation;

public sealed record Recipient(string UserId, string Name, string? Phone);

/// <summary>
/// Who is on call for an alert at a level, now: the roster shifts that cover this moment in the community's
/// zone. A level with nobody rostered falls back to everyone with that role for the place, because paging
/// nobody is the one outcome that must not happen. Everyone is checked against their current role and place
/// (<see cref="AccessScope.PagingRefusal"/>) before they are paged: a shift saved before its person changed role or
/// grid, or written around the API, is skipped and logged, never paged.
/// </summary>
public sealed class OnCall(IDbContextFactory<HubDbContext> dbFactory, AccessScopeResolver scopes, TimeProvider time, ILogger<OnCall> logger)
{
    public Task<List<Recipient>> RecipientsAsync(Alert alert, EscalationLevel level, CancellationToken ct) =>
        RecipientsAsync(alert.CommunityId, alert.GridId, level, ct);

    /// <summary>Who is on call at this place (an alert's, or a case's) for a level, now.</summary>
    public async Task<List<Recipient>> RecipientsAsync(int? placeCommunity, int? gridId, EscalationLevel level, CancellationToken ct)
    {
        if (placeCommunity is not { } communityId)
            return [];
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var community = await db.Communities.AsNoTracking().SingleOrDefaultAsync(c => c.Id == communityId, ct);
        var zone = Roster.Zone(community?.TimeZone);
        var shifts = await db.RosterShifts.AsNoTracking().Where(s => s.CommunityId == communityId && s.Role == level).ToListAsync(ct);
        var rostered = Roster.OnDuty(shifts, level, communityId, gridId, time.GetUtcNow(), zone).Select(s => s.UserId).Distinct().ToList();
        var userIds = await EligibleAsync(rostered, level, communityId, gridId, ct);
        if (userIds.Count == 0)
            userIds = await EligibleAsync(await FallbackAsync(db, level, communityId, gridId, ct), level, communityId, gridId, ct);
        return await db.Users.AsNoTracking().Where(u => userIds.Contains(u.Id))
            .Select(u => new Recipient(u.Id, u.DisplayName, u.PhoneNumber)).ToListAsync(ct);
    }

    private async Task<List<string>> EligibleAsync(List<string> userIds, EscalationLevel level, int communityId, int? gridId, CancellationToken ct)
    {
        var eligible = new List<string>(userIds.Count);
        foreach (var userId in userIds)
        {
            var scope = await scopes.ResolveUserAsync(userId, ct);
            if (scope.PagingRefusal(level, communityId, gridId) is { } reason)
                logger.LogWarning("On call {Level} in community {CommunityId}: user {UserId} is on the roster but not paged ({Reason}); correct the roster",
                    level.ToWire(), communityId, userId, reason);
            else
                eligible.Add(userId);
        }
        return eligible;
    }

    private static async Task<List<string>> FallbackAsync(HubDbContext db, EscalationLevel level, int communityId, int? gridId, CancellationToken ct)
    {
        var role = level switch
        {
            EscalationLevel.GridWorker => Roles.GridWorker,
            EscalationLevel.DutyOfficer => Roles.EmergencyStaff,
            _ => null,
        };
        if (role is null)
            return [];
        var q = from u in db.Users
                join ur in db.UserRoles on u.Id equals ur.UserId
                join r in db.Roles on ur.RoleId equals r.Id
                where r.Name == role && u.CommunityId == communityId
                select u;
        if (level == EscalationLevel.GridWorker)
            q = q.Where(u => u.GridId == gridId);
        return await q.Select(u => u.Id).ToListAsync(ct);
    }
}
