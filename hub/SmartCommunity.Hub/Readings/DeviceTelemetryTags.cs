using System.Globalization;
using SmartCommunity.Hub.Devices;
using SmartCommunity.Telemetry.Influx;

namespace SmartCommunity.Hub.Readings;

/// <summary>
/// InfluxDB tags from the in-memory device directory: kind, and the grid and community ids of the device's place.
/// Ids rather than names: a renamed grid must not split its series in two.
/// </summary>
public sealed class DeviceTelemetryTags(DeviceDirectory devices) : ITelemetryTagResolver
{
    public TelemetryTags Resolve(string deviceId) => devices.Find(deviceId) is { } d
        ? new TelemetryTags(
            d.Kind.ToString().ToLowerInvariant(),
            d.Place.CommunityId?.ToString(CultureInfo.InvariantCulture),
            d.Place.GridId?.ToString(CultureInfo.InvariantCulture))
        : default;
}
