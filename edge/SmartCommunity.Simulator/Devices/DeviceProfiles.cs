namespace SmartCommunity.Simulator.Devices;

/// <summary>How a kind of device behaves: the firmware profile it is provisioned with and its intervals.</summary>
/// <param name="Kind">The device kind (also the firmware's <c>profile</c>).</param>
/// <param name="HeartbeatInterval">Simulated time between heartbeats on <c>status</c> (<c>heartbeat_s</c>).</param>
/// <param name="ReadingInterval">The firmware's <c>reading_s</c>: climate readings, routine gas reports.</param>
/// <param name="Readings">What it reports on <c>up</c> without a scenario, for people reading the table.</param>
public sealed record DeviceProfile(DeviceKind Kind, TimeSpan HeartbeatInterval, TimeSpan ReadingInterval, string Readings)
{
    /// <summary>The numeric firmware settings this kind is provisioned with (SET lines before COMMIT).</summary>
    public IReadOnlyDictionary<string, int> Settings => new Dictionary<string, int>
    {
        ["heartbeat_s"] = (int)HeartbeatInterval.TotalSeconds,
        ["reading_s"] = (int)ReadingInterval.TotalSeconds,
    };
}

/// <summary>The device kinds as data: adding a kind is adding a row (and its virtual sensor in Node/VirtualSensors.cs).</summary>
public static class DeviceProfiles
{
    private static readonly TimeSpan FirmwareDefault = TimeSpan.FromMinutes(5);

    private static readonly Dictionary<DeviceKind, DeviceProfile> Table = new DeviceProfile[]
    {
        new(DeviceKind.Sos, TimeSpan.FromMinutes(5), FirmwareDefault, "heartbeats only"),
        new(DeviceKind.Wearable, TimeSpan.FromMinutes(5), FirmwareDefault, "heartbeats only"),
        // The real detector beats every 24 h; an hour keeps the simulator's offline detection lively.
        new(DeviceKind.Smoke, TimeSpan.FromHours(1), TimeSpan.FromMinutes(5), "gas ppm every 5 min"),
        new(DeviceKind.Climate, TimeSpan.FromMinutes(30), TimeSpan.FromSeconds(60), "temperature and humidity every 60 s"),
        new(DeviceKind.Pir, TimeSpan.FromMinutes(30), FirmwareDefault, "motion count every 5 min"),
        new(DeviceKind.Door, TimeSpan.FromMinutes(30), FirmwareDefault, "open/close events a few times a day"),
        new(DeviceKind.Leak, TimeSpan.FromMinutes(30), FirmwareDefault, "heartbeats only"),
    }.ToDictionary(p => p.Kind);

    public static DeviceProfile For(DeviceKind kind) => Table[kind];

    public static IEnumerable<DeviceProfile> All => Table.Values;
}
