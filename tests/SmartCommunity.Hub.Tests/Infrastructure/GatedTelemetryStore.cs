using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using SmartCommunity.Telemetry;

namespace SmartCommunity.Hub.Tests.Infrastructure;

/// <summary>
/// Fault injection around the hub's real telemetry store: writes wait at a gate the test opens, so a test can hold
/// readings short of durable and watch what the hub does meanwhile. Reads and deletes go straight through.
/// </summary>
public sealed class GatedTelemetryStore(ITelemetryStore inner, Task gate) : ITelemetryStore
{
    private int _waiting;

    /// <summary>Writes that reached the gate and have not passed it yet.</summary>
    public int Waiting => Volatile.Read(ref _waiting);

    /// <summary>Replaces the hub's <see cref="ITelemetryStore"/> (whichever backend it configured) by a gated wrapper.</summary>
    public static Action<IWebHostBuilder> Install(Task gate, Action<GatedTelemetryStore> created) => builder =>
        builder.ConfigureTestServices(services =>
        {
            var original = services.Last(d => d.ServiceType == typeof(ITelemetryStore));
            services.Remove(original);
            services.AddSingleton<ITelemetryStore>(sp =>
            {
                var store = (ITelemetryStore)(original.ImplementationFactory?.Invoke(sp) ?? original.ImplementationInstance
                    ?? ActivatorUtilities.CreateInstance(sp, original.ImplementationType!));
                var gated = new GatedTelemetryStore(store, gate);
                created(gated);
                return gated;
            });
        });

    public async Task WriteAsync(IReadOnlyList<TelemetryPoint> points, CancellationToken ct)
    {
        Interlocked.Increment(ref _waiting);
        try
        {
            await gate.WaitAsync(ct);
        }
        finally
        {
            Interlocked.Decrement(ref _waiting);
        }
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
}
