using System.Diagnostics.Metrics;
using SmartCommunity.Testing;

namespace SmartCommunity.Telemetry.Tests;

/// <summary>Writer behaviour that needs a store failing on purpose or fake time; backend-independent.</summary>
public sealed class TelemetryWriterTests : IAsyncDisposable
{
    private static readonly SeriesKey Temp = new("dev-1", "temp");
    private static readonly DateTimeOffset T0 = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private readonly WriterScope _writers = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask DisposeAsync() => _writers.DisposeAsync();

    private static TelemetryOptions Options => new()
    {
        RetryInitialDelay = TimeSpan.FromSeconds(1),
        RetryMaxDelay = TimeSpan.FromSeconds(3),
    };

    [Fact]
    public async Task Commit_StoreFailsThreeTimes_RetriesWithCappedBackoffThenCompletesTheWaiter()
    {
        var store = new FlakyStore(failures: 3, new IOException("database is locked"));
        var time = new SignalingTimeProvider();
        var writer = await _writers.StartAsync(store, Options, time);

        var durable = writer.EnqueueAsync([new(Temp, T0, 1.0)], true, Ct).AsTask();
        for (var failure = 1; failure <= 3; failure++)
        {
            await time.TimerCreated.Within(); // the writer is now waiting out its backoff
            Assert.Equal(failure, store.Attempts);
            Assert.False(durable.IsCompleted);
            time.Advance(TimeSpan.FromSeconds(3));
        }
        await durable.Within();

        Assert.Equal(4, store.Attempts);
        Assert.Equal(1, store.Stored);
        Assert.Equal([TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(3)], time.DueTimes);
    }

    [Fact]
    public async Task StopAsync_StoreKeepsFailingAndShutdownTimesOut_FailsWaitersInsteadOfHanging()
    {
        var store = new FlakyStore(failures: int.MaxValue, new IOException("disk full"));
        var time = new SignalingTimeProvider();
        var writer = await _writers.StartAsync(store, Options, time);
        var firstBatch = writer.EnqueueAsync([new(Temp, T0, 1.0)], true, Ct).AsTask();
        await time.TimerCreated.Within();
        var stillQueued = writer.EnqueueAsync([new(Temp, T0.AddSeconds(1), 2.0)], true, Ct).AsTask();

        using var shutdownTimedOut = new CancellationTokenSource();
        await shutdownTimedOut.CancelAsync();
        await writer.StopAsync(shutdownTimedOut.Token).Within();

        Assert.Equal("disk full", (await Assert.ThrowsAsync<IOException>(() => firstBatch)).Message);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => stillQueued);
        Assert.Equal(0, store.Stored);
    }

    [Fact]
    public async Task EnqueueAsync_NonFiniteValue_ThrowsBeforeQueuingAnything()
    {
        var writer = await _writers.StartAsync(new FlakyStore(0, new IOException()), Options, start: false);

        Assert.Throws<ArgumentException>(() => writer.EnqueueAsync([new(Temp, T0, 1.0), new(Temp, T0.AddSeconds(1), double.NaN)], false, Ct));
        Assert.Throws<ArgumentException>(() => writer.EnqueueAsync([new(new SeriesKey("", "temp"), T0, 1.0)], false, Ct));

        Assert.Equal(0, writer.QueueDepth);
    }

    [Fact]
    public async Task StopAsync_NeverStarted_StillCommitsWhatWasQueued()
    {
        var store = new FlakyStore(0, new IOException());
        var writer = await _writers.StartAsync(store, Options, start: false);
        await writer.EnqueueAsync([new(Temp, T0, 1.0), new(Temp, T0.AddSeconds(1), 2.0)], false, Ct);

        await writer.StopAsync(Ct).Within();

        Assert.Equal(2, store.Stored);
    }

    [Fact]
    public async Task Meter_PointsCommitted_ReportsPointsWrittenBatchSizeAndQueueDepth()
    {
        var meterFactory = new TestMeterFactory();
        long written = 0;
        var batchSizes = new List<int>();
        int? depth = null;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Scope == meterFactory) // ignore writers of tests running in parallel
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
        {
            if (instrument.Name == "smartcommunity.telemetry.points.written")
            {
                Interlocked.Add(ref written, value);
            }
        });
        listener.SetMeasurementEventCallback<int>((instrument, value, _, _) =>
        {
            if (instrument.Name == "smartcommunity.telemetry.batch.size")
            {
                lock (batchSizes)
                {
                    batchSizes.Add(value);
                }
            }
            else if (instrument.Name == "smartcommunity.telemetry.queue.depth")
            {
                depth = value;
            }
        });
        listener.Start();

        var store = new FlakyStore(0, new IOException());
        var writer = await _writers.StartAsync(store, Options, meterFactory: meterFactory, start: false);
        await writer.EnqueueAsync([new(Temp, T0, 1), new(Temp, T0.AddSeconds(1), 2), new(Temp, T0.AddSeconds(2), 3)], false, Ct);
        listener.RecordObservableInstruments();
        Assert.Equal(3, depth);

        await writer.StopAsync(Ct);

        Assert.Equal(3, Interlocked.Read(ref written));
        Assert.Equal([3], batchSizes);
        listener.RecordObservableInstruments();
        Assert.Equal(0, depth);
    }

    private sealed class TestMeterFactory : IMeterFactory
    {
        private readonly List<Meter> _meters = [];

        public Meter Create(MeterOptions options)
        {
            var meter = new Meter(options.Name, options.Version, options.Tags, scope: this);
            _meters.Add(meter);
            return meter;
        }

        public void Dispose()
        {
            foreach (var meter in _meters)
            {
                meter.Dispose();
            }
        }
    }
}
