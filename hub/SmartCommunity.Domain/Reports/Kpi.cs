using System;
using System.Collections.Generic;
using System.Linq;
using SmartCommunity.Domain.Alerts;
using SmartCommunity.Domain.Escalation;
using SmartCommunity.Domain.Visits;

namespace SmartCommunity.Domain.Reports;

public sealed record RateRow(string Key, int Resolved, int FalseAlarms)
{
    public double Rate => Resolved == 0 ? 0 : (double)FalseAlarms / Resolved;
}

public sealed record KpiReport(
    DateTimeOffset From, DateTimeOffset To,
    int Alerts, int Paged, int AcknowledgedWithin60s, double? ShareAcknowledgedWithin60s,
    TimeSpan? MedianTimeToAcknowledge, TimeSpan? P90TimeToAcknowledge,
    TimeSpan? MedianTimeToResolve, TimeSpan? P90TimeToResolve,
    int Resolved, int FalseAlarms, IReadOnlyList<RateRow> FalseAlarmsByKind, IReadOnlyList<RateRow> FalseAlarmsByDevice,
    VisitCoverageRow VisitCoverage, IReadOnlyList<VisitCoverageRow> VisitCoverageByGrid,
    int Ratings, double? AverageRating)
{
    /// <summary>Cases (接诉即办) opened in the period; null where the caller did not load them.</summary>
    public Cases.CaseKpi? Cases { get; init; }

    /// <summary>Monthly service rate for special-difficulty residents, community and per grid.</summary>
    public Services.ServiceRateRow? ServiceRate { get; init; }
    public IReadOnlyList<Services.ServiceRateRow> ServiceRateByGrid { get; init; } = [];

    /// <summary>好差评 over alerts, cases and services rated in the period: the community, per grid and per worker.</summary>
    public Satisfaction.Scorecard? Satisfaction { get; init; }
    public IReadOnlyList<Satisfaction.Scorecard> SatisfactionByGrid { get; init; } = [];
    public IReadOnlyList<Satisfaction.Scorecard> SatisfactionByWorker { get; init; } = [];
}

/// <summary>
/// The closed-loop figures. Times run from when staff were first paged (the end of a pre-alarm window, else the
/// raise), because the pre-alarm wait is the resident's, not the desk's. Alerts that page nobody (info) and
/// pre-alarms cancelled before paging do not count towards the acknowledgement figures.
/// </summary>
public static class Kpi
{
    public static readonly TimeSpan AckTarget = TimeSpan.FromSeconds(60);

    public static KpiReport Compute(DateTimeOffset from, DateTimeOffset to, IReadOnlyList<Alert> alerts,
        VisitCoverageRow coverage, IReadOnlyList<VisitCoverageRow> coverageByGrid)
    {
        var inRange = alerts.Where(a => a.RaisedAt >= from && a.RaisedAt < to).ToList();
        var paged = inRange.Where(Pages).ToList();
        var tta = paged.Where(a => a.AcknowledgedAt is not null).Select(a => Max0(a.AcknowledgedAt!.Value - a.PagingStartsAt)).OrderBy(t => t).ToList();
        // An alert never acknowledged counts against the 60 s share.
        var within = tta.Count(t => t <= AckTarget);
        var ttr = paged.Where(a => a.ResolvedAt is not null).Select(a => Max0(a.ResolvedAt!.Value - a.PagingStartsAt)).OrderBy(t => t).ToList();
        var resolved = inRange.Where(a => a.Outcome is { } o && o != AlertOutcome.Recovered).ToList();
        var rated = inRange.Where(a => a.FeedbackRating is not null).ToList();
        return new KpiReport(from, to, inRange.Count, paged.Count, within, paged.Count == 0 ? null : (double)within / paged.Count,
            Percentile(tta, 0.5), Percentile(tta, 0.9), Percentile(ttr, 0.5), Percentile(ttr, 0.9),
            resolved.Count, resolved.Count(IsFalse),
            Rates(resolved, a => a.Kind.ToWire()), Rates(resolved, a => a.DeviceId),
            coverage, coverageByGrid,
            rated.Count, rated.Count == 0 ? null : rated.Average(a => a.FeedbackRating!.Value));
    }

    /// <summary>Whether staff were (or are to be) paged for this alert.</summary>
    public static bool Pages(Alert a) =>
        EscalationPolicy.For(a.Severity) is not null
        && !(a.Outcome == AlertOutcome.ResidentCancelled && a.PagesSent == 0 && a.AcknowledgedAt is { } ack && a.PreAlarmUntil is { } until && ack < until);

    /// <summary>Nearest-rank percentile: a value that actually occurred, which is what a report reader expects.</summary>
    public static TimeSpan? Percentile(IReadOnlyList<TimeSpan> sorted, double p)
    {
        if (sorted.Count == 0)
            return null;
        var rank = (int)Math.Ceiling(p * sorted.Count);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Count - 1)];
    }

    private static bool IsFalse(Alert a) => a.Outcome is AlertOutcome.FalseAlarm;

    private static TimeSpan Max0(TimeSpan t) => t < TimeSpan.Zero ? TimeSpan.Zero : t;

    private static List<RateRow> Rates(List<Alert> resolved, Func<Alert, string> key) =>
        resolved.GroupBy(key).Select(g => new RateRow(g.Key, g.Count(), g.Count(IsFalse)))
            .OrderByDescending(r => r.Rate).ThenByDescending(r => r.Resolved).ThenBy(r => r.Key, StringComparer.Ordinal).ToList();
}
