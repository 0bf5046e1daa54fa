using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using SmartCommunity.Domain.Alerts;
using SmartCommunity.Hub.Hosting;
using SmartCommunity.Hub.Localization;
using SmartCommunity.Hub.People;
using SmartCommunity.Hub.Persistence;
using SmartCommunity.Hub.Places;
using SmartCommunity.Hub.Privacy;

namespace SmartCommunity.Hub.Alerts;

/// <summary>
/// Alerts raised in a period as CSV, for a spreadsheet: exactly the alerts the caller may list (the same scope filter
/// as <c>GET /api/alerts</c>; the read is audited), the message in the reader's language, the times in UTC and the
/// seconds to acknowledge and resolve worked out.
/// </summary>
public static class AlertsExport
{
    public const int MaxRows = 100_000;

    public static void MapAlertsExport(this RouteGroupBuilder alerts) =>
        alerts.MapGet("/export.csv", CsvAsync)
            .WithSummary("Alerts raised in [from, to) as CSV (UTC; default the last 30 days, at most two years), those the caller may see; status=open|resolved|all; residentId= that resident and their household's shared devices");

    private static async Task<Results<FileContentHttpResult, ValidationProblem>> CsvAsync(
        HttpContext http, HubDbContext db, AccessScopeResolver scopes, PlaceNames names, TimeProvider time,
        DateTimeOffset? from, DateTimeOffset? to, string? status, int? residentId, CancellationToken ct)
    {
        var t = to ?? time.GetUtcNow();
        var f = from ?? t.AddDays(-30);
        if (f >= t)
            return ApiProblem.Invalid("from", "from must be before to");
        if (t - f > TimeSpan.FromDays(731))
            return ApiProblem.Invalid("from", "the range is limited to 731 days");
        var scope = await scopes.ResolveAsync(http.User, ct);
        var q = scope.Filter(db.Alerts.AsNoTracking()).Where(a => a.RaisedAt >= f && a.RaisedAt < t);
        switch (status ?? "all")
        {
            case "open": q = q.Where(a => a.Status != AlertStatus.Resolved); break;
            case "resolved": q = q.Where(a => a.Status == AlertStatus.Resolved); break;
            case "all": break;
            default: return ApiProblem.Invalid("status", "status must be open, resolved or all");
        }
        if (residentId is { } rid)
        {
            // Like the list: the resident's alerts and those of their household's shared devices (of no resident).
            var home = await db.Residents.AsNoTracking().Where(r => r.Id == rid).Select(r => (int?)r.HouseholdId).SingleOrDefaultAsync(ct);
            q = q.Where(a => a.ResidentId == rid || (a.ResidentId == null && a.HouseholdId == home));
        }
        var alerts = await q.OrderBy(a => a.RaisedAt).ThenBy(a => a.Id).Take(MaxRows).ToListAsync(ct);
        http.RecordPersonalDataRead("alerts export", alerts.Select(a => a.ResidentId));
        var language = ReaderLanguage.Of(http, scope);

        using var buffer = new MemoryStream();
        await using (var writer = CsvText.Open(buffer))
        {
            var csv = new CsvText(writer);
            foreach (var column in Columns)
                csv.Text(column);
            await csv.EndRowAsync();
            foreach (var a in alerts.Select(a => AlertDto.From(a, names, language)))
            {
                csv.Number(a.Id).Time(a.RaisedAt).Text(a.Kind).Text(a.Severity).Text(a.Status).Text(a.DeviceId)
                    .Text(a.ResidentName).Text(a.HouseholdLabel).Text(a.GridName).Number(a.CommunityId).Text(a.Title).Text(a.Message)
                    .Time(a.AcknowledgedAt).Text(a.AcknowledgedBy).Number(Seconds(a.RaisedAt, a.AcknowledgedAt))
                    .Time(a.ResolvedAt).Text(a.ResolvedBy).Number(Seconds(a.RaisedAt, a.ResolvedAt)).Text(a.Outcome).Text(a.ResolutionNote)
                    .Number(a.Occurrences).Number(a.PagesSent).Text(a.HandedOffTo).Number(a.FeedbackRating);
                await csv.EndRowAsync();
            }
        }
        var file = $"alerts-{f.UtcDateTime:yyyyMMdd}-{t.UtcDateTime:yyyyMMdd}.csv";
        return TypedResults.File(buffer.ToArray(), "text/csv; charset=utf-8", file);
    }

    private static readonly string[] Columns =
    [
        "id", "raised_at_utc", "kind", "severity", "status", "device", "resident", "household", "grid", "community_id", "title", "message",
        "acknowledged_at_utc", "acknowledged_by", "seconds_to_acknowledge", "resolved_at_utc", "resolved_by", "seconds_to_resolve",
        "outcome", "resolution_note", "occurrences", "pages_sent", "handed_off_to", "family_rating",
    ];

    private static double? Seconds(DateTimeOffset from, DateTimeOffset? to) => to is { } t ? Math.Round((t - from).TotalSeconds, 1) : null;
}
