using SmartCommunity.Domain.Catalog;
using SmartCommunity.Domain.Devices;

namespace SmartCommunity.Simulator.Devices;

/// <summary>What only the simulator knows about a kind: the reading interval it provisions and what its signal
/// models make the device report. Everything else about a kind (wire name, heartbeat, measurements, button) is the
/// Domain's <see cref="SensorCatalog"/>.</summary>
/// <param name="Kind">The device kind (also the firmware's <c>profile</c>).</param>
/// <param name="ReadingInterval">The firmware's <c>reading_s</c>: climate readings, routine gas reports.</param>
/// <param name="Readings">What it reports on <c>up</c> without a scenario, for people reading the table.</param>
public sealed record SimulatorProfile(DeviceKind Kind, TimeSpan ReadingInterval, string Readings)
{
    /// <summary>Simulated time between heartbeats on <c>status</c>: the catalogue's interval for the kind.</summary>
    public TimeSpan HeartbeatInterval => Kind.Spec().HeartbeatInterval;

    /// <summary>The numeric firmware settings this kind is provisioned with (SET lines before COMMIT).</summary>
    public IReadOnlyDictionary<string, int> Settings => new Dictionary<string, int>
    {
        ["heartbeat_s"] = (int)HeartbeatInterval.TotalSeconds,
        ["reading_s"] = (int)ReadingInterval.TotalSeconds,
    };
}

/// <summary>One row per Domain kind (a test holds the two equal): adding a kind to the catalogue is adding its row
/// here and its signal model in <c>Signals/</c>.</summary>
public static class SimulatorProfiles
{
    private static readonly TimeSpan FirmwareDefault = TimeSpan.FromMinutes(5);

    private static readonly Dictionary<DeviceKind, SimulatorProfile> Table = new SimulatorProfile[]
    {
        new(DeviceKind.Sos, FirmwareDefault, "heartbeats only"),
        new(DeviceKind.Wearable, FirmwareDefault, "heartbeats only"),
        new(DeviceKind.Smoke, TimeSpan.FromMinutes(5), "gas ppm every 5 min"),
        new(DeviceKind.Climate, TimeSpan.FromSeconds(60), "temperature and humidity every 60 s"),
        new(DeviceKind.Pir, FirmwareDefault, "motion count every 5 min"),
        new(DeviceKind.Door, FirmwareDefault, "open/close events a few times a day"),
        new(DeviceKind.Leak, FirmwareDefault, "heartbeats only"),
        new(DeviceKind.Co, FirmwareDefault, "co ppm every 5 min (0–5 ppm in clean air), every 10 s while above 50 ppm"),
    }.ToDictionary(p => p.Kind);

    public static SimulatorProfile For(DeviceKind kind) => Table[kind];

    public static IEnumerable<SimulatorProfile> All => Table.Values;
}
