using BenchmarkDotNet.Attributes;
using SmartCommunity.Telemetry;

namespace SmartCommunity.MicroBench;

/// <summary>
/// The telemetry writer's front door as ingestion uses it: one climate pack = 2 points per call. The writer
/// runs its real loop over a store that commits instantly, so this measures the queue and the hand-off, not
/// SQLite (see <see cref="StoreBenchmarks"/> for that). <c>Enqueue</c> is the QoS 0 path (no wait);
/// <c>EnqueueDurable</c> is the QoS 1 path: the call completes when the writer loop has "committed" the
/// batch, so it includes one wake-up of the loop and the completion's continuation.
/// </summary>
[MemoryDiagnoser]
public class TelemetryWriterBenchmarks
{
    private TelemetryWriter _writer = null!;
    private readonly TelemetryPoint[] _points = new TelemetryPoint[2];
    private long _t = 1_795_921_200_000;

    [GlobalSetup]
    public void Setup()
    {
        _writer = new TelemetryWriter(new NullStore(), new TelemetryOptions());
        _writer.StartAsync(CancellationToken.None).GetAwaiter().GetResult();
    }

    [GlobalCleanup]
    public void Cleanup() => _writer.DisposeAsync().AsTask().GetAwaiter().GetResult();

    private void Fill()
    {
        var at = DateTimeOffset.FromUnixTimeMilliseconds(_t += 10_000);
        _points[0] = new TelemetryPoint(new SeriesKey("clim-0001", "temp"), at, 21.5);
        _points[1] = new TelemetryPoint(new SeriesKey("clim-0001", "hum"), at, 45.2);
    }

    [Benchmark(Baseline = true)]
    public ValueTask Enqueue()
    {
        Fill();
        return _writer.EnqueueAsync(_points, waitUntilDurable: false, CancellationToken.None);
    }

    [Benchmark]
    public async Task EnqueueDurable()
    {
        Fill();
        await _writer.EnqueueAsync(_points, waitUntilDurable: true, CancellationToken.None);
    }

    /// <summary>Accepts every batch at once; queries are not used here.</summary>
    private sealed class NullStore : ITelemetryStore
    {
        public Task WriteAsync(IReadOnlyList<TelemetryPoint> points, CancellationToken ct) => Task.CompletedTask;
        public Task<IReadOnlyList<TelemetryPoint>> QueryRangeAsync(SeriesKey series, DateTimeOffset from, DateTimeOffset to, int limit, CancellationToken ct) => Task.FromResult<IReadOnlyList<TelemetryPoint>>([]);
        public Task<TelemetryPoint?> LatestAsync(SeriesKey series, CancellationToken ct) => Task.FromResult<TelemetryPoint?>(null);
        public Task<IReadOnlyDictionary<SeriesKey, TelemetryPoint>> LatestForDeviceAsync(string deviceId, CancellationToken ct) => Task.FromResult<IReadOnlyDictionary<SeriesKey, TelemetryPoint>>(new Dictionary<SeriesKey, TelemetryPoint>());
        public Task<IReadOnlyList<AggregateBucket>> AggregateAsync(SeriesKey series, DateTimeOffset from, DateTimeOffset to, TimeSpan interval, CancellationToken ct) => Task.FromResult<IReadOnlyList<AggregateBucket>>([]);
        public Task<long> CountAsync(SeriesKey series, CancellationToken ct) => Task.FromResult(0L);
        public Task<long> DeleteOlderThanAsync(DateTimeOffset cutoff, CancellationToken ct) => Task.FromResult(0L);
        public Task<long> DeleteDeviceAsync(string deviceId, CancellationToken ct) => Task.FromResult(0L);
    }
}
