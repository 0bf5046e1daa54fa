using System.Diagnostics.Metrics;
using System.Collections.Concurrent;

namespace SmartCommunity.Telemetry.Tests;

internal static class Deadline
{
    // A generous bound so a broken test fails instead of hanging CI; it is never what a test asserts on.
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    public static Task Within(this Task task) => task.WaitAsync(Limit, TestContext.Current.CancellationToken);

    public static Task<T> Within<T>(this Task<T> task) => task.WaitAsync(Limit, TestContext.Current.CancellationToken);

    public static Task Within(this SemaphoreSlim signal) => signal.WaitAsync(Limit, TestContext.Current.CancellationToken);
}

/// <summary>An in-memory store whose first <c>failures</c> writes throw; only what the writer uses is implemented.</summary>
internal sealed class FlakyStore(int failures, Exception error) : ITelemetryStore
{
    private readonly ConcurrentDictionary<(SeriesKey, long), double> _points = new();
    private int _attempts;

    public int Attempts => Volatile.Read(ref _attempts);

    public int Stored => _points.Count;

    public Task WriteAsync(IReadOnlyList<TelemetryPoint> points, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        if (Interlocked.Increment(ref _attempts) <= failures)
        {
            throw error;
        }
        foreach (var p in points)
        {
            _points[(p.Series, p.Time.ToUnixTimeMilliseconds())] = p.Value;
        }
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<TelemetryPoint>> QueryRangeAsync(SeriesKey series, DateTimeOffset from, DateTimeOffset to, int limit, CancellationToken ct) =>
        throw new NotSupportedException();

    public Task<TelemetryPoint?> LatestAsync(SeriesKey series, CancellationToken ct) => throw new NotSupportedException();

    public Task<IReadOnlyDictionary<SeriesKey, TelemetryPoint>> LatestForDeviceAsync(string deviceId, CancellationToken ct) =>
        throw new NotSupportedException();

    public Task<IReadOnlyList<AggregateBucket>> AggregateAsync(SeriesKey series, DateTimeOffset from, DateTimeOffset to, TimeSpan interval, CancellationToken ct) =>
        throw new NotSupportedException();

    public Task<long> CountAsync(SeriesKey series, CancellationToken ct) => throw new NotSupportedException();

    public Task<long> DeleteOlderThanAsync(DateTimeOffset cutoff, CancellationToken ct) => throw new NotSupportedException();

    public Task<long> DeleteDeviceAsync(string deviceId, CancellationToken ct) => throw new NotSupportedException();
}

/// <summary>
/// Owns the writers of one test. A writer's own dispose drains without a deadline, which would hang a failed test
/// whose store is still gated or failing; this stops each with a short shutdown deadline instead.
/// </summary>
internal sealed class WriterScope : IAsyncDisposable
{
    private readonly List<TelemetryWriter> _writers = [];

    public async Task<TelemetryWriter> StartAsync(
        ITelemetryStore store, TelemetryOptions options, TimeProvider? time = null, IMeterFactory? meterFactory = null, bool start = true)
    {
        var writer = new TelemetryWriter(store, options, time, meterFactory: meterFactory);
        _writers.Add(writer);
        if (start)
        {
            await writer.StartAsync(TestContext.Current.CancellationToken);
        }
        return writer;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var writer in _writers)
        {
            using var shutdownDeadline = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            // The outer bound only matters if the writer ignored its shutdown deadline: fail, don't hang.
            await writer.StopAsync(shutdownDeadline.Token).WaitAsync(TimeSpan.FromSeconds(30));
            await writer.DisposeAsync();
        }
    }
}
