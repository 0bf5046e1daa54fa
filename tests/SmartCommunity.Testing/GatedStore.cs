using System.Collections.Concurrent;

using SmartCommunity.Telemetry;

namespace SmartCommunity.Testing;

/// <summary>Wraps a real store and holds every write at a gate, so tests can stand the writer still on purpose.</summary>
public sealed class GatedStore(ITelemetryStore inner, bool startClosed) : ITelemetryStore
{
    private readonly TaskCompletionSource _gate = NewGate(startClosed);

    /// <summary>Released once per write that reached the gate.</summary>
    public SemaphoreSlim Entered { get; } = new(0);

    public ConcurrentQueue<int> BatchSizes { get; } = new();

    public void Open() => _gate.TrySetResult();

    public async Task WriteAsync(IReadOnlyList<TelemetryPoint> points, CancellationToken ct)
    {
        BatchSizes.Enqueue(points.Count);
        Entered.Release();
        await _gate.Task.WaitAsync(ct);
        await inner.WriteAsync(points, ct);
    }

    public Task<IReadOnlyList<TelemetryPoint>> QueryRangeAsync(SeriesKey series, DateTimeOffset from, DateTimeOffset to, int limit, CancellationToken ct) =>
        inner.QueryRangeAsync(series, from, to, limit, ct);

    public Task<TelemetryPoint?> LatestAsync(SeriesKey series, CancellationToken ct) => inner.LatestAsync(series, ct);

    public Task<IReadOnlyDictionary<SeriesKey, TelemetryPoint>> LatestForDeviceAsync(string deviceId, CancellationToken ct) =>
        inner.LatestForDeviceAsync(deviceId, ct);

    public Task<IReadOnlyList<AggregateBucket>> AggregateAsync(SeriesKey series, DateTimeOffset from, DateTimeOffset to, TimeSpan interval, CancellationToken ct) =>
        inner.AggregateAsync(series, from, to, interval, ct);

    public Task<long> CountAsync(SeriesKey series, CancellationToken ct) => inner.CountAsync(series, ct);

    public Task<long> DeleteDeviceAsync(string deviceId, CancellationToken ct) => inner.DeleteDeviceAsync(deviceId, ct);

    public Task<long> DeleteOlderThanAsync(DateTimeOffset cutoff, CancellationToken ct) => inner.DeleteOlderThanAsync(cutoff, ct);

    private static TaskCompletionSource NewGate(bool closed)
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!closed)
        {
            gate.SetResult();
        }
        return gate;
    }
}
