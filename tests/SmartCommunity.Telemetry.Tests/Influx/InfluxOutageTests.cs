using SmartCommunity.Telemetry.Influx;
using SmartCommunity.Testing;

namespace SmartCommunity.Telemetry.Tests.Influx;

/// <summary>
/// Outages on a private influxd (behind its own nginx) that each test stops and starts: points written while it is
/// down wait in the disk spool and reach InfluxDB exactly once when it is back.
/// </summary>
public sealed class InfluxOutageTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly string _database = InfluxStores.NewDatabase();
    private readonly SeriesKey _series = new("dev-" + Guid.NewGuid().ToString("N")[..8], "temp");
    private PrivateInflux? _server;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private PrivateInflux Server => _server!;

    public async ValueTask InitializeAsync() => _server = await PrivateInflux.StartAsync();

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    private InfluxTelemetryStore OpenStore() => new(InfluxStores.Options(Server.Url, _database, Server.SpoolDirectory));

    private TelemetryPoint Point(int i) => new(_series, T0.AddSeconds(i), i * 0.5);

    [Fact]
    public async Task WriteAsync_InfluxdDown_SpoolsAndReplaysInOrderWhenBack()
    {
        await using var store = OpenStore();
        await store.EnsureDatabaseAsync(Ct);
        await store.WriteAsync([Point(0), Point(1)], Ct);
        await Server.StopInfluxdAsync();

        await store.WriteAsync([Point(2), Point(3)], Ct);   // nginx answers 502: spooled
        await store.WriteAsync([Point(1), Point(4)], Ct);   // queued behind, including a rewrite of a stored point
        Assert.Equal(4, store.SpooledPoints);
        Assert.False(await store.ReplaySpoolAsync(Ct)); // still down: nothing leaves the spool

        await Server.StartInfluxdAsync();
        Assert.True(await store.ReplaySpoolAsync(Ct));

        Assert.Equal(0, store.SpooledPoints);
        Assert.Equal(5, await store.CountAsync(_series, Ct));
        Assert.Equal([0.0, 0.5, 1.0, 1.5, 2.0], (await store.QueryRangeAsync(_series, T0, T0.AddHours(1), 100, Ct)).Select(p => p.Value));
        await store.WriteAsync([Point(5)], Ct); // spool empty again: direct
        Assert.Equal(0, store.SpooledPoints);
    }

    [Fact]
    public async Task Spool_StoreClosedDuringOutage_NextStoreReplaysIt()
    {
        await using (var first = OpenStore())
        {
            await first.EnsureDatabaseAsync(Ct);
            await Server.StopInfluxdAsync();
            await first.WriteAsync([Point(0), Point(1), Point(2)], Ct);
            Assert.Equal(3, first.SpooledPoints);
        }

        await Server.StartInfluxdAsync();
        await using var second = OpenStore();
        Assert.Equal(3, second.SpooledPoints); // found on disk
        Assert.True(await second.ReplaySpoolAsync(Ct));

        Assert.Equal(3, await second.CountAsync(_series, Ct));
    }

    /// <summary>
    /// The fault test: influxd is killed while points keep flowing through the writer (as from the simulator),
    /// then started again; every point is in InfluxDB exactly once. The outage is measured in points, not seconds:
    /// the spool makes its length irrelevant. SC_INFLUX_OUTAGE_SECONDS (e.g. 30) keeps it down at least that long.
    /// </summary>
    [Fact]
    public async Task Writer_InfluxdKilledWhilePointsFlow_EveryPointStoredExactlyOnce()
    {
        const int Before = 2_000, During = 3_000, After = 2_000;
        var outage = TimeSpan.FromSeconds(int.TryParse(Environment.GetEnvironmentVariable("SC_INFLUX_OUTAGE_SECONDS"), out var s) ? s : 0);
        await using var store = OpenStore(); // replay backoff 50–200 ms: the background loop, not the test, replays
        await store.EnsureDatabaseAsync(Ct);
        await using var writer = new TelemetryWriter(store, new TelemetryOptions { MaxBatch = 500, QueueCapacity = 1_000 });
        await writer.StartAsync(Ct);

        var next = 0;
        async Task ProduceAsync(int count)
        {
            for (var end = next + count; next < end; next += 50)
            {
                // QoS 1 ingestion waits for durability; durable here may mean "on disk in the spool".
                await writer.EnqueueAsync([.. Enumerable.Range(next, 50).Select(Point)], waitUntilDurable: true, Ct);
            }
        }

        await ProduceAsync(Before);
        await Server.StopInfluxdAsync();
        var down = DateTime.UtcNow;
        await ProduceAsync(During);
        // Redeliveries during the outage (QoS 1 duplicates): rewriting points must not add any.
        await writer.EnqueueAsync([.. Enumerable.Range(Before, 50).Select(Point)], waitUntilDurable: true, Ct);
        Assert.True(store.SpooledPoints >= During);
        var remaining = outage - (DateTime.UtcNow - down);
        if (remaining > TimeSpan.Zero)
        {
            await Task.Delay(remaining, Ct); // only when asked for a wall-clock outage
        }
        await Server.StartInfluxdAsync();
        await ProduceAsync(After);
        await writer.StopAsync(Ct);

        // Bounded polling for the background replay (real I/O); the deadline is not what is asserted.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (store.SpooledPoints > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50, Ct);
        }
        Assert.Equal(0, store.SpooledPoints);
        var total = Before + During + After;
        Assert.Equal(total, await store.CountAsync(_series, Ct));
        var points = await store.QueryRangeAsync(_series, T0, T0.AddDays(1), total + 10, Ct);
        Assert.Equal(Enumerable.Range(0, total).Select(Point), points);
    }
}
