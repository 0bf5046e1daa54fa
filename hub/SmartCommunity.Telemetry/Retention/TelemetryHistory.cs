using Microsoft.Extensions.Options;

namespace SmartCommunity.Telemetry;

/// <summary>Where a history's buckets came from: raw points, the hourly rollups, or both (older hours rolled up).</summary>
public enum HistorySource
{
    Raw,
    Hourly,
    Mixed,
}

/// <summary>A series' history over a range: buckets of <paramref name="Interval"/>, ascending, empty ones omitted.</summary>
public sealed record TelemetryHistoryResult(TimeSpan Interval, HistorySource Source, IReadOnlyList<AggregateBucket> Buckets);

/// <summary>
/// How a history is read, free of I/O: the bucket size a range gets, which hours come from the rollups, and how
/// hourly buckets combine into larger ones.
/// </summary>
public static class HistoryPlan
{
    /// <summary>About as many points as a chart a few hundred pixels wide can show.</summary>
    public const int TargetBuckets = 500;

    private static readonly TimeSpan[] Steps =
    [
        TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(15), TimeSpan.FromMinutes(30),
        TimeSpan.FromHours(1), TimeSpan.FromHours(2), TimeSpan.FromHours(6), TimeSpan.FromHours(12),
        TimeSpan.FromDays(1), TimeSpan.FromDays(7),
    ];

    /// <summary>The smallest step that gives at most <see cref="TargetBuckets"/> buckets over the range (24 h → 5 min,
    /// 7 d → 30 min, 90 d → 6 h, a year → 1 d).</summary>
    public static TimeSpan StepFor(TimeSpan range) =>
        Steps.FirstOrDefault(s => range.Ticks / s.Ticks <= TargetBuckets, Steps[^1]);

    /// <summary>Whole hours from here on still have every raw point; earlier hours are read from the rollups. The hour
    /// that holds the raw cutoff is already partly deleted, so it counts as rolled up.</summary>
    public static DateTimeOffset RawFrom(DateTimeOffset now, TimeSpan rawRetention) => CeilHour(now - rawRetention);

    public static bool IsWholeHours(TimeSpan step) => step >= TimeSpan.FromHours(1) && step.Ticks % TimeSpan.TicksPerHour == 0;

    /// <summary>
    /// Combines buckets of whole hours into buckets of <paramref name="step"/> (a whole number of hours) aligned to the
    /// Unix epoch like the stores' own aggregates: min of mins, max of maxes, count-weighted mean.
    /// </summary>
    public static IReadOnlyList<AggregateBucket> Combine(IEnumerable<AggregateBucket> hourly, TimeSpan step)
    {
        if (!IsWholeHours(step))
        {
            throw new ArgumentOutOfRangeException(nameof(step), step, "Only whole hours combine from hourly buckets.");
        }
        var result = new List<AggregateBucket>();
        foreach (var group in hourly.Where(b => b.Count > 0).GroupBy(b => Floor(b.Start, step)).OrderBy(g => g.Key))
        {
            double min = double.PositiveInfinity, max = double.NegativeInfinity, sum = 0;
            var count = 0;
            foreach (var b in group)
            {
                min = Math.Min(min, b.Min);
                max = Math.Max(max, b.Max);
                sum += b.Mean * b.Count;
                count += b.Count;
            }
            result.Add(new AggregateBucket(group.Key, min, max, sum / count, count));
        }
        return result;
    }

    public static DateTimeOffset Floor(DateTimeOffset t, TimeSpan step)
    {
        var ticks = t.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        var floored = ticks - (((ticks % step.Ticks) + step.Ticks) % step.Ticks);
        return new DateTimeOffset(DateTimeOffset.UnixEpoch.UtcTicks + floored, TimeSpan.Zero);
    }

    private static DateTimeOffset CeilHour(DateTimeOffset t)
    {
        var floor = Floor(t, TimeSpan.FromHours(1));
        return floor == t ? t : floor.AddHours(1);
    }
}

/// <summary>
/// Reads a series' history over any range up to the rollups' retention: recent hours from raw points, hours whose raw
/// points have expired from the hourly rollups, in one list of buckets. Works on every store that keeps rollups.
/// </summary>
public sealed class TelemetryHistory(ITelemetryStore store, IOptions<TelemetryRetentionOptions> retention, TimeProvider time)
{
    /// <param name="interval">The bucket size; null picks one for the range (<see cref="HistoryPlan.StepFor"/>).</param>
    public async Task<TelemetryHistoryResult> ReadAsync(SeriesKey series, DateTimeOffset from, DateTimeOffset to, TimeSpan? interval, CancellationToken ct)
    {
        var step = interval ?? HistoryPlan.StepFor(to - from);
        var o = retention.Value;
        // Without rollups, or with retention off (nothing expires, nothing is rolled up), raw points are all there is.
        if (store is not ITelemetryRollups rollups || !o.Enabled)
        {
            return new(step, HistorySource.Raw, await store.AggregateAsync(series, from, to, step, ct));
        }
        var rawFrom = HistoryPlan.RawFrom(time.GetUtcNow(), o.RawRetention);
        if (from >= rawFrom)
        {
            return new(step, HistorySource.Raw, await store.AggregateAsync(series, from, to, step, ct));
        }
        // Part of the range is older than the raw points: the hour is the finest there is.
        if (!HistoryPlan.IsWholeHours(step))
        {
            step = TimeSpan.FromHours(1);
        }
        var olderHours = await rollups.QueryHourlyAsync(series, from, Min(to, rawFrom), ct);
        var recentHours = to > rawFrom
            ? await store.AggregateAsync(series, rawFrom, to, TimeSpan.FromHours(1), ct)
            : [];
        var source = recentHours.Count == 0 ? HistorySource.Hourly : olderHours.Count == 0 ? HistorySource.Raw : HistorySource.Mixed;
        return new(step, source, HistoryPlan.Combine(olderHours.Concat(recentHours), step));
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;
}
