using SmartCommunity.Testing;

namespace SmartCommunity.Telemetry.Tests;

/// <summary>
/// The behaviour every <see cref="ITelemetryStore"/> must show, together with the <see cref="TelemetryWriter"/> in
/// front of it. A backend's test class derives from this and says how to open its storage.
/// </summary>
public abstract class TelemetryStoreContractTests : IAsyncDisposable
{
    protected static readonly DateTimeOffset T0 = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private readonly List<ITelemetryStore> _open = [];
    private readonly WriterScope _writers = new();

    // Unique per test so a backend that shares one server between tests (InfluxDB) still sees only its own data.
    protected string Device { get; } = "dev-" + Guid.NewGuid().ToString("N")[..12];

    protected SeriesKey Temp => new(Device, "temp");

    protected SeriesKey Humidity => new(Device, "hum");

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Opens a store on this test's storage; opening again after closing must show the same data.</summary>
    protected abstract Task<ITelemetryStore> OpenStoreAsync();

    protected virtual async ValueTask CloseStoreAsync(ITelemetryStore store)
    {
        switch (store)
        {
            case IAsyncDisposable asyncDisposable:
                await asyncDisposable.DisposeAsync();
                break;
            case IDisposable disposable:
                disposable.Dispose();
                break;
        }
    }

    /// <summary>Removes this test's storage after every store was closed.</summary>
    protected virtual ValueTask DeleteStorageAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        await _writers.DisposeAsync(); // writers first: they may still be committing into the stores
        foreach (var store in _open)
        {
            await CloseStoreAsync(store);
        }
        _open.Clear();
        await DeleteStorageAsync();
        GC.SuppressFinalize(this);
    }

    protected async Task<ITelemetryStore> OpenAsync()
    {
        var store = await OpenStoreAsync();
        _open.Add(store);
        return store;
    }

    protected async Task CloseAsync(ITelemetryStore store)
    {
        _open.Remove(store);
        await CloseStoreAsync(store);
    }

    protected static TelemetryPoint At(SeriesKey series, double minutes, double value) =>
        new(series, T0.AddMinutes(minutes), value);

    private static TelemetryOptions WriterOptions(int queueCapacity = 50_000, int maxBatch = 5_000) =>
        new() { QueueCapacity = queueCapacity, MaxBatch = maxBatch };

    // ---- store ----

    [Fact]
    public async Task WriteAsync_PointsOutOfOrder_QueryRangeReturnsThemAscending()
    {
        var store = await OpenAsync();
        await store.WriteAsync([At(Temp, 2, 22.5), At(Temp, 0, 20.0), At(Temp, 1, 21.25)], Ct);

        var points = await store.QueryRangeAsync(Temp, T0, T0.AddHours(1), 100, Ct);

        Assert.Equal([At(Temp, 0, 20.0), At(Temp, 1, 21.25), At(Temp, 2, 22.5)], points);
        Assert.All(points, p => Assert.Equal(TimeSpan.Zero, p.Time.Offset));
    }

    [Fact]
    public async Task WriteAsync_SamePointAgain_StoredOnce()
    {
        var store = await OpenAsync();
        await store.WriteAsync([At(Temp, 0, 20.0), At(Temp, 1, 21.0)], Ct);

        // A QoS 1 redelivery or a replayed batch: the same series, time and value.
        await store.WriteAsync([At(Temp, 0, 20.0), At(Temp, 1, 21.0)], Ct);
        await store.WriteAsync([At(Temp, 1, 21.0), At(Temp, 1, 21.0)], Ct);

        Assert.Equal(2, await store.CountAsync(Temp, Ct));
        Assert.Equal([At(Temp, 0, 20.0), At(Temp, 1, 21.0)], await store.QueryRangeAsync(Temp, T0, T0.AddHours(1), 100, Ct));
    }

    [Fact]
    public async Task WriteAsync_DifferentValueAtATakenTime_KeepsBothWithinTheMillisecondsAfterIt()
    {
        var store = await OpenAsync();
        await store.WriteAsync([At(Temp, 0, 20.0)], Ct);

        // Devices stamp whole seconds: two readings a moment apart share a time, and both were accepted.
        await store.WriteAsync([At(Temp, 0, 25.0)], Ct);
        await store.WriteAsync([At(Temp, 1, 30.0), At(Temp, 1, 31.0)], Ct); // and within one batch

        Assert.Equal(4, await store.CountAsync(Temp, Ct));
        var points = await store.QueryRangeAsync(Temp, T0, T0.AddHours(1), 100, Ct);
        Assert.Equal([20.0, 25.0, 30.0, 31.0], points.Select(p => p.Value).Order());
        foreach (var p in points)
        {
            var stamped = T0.AddMinutes(p.Value < 30 ? 0 : 1);
            Assert.InRange(p.Time, stamped, stamped.AddMilliseconds(10));
        }
    }

    [Fact]
    public async Task WriteAsync_BatchOfCollidingValuesReplayed_EachStillStoredOnce()
    {
        var store = await OpenAsync();
        TelemetryPoint[] batch = [At(Temp, 0, 1.0), At(Temp, 0, 2.0), At(Temp, 0, 3.0), At(Temp, 0, 1.0)];

        await store.WriteAsync(batch, Ct);
        await store.WriteAsync(batch, Ct);
        await store.WriteAsync([batch[2], batch[1]], Ct);

        Assert.Equal([1.0, 2.0, 3.0], (await store.QueryRangeAsync(Temp, T0, T0.AddSeconds(1), 100, Ct)).Select(p => p.Value).Order());
    }

    [Fact]
    public async Task WriteAsync_TwoReadings300MillisecondsApart_BothStoredAtTheirTimes()
    {
        var store = await OpenAsync();
        var first = new TelemetryPoint(Temp, T0.AddSeconds(7), 21.5);
        var second = new TelemetryPoint(Temp, T0.AddSeconds(7).AddMilliseconds(300), 21.5);

        await store.WriteAsync([first], Ct);
        await store.WriteAsync([second], Ct);

        Assert.Equal([first, second], await store.QueryRangeAsync(Temp, T0, T0.AddMinutes(1), 10, Ct));
    }

    [Fact]
    public async Task WriteAsync_SubMillisecondTimes_StoredTruncatedToTheMillisecond()
    {
        var store = await OpenAsync();
        var millisecond = T0.AddMilliseconds(5);

        await store.WriteAsync([new(Temp, millisecond.AddTicks(2_000), 1.0)], Ct);
        await store.WriteAsync([new(Temp, millisecond.AddTicks(7_000), 1.0)], Ct); // the same reading again

        var point = Assert.Single(await store.QueryRangeAsync(Temp, T0, T0.AddSeconds(1), 10, Ct));
        Assert.Equal(new TelemetryPoint(Temp, millisecond, 1.0), point);
    }

    [Fact]
    public async Task WriteAsync_BatchWithNonFiniteValue_ThrowsAndWritesNothing()
    {
        var store = await OpenAsync();

        await Assert.ThrowsAsync<ArgumentException>(() => store.WriteAsync([At(Temp, 0, 1.0), At(Temp, 1, double.NaN)], Ct));
        await Assert.ThrowsAsync<ArgumentException>(() => store.WriteAsync([At(Temp, 2, double.PositiveInfinity)], Ct));

        Assert.Equal(0, await store.CountAsync(Temp, Ct));
    }

    [Fact]
    public async Task QueryRangeAsync_PointsOnTheBounds_IncludesFromAndExcludesTo()
    {
        var store = await OpenAsync();
        await store.WriteAsync([At(Temp, 9, 1), At(Temp, 10, 2), At(Temp, 15, 3), At(Temp, 20, 4), At(Temp, 21, 5)], Ct);

        var points = await store.QueryRangeAsync(Temp, T0.AddMinutes(10), T0.AddMinutes(20), 100, Ct);

        Assert.Equal([2.0, 3.0], points.Select(p => p.Value));
    }

    [Fact]
    public async Task QueryRangeAsync_MorePointsThanLimit_ReturnsTheEarliest()
    {
        var store = await OpenAsync();
        await store.WriteAsync([.. Enumerable.Range(0, 10).Select(i => At(Temp, i, i))], Ct);

        var points = await store.QueryRangeAsync(Temp, T0, T0.AddHours(1), 3, Ct);

        Assert.Equal([0.0, 1.0, 2.0], points.Select(p => p.Value));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => store.QueryRangeAsync(Temp, T0, T0.AddHours(1), 0, Ct));
    }

    [Fact]
    public async Task QueryRangeAsync_SeveralSeries_ReturnsOnlyTheAskedSeries()
    {
        var store = await OpenAsync();
        var otherDevice = new SeriesKey(Device + "-other", "temp");
        await store.WriteAsync([At(Temp, 0, 20), At(Humidity, 0, 55), At(otherDevice, 0, 99)], Ct);

        var points = await store.QueryRangeAsync(Temp, T0, T0.AddHours(1), 100, Ct);

        Assert.Equal([At(Temp, 0, 20)], points);
    }

    [Fact]
    public async Task Queries_UnknownSeries_ReturnNothing()
    {
        var store = await OpenAsync();
        var unknown = new SeriesKey(Device, "never-written");

        Assert.Empty(await store.QueryRangeAsync(unknown, T0, T0.AddHours(1), 100, Ct));
        Assert.Null(await store.LatestAsync(unknown, Ct));
        Assert.Empty(await store.LatestForDeviceAsync(Device, Ct));
        Assert.Empty(await store.AggregateAsync(unknown, T0, T0.AddHours(1), TimeSpan.FromMinutes(1), Ct));
        Assert.Equal(0, await store.CountAsync(unknown, Ct));
    }

    [Fact]
    public async Task LatestAsync_PointsWrittenOutOfOrder_ReturnsTheNewest()
    {
        var store = await OpenAsync();
        await store.WriteAsync([At(Temp, 5, 25), At(Temp, 1, 21)], Ct);
        await store.WriteAsync([At(Temp, 3, 23)], Ct); // late arrival must not become "latest"

        Assert.Equal(At(Temp, 5, 25), await store.LatestAsync(Temp, Ct));
    }

    [Fact]
    public async Task LatestForDeviceAsync_SeveralSeries_ReturnsNewestOfEachSeriesOfThatDeviceOnly()
    {
        var store = await OpenAsync();
        var otherDevice = new SeriesKey(Device + "-other", "temp");
        await store.WriteAsync([At(Temp, 1, 21), At(Temp, 2, 22), At(Humidity, 7, 57), At(Humidity, 3, 53), At(otherDevice, 9, 99)], Ct);

        var latest = await store.LatestForDeviceAsync(Device, Ct);

        Assert.Equal(2, latest.Count);
        Assert.Equal(At(Temp, 2, 22), latest[Temp]);
        Assert.Equal(At(Humidity, 7, 57), latest[Humidity]);
    }

    [Fact]
    public async Task AggregateAsync_PointsInSeveralBuckets_ReturnsHandComputedNonEmptyBuckets()
    {
        var store = await OpenAsync();
        // 10-minute buckets from the epoch: [00:00,00:10) gets 03 and 07; [00:10,00:20) gets 12, 15 and 19;
        // 00:20 and 00:30 are empty; [00:40,00:50) gets 41. 00:02 is before `from`, 00:50 is at `to`.
        await store.WriteAsync(
        [
            At(Temp, 2, 100), At(Temp, 3, 10), At(Temp, 7, 20), At(Temp, 12, -4), At(Temp, 15, 6), At(Temp, 19, 1),
            At(Temp, 41, 7.5), At(Temp, 50, 100),
        ], Ct);

        var buckets = await store.AggregateAsync(Temp, T0.AddMinutes(3), T0.AddMinutes(50), TimeSpan.FromMinutes(10), Ct);

        Assert.Equal(3, buckets.Count);
        AssertBucket(new(T0, Min: 10, Max: 20, Mean: 15, Count: 2), buckets[0]);
        AssertBucket(new(T0.AddMinutes(10), Min: -4, Max: 6, Mean: 1, Count: 3), buckets[1]);
        AssertBucket(new(T0.AddMinutes(40), Min: 7.5, Max: 7.5, Mean: 7.5, Count: 1), buckets[2]);
    }

    [Fact]
    public async Task AggregateAsync_TimesBeforeTheEpoch_BucketsStillAlignToTheEpoch()
    {
        var store = await OpenAsync();
        var epoch = DateTimeOffset.UnixEpoch;
        await store.WriteAsync(
        [
            new(Temp, epoch.AddSeconds(-90), 1), new(Temp, epoch.AddSeconds(-61), 3), // [-120 s, -60 s)
            new(Temp, epoch.AddSeconds(-60), 5), new(Temp, epoch.AddSeconds(-1), 7),  // [-60 s, 0)
            new(Temp, epoch, 9),                                                      // [0, 60 s)
        ], Ct);

        var buckets = await store.AggregateAsync(Temp, epoch.AddHours(-1), epoch.AddHours(1), TimeSpan.FromMinutes(1), Ct);

        Assert.Equal([epoch.AddMinutes(-2), epoch.AddMinutes(-1), epoch], buckets.Select(b => b.Start));
        Assert.Equal([2.0, 6.0, 9.0], buckets.Select(b => b.Mean));
    }

    [Fact]
    public async Task AggregateAsync_IntervalBelowOneMillisecond_Throws()
    {
        var store = await OpenAsync();

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => store.AggregateAsync(Temp, T0, T0.AddHours(1), TimeSpan.Zero, Ct));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => store.AggregateAsync(Temp, T0, T0.AddHours(1), TimeSpan.FromTicks(9_999), Ct));
    }

    [Fact]
    public async Task DeleteOlderThanAsync_PointsOfMixedAge_DeletesOnlyOlderOnesInEverySeries()
    {
        var store = await OpenAsync();
        await store.WriteAsync([At(Temp, 0, 1), At(Temp, 59, 2), At(Temp, 60, 3), At(Temp, 90, 4), At(Humidity, 30, 5), At(Humidity, 61, 6)], Ct);

        var deleted = await store.DeleteOlderThanAsync(T0.AddMinutes(60), Ct);

        Assert.Equal(3, deleted);
        Assert.Equal([3.0, 4.0], (await store.QueryRangeAsync(Temp, T0, T0.AddDays(1), 100, Ct)).Select(p => p.Value));
        Assert.Equal([6.0], (await store.QueryRangeAsync(Humidity, T0, T0.AddDays(1), 100, Ct)).Select(p => p.Value));
    }

    [Fact]
    public async Task DeleteDeviceAsync_TwoDevices_ErasesEverySeriesOfOneOnlyAndCountsItsPoints()
    {
        var store = await OpenAsync();
        var other = new SeriesKey("keep-" + Device, "temp");
        await store.WriteAsync([At(Temp, 0, 1), At(Temp, 1, 2), At(Humidity, 0, 50), At(other, 0, 7)], Ct);
        var rollups = store as ITelemetryRollups;
        if (rollups is not null)
            await rollups.RollUpHourlyAsync(T0, T0.AddHours(2), Ct);

        var deleted = await store.DeleteDeviceAsync(Device, Ct);

        Assert.Equal(3, deleted);
        Assert.Empty(await store.QueryRangeAsync(Temp, T0, T0.AddDays(1), 100, Ct));
        Assert.Null(await store.LatestAsync(Humidity, Ct));
        Assert.Empty(await store.LatestForDeviceAsync(Device, Ct));
        Assert.Equal(0, await store.CountAsync(Temp, Ct));
        Assert.Equal([7.0], (await store.QueryRangeAsync(other, T0, T0.AddDays(1), 100, Ct)).Select(p => p.Value));
        if (rollups is not null)
        {
            Assert.Empty(await rollups.QueryHourlyAsync(Temp, T0, T0.AddDays(1), Ct));
            Assert.NotEmpty(await rollups.QueryHourlyAsync(other, T0, T0.AddDays(1), Ct));
        }
        // The device may keep reporting (a new wearer): its series start again from empty.
        await store.WriteAsync([At(Temp, 5, 9)], Ct);
        Assert.Equal([9.0], (await store.QueryRangeAsync(Temp, T0, T0.AddDays(1), 100, Ct)).Select(p => p.Value));
        Assert.Equal(0, await store.DeleteDeviceAsync("never-seen-" + Device, Ct));
    }

    [Fact]
    public async Task Store_ClosedAndReopened_KeepsEveryPoint()
    {
        var store = await OpenAsync();
        await store.WriteAsync([At(Temp, 0, 20), At(Temp, 1, 21), At(Humidity, 0, 50)], Ct);
        await CloseAsync(store);

        var reopened = await OpenAsync();
        await reopened.WriteAsync([At(Temp, 2, 22)], Ct); // an existing series gets its points appended, not a new id

        Assert.Equal([20.0, 21.0, 22.0], (await reopened.QueryRangeAsync(Temp, T0, T0.AddHours(1), 100, Ct)).Select(p => p.Value));
        Assert.Equal(At(Humidity, 0, 50), await reopened.LatestAsync(Humidity, Ct));
    }

    // ---- writer in front of the store ----

    [Fact]
    public async Task EnqueueAsync_QueueFull_WaitsForRoomAndLosesNothing()
    {
        var store = await OpenAsync();
        var gated = new GatedStore(store, startClosed: true);
        var writer = await _writers.StartAsync(gated, WriterOptions(queueCapacity: 4, maxBatch: 100));

        await writer.EnqueueAsync([At(Temp, 0, 0)], false, Ct);
        await gated.Entered.Within(); // the loop holds point 0 at the gate; the queue is empty again
        for (var i = 1; i <= 4; i++)
        {
            Assert.True(writer.EnqueueAsync([At(Temp, i, i)], false, Ct).IsCompletedSuccessfully);
        }
        var blocked = writer.EnqueueAsync([At(Temp, 5, 5), At(Temp, 6, 6)], false, Ct).AsTask();

        Assert.False(blocked.IsCompleted);
        Assert.Equal(4, writer.QueueDepth);

        gated.Open();
        await blocked.Within();
        await writer.StopAsync(Ct);
        Assert.Equal(7, await store.CountAsync(Temp, Ct));
    }

    [Fact]
    public async Task EnqueueAsync_WaitUntilDurable_CompletesOnlyAfterOneGroupCommitMakesAllQueryable()
    {
        var store = await OpenAsync();
        var gated = new GatedStore(store, startClosed: true);
        var writer = await _writers.StartAsync(gated, WriterOptions());

        var first = writer.EnqueueAsync([At(Temp, 0, 0)], true, Ct).AsTask();
        await gated.Entered.Within();
        var second = writer.EnqueueAsync([At(Temp, 1, 1), At(Temp, 2, 2)], true, Ct).AsTask();
        var third = writer.EnqueueAsync([At(Humidity, 0, 50)], true, Ct).AsTask();

        Assert.False(first.IsCompleted || second.IsCompleted || third.IsCompleted);
        Assert.Equal(0, await store.CountAsync(Temp, Ct));

        gated.Open();
        await Task.WhenAll(first, second, third).Within();

        // Durable means queryable at once: no polling.
        Assert.Equal(3, await store.CountAsync(Temp, Ct));
        Assert.Equal(1, await store.CountAsync(Humidity, Ct));
        Assert.Equal([1, 3], gated.BatchSizes); // the two calls that queued during the first commit shared one commit
    }

    [Fact]
    public async Task EnqueueDeferredAsync_ReturnsOnceQueued_TaskCompletesOnlyWhenDurable_QueueFullWaitsForRoom()
    {
        var store = await OpenAsync();
        var gated = new GatedStore(store, startClosed: true);
        var writer = await _writers.StartAsync(gated, WriterOptions(queueCapacity: 2, maxBatch: 100));

        var first = await writer.EnqueueDeferredAsync([At(Temp, 0, 0)], Ct).AsTask().Within();
        await gated.Entered.Within(); // point 0 is held at the gate; the queue is empty again
        var second = await writer.EnqueueDeferredAsync([At(Temp, 1, 1), At(Temp, 2, 2)], Ct).AsTask().Within();
        var queuing = writer.EnqueueDeferredAsync([At(Temp, 3, 3)], Ct).AsTask(); // no room: waits to be queued

        Assert.False(first.IsCompleted || second.IsCompleted);
        Assert.False(queuing.IsCompleted);
        Assert.Equal(0, await store.CountAsync(Temp, Ct));

        gated.Open();
        var third = await queuing.Within();
        await Task.WhenAll(first, second, third).Within();
        Assert.Equal(4, await store.CountAsync(Temp, Ct));
        Assert.True((await writer.EnqueueDeferredAsync([], Ct)).IsCompletedSuccessfully);
    }

    [Fact]
    public async Task StopAsync_PointsStillQueued_CommitsAllBeforeReturning()
    {
        var store = await OpenAsync();
        var gated = new GatedStore(store, startClosed: true);
        var writer = await _writers.StartAsync(gated, WriterOptions(maxBatch: 30));
        await writer.EnqueueAsync([At(Temp, 0, 0)], false, Ct);
        await gated.Entered.Within();
        await writer.EnqueueAsync([.. Enumerable.Range(1, 100).Select(i => At(Temp, i, i))], false, Ct);

        var stopping = writer.StopAsync(Ct);
        Assert.False(stopping.IsCompleted);
        gated.Open();
        await stopping.Within();

        Assert.Equal(101, await store.CountAsync(Temp, Ct));
        Assert.Equal(0, writer.QueueDepth);
        await Assert.ThrowsAsync<InvalidOperationException>(() => writer.EnqueueAsync([At(Temp, 200, 0)], false, Ct).AsTask());
    }

    [Fact]
    public async Task EnqueueAsync_ConcurrentProducersThroughSmallQueue_StoresEveryPointExactlyOnce()
    {
        const int Producers = 8;
        const int PointsEach = 500;
        var store = await OpenAsync();
        var writer = await _writers.StartAsync(store, WriterOptions(queueCapacity: 64, maxBatch: 50));

        var producers = Enumerable.Range(0, Producers).Select(producer => Task.Run(async () =>
        {
            var series = new SeriesKey(Device, $"s{producer}");
            for (var i = 0; i < PointsEach; i += 5)
            {
                // Mix fire-and-forget with durable waits so both paths run under contention.
                await writer.EnqueueAsync([.. Enumerable.Range(i, 5).Select(j => new TelemetryPoint(series, T0.AddSeconds(j), j))], i % 50 == 0, Ct);
            }
        }, Ct));
        await Task.WhenAll(producers).Within();
        await writer.StopAsync(Ct);

        for (var producer = 0; producer < Producers; producer++)
        {
            Assert.Equal(PointsEach, await store.CountAsync(new SeriesKey(Device, $"s{producer}"), Ct));
        }
        Assert.Equal(Producers, (await store.LatestForDeviceAsync(Device, Ct)).Count);
    }

    private static void AssertBucket(AggregateBucket expected, AggregateBucket actual)
    {
        Assert.Equal(expected.Start, actual.Start);
        Assert.Equal(expected.Count, actual.Count);
        Assert.Equal(expected.Min, actual.Min);
        Assert.Equal(expected.Max, actual.Max);
        Assert.Equal(expected.Mean, actual.Mean, precision: 9);
    }
}
