using Microsoft.AspNetCore.Http.HttpResults;
using SmartCommunity.Hub.Devices;
using SmartCommunity.Hub.Hosting;
using SmartCommunity.Hub.People;
using SmartCommunity.Hub.Privacy;
using SmartCommunity.Telemetry;

namespace SmartCommunity.Hub.Readings;

public sealed record PointDto(DateTimeOffset T, double V);
public sealed record BucketDto(DateTimeOffset T, double Min, double Max, double Mean, int Count);
public sealed record LatestDto(string Name, DateTimeOffset T, double V);
/// <summary><paramref name="Source"/>: raw, hourly (rolled up) or mixed.</summary>
public sealed record HistoryDto(string Name, DateTimeOffset From, DateTimeOffset To, TimeSpan Interval, string Source, List<BucketDto> Buckets);

/// <summary>Time series of one device: raw ranges, latest values and downsampled aggregates for charts.</summary>
public static class ReadingsApi
{
    private static readonly TimeSpan MaxRange = TimeSpan.FromDays(400);

    /// <summary>Two years of hourly rollups, and the day the range may start in.</summary>
    private static readonly TimeSpan MaxHistoryRange = TimeSpan.FromDays(731);

    public static RouteGroupBuilder MapReadingsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/devices/{deviceId}/readings").WithTags("Readings").RequireAuthorization();
        group.MapGet("/", RangeAsync).WithSummary("Raw points of one series in [from, to), oldest first");
        group.MapGet("/latest", LatestAsync).WithSummary("Latest value of every series of the device");
        group.MapGet("/aggregate", AggregateAsync).WithSummary("Min/max/mean/count per interval (e.g. PT1H) for charts");
        group.MapGet("/history", HistoryAsync)
            .WithSummary("Buckets for a chart over any range up to two years: raw points where they are kept, hourly rollups before; interval optional (picked for about 500 buckets)");
        group.MapGet("/export.csv", ReadingsExport.CsvAsync)
            .WithSummary("The device's readings as CSV (UTC): raw points where they are kept, hourly rollups (mean, min, max, count) before; name= one series, else all");
        return group;
    }

    private static async Task<Results<Ok<List<PointDto>>, NotFound, ValidationProblem>> RangeAsync(
        string deviceId, string name, DateTimeOffset? from, DateTimeOffset? to, int? limit,
        HttpContext http, DeviceDirectory devices, AccessScopeResolver scopes, ITelemetryStore store, TimeProvider time, CancellationToken ct)
    {
        if (!await CanReadAsync(deviceId, http, devices, scopes, ct))
            return TypedResults.NotFound();
        var (f, t, error) = Window(from, to, time);
        if (error is { } e)
            return ApiProblem.Invalid(e.Field, e.Message);
        var points = await store.QueryRangeAsync(new SeriesKey(deviceId, name), f, t, Math.Clamp(limit ?? 5000, 1, 50_000), ct);
        return TypedResults.Ok(points.Select(p => new PointDto(p.Time, p.Value)).ToList());
    }

    private static async Task<Results<Ok<List<LatestDto>>, NotFound>> LatestAsync(
        string deviceId, HttpContext http, DeviceDirectory devices, AccessScopeResolver scopes, ITelemetryStore store, CancellationToken ct)
    {
        if (!await CanReadAsync(deviceId, http, devices, scopes, ct))
            return TypedResults.NotFound();
        var latest = await store.LatestForDeviceAsync(deviceId, ct);
        return TypedResults.Ok(latest.Values.OrderBy(p => p.Series.Name, StringComparer.Ordinal).Select(p => new LatestDto(p.Series.Name, p.Time, p.Value)).ToList());
    }

    private static async Task<Results<Ok<List<BucketDto>>, NotFound, ValidationProblem>> AggregateAsync(
        string deviceId, string name, DateTimeOffset? from, DateTimeOffset? to, TimeSpan? interval,
        HttpContext http, DeviceDirectory devices, AccessScopeResolver scopes, ITelemetryStore store, TimeProvider time, CancellationToken ct)
    {
        if (!await CanReadAsync(deviceId, http, devices, scopes, ct))
            return TypedResults.NotFound();
        var (f, t, error) = Window(from, to, time);
        if (error is { } e)
            return ApiProblem.Invalid(e.Field, e.Message);
        var step = interval ?? TimeSpan.FromHours(1);
        if (step < TimeSpan.FromSeconds(1) || (t - f) / step > 10_000)
            return ApiProblem.Invalid("interval", "interval must be at least 1 s and give at most 10,000 buckets");
        var buckets = await store.AggregateAsync(new SeriesKey(deviceId, name), f, t, step, ct);
        return TypedResults.Ok(buckets.Select(b => new BucketDto(b.Start, b.Min, b.Max, b.Mean, b.Count)).ToList());
    }

    private static async Task<Results<Ok<HistoryDto>, NotFound, ValidationProblem>> HistoryAsync(
        string deviceId, string name, DateTimeOffset? from, DateTimeOffset? to, TimeSpan? interval,
        HttpContext http, DeviceDirectory devices, AccessScopeResolver scopes, TelemetryHistory history, TimeProvider time, CancellationToken ct)
    {
        if (!await CanReadAsync(deviceId, http, devices, scopes, ct))
            return TypedResults.NotFound();
        var (f, t, error) = Window(from, to, time, MaxHistoryRange);
        if (error is { } e)
            return ApiProblem.Invalid(e.Field, e.Message);
        if (interval is { } step && (step < TimeSpan.FromSeconds(1) || (t - f) / step > 10_000))
            return ApiProblem.Invalid("interval", "interval must be at least 1 s and give at most 10,000 buckets");
        var result = await history.ReadAsync(new SeriesKey(deviceId, name), f, t, interval, ct);
        return TypedResults.Ok(new HistoryDto(name, f, t, result.Interval, result.Source.ToString().ToLowerInvariant(),
            result.Buckets.Select(b => new BucketDto(b.Start, b.Min, b.Max, b.Mean, b.Count)).ToList()));
    }

    internal static (DateTimeOffset From, DateTimeOffset To, (string Field, string Message)? Error) Window(
        DateTimeOffset? from, DateTimeOffset? to, TimeProvider time, TimeSpan? maxRange = null)
    {
        var max = maxRange ?? MaxRange;
        var t = to ?? time.GetUtcNow();
        var f = from ?? t - TimeSpan.FromHours(24);
        if (f >= t)
            return (f, t, ("from", "from must be before to"));
        if (t - f > max)
            return (f, t, ("from", $"the range is limited to {max.TotalDays:0} days"));
        return (f, t, null);
    }

    /// <summary>
    /// Technicians see every device's data; others only devices at places in their scope. Unknown and forbidden look alike.
    /// A device that belongs to a resident makes the read an access to that resident's data, recorded in the audit log.
    /// </summary>
    internal static async Task<bool> CanReadAsync(string deviceId, HttpContext http, DeviceDirectory devices, AccessScopeResolver scopes, CancellationToken ct)
    {
        // FindOrLoad: with several instances the device may have been registered through another one.
        if (await devices.FindOrLoadAsync(deviceId, ct) is not { } entry)
            return false;
        var scope = await scopes.ResolveAsync(http.User, ct);
        if (!(scope.Devices || scope.CanSee(entry.Place)))
            return false;
        http.RecordPersonalDataRead($"readings of {deviceId}", entry.Place.ResidentId);
        return true;
    }
}
