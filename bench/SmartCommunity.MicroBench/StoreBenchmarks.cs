using BenchmarkDotNet.Attributes;
using SmartCommunity.Telemetry;

namespace SmartCommunity.MicroBench;

/// <summary>The embedded store: one batched transaction of N points, as the writer issues it.</summary>
[MemoryDiagnoser]
public class StoreBenchmarks
{
    private string _dir = "";
    private SqliteTelemetryStore _store = null!;
    private TelemetryPoint[] _batch = [];
    private long _t;

    [Params(100, 5000)]
    public int BatchSize { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _dir = Path.Combine(Path.GetTempPath(), "sc-microbench-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dir);
        _store = new SqliteTelemetryStore(new TelemetryOptions { Path = Path.Combine(_dir, "t.db") });
        _batch = new TelemetryPoint[BatchSize];
        _t = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _store.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Benchmark]
    public async Task WriteBatch()
    {
        // 200 devices × 2 series, fresh timestamps every call so every row is an insert.
        for (var i = 0; i < _batch.Length; i++)
            _batch[i] = new TelemetryPoint(new SeriesKey($"clim-{i % 200:0000}", i % 2 == 0 ? "temp" : "hum"), DateTimeOffset.FromUnixTimeMilliseconds(_t++), 21.5);
        await _store.WriteAsync(_batch, CancellationToken.None);
    }
}
