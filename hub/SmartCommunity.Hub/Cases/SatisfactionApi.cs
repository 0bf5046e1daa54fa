using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using SmartCommunity.Domain.Cases;
using SmartCommunity.Domain.Escalation;
using SmartCommunity.Domain.Satisfaction;
using SmartCommunity.Domain.Visits;
using SmartCommunity.Hub.Hosting;
using SmartCommunity.Hub.People;
using SmartCommunity.Hub.Persistence;

namespace SmartCommunity.Hub.Cases;

public sealed record ScorecardsDto(string Month, int CommunityId, Scorecard Community, IReadOnlyList<Scorecard> Grids, IReadOnlyList<Scorecard> Workers);

/// <summary>好差评 scorecards: every rating given in a month (alerts' family feedback, cases, services) per grid and per worker.</summary>
public static class SatisfactionApi
{
    public static RouteGroupBuilder MapSatisfactionApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/satisfaction").WithTags("Satisfaction").RequireAuthorization(p => p.RequireRole(Roles.Admin, Roles.EmergencyStaff));
        group.MapGet("/scorecards", ScorecardsAsync).WithSummary("month=yyyy-MM in community time (default this month): ratings of alerts, cases and services per grid and worker");
        return group;
    }

    private static async Task<Results<Ok<ScorecardsDto>, NotFound, ValidationProblem>> ScorecardsAsync(int communityId, string? month, HttpContext http, AccessScopeResolver scopes,
        HubDbContext db, TimeProvider time, CancellationToken ct)
    {
        var scope = await scopes.ResolveAsync(http.User, ct);
        var community = await db.Communities.AsNoTracking().SingleOrDefaultAsync(c => c.Id == communityId, ct);
        if (community is null || !scope.CanHandleCommunity(communityId))
            return TypedResults.NotFound();
        var zone = Roster.Zone(community.TimeZone);
        LocalMonth m;
        if (month is null)
            m = LocalMonth.Of(time.GetUtcNow(), zone);
        else if (!LocalMonth.TryParse(month, out m))
            return ApiProblem.Invalid("month", "month is yyyy-MM");
        var ratings = await RatingsAsync(db, communityId, m.StartUtc(zone), m.EndUtc(zone), ct);
        return TypedResults.Ok(new ScorecardsDto(m.ToString(), communityId, Scorecards.Total("community", ratings), Scorecards.ByGrid(ratings), Scorecards.ByWorker(ratings)));
    }

    /// <summary>Every rating given in [from, to) in a community: alerts, cases and services.</summary>
    public static async Task<List<Rating>> RatingsAsync(HubDbContext db, int communityId, DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        var alerts = await db.Alerts.AsNoTracking().Where(a => a.CommunityId == communityId && a.FeedbackAt >= from && a.FeedbackAt < to).ToListAsync(ct);
        var cases = await db.Cases.AsNoTracking().Where(c => c.CommunityId == communityId && c.RatedAt >= from && c.RatedAt < to).ToListAsync(ct);
        var services = await db.ServiceRecords.AsNoTracking().Where(s => s.CommunityId == communityId && s.RatedAt >= from && s.RatedAt < to).ToListAsync(ct);
        return [.. alerts.Select(Rating.Of).Concat(cases.Select(Rating.Of)).Concat(services.Select(Rating.Of)).OfType<Rating>()];
    }
}
