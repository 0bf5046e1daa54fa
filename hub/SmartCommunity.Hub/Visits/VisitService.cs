using Microsoft.EntityFrameworkCore;
using SmartCommunity.Domain.Escalation;
using SmartCommunity.Domain.Visits;
using SmartCommunity.Hub.Persistence;

namespace SmartCommunity.Hub.Visits;

/// <summary>Records visits and answers the monthly-visit questions for a community, in its local calendar.</summary>
public sealed class VisitService(IDbContextFactory<HubDbContext> dbFactory)
{
    public async Task<Visit?> RecordAsync(int residentId, string by, string source, string? note, DateTimeOffset at, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var place = await (from r in db.Residents
                           join h in db.Households on r.HouseholdId equals h.Id
                           join g in db.Grids on h.GridId equals g.Id
                           where r.Id == residentId
                           select new { g.Id, g.CommunityId }).SingleOrDefaultAsync(ct);
        if (place is null)
            return null;
        var visit = new Visit { ResidentId = residentId, GridId = place.Id, CommunityId = place.CommunityId, At = at, By = by, Source = source, Note = note };
        db.Visits.Add(visit);
        await db.SaveChangesAsync(ct);
        return visit;
    }

    public async Task<(List<ResidentToVisit> Residents, List<Visit> Visits, TimeZoneInfo Zone)> LoadAsync(HubDbContext db, int communityId, CancellationToken ct)
    {
        var community = await db.Communities.AsNoTracking().SingleOrDefaultAsync(c => c.Id == communityId, ct);
        var residents = await (from r in db.Residents
                               join h in db.Households on r.HouseholdId equals h.Id
                               join g in db.Grids on h.GridId equals g.Id
                               where g.CommunityId == communityId && r.SpecialDifficulty
                               select new ResidentToVisit(r.Id, r.Name, g.Id, g.CommunityId)).ToListAsync(ct);
        var visits = await db.Visits.AsNoTracking().Where(v => v.CommunityId == communityId).ToListAsync(ct);
        return (residents, visits, Roster.Zone(community?.TimeZone));
    }
}
