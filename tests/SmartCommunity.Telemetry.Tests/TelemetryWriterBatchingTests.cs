using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Quartz;
using SmartCommunity.Testing;

namespace SmartCommunity.Telemetry.Tests;

/// <summary>The writer's flush interval and rejected batches, and the retention job's Quartz schedule.</summary>
public sealed class TelemetryWriterBatchingTests : IAsyncDisposable
{
    private static readonly DateTimeOffset T0 = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly SeriesKey Temp = new("dev-1", "temp");
    private readonly WriterScope _writers = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask DisposeAsync() => await _writers.DisposeAsync();

    private static TelemetryPoint Point(int i) => new(Temp, T0.AddSeconds(i), i);

    [Fact]
    public async Task EnqueueAsync_FlushIntervalSet_HoldsPartBatchUntilIntervalThenCommitsOnce()
    {
        var time = new SignalingTimeProvider();
        var store = new GatedStore(new FlakyStore(0, new IOException()), startClosed: false);
        var writer = await _writers.StartAsync(store, new TelemetryOptions { FlushInterval = TimeSpan.FromSeconds(1) }, time);

        var first = writer.EnqueueAsync([Point(0)], true, Ct).AsTask();
        await time.TimerCreated.Within(); // the loop holds point 0 and lingers
        var second = writer.EnqueueAsync([Point(1), Point(2)], true, Ct).AsTask();
        Assert.False(first.IsCompleted);

        time.Advance(TimeSpan.FromSeconds(1));
        await Task.WhenAll(first, second).Within();

        Assert.Equal([3], store.BatchSizes);
    }

    [Fact]
    public async Task EnqueueAsync_BatchFillsBeforeFlushInterval_CommitsWithoutWaitingForTime()
    {
        var time = new SignalingTimeProvider();
        var store = new GatedStore(new FlakyStore(0, new IOException()), startClosed: false);
        var writer = await _writers.StartAsync(store, new TelemetryOptions { FlushInterval = TimeSpan.FromHours(1), MaxBatch = 3 }, time);

        await writer.EnqueueAsync([Point(0)], false, Ct);
        await time.TimerCreated.Within();
        await writer.EnqueueAsync([Point(1), Point(2)], true, Ct).AsTask().Within(); // no Advance: size alone flushes

        Assert.Equal([3], store.BatchSizes);
    }

    [Fact]
    public async Task EnqueueAsync_StoreRejectsBatch_FailsWaitersWithoutRetryAndKeepsWriting()
    {
        var time = new SignalingTimeProvider();
        var store = new FlakyStore(1, new TelemetryRejectedException("type conflict", 1));
        var writer = await _writers.StartAsync(store, new TelemetryOptions(), time);

        await Assert.ThrowsAsync<TelemetryRejectedException>(() => writer.EnqueueAsync([Point(0)], true, Ct).AsTask().Within());
        await writer.EnqueueAsync([Point(1)], true, Ct).AsTask().Within();

        Assert.Equal(2, store.Attempts); // one refused attempt, no retry timer, then the next batch
        Assert.Equal(1, store.Stored);
        Assert.Empty(time.DueTimes);
    }

    [Fact]
    public async Task AddTelemetryRetention_ConfiguredSchedule_RegistersDurableJobWithUtcCronTrigger()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Telemetry:Retention:Schedule"] = "0 15 * * * ?" })
            .Build();
        var services = new ServiceCollection().AddLogging().AddSingleton<IConfiguration>(configuration);
        services.AddSqliteTelemetry(t => t.Path = Path.Combine(Path.GetTempPath(), "sc-retention-" + Guid.NewGuid().ToString("N"), "t.db"));
        services.AddTelemetryRetention(configuration);
        await using var provider = services.BuildServiceProvider();

        var scheduler = await provider.GetRequiredService<ISchedulerFactory>().GetScheduler(Ct);
        var triggers = await scheduler.GetTriggersOfJob(TelemetryRetentionJob.Key, Ct);

        var cron = Assert.IsAssignableFrom<ICronTrigger>(Assert.Single(triggers));
        Assert.Equal("0 15 * * * ?", cron.CronExpressionString);
        Assert.Equal(TimeZoneInfo.Utc, cron.TimeZone);
        Assert.NotNull(provider.GetRequiredService<TelemetryRetention>());
    }
}
