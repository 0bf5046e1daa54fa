namespace SmartCommunity.SensorNode.Core;

/// <summary>One device kind of the hub's sensor catalogue, as the firmware needs it (CatalogParityTests hold the two equal).</summary>
public sealed class ProfileRow
{
    public ProfileRow(string name, int sensors, int actions, int heartbeatSeconds)
    {
        Name = name;
        Sensors = sensors;
        Actions = actions;
        HeartbeatSeconds = heartbeatSeconds;
    }

    /// <summary>The wire name (the catalogue's device kind, the <c>profile</c> key of provisioning).</summary>
    public string Name { get; }

    /// <summary><see cref="Profile"/>.Sensor* bits: the inputs the node reads.</summary>
    public int Sensors { get; }

    /// <summary><see cref="Profile"/>.Action* bits: what the button does (the catalogue's Button list).</summary>
    public int Actions { get; }

    /// <summary>The hub's supervision interval for the kind: the node never heartbeats less often than this.</summary>
    public int HeartbeatSeconds { get; }
}

/// <summary>Device kinds of docs/protocol.md, with their sensors and button actions, as a table.</summary>
public static class Profile
{
    public const int None = -1;
    public const int Sos = 0;
    public const int Wearable = 1;
    public const int Smoke = 2;
    public const int Climate = 3;
    public const int Pir = 4;
    public const int Door = 5;
    public const int Leak = 6;
    public const int Co = 7;
    public const int Count = 8;

    public const int SensorButton = 1;
    public const int SensorAccelerometer = 2;
    public const int SensorGas = 4;
    public const int SensorClimate = 8;
    public const int SensorPir = 16;
    public const int SensorReed = 32;
    public const int SensorLeak = 64;
    public const int SensorCo = 128;

    /// <summary>A press raises an SOS (after its cancel window).</summary>
    public const int ActionSos = 1;

    /// <summary>A hold during a hub pre-alarm calls it off (<c>cancel</c>).</summary>
    public const int ActionCancel = 2;

    /// <summary>The grid worker's gesture records a visit (<c>visit</c>).</summary>
    public const int ActionVisit = 4;

    private const int Pendant = ActionSos | ActionCancel | ActionVisit;

    // Every kind has the button (the technician's test, and a hold cancels whatever this node has pending); only
    // pendants and wearables raise SOS with it. Heartbeats: the catalogue's intervals (life-safety wearables every
    // 5 min, battery smoke/CO detectors daily).
    private static readonly ProfileRow[] Rows =
    {
        new ProfileRow("sos", SensorButton, Pendant, 300),
        new ProfileRow("wearable", SensorButton | SensorAccelerometer, Pendant, 300),
        new ProfileRow("smoke", SensorButton | SensorGas, 0, 86400),
        new ProfileRow("climate", SensorButton | SensorClimate, 0, 1800),
        new ProfileRow("pir", SensorButton | SensorPir, 0, 1800),
        new ProfileRow("door", SensorButton | SensorReed, 0, 1800),
        new ProfileRow("leak", SensorButton | SensorLeak, 0, 1800),
        new ProfileRow("co", SensorButton | SensorCo, 0, 86400),
    };

    public static ProfileRow Row(int profile) => Rows[profile];

    public static string Name(int profile) => profile >= 0 && profile < Count ? Rows[profile].Name : "";

    public static int FindByName(string name)
    {
        for (var i = 0; i < Count; i++)
        {
            if (Rows[i].Name == name)
            {
                return i;
            }
        }

        return None;
    }

    public static bool Has(int profile, int sensor) => profile >= 0 && profile < Count && (Rows[profile].Sensors & sensor) != 0;

    public static bool HasAction(int profile, int action) => profile >= 0 && profile < Count && (Rows[profile].Actions & action) != 0;

    /// <summary>Only the SOS pendant and the wearable raise SOS; elsewhere the button only cancels and tests.</summary>
    public static bool RaisesSos(int profile) => HasAction(profile, ActionSos);

    /// <summary>
    /// Whether a node of this profile may put <paramref name="measurement"/> on its <c>up</c> topic: the hub refuses a
    /// whole pack with a measurement its kind may not send, so the core never queues one.
    /// </summary>
    public static bool Sends(int profile, int measurement)
    {
        if (profile < 0 || profile >= Count)
        {
            return false;
        }

        var m = Measurement.Row(measurement);
        if (m.Channel != Measurement.ChannelUp)
        {
            return false;
        }

        if (m.Sensor == 0 && m.Action == 0)
        {
            return true; // test: the test-alarm downlink, any profile
        }

        var p = Rows[profile];
        return (m.Sensor & p.Sensors) != 0 || (m.Action & p.Actions) != 0;
    }
}
