using Microsoft.AspNetCore.Http.HttpResults;
using SmartCommunity.Hub.People;

namespace SmartCommunity.Hub.EarlyWarning;

/// <summary>Whether this instance runs early warning: in a cluster exactly one (the elected scorer) does.</summary>
public static class EarlyWarningApi
{
    public static void MapEarlyWarningApi(this WebApplication app) =>
        app.MapGet("/api/early-warning/status", Status).WithTags("Operations").RequireAuthorization(p => p.RequireRole(Roles.Admin, Roles.Technician))
            .WithSummary("This instance's part in early warning: whether it scores (in a cluster: is the elected scorer), since when, series and readings scored");

    private static Ok<EarlyWarningStatusDto> Status(EarlyWarningLeadership leadership, EarlyWarningWorker worker, IServiceProvider services) =>
        TypedResults.Ok(new EarlyWarningStatusDto(
            leadership.Instance,
            leadership.Elected ? "elected" : "single",
            leadership.IsScoring,
            leadership.ScoringSince,
            leadership.Terms,
            leadership.IsScoring ? worker.Series.Count : 0,
            worker.PointsScored,
            worker.StateSavedAt,
            services.GetService<EarlyWarningStream>()?.IsConnected));
}

/// <param name="Mode">single: this hub alone scores everything it ingests; elected: a cluster's instances elect one scorer.</param>
/// <param name="PointsScored">Readings this instance's detectors have seen since it started (replayed history included).</param>
/// <param name="FullStream">Elected mode: whether the full-stream subscription is connected (null on a single hub).</param>
public sealed record EarlyWarningStatusDto(string Instance, string Mode, bool Scoring, DateTimeOffset? ScoringSince, long Terms, int Series, long PointsScored,
    DateTimeOffset? StateSavedAt, bool? FullStream);
