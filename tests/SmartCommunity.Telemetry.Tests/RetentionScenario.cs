using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace SmartCommunity.Telemetry.Tests;

/// <summary>One retention scenario, run against every store: the clock is fake, the data and the store are real.</summary>
internal static class RetentionScenario
{
    public static async Task RunAsync(ITelemetryStore store, SeriesKey series)
    {
        var ct = TestContext.Current.CancellationToken;
        var t0 = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var options = Options.Create(new TelemetryRetentionOptions
        {
            RawRetention = TimeSpan.FromDays(2),
            RollupRetention = TimeSpan.FromDays(10),
            RollupLookback = TimeSpan.FromHours(3),
        });
        var time = new FakeTimeProvider(t0.AddHours(3).AddMinutes(5)); // the 03:05 run sees hours 00, 01, 02
        var retention = new TelemetryRetention(store, options, time);
        // Hour 00: 10, 20 (mean 15); hour 01: 30; hour 02: -5, 5, 9; 03:01 belongs to an hour not yet complete.
        await store.WriteAsync(
        [
            new(series, t0.AddMinutes(1), 10), new(series, t0.AddMinutes(59), 20), new(series, t0.AddMinutes(61), 30),
            new(series, t0.AddMinutes(120), -5), new(series, t0.AddMinutes(150), 5), new(series, t0.AddMinutes(179), 9),
            new(series, t0.AddMinutes(181), 100),
        ], ct);

        var first = await retention.RunOnceAsync(ct);

        Assert.Equal(3, first.HourlyBucketsWritten);
        Assert.Equal(0, first.RawPointsDeleted);
        var rollups = (ITelemetryRollups)store;
        var hourly = await rollups.QueryHourlyAsync(series, t0, t0.AddDays(1), ct);
        Assert.Equal([t0, t0.AddHours(1), t0.AddHours(2)], hourly.Select(b => b.Start));
        Assert.Equal([(10.0, 20.0, 15.0, 2), (30.0, 30.0, 30.0, 1), (-5.0, 9.0, 3.0, 3)],
            hourly.Select(b => (b.Min, b.Max, Math.Round(b.Mean, 9), b.Count)));

        // Two days later the raw points are past retention, the rollups are not.
        time.Advance(TimeSpan.FromDays(2));
        var second = await retention.RunOnceAsync(ct);
        Assert.Equal(7, second.RawPointsDeleted);
        Assert.Equal(0, await store.CountAsync(series, ct));
        Assert.Equal(3, (await rollups.QueryHourlyAsync(series, t0, t0.AddDays(1), ct)).Count);

        // Ten days on the rollups go too.
        time.Advance(TimeSpan.FromDays(10));
        var third = await retention.RunOnceAsync(ct);
        Assert.Equal(3, third.HourlyBucketsDeleted);
        Assert.Empty(await rollups.QueryHourlyAsync(series, t0, t0.AddDays(1), ct));
    }
}
