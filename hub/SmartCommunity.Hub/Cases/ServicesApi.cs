using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using SmartCommunity.Domain.Catalog;
using SmartCommunity.Domain.Escalation;
using SmartCommunity.Domain.Places;
using SmartCommunity.Domain.Services;
using SmartCommunity.Domain.Visits;
using SmartCommunity.Hub.Hosting;
using SmartCommunity.Hub.People;
using SmartCommunity.Hub.Persistence;
using SmartCommunity.Hub.Places;
using SmartCommunity.Hub.Privacy;
using SmartCommunity.Hub.Visits;

namespace SmartCommunity.Hub.Cases;

public sealed record RecordServiceRequest(int ResidentId, string Kind, string? Provider = null, string? Note = null);
public sealed record ServiceDto(long Id, int ResidentId, int GridId, string Kind, DateTimeOffset At, string By, string? Provider, string? Note, int? Rating, string? RatingComment)
{
    /// <summary>The worker by display name, as on alerts and cases (the record keeps the user name, an e-mail).</summary>
    public static ServiceDto From(ServiceRecord s, PlaceNames names) =>
        new(s.Id, s.ResidentId, s.GridId, WireName.Of(s.Kind), s.At, names.Person(s.By) ?? s.By, s.Provider, s.Note, s.Rating, s.RatingComment);
}
public sealed record ServiceRateDto(string Month, int CommunityId, int Required, int Served, double Rate, IReadOnlyList<GridServiceRateDto> Grids);
public sealed record GridServiceRateDto(int GridId, int Required, int Served, double Rate);

/// <summary>Services delivered to residents in special difficulty (meal, bathing, cleaning, medical escort, companionship…),
/// their monthly rate per community and grid (like visit coverage), and the family's rating of each.</summary>
public static class ServicesApi
{
    public static RouteGroupBuilder MapServicesApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/services").WithTags("Services").RequireAuthorization();
        var staff = group.MapGroup("").RequireAuthorization(p => p.RequireRole(Roles.Admin, Roles.EmergencyStaff, Roles.GridWorker));
        staff.MapPost("/", RecordAsync).WithSummary("Record a service delivered now to a resident (by the caller, or by a named provider)");
        staff.MapGet("/rate", RateAsync).WithSummary("month=yyyy-MM in community time: the share of special-difficulty residents served at least once");
        group.MapGet("/", ListAsync).RequireAuthorization(p => p.RequireRole(Roles.Admin, Roles.EmergencyStaff, Roles.GridWorker, Roles.Family));
        group.MapPost("/{id:long}/rating", RateServiceAsync).RequireAuthorization(p => p.RequireRole(Roles.Admin, Roles.EmergencyStaff, Roles.Family))
            .WithSummary("好差评 of a service: the resident's family, or the community's desk calling back; once");
        return group;
    }

    private static async Task<Results<Created<ServiceDto>, NotFound, ValidationProblem>> RecordAsync(RecordServiceRequest req, HttpContext http, AccessScopeResolver scopes,
        HubDbContext db, PlaceNames names, TimeProvider time, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (!WireName.TryParse<ServiceKind>(req.Kind, out var kind))
            errors["kind"] = [$"kind must be one of {string.Join(", ", WireName.All<ServiceKind>())}"];
        var provider = errors.CheckText(new TextField("provider", 200, Required: false), req.Provider);
        var note = errors.CheckText(TextField.Note("note"), req.Note);
        if (errors.Count > 0)
            return ApiProblem.Invalid(errors);
        var scope = await scopes.ResolveAsync(http.User, ct);
        var place = await (from r in db.Residents join h in db.Households on r.HouseholdId equals h.Id join g in db.Grids on h.GridId equals g.Id
                           where r.Id == req.ResidentId select new { GridId = g.Id, g.CommunityId }).SingleOrDefaultAsync(ct);
        if (place is null || !scope.CanHandle(place.CommunityId, place.GridId))
            return TypedResults.NotFound();
        var s = new ServiceRecord
        {
            ResidentId = req.ResidentId, GridId = place.GridId, CommunityId = place.CommunityId, Kind = kind, At = time.GetUtcNow(),
            By = scope.UserName, Provider = provider, Note = note,
        };
        db.ServiceRecords.Add(s);
        await db.SaveChangesAsync(ct);
        return TypedResults.Created($"/api/services/{s.Id}", ServiceDto.From(s, names));
    }

    private static async Task<Ok<List<ServiceDto>>> ListAsync(int? residentId, HttpContext http, AccessScopeResolver scopes, HubDbContext db, PlaceNames names, CancellationToken ct)
    {
        var scope = await scopes.ResolveAsync(http.User, ct);
        var q = db.ServiceRecords.AsNoTracking();
        if (!scope.All)
        {
            var communities = scope.CommunityIds;
            var grids = scope.GridIds;
            var residents = scope.ResidentIds;
            q = q.Where(s => communities.Contains(s.CommunityId) || grids.Contains(s.GridId) || residents.Contains(s.ResidentId));
        }
        if (residentId is { } r)
            q = q.Where(s => s.ResidentId == r);
        var rows = await q.OrderByDescending(s => s.At).Take(500).ToListAsync(ct);
        http.RecordPersonalDataRead("services", rows.Select(s => (int?)s.ResidentId));
        return TypedResults.Ok(rows.Select(x => ServiceDto.From(x, names)).ToList());
    }

    private static async Task<Results<Ok<ServiceDto>, NotFound, ProblemHttpResult, ValidationProblem>> RateServiceAsync(long id, RateRequest body, HttpContext http,
        AccessScopeResolver scopes, HubDbContext db, PlaceNames names, TimeProvider time, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (body.Rating is < 1 or > 5)
            errors["rating"] = ["rating is 1–5"];
        var comment = errors.CheckText(TextField.Note("comment"), body.Comment);
        if (errors.Count > 0)
            return ApiProblem.Invalid(errors);
        var scope = await scopes.ResolveAsync(http.User, ct);
        var s = await db.ServiceRecords.SingleOrDefaultAsync(x => x.Id == id, ct);
        if (s is null || !(scope.ResidentIds.Contains(s.ResidentId) || scope.CanHandleCommunity(s.CommunityId)))
            return TypedResults.NotFound();
        if (s.Rating is not null)
            return ApiProblem.Conflict($"service {id} is already rated");
        s.Rating = body.Rating;
        s.RatingComment = comment;
        s.RatedBy = scope.UserName;
        s.RatedAt = time.GetUtcNow();
        await db.SaveChangesAsync(ct);
        return TypedResults.Ok(ServiceDto.From(s, names));
    }

    private static async Task<Results<Ok<ServiceRateDto>, NotFound, ValidationProblem>> RateAsync(int communityId, string? month, HttpContext http, AccessScopeResolver scopes,
        HubDbContext db, VisitService visits, TimeProvider time, CancellationToken ct)
    {
        var scope = await scopes.ResolveAsync(http.User, ct);
        if (!await db.Communities.AnyAsync(c => c.Id == communityId, ct)
            || !scope.CanHandleSomewhereIn(communityId, await db.Grids.Where(g => g.CommunityId == communityId).Select(g => g.Id).ToListAsync(ct)))
            return TypedResults.NotFound();
        var (residents, _, zone) = await visits.LoadAsync(db, communityId, ct);
        LocalMonth m;
        if (month is null)
            m = LocalMonth.Of(time.GetUtcNow(), zone);
        else if (!LocalMonth.TryParse(month, out m))
            return ApiProblem.Invalid("month", "month is yyyy-MM");
        // Grid workers see their grid's rows; staff the community's.
        residents = residents.Where(r => scope.CanHandle(r.CommunityId, r.GridId)).ToList();
        var services = await LoadAsync(db, communityId, m, zone, ct);
        return TypedResults.Ok(Rate(communityId, residents, services, m, zone));
    }

    public static Task<List<ServiceRecord>> LoadAsync(HubDbContext db, int communityId, LocalMonth month, TimeZoneInfo zone, CancellationToken ct)
    {
        var (from, to) = (month.StartUtc(zone), month.EndUtc(zone));
        return db.ServiceRecords.AsNoTracking().Where(s => s.CommunityId == communityId && s.At >= from && s.At < to).ToListAsync(ct);
    }

    public static ServiceRateDto Rate(int communityId, IReadOnlyList<ResidentToVisit> residents, IReadOnlyList<ServiceRecord> services, LocalMonth month, TimeZoneInfo zone)
    {
        var total = ServiceRate.Total(residents, services, month, zone);
        var grids = ServiceRate.ByGrid(residents, services, month, zone).Select(g => new GridServiceRateDto(g.GridId!.Value, g.Required, g.Served, g.Rate)).ToList();
        return new ServiceRateDto(month.ToString(), communityId, total.Required, total.Served, total.Rate, grids);
    }
}
