using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace SmartCommunity.Telemetry.Tests;

/// <summary>
/// History beyond the raw points' retention, run against every store: 400 days of hourly readings, the retention run
/// as the hub would (roll up, then expire raw points after 30 days), then the charts' ranges read back through
/// <see cref="TelemetryHistory"/> and checked against the generated points themselves.
/// </summary>
internal static class HistoryScenario
{
    public static async Task RunAsync(ITelemetryStore store, SeriesKey series)
    {
        var ct = TestContext.Current.CancellationToken;
        var t0 = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var now = t0.AddDays(400).AddMinutes(5);
        var options = Options.Create(new TelemetryRetentionOptions { RawRetention = TimeSpan.FromDays(30), RollupRetention = TimeSpan.FromDays(730) });
        var time = new FakeTimeProvider(now);
        // Two readings an hour (:10 and :40) with a daily swing and a slow drift, so every day's mean is different.
        var points = Enumerable.Range(0, 400 * 24).SelectMany(h => new[]
        {
            new TelemetryPoint(series, t0.AddHours(h).AddMinutes(10), Value(h, 0)),
            new TelemetryPoint(series, t0.AddHours(h).AddMinutes(40), Value(h, 1)),
        }).ToList();
        foreach (var chunk in points.Chunk(5_000))
        {
            await store.WriteAsync(chunk, ct);
        }
        // What the hourly job did over those 400 days, then today's run expires the raw points older than 30 days.
        await ((ITelemetryRollups)store).RollUpHourlyAsync(t0, now, ct);
        await new TelemetryRetention(store, options, time).RunOnceAsync(ct);
        Assert.Equal(30 * 48, await store.CountAsync(series, ct));

        var history = new TelemetryHistory(store, options, time);

        var year = await history.ReadAsync(series, now.AddDays(-365), now, null, ct);
        Assert.Equal(TimeSpan.FromDays(1), year.Interval);
        Assert.Equal(HistorySource.Mixed, year.Source);
        AssertMatches(points, year, now.AddDays(-365), now);

        var quarter = await history.ReadAsync(series, now.AddDays(-90), now, null, ct);
        Assert.Equal(TimeSpan.FromHours(6), quarter.Interval);
        Assert.Equal(HistorySource.Mixed, quarter.Source);
        AssertMatches(points, quarter, now.AddDays(-90), now);

        // A month long gone: hourly rollups only, and a 15-minute request gets hours (the finest kept).
        var past = await history.ReadAsync(series, t0.AddDays(100), t0.AddDays(130), TimeSpan.FromMinutes(15), ct);
        Assert.Equal(TimeSpan.FromHours(1), past.Interval);
        Assert.Equal(HistorySource.Hourly, past.Source);
        AssertMatches(points, past, t0.AddDays(100), t0.AddDays(130));

        // The last day: raw points, five-minute buckets.
        var day = await history.ReadAsync(series, now.AddDays(-1), now, null, ct);
        Assert.Equal(TimeSpan.FromMinutes(5), day.Interval);
        Assert.Equal(HistorySource.Raw, day.Source);
        Assert.Equal(48, day.Buckets.Sum(b => b.Count));
    }

    private static double Value(int hour, int half) => 20 + 5 * Math.Sin(hour * Math.PI / 12) + hour / 240.0 + half;

    /// <summary>Every bucket equals the generated points in it; every point of the range is in one bucket.</summary>
    private static void AssertMatches(List<TelemetryPoint> points, TelemetryHistoryResult result, DateTimeOffset from, DateTimeOffset to)
    {
        // Rolled-up hours are whole: the hour the range starts inside is left out, like any hour starting before it.
        var first = HistoryPlan.Floor(from, TimeSpan.FromHours(1));
        if (first < from)
            first = first.AddHours(1);
        var expected = points.Where(p => p.Time >= first && p.Time < to)
            .GroupBy(p => HistoryPlan.Floor(p.Time, result.Interval))
            .OrderBy(g => g.Key)
            .Select(g => (g.Key, g.Min(p => p.Value), g.Max(p => p.Value), Math.Round(g.Average(p => p.Value), 6), g.Count()))
            .ToList();
        Assert.Equal(expected, result.Buckets.Select(b => (b.Start, b.Min, b.Max, Math.Round(b.Mean, 6), b.Count)).ToList());
    }
}
