using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Quartz;
using SmartCommunity.Domain.Escalation;
using SmartCommunity.Domain.Reports;
using SmartCommunity.Domain.Visits;
using SmartCommunity.Hub.Hosting;
using SmartCommunity.Hub.Persistence;
using SmartCommunity.Hub.Visits;

namespace SmartCommunity.Hub.Reports;

/// <summary>KPIs for a community over a period, and the monthly report as CSV and a printable HTML page.</summary>
public sealed class ReportService(IDbContextFactory<HubDbContext> dbFactory, VisitService visits, IOptions<HubOptions> options)
{
    public async Task<(KpiReport Report, string Community)?> ComputeAsync(int communityId, DateTimeOffset from, DateTimeOffset to, LocalMonth coverageMonth, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var community = await db.Communities.AsNoTracking().SingleOrDefaultAsync(c => c.Id == communityId, ct);
        if (community is null)
            return null;
        var alerts = await db.Alerts.AsNoTracking().Where(a => a.CommunityId == communityId && a.RaisedAt >= from && a.RaisedAt < to).ToListAsync(ct);
        var (residents, all, zone) = await visits.LoadAsync(db, communityId, ct);
        var report = Kpi.Compute(from, to, alerts, VisitCoverage.Total(residents, all, coverageMonth, zone), VisitCoverage.ByGrid(residents, all, coverageMonth, zone));
        return (report, community.Name);
    }

    public async Task<(KpiReport Report, string Community)?> MonthAsync(int communityId, LocalMonth month, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var tz = (await db.Communities.AsNoTracking().SingleOrDefaultAsync(c => c.Id == communityId, ct))?.TimeZone;
        var zone = Roster.Zone(tz);
        return await ComputeAsync(communityId, month.StartUtc(zone), month.EndUtc(zone), month, ct);
    }

    /// <summary>Writes last month's report of every community to data/reports (the scheduled job).</summary>
    public async Task<List<string>> WriteMonthlyAsync(LocalMonth month, CancellationToken ct)
    {
        List<int> ids;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
            ids = await db.Communities.AsNoTracking().Select(c => c.Id).ToListAsync(ct);
        var dir = options.Value.DataPath("reports");
        Directory.CreateDirectory(dir);
        var written = new List<string>();
        foreach (var id in ids)
        {
            if (await MonthAsync(id, month, ct) is not { } r)
                continue;
            var stem = Path.Combine(dir, $"community-{id}-{month}");
            await File.WriteAllTextAsync(stem + ".csv", Csv(r.Report), ct);
            await File.WriteAllTextAsync(stem + ".html", Html(r.Community, month.ToString(), r.Report), ct);
            written.Add(stem);
        }
        return written;
    }

    public static string Csv(KpiReport r)
    {
        var sb = new StringBuilder("metric,key,value\n");
        void Row(string metric, string key, object? value) =>
            sb.Append(metric).Append(',').Append(Escape(key)).Append(',').Append(Convert.ToString(value, CultureInfo.InvariantCulture)).Append('\n');
        Row("period_from", "", r.From.ToString("O", CultureInfo.InvariantCulture));
        Row("period_to", "", r.To.ToString("O", CultureInfo.InvariantCulture));
        Row("alerts", "", r.Alerts);
        Row("alerts_paged", "", r.Paged);
        Row("acknowledged_within_60s", "", r.AcknowledgedWithin60s);
        Row("share_acknowledged_within_60s", "", Fmt(r.ShareAcknowledgedWithin60s));
        Row("median_time_to_acknowledge_s", "", Secs(r.MedianTimeToAcknowledge));
        Row("p90_time_to_acknowledge_s", "", Secs(r.P90TimeToAcknowledge));
        Row("median_time_to_resolve_s", "", Secs(r.MedianTimeToResolve));
        Row("p90_time_to_resolve_s", "", Secs(r.P90TimeToResolve));
        Row("resolved", "", r.Resolved);
        Row("false_alarms", "", r.FalseAlarms);
        foreach (var k in r.FalseAlarmsByKind) Row("false_alarm_rate_by_kind", k.Key, Fmt(k.Rate));
        foreach (var d in r.FalseAlarmsByDevice) Row("false_alarm_rate_by_device", d.Key, Fmt(d.Rate));
        Row("visit_coverage", "community", Fmt(r.VisitCoverage.Coverage));
        foreach (var g in r.VisitCoverageByGrid) Row("visit_coverage", $"grid {g.GridId}", Fmt(g.Coverage));
        Row("ratings", "", r.Ratings);
        Row("average_rating", "", Fmt(r.AverageRating));
        return sb.ToString();
    }

    public static string Markdown(string community, string period, KpiReport r)
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"# KPI report: {community}, {period}\n\n");
        sb.Append("| Figure | Value |\n|---|---|\n");
        foreach (var (k, v) in Figures(r))
            sb.Append(CultureInfo.InvariantCulture, $"| {k} | {v} |\n");
        sb.Append("\n## False-alarm rate by kind\n\n| Kind | Resolved | False alarms | Rate |\n|---|---|---|---|\n");
        foreach (var k in r.FalseAlarmsByKind)
            sb.Append(CultureInfo.InvariantCulture, $"| {k.Key} | {k.Resolved} | {k.FalseAlarms} | {k.Rate:P0} |\n");
        sb.Append("\n## False-alarm rate by device\n\n| Device | Resolved | False alarms | Rate |\n|---|---|---|---|\n");
        foreach (var d in r.FalseAlarmsByDevice)
            sb.Append(CultureInfo.InvariantCulture, $"| {d.Key} | {d.Resolved} | {d.FalseAlarms} | {d.Rate:P0} |\n");
        sb.Append("\n## Visit coverage by grid\n\n| Grid | Required | Visited | Coverage |\n|---|---|---|---|\n");
        foreach (var g in r.VisitCoverageByGrid)
            sb.Append(CultureInfo.InvariantCulture, $"| {g.GridId} | {g.Required} | {g.Visited} | {g.Coverage:P0} |\n");
        return sb.ToString();
    }

    public static string Html(string community, string period, KpiReport r)
    {
        var sb = new StringBuilder();
        sb.Append("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>KPI report</title>")
          .Append("<style>body{font:14px system-ui,sans-serif;margin:2em}table{border-collapse:collapse;margin-bottom:1.5em}td,th{border:1px solid #999;padding:4px 8px;text-align:left}@media print{body{margin:0}}</style></head><body>");
        sb.Append(CultureInfo.InvariantCulture, $"<h1>KPI report: {WebUtility.HtmlEncode(community)}</h1><p>{WebUtility.HtmlEncode(period)}</p><table>");
        foreach (var (k, v) in Figures(r))
            sb.Append(CultureInfo.InvariantCulture, $"<tr><th>{WebUtility.HtmlEncode(k)}</th><td>{WebUtility.HtmlEncode(v)}</td></tr>");
        sb.Append("</table><h2>False-alarm rate by kind</h2><table><tr><th>Kind</th><th>Resolved</th><th>False alarms</th><th>Rate</th></tr>");
        foreach (var k in r.FalseAlarmsByKind)
            sb.Append(CultureInfo.InvariantCulture, $"<tr><td>{WebUtility.HtmlEncode(k.Key)}</td><td>{k.Resolved}</td><td>{k.FalseAlarms}</td><td>{k.Rate:P0}</td></tr>");
        sb.Append("</table><h2>False-alarm rate by device</h2><table><tr><th>Device</th><th>Resolved</th><th>False alarms</th><th>Rate</th></tr>");
        foreach (var d in r.FalseAlarmsByDevice)
            sb.Append(CultureInfo.InvariantCulture, $"<tr><td>{WebUtility.HtmlEncode(d.Key)}</td><td>{d.Resolved}</td><td>{d.FalseAlarms}</td><td>{d.Rate:P0}</td></tr>");
        sb.Append("</table><h2>Visit coverage by grid</h2><table><tr><th>Grid</th><th>Required</th><th>Visited</th><th>Coverage</th></tr>");
        foreach (var g in r.VisitCoverageByGrid)
            sb.Append(CultureInfo.InvariantCulture, $"<tr><td>{g.GridId}</td><td>{g.Required}</td><td>{g.Visited}</td><td>{g.Coverage:P0}</td></tr>");
        sb.Append("</table></body></html>");
        return sb.ToString();
    }

    private static IEnumerable<(string, string)> Figures(KpiReport r)
    {
        yield return ("Period (UTC)", $"{r.From:yyyy-MM-dd HH:mm} – {r.To:yyyy-MM-dd HH:mm}");
        yield return ("Alerts raised", r.Alerts.ToString(CultureInfo.InvariantCulture));
        yield return ("Alerts that paged staff", r.Paged.ToString(CultureInfo.InvariantCulture));
        yield return ("Acknowledged within 60 s (target 98.5 %)", r.ShareAcknowledgedWithin60s is { } s ? $"{s.ToString("P1", CultureInfo.InvariantCulture)} ({r.AcknowledgedWithin60s}/{r.Paged})" : "–");
        yield return ("Time to acknowledge, median / p90", $"{Dur(r.MedianTimeToAcknowledge)} / {Dur(r.P90TimeToAcknowledge)}");
        yield return ("Time to resolve, median / p90", $"{Dur(r.MedianTimeToResolve)} / {Dur(r.P90TimeToResolve)}");
        yield return ("False alarms", $"{r.FalseAlarms} of {r.Resolved} resolved");
        yield return ("Visit coverage (special difficulty, this month)", $"{r.VisitCoverage.Coverage.ToString("P0", CultureInfo.InvariantCulture)} ({r.VisitCoverage.Visited}/{r.VisitCoverage.Required})");
        yield return ("Satisfaction", r.AverageRating is { } a ? $"{a.ToString("0.0", CultureInfo.InvariantCulture)} / 5 ({r.Ratings} ratings)" : "no ratings");
    }

    private static string Dur(TimeSpan? t) => t is not { } v ? "–" : v.TotalMinutes >= 1 ? $"{(int)v.TotalMinutes} min {v.Seconds} s" : $"{v.TotalSeconds:0} s";
    private static string? Secs(TimeSpan? t) => t?.TotalSeconds.ToString("0", CultureInfo.InvariantCulture);
    private static string? Fmt(double? d) => d?.ToString("0.####", CultureInfo.InvariantCulture);
    private static string Escape(string s) => s.Contains(',') || s.Contains('"') ? "\"" + s.Replace("\"", "\"\"") + "\"" : s;
}

/// <summary>Quartz job: on the 1st of each month (community time), the report of the month just ended.</summary>
public sealed class MonthlyReportJob(ReportService reports, TimeProvider time, ILogger<MonthlyReportJob> logger) : IJob
{
    public static readonly JobKey Key = new("monthly-report", "reports");
    public const string TriggerName = "monthly-report";

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default)
    {
        var month = LocalMonth.Of(time.GetUtcNow(), Roster.DefaultZone).Previous;
        var written = await reports.WriteMonthlyAsync(month, cancellationToken);
        logger.LogInformation("Monthly reports for {Month}: {Count} communities", month, written.Count);
    }
}
