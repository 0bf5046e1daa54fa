using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Quartz;
using SmartCommunity.Domain.Cases;
using SmartCommunity.Domain.Catalog;
using SmartCommunity.Domain.Escalation;
using SmartCommunity.Domain.Reports;
using SmartCommunity.Domain.Satisfaction;
using SmartCommunity.Domain.Services;
using SmartCommunity.Domain.Visits;
using SmartCommunity.Hub.Cases;
using SmartCommunity.Hub.Hosting;
using SmartCommunity.Hub.Persistence;
using SmartCommunity.Hub.Visits;

namespace SmartCommunity.Hub.Reports;

/// <summary>KPIs for a community over a period, and the monthly report as CSV and a printable HTML page, in the reader's
/// language (<see cref="ReportTexts"/>); numbers invariant, the community's name as entered.</summary>
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
        // Cases opened in the period; services in the coverage month (a monthly rule, like visits); ratings given in the period.
        var cases = await db.Cases.AsNoTracking().Where(c => c.CommunityId == communityId && c.OpenedAt >= from && c.OpenedAt < to).ToListAsync(ct);
        var services = await ServicesApi.LoadAsync(db, communityId, coverageMonth, zone, ct);
        var ratings = await SatisfactionApi.RatingsAsync(db, communityId, from, to, ct);
        report = report with
        {
            Cases = CaseKpi.Compute(cases, from, to),
            ServiceRate = ServiceRate.Total(residents, services, coverageMonth, zone),
            ServiceRateByGrid = ServiceRate.ByGrid(residents, services, coverageMonth, zone),
            Satisfaction = Scorecards.Total("community", ratings),
            SatisfactionByGrid = Scorecards.ByGrid(ratings),
            SatisfactionByWorker = Scorecards.ByWorker(ratings),
        };
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
            // English under the plain name (as before), every other language beside it: community-1-2026-11.zh-CN.html.
            foreach (var language in TextCatalogues.Languages)
            {
                var name = language == TextCatalogues.English ? stem : $"{stem}.{language}";
                await File.WriteAllTextAsync(name + ".csv", Csv(r.Report, language), ct);
                await File.WriteAllTextAsync(name + ".html", Html(r.Community, month.ToString(), r.Report, language), ct);
            }
            written.Add(stem);
        }
        return written;
    }

    public static string Csv(KpiReport r, string language = TextCatalogues.English)
    {
        // metric and key stay machine-readable; the label column is for a person, in their language.
        var sb = new StringBuilder("metric,key,value,").Append(Escape(T(language, "report.col.label"))).Append('\n');
        foreach (var (metric, key, value, label) in Rows(r, language))
            sb.Append(metric).Append(',').Append(Escape(key)).Append(',').Append(Convert.ToString(value, CultureInfo.InvariantCulture))
              .Append(',').Append(Escape(label)).Append('\n');
        return sb.ToString();
    }

    /// <summary>The CSV's rows as a workbook: figures stay numbers (a spreadsheet can add them up), one sheet.</summary>
    public static byte[] Xlsx(KpiReport r, string language = TextCatalogues.English)
    {
        var label = T(language, "report.col.label");
        var rows = Rows(r, language).Select(row => new Dictionary<string, object?> { ["metric"] = row.Metric, ["key"] = row.Key, ["value"] = row.Value, [label] = row.Label }).ToList();
        using var stream = new MemoryStream();
        MiniExcelLibs.MiniExcel.SaveAs(stream, rows, sheetName: "KPI");
        return stream.ToArray();
    }

    /// <summary>metric, key, value (int, double, string or null), label: what the CSV and the workbook hold.</summary>
    public static IEnumerable<(string Metric, string Key, object? Value, string Label)> Rows(KpiReport r, string language = TextCatalogues.English)
    {
        yield return ("period_from", "", r.From.ToString("O", CultureInfo.InvariantCulture), T(language, "report.period_from"));
        yield return ("period_to", "", r.To.ToString("O", CultureInfo.InvariantCulture), T(language, "report.period_to"));
        yield return ("alerts", "", r.Alerts, T(language, "report.alerts_raised"));
        yield return ("alerts_paged", "", r.Paged, T(language, "report.alerts_paged"));
        yield return ("acknowledged_within_60s", "", r.AcknowledgedWithin60s, T(language, "report.acknowledged_60s_count"));
        yield return ("share_acknowledged_within_60s", "", Fmt(r.ShareAcknowledgedWithin60s), T(language, "report.acknowledged_60s_share"));
        yield return ("median_time_to_acknowledge_s", "", Secs(r.MedianTimeToAcknowledge), T(language, "report.median_acknowledge_s"));
        yield return ("p90_time_to_acknowledge_s", "", Secs(r.P90TimeToAcknowledge), T(language, "report.p90_acknowledge_s"));
        yield return ("median_time_to_resolve_s", "", Secs(r.MedianTimeToResolve), T(language, "report.median_resolve_s"));
        yield return ("p90_time_to_resolve_s", "", Secs(r.P90TimeToResolve), T(language, "report.p90_resolve_s"));
        yield return ("resolved", "", r.Resolved, T(language, "report.resolved"));
        yield return ("false_alarms", "", r.FalseAlarms, T(language, "report.false_alarms"));
        foreach (var k in r.FalseAlarmsByKind) yield return ("false_alarm_rate_by_kind", k.Key, Fmt(k.Rate), T(language, "report.false_alarm_rate_kind", LocalizedText.Of(KindLabel(k.Key))));
        foreach (var d in r.FalseAlarmsByDevice) yield return ("false_alarm_rate_by_device", d.Key, Fmt(d.Rate), T(language, "report.false_alarm_rate_device", d.Key));
        yield return ("visit_coverage", "community", Fmt(r.VisitCoverage.Coverage), T(language, "report.community"));
        foreach (var g in r.VisitCoverageByGrid) yield return ("visit_coverage", $"grid {g.GridId}", Fmt(g.Coverage), T(language, "report.grid", g.GridId));
        yield return ("ratings", "", r.Ratings, T(language, "report.ratings"));
        yield return ("average_rating", "", Fmt(r.AverageRating), T(language, "report.average_rating"));
        if (r.Cases is { } c)
        {
            yield return ("cases_opened", "", c.Opened, T(language, "report.cases_opened"));
            yield return ("cases_resolved", "", c.Resolved, T(language, "report.cases_resolved"));
            yield return ("cases_resolved_on_time", "", c.ResolvedOnTime, T(language, "report.cases_resolved_on_time"));
            yield return ("share_cases_resolved_on_time", "", Fmt(c.ShareResolvedOnTime), T(language, "report.cases_resolved_on_time_share"));
            yield return ("cases_responded_on_time", "", c.RespondedOnTime, T(language, "report.cases_responded_on_time"));
            yield return ("median_time_to_respond_case_s", "", Secs(c.MedianTimeToRespond), T(language, "report.cases_median_respond_s"));
            yield return ("median_time_to_resolve_case_s", "", Secs(c.MedianTimeToResolve), T(language, "report.cases_median_resolve_s"));
            yield return ("cases_escalated", "", c.Escalated, T(language, "report.cases_escalated"));
            foreach (var k in c.ByCategory)
                yield return ("cases_by_category", k.Category, $"{k.Opened}/{k.Resolved}/{k.ResolvedOnTime}", T(language, "report.cases_category_row", LocalizedText.Of("case_category." + k.Category)));
        }
        if (r.ServiceRate is { } sr)
        {
            yield return ("service_rate", "community", Fmt(sr.Rate), T(language, "report.community"));
            foreach (var g in r.ServiceRateByGrid) yield return ("service_rate", $"grid {g.GridId}", Fmt(g.Rate), T(language, "report.grid", g.GridId));
        }
        foreach (var g in r.SatisfactionByGrid)
            yield return ("satisfaction_by_grid", $"grid {g.Key}", Fmt(g.Average), T(language, "report.satisfaction_row", g.Ratings, g.Good, g.Bad));
        foreach (var w in r.SatisfactionByWorker)
            yield return ("satisfaction_by_worker", w.Key, Fmt(w.Average), T(language, "report.satisfaction_row", w.Ratings, w.Good, w.Bad));
    }

    public static string Markdown(string community, string period, KpiReport r, string language = TextCatalogues.English)
    {
        string L(string key) => T(language, key);
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"# {T(language, "report.title", community)}, {period}\n\n");
        sb.Append(CultureInfo.InvariantCulture, $"| {L("report.col.figure")} | {L("report.col.value")} |\n|---|---|\n");
        foreach (var (k, v) in Figures(r, language))
            sb.Append(CultureInfo.InvariantCulture, $"| {k} | {v} |\n");
        sb.Append(CultureInfo.InvariantCulture, $"\n## {L("report.by_kind")}\n\n| {L("report.col.kind")} | {L("report.col.resolved")} | {L("report.col.false_alarms")} | {L("report.col.rate")} |\n|---|---|---|---|\n");
        foreach (var k in r.FalseAlarmsByKind)
            sb.Append(CultureInfo.InvariantCulture, $"| {T(language, KindLabel(k.Key))} | {k.Resolved} | {k.FalseAlarms} | {k.Rate:P0} |\n");
        sb.Append(CultureInfo.InvariantCulture, $"\n## {L("report.by_device")}\n\n| {L("report.col.device")} | {L("report.col.resolved")} | {L("report.col.false_alarms")} | {L("report.col.rate")} |\n|---|---|---|---|\n");
        foreach (var d in r.FalseAlarmsByDevice)
            sb.Append(CultureInfo.InvariantCulture, $"| {d.Key} | {d.Resolved} | {d.FalseAlarms} | {d.Rate:P0} |\n");
        sb.Append(CultureInfo.InvariantCulture, $"\n## {L("report.by_grid")}\n\n| {L("report.col.grid")} | {L("report.col.required")} | {L("report.col.visited")} | {L("report.col.coverage")} |\n|---|---|---|---|\n");
        foreach (var g in r.VisitCoverageByGrid)
            sb.Append(CultureInfo.InvariantCulture, $"| {g.GridId} | {g.Required} | {g.Visited} | {g.Coverage:P0} |\n");
        return sb.ToString();
    }

    public static string Html(string community, string period, KpiReport r, string language = TextCatalogues.English)
    {
        string L(string key) => WebUtility.HtmlEncode(T(language, key));
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"<!doctype html><html lang=\"{TextCatalogues.Normalize(language)}\"><head><meta charset=\"utf-8\"><title>{WebUtility.HtmlEncode(T(language, "report.title", community))}</title>")
          .Append("<style>body{font:14px system-ui,sans-serif;margin:2em}table{border-collapse:collapse;margin-bottom:1.5em}td,th{border:1px solid #999;padding:4px 8px;text-align:left}@media print{body{margin:0}}</style></head><body>");
        sb.Append(CultureInfo.InvariantCulture, $"<h1>{WebUtility.HtmlEncode(T(language, "report.title", community))}</h1><p>{WebUtility.HtmlEncode(period)}</p><table>");
        foreach (var (k, v) in Figures(r, language))
            sb.Append(CultureInfo.InvariantCulture, $"<tr><th>{WebUtility.HtmlEncode(k)}</th><td>{WebUtility.HtmlEncode(v)}</td></tr>");
        sb.Append(CultureInfo.InvariantCulture, $"</table><h2>{L("report.by_kind")}</h2><table><tr><th>{L("report.col.kind")}</th><th>{L("report.col.resolved")}</th><th>{L("report.col.false_alarms")}</th><th>{L("report.col.rate")}</th></tr>");
        foreach (var k in r.FalseAlarmsByKind)
            sb.Append(CultureInfo.InvariantCulture, $"<tr><td>{WebUtility.HtmlEncode(T(language, KindLabel(k.Key)))}</td><td>{k.Resolved}</td><td>{k.FalseAlarms}</td><td>{k.Rate:P0}</td></tr>");
        sb.Append(CultureInfo.InvariantCulture, $"</table><h2>{L("report.by_device")}</h2><table><tr><th>{L("report.col.device")}</th><th>{L("report.col.resolved")}</th><th>{L("report.col.false_alarms")}</th><th>{L("report.col.rate")}</th></tr>");
        foreach (var d in r.FalseAlarmsByDevice)
            sb.Append(CultureInfo.InvariantCulture, $"<tr><td>{WebUtility.HtmlEncode(d.Key)}</td><td>{d.Resolved}</td><td>{d.FalseAlarms}</td><td>{d.Rate:P0}</td></tr>");
        sb.Append(CultureInfo.InvariantCulture, $"</table><h2>{L("report.by_grid")}</h2><table><tr><th>{L("report.col.grid")}</th><th>{L("report.col.required")}</th><th>{L("report.col.visited")}</th><th>{L("report.col.coverage")}</th></tr>");
        foreach (var g in r.VisitCoverageByGrid)
            sb.Append(CultureInfo.InvariantCulture, $"<tr><td>{g.GridId}</td><td>{g.Required}</td><td>{g.Visited}</td><td>{g.Coverage:P0}</td></tr>");
        sb.Append("</table>");
        if (r.Cases is { } c)
        {
            sb.Append(CultureInfo.InvariantCulture, $"<h2>{L("report.cases")}</h2><table><tr><th>{L("report.col.category")}</th><th>{L("report.col.opened")}</th><th>{L("report.col.resolved")}</th><th>{L("report.col.on_time")}</th></tr>");
            foreach (var k in c.ByCategory)
                sb.Append(CultureInfo.InvariantCulture, $"<tr><td>{WebUtility.HtmlEncode(T(language, "case_category." + k.Category))}</td><td>{k.Opened}</td><td>{k.Resolved}</td><td>{k.ResolvedOnTime}</td></tr>");
            sb.Append("</table>");
        }
        sb.Append(CultureInfo.InvariantCulture, $"<h2>{L("report.service_by_grid")}</h2><table><tr><th>{L("report.col.grid")}</th><th>{L("report.col.required")}</th><th>{L("report.col.served")}</th><th>{L("report.col.rate")}</th></tr>");
        foreach (var g in r.ServiceRateByGrid)
            sb.Append(CultureInfo.InvariantCulture, $"<tr><td>{g.GridId}</td><td>{g.Required}</td><td>{g.Served}</td><td>{g.Rate:P0}</td></tr>");
        sb.Append("</table>");
        void Cards(string heading, string keyColumn, IEnumerable<Scorecard> cards)
        {
            sb.Append(CultureInfo.InvariantCulture, $"<h2>{L(heading)}</h2><table><tr><th>{L(keyColumn)}</th><th>{L("report.col.ratings")}</th><th>{L("report.col.average")}</th><th>{L("report.col.good")}</th><th>{L("report.col.bad")}</th></tr>");
            foreach (var x in cards)
                sb.Append(CultureInfo.InvariantCulture, $"<tr><td>{WebUtility.HtmlEncode(x.Key)}</td><td>{x.Ratings}</td><td>{x.Average:0.0}</td><td>{x.Good}</td><td>{x.Bad}</td></tr>");
            sb.Append("</table>");
        }
        Cards("report.satisfaction_by_grid", "report.col.grid", r.SatisfactionByGrid);
        Cards("report.satisfaction_by_worker", "report.col.worker", r.SatisfactionByWorker);
        sb.Append("</body></html>");
        return sb.ToString();
    }

    private static IEnumerable<(string, string)> Figures(KpiReport r, string language)
    {
        string L(string key) => T(language, key);
        yield return (L("report.period_utc"), $"{r.From:yyyy-MM-dd HH:mm} – {r.To:yyyy-MM-dd HH:mm}");
        yield return (L("report.alerts_raised"), r.Alerts.ToString(CultureInfo.InvariantCulture));
        yield return (L("report.alerts_paged"), r.Paged.ToString(CultureInfo.InvariantCulture));
        yield return (L("report.acknowledged_60s"), r.ShareAcknowledgedWithin60s is { } s ? $"{s.ToString("P1", CultureInfo.InvariantCulture)} ({r.AcknowledgedWithin60s}/{r.Paged})" : "–");
        yield return (L("report.time_to_acknowledge"), $"{Dur(r.MedianTimeToAcknowledge, language)} / {Dur(r.P90TimeToAcknowledge, language)}");
        yield return (L("report.time_to_resolve"), $"{Dur(r.MedianTimeToResolve, language)} / {Dur(r.P90TimeToResolve, language)}");
        yield return (L("report.false_alarms"), T(language, "report.false_alarms_of", r.FalseAlarms, r.Resolved));
        yield return (L("report.visit_coverage"), $"{r.VisitCoverage.Coverage.ToString("P0", CultureInfo.InvariantCulture)} ({r.VisitCoverage.Visited}/{r.VisitCoverage.Required})");
        yield return (L("report.satisfaction"), r.AverageRating is { } a ? T(language, "report.satisfaction_value", a, r.Ratings) : L("report.no_ratings"));
        if (r.Cases is { } c)
        {
            yield return (L("report.cases_opened"), c.Opened.ToString(CultureInfo.InvariantCulture));
            yield return (L("report.cases_resolved_on_time"), c.ShareResolvedOnTime is { } share ? $"{share.ToString("P0", CultureInfo.InvariantCulture)} ({c.ResolvedOnTime}/{c.Resolved})" : "–");
            yield return (L("report.cases_times"), $"{Dur(c.MedianTimeToRespond, language)} / {Dur(c.MedianTimeToResolve, language)}");
            yield return (L("report.cases_escalated"), c.Escalated.ToString(CultureInfo.InvariantCulture));
        }
        if (r.ServiceRate is { } sr)
            yield return (L("report.service_rate"), $"{sr.Rate.ToString("P0", CultureInfo.InvariantCulture)} ({sr.Served}/{sr.Required})");
        if (r.Satisfaction is { Ratings: > 0 } all)
            yield return (L("report.satisfaction_all"), T(language, "report.satisfaction_value", all.Average, all.Ratings) + " · " + T(language, "report.good_bad", all.Good, all.Bad));
    }

    private static string T(string language, string key, params object?[] args) => TextCatalogues.Format(language, key, args);

    private static string KindLabel(string wireKind) => "alert_kind." + wireKind;

    private static string Dur(TimeSpan? t, string language) => t is not { } v ? "–"
        : v.TotalHours >= 1 ? T(language, "report.hours_minutes", (int)v.TotalHours, v.Minutes)
        : v.TotalMinutes >= 1 ? T(language, "report.minutes_seconds", (int)v.TotalMinutes, v.Seconds) : T(language, "report.seconds", v.TotalSeconds);
    // Rounded as the CSV always printed them ("0" and "0.####" formats), but kept numeric for the workbook.
    private static double? Secs(TimeSpan? t) => t is { } v ? Math.Round(v.TotalSeconds, MidpointRounding.AwayFromZero) : null;
    private static double? Fmt(double? d) => d is { } v ? Math.Round(v, 4, MidpointRounding.AwayFromZero) : null;
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
