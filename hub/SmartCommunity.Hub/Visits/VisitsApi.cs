using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using SmartCommunity.Domain.Places;
using SmartCommunity.Domain.Visits;
using SmartCommunity.Hub.Hosting;
using SmartCommunity.Hub.People;
using SmartCommunity.Hub.Persistence;
using SmartCommunity.Hub.Privacy;

namespace SmartCommunity.Hub.Visits;

public sealed record VisitDto(long Id, int ResidentId, int GridId, DateTimeOffset At, string By, string Source, string? Note);
public sealed record RecordVisitRequest(int ResidentId, string? Note);
public sealed record OverdueDto(int ResidentId, string Name, int GridId, DateTimeOffset? LastVisit);
public sealed record CoverageDto(string Month, int CommunityId, int Required, int Visited, double Coverage, IReadOnlyList<GridCoverageDto> Grids);
public sealed record GridCoverageDto(int GridId, int Required, int Visited, double Coverage);

/// <summary>Visit check-ins, the overdue list and monthly coverage per grid and community.</summary>
public static class VisitsApi
{
    public static RouteGroupBuilder MapVisitsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/visits").WithTags("Visits").RequireAuthorization(p => p.RequireRole(Roles.Admin, Roles.EmergencyStaff, Roles.GridWorker));
        group.MapPost("/", RecordAsync).WithSummary("Check-in: the caller visited this resident now");
        group.MapGet("/", ListAsync);
        group.MapGet("/overdue", OverdueAsync).WithSummary("Special-difficulty residents not yet visited this month (community time)");
        group.MapGet("/coverage", CoverageAsync).WithSummary("month=yyyy-MM in community time; default the current month");
        return group;
    }

    private static async Task<(Resident Resident, int GridId, int CommunityId)?> ResidentPlaceAsync(HubDbContext db, int residentId, CancellationToken ct) =>
        await (from r in db.Residents
               join h in db.Households on r.HouseholdId equals h.Id
               join g in db.Grids on h.GridId equals g.Id
               where r.Id == residentId
               select new ValueTuple<Resident, int, int>(r, g.Id, g.CommunityId)).SingleOrDefaultAsync(ct) is { Item1: not null } t ? t : null;

    private static async Task<Results<Created<VisitDto>, NotFound, ValidationProblem>> RecordAsync(RecordVisitRequest req, HttpContext http, AccessScopeResolver scopes, HubDbContext db, VisitService visits, TimeProvider time, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        var note = errors.CheckText(TextField.Note("note"), req.Note);
        if (errors.Count > 0)
            return ApiProblem.Invalid(errors);
        var scope = await scopes.ResolveAsync(http.User, ct);
        var place = await ResidentPlaceAsync(db, req.ResidentId, ct);
        if (place is not { } p || !scope.CanSeeResident(req.ResidentId, p.GridId, p.CommunityId))
            return TypedResults.NotFound();
        var visit = (await visits.RecordAsync(req.ResidentId, scope.UserName, "api", note, time.GetUtcNow(), ct))!;
        return TypedResults.Created($"/api/visits/{visit.Id}", new VisitDto(visit.Id, visit.ResidentId, visit.GridId, visit.At, visit.By, visit.Source, visit.Note));
    }

    private static async Task<Ok<List<VisitDto>>> ListAsync(HttpContext http, AccessScopeResolver scopes, HubDbContext db, int? residentId, CancellationToken ct)
    {
        var scope = await scopes.ResolveAsync(http.User, ct);
        var q = scope.Filter(db.Visits.AsNoTracking());
        if (residentId is { } r)
            q = q.Where(v => v.ResidentId == r);
        var rows = await q.OrderByDescending(v => v.At).Take(500).ToListAsync(ct);
        http.RecordPersonalDataRead("visits", rows.Select(v => (int?)v.ResidentId));
        return TypedResults.Ok(rows.Select(v => new VisitDto(v.Id, v.ResidentId, v.GridId, v.At, v.By, v.Source, v.Note)).ToList());
    }

    private static async Task<Results<Ok<List<OverdueDto>>, NotFound>> OverdueAsync(int communityId, HttpContext http, AccessScopeResolver scopes, HubDbContext db, VisitService visits, TimeProvider time, CancellationToken ct)
    {
        var scope = await scopes.ResolveAsync(http.User, ct);
        // Another community's list is "not found", as for coverage, rather than an empty list that confirms it exists.
        if (!await InScopeAsync(scope, db, communityId, ct))
            return TypedResults.NotFound();
        var (residents, all, zone) = await visits.LoadAsync(db, communityId, ct);
        // Grid workers see their own grid's list; staff and admins the community's.
        residents = residents.Where(r => scope.CanHandle(r.CommunityId, r.GridId)).ToList();
        var overdue = VisitCoverage.Overdue(residents, all, LocalMonth.Of(time.GetUtcNow(), zone), zone);
        http.RecordPersonalDataRead("overdue visits", overdue.Select(o => (int?)o.ResidentId));
        return TypedResults.Ok(overdue.Select(o => new OverdueDto(o.ResidentId, o.Name, o.GridId, o.LastVisit)).ToList());
    }

    private static async Task<Results<Ok<CoverageDto>, NotFound, ValidationProblem>> CoverageAsync(int communityId, string? month, HttpContext http, AccessScopeResolver scopes, HubDbContext db, VisitService visits, TimeProvider time, CancellationToken ct)
    {
        var scope = await scopes.ResolveAsync(http.User, ct);
        if (!await InScopeAsync(scope, db, communityId, ct))
            return TypedResults.NotFound();
        var (residents, all, zone) = await visits.LoadAsync(db, communityId, ct);
        LocalMonth m;
        if (month is null)
            m = LocalMonth.Of(time.GetUtcNow(), zone);
        else if (!LocalMonth.TryParse(month, out m))
            return ApiProblem.Invalid("month", "month is yyyy-MM");
        return TypedResults.Ok(Coverage(communityId, residents, all, m, zone));
    }

    private static async Task<bool> InScopeAsync(AccessScope scope, HubDbContext db, int communityId, CancellationToken ct) =>
        await db.Communities.AnyAsync(c => c.Id == communityId, ct)
        && scope.CanHandleSomewhereIn(communityId, await db.Grids.Where(g => g.CommunityId == communityId).Select(g => g.Id).ToListAsync(ct));

    public static CoverageDto Coverage(int communityId, IReadOnlyList<ResidentToVisit> residents, IReadOnlyList<Visit> visits, LocalMonth month, TimeZoneInfo zone)
    {
        var total = VisitCoverage.Total(residents, visits, month, zone);
        var grids = VisitCoverage.ByGrid(residents, visits, month, zone).Select(g => new GridCoverageDto(g.GridId!.Value, g.Required, g.Visited, g.Coverage)).ToList();
        return new CoverageDto(month.ToString(), communityId, total.Required, total.Visited, total.Coverage, grids);
    }
}
