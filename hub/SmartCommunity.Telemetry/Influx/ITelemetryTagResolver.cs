namespace SmartCommunity.Telemetry.Influx;

/// <summary>
/// Where a device is and what it is, written as InfluxDB tags beside the device id. All are optional; each must be a
/// function of the device (never of the reading), so they add no series: see docs/influxdb.md.
/// </summary>
public readonly record struct TelemetryTags(string? Kind = null, string? Community = null, string? Grid = null);

/// <summary>
/// Supplies <see cref="TelemetryTags"/> for a device. The hub implements it from its device directory; the point type
/// stays (device, name, time, value), so the SQLite store and every producer are unaffected.
/// </summary>
public interface ITelemetryTagResolver
{
    /// <summary>Called on the write path for every point: must be fast and must not throw.</summary>
    TelemetryTags Resolve(string deviceId);
}

internal sealed class NoTelemetryTags : ITelemetryTagResolver
{
    public static readonly NoTelemetryTags Instance = new();

    public TelemetryTags Resolve(string deviceId) => default;
}
