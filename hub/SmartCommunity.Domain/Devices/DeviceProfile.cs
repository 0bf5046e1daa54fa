namespace SmartCommunity.Domain.Devices;

/// <summary>
/// Per device class: which measurements it may send on <c>up</c> and how often it must be heard from.
/// Declared as data so that adding a sensor kind is adding a row, not editing switches.
/// </summary>
public sealed record DeviceProfile(DeviceKind Kind, string Label, IReadOnlySet<string> UpMeasurements, TimeSpan HeartbeatInterval)
{
    /// <summary>Silence longer than this many heartbeat intervals means the device is offline.</summary>
    public const int MissedHeartbeatsForOffline = 3;

    public TimeSpan OfflineAfter => HeartbeatInterval * MissedHeartbeatsForOffline;

    /// <summary>One missed heartbeat, with half an interval of grace for clock drift and retries.</summary>
    public TimeSpan MissedHeartbeatAfter => HeartbeatInterval * 1.5;

    /// <summary>Battery percentage below which the device raises "low battery".</summary>
    public double LowBatteryPercent { get; init; } = 20;

    public static DeviceProfile For(DeviceKind kind) => All[kind];

    // Pendants and wearables are life-safety devices: they are supervised every few minutes.
    // A smoke detector on battery reports daily (EN 14604 class devices do the same).
    public static readonly IReadOnlyDictionary<DeviceKind, DeviceProfile> All = new Dictionary<DeviceKind, DeviceProfile>
    {
        [DeviceKind.Sos] = new(DeviceKind.Sos, "SOS pendant", Set("sos", "test", "cancel", "visit"), TimeSpan.FromMinutes(5)),
        [DeviceKind.Wearable] = new(DeviceKind.Wearable, "Fall-detecting wearable", Set("sos", "fall", "test", "cancel", "visit"), TimeSpan.FromMinutes(5)),
        // Smoke detectors warn earlier: a detector that chirps for a battery tends to be unplugged.
        [DeviceKind.Smoke] = new(DeviceKind.Smoke, "Smoke / gas detector", Set("smoke", "gas", "test"), TimeSpan.FromHours(24)) { LowBatteryPercent = 30 },
        [DeviceKind.Climate] = new(DeviceKind.Climate, "Temperature / humidity", Set("temp", "hum", "test"), TimeSpan.FromMinutes(30)),
        [DeviceKind.Pir] = new(DeviceKind.Pir, "Motion (PIR)", Set("motion", "test"), TimeSpan.FromMinutes(30)),
        [DeviceKind.Door] = new(DeviceKind.Door, "Door contact", Set("door", "test"), TimeSpan.FromMinutes(30)),
        [DeviceKind.Leak] = new(DeviceKind.Leak, "Water leak", Set("leak", "test"), TimeSpan.FromMinutes(30)),
    };

    private static HashSet<string> Set(params string[] names) => new(names, StringComparer.Ordinal);
}
