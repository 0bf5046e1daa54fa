using SmartCommunity.Simulator.Protocol;
using SmartCommunity.Simulator.Signals;

namespace SmartCommunity.Simulator.Devices;

/// <summary>How a kind of device behaves: its heartbeat interval and its routine readings.</summary>
/// <param name="Kind">The device kind.</param>
/// <param name="HeartbeatInterval">Simulated time between heartbeats on <c>status</c>.</param>
/// <param name="Readings">What it reports on <c>up</c> without a scenario, for people reading the table.</param>
public sealed record DeviceProfile(DeviceKind Kind, TimeSpan HeartbeatInterval, string Readings)
{
    internal Func<Random, IReadingSource?> CreateReadings { get; init; } = _ => null;
}

/// <summary>The device kinds as data: adding a kind is adding a row (and its reading source).</summary>
public static class DeviceProfiles
{
    private static readonly Dictionary<DeviceKind, DeviceProfile> Table = new DeviceProfile[]
    {
        new(DeviceKind.Sos, TimeSpan.FromMinutes(5), "heartbeats only") { CreateReadings = _ => null },
        new(DeviceKind.Wearable, TimeSpan.FromMinutes(5), "heartbeats only") { CreateReadings = _ => null },
        // The real detector beats every 24 h; an hour keeps the simulator's offline detection lively.
        new(DeviceKind.Smoke, TimeSpan.FromHours(1), "gas ppm every 5 min") { CreateReadings = r => new SmokeReadings(new GasModel(r)) },
        new(DeviceKind.Climate, TimeSpan.FromMinutes(30), "temperature and humidity every 60 s") { CreateReadings = r => new ClimateReadings(new ClimateModel(r)) },
        new(DeviceKind.Pir, TimeSpan.FromMinutes(30), "motion count every 5 min") { CreateReadings = r => new PirReadings(r) },
        new(DeviceKind.Door, TimeSpan.FromMinutes(30), "open/close events a few times a day") { CreateReadings = r => new DoorReadings(new DoorRoutine(r)) },
        new(DeviceKind.Leak, TimeSpan.FromMinutes(30), "heartbeats only") { CreateReadings = _ => null },
    }.ToDictionary(p => p.Kind);

    public static DeviceProfile For(DeviceKind kind) => Table[kind];

    public static IEnumerable<DeviceProfile> All => Table.Values;
}

/// <summary>A pack's worth of records from a device's routine; events go out at QoS 1.</summary>
internal readonly record struct Reading(IReadOnlyList<SenmlRecord> Records, bool IsEvent);

/// <summary>The routine readings of one device (not thread-safe: its agent is the only caller).</summary>
internal interface IReadingSource
{
    /// <summary>Simulated time until the next reading.</summary>
    TimeSpan NextReadingIn(DateTimeOffset localNow);

    Reading Read(DateTimeOffset localNow);
}

internal sealed class ClimateReadings(ClimateModel model) : IReadingSource
{
    public ClimateModel Model { get; } = model;

    public TimeSpan NextReadingIn(DateTimeOffset localNow) => TimeSpan.FromSeconds(60);

    public Reading Read(DateTimeOffset localNow)
    {
        var (temp, hum) = Model.Sample(localNow);
        return new Reading([SenmlRecord.Number(Measurements.Temperature, temp), SenmlRecord.Number(Measurements.Humidity, hum)], IsEvent: false);
    }
}

internal sealed class PirReadings(Random random) : IReadingSource
{
    public TimeSpan NextReadingIn(DateTimeOffset localNow) => ActivityRoutine.Interval;

    public Reading Read(DateTimeOffset localNow) =>
        new([SenmlRecord.Number(Measurements.Motion, ActivityRoutine.SampleCount(localNow, random))], IsEvent: false);
}

internal sealed class DoorReadings(DoorRoutine routine) : IReadingSource
{
    public TimeSpan NextReadingIn(DateTimeOffset localNow) => routine.NextChangeIn(localNow);

    public Reading Read(DateTimeOffset localNow) => new([SenmlRecord.Flag(Measurements.Door, routine.Toggle())], IsEvent: true);
}

internal sealed class SmokeReadings(GasModel gas) : IReadingSource
{
    public GasModel Gas { get; } = gas;

    public TimeSpan NextReadingIn(DateTimeOffset localNow) => TimeSpan.FromMinutes(5);

    public Reading Read(DateTimeOffset localNow) => new([SenmlRecord.Number(Measurements.Gas, Gas.Sample())], IsEvent: false);
}
