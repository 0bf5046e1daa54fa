using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using SmartCommunity.Hub.Devices;
using SmartCommunity.Hub.Hosting;
using SmartCommunity.Hub.People;
using SmartCommunity.Telemetry;

namespace SmartCommunity.Hub.Readings;

/// <summary>
/// A device's readings as CSV, under the same rule as the readings API (who may see the device; the read is audited):
/// hours whose raw points have expired come from the hourly rollups (value = mean, with min, max and count), later
/// ones are the raw points themselves.
/// </summary>
public static class ReadingsExport
{
    /// <summary>Rows per download; a year of one-minute readings of one series is about half of it.</summary>
    public const int MaxRows = 1_000_000;

    private const int Page = 10_000;

    public static async Task<Results<PushStreamHttpResult, NotFound, ValidationProblem>> CsvAsync(
        string deviceId, string? name, DateTimeOffset? from, DateTimeOffset? to,
        HttpContext http, DeviceDirectory devices, AccessScopeResolver scopes, ITelemetryStore store,
        IOptions<TelemetryRetentionOptions> retention, TimeProvider time, CancellationToken ct)
    {
        if (!await ReadingsApi.CanReadAsync(deviceId, http, devices, scopes, ct))
            return TypedResults.NotFound();
        var (f, t, error) = ReadingsApi.Window(from ?? time.GetUtcNow().AddDays(-7), to, time, TimeSpan.FromDays(731));
        if (error is { } e)
            return ApiProblem.Invalid(e.Field, e.Message);
        var names = name is not null
            ? [name]
            : (await store.LatestForDeviceAsync(deviceId, ct)).Keys.Select(k => k.Name).Order(StringComparer.Ordinal).ToList();
        var rollups = retention.Value.Enabled ? store as ITelemetryRollups : null;
        var rawFrom = rollups is null ? DateTimeOffset.MinValue : HistoryPlan.RawFrom(time.GetUtcNow(), retention.Value.RawRetention);
        var file = $"{deviceId}-{f.UtcDateTime:yyyyMMdd}-{t.UtcDateTime:yyyyMMdd}.csv";
        return TypedResults.Stream(async body =>
        {
            await using var writer = CsvText.Open(body);
            var csv = new CsvText(writer);
            csv.Text("time_utc").Text("device").Text("reading").Text("value").Text("min").Text("max").Text("count").Text("resolution");
            await csv.EndRowAsync();
            var rows = 0;
            foreach (var series in names.Select(n => new SeriesKey(deviceId, n)))
            {
                if (rollups is not null && f < rawFrom)
                {
                    foreach (var b in await rollups.QueryHourlyAsync(series, f, t < rawFrom ? t : rawFrom, ct))
                    {
                        if (++rows > MaxRows)
                            return;
                        csv.Time(b.Start).Text(deviceId).Text(series.Name).Number(b.Mean).Number(b.Min).Number(b.Max).Number(b.Count).Text("1h");
                        await csv.EndRowAsync();
                    }
                }
                // Pages by time; points sharing the last page's final instant are skipped by count, not lost.
                var cursor = f > rawFrom ? f : rawFrom;
                var skip = 0;
                while (cursor < t)
                {
                    var page = await store.QueryRangeAsync(series, cursor, t, Page + skip, ct);
                    foreach (var p in page.Skip(skip))
                    {
                        if (++rows > MaxRows)
                            return;
                        csv.Time(p.Time).Text(deviceId).Text(series.Name).Number(p.Value).Number((double?)null).Number((double?)null).Number(1L).Text("raw");
                        await csv.EndRowAsync();
                    }
                    if (page.Count < Page + skip)
                        break;
                    var last = page[^1].Time;
                    skip = page.Count(p => p.Time == last);
                    cursor = last;
                }
            }
        }, "text/csv; charset=utf-8", file);
    }
}
