namespace SmartCommunity.SensorNode.Core;

/// <summary>
/// One row of the measurement table: the firmware's copy of a row of the hub's sensor catalogue
/// (hub/SmartCommunity.Domain/Catalog/SensorCatalog.cs). nanoFramework has no generics, so the catalogue cannot be
/// shared as code; CatalogParityTests hold the two equal, name for name and unit for unit.
/// </summary>
public sealed class MeasurementRow
{
    public MeasurementRow(string name, string unit, int kind, int min, int max, int precision, int priority, int channel, int sensor, int action)
    {
        Name = name;
        Unit = unit;
        Kind = kind;
        Min = min;
        Max = max;
        Precision = precision;
        Priority = priority;
        Channel = channel;
        Sensor = sensor;
        Action = action;
        var scale = 1;
        for (var i = 0; i < precision; i++)
        {
            scale *= 10;
        }

        ScaledMin = min * scale;
        ScaledMax = max * scale;
    }

    /// <summary>The SenML name.</summary>
    public string Name { get; }

    /// <summary>SenML unit, or "" when the record has none.</summary>
    public string Unit { get; }

    /// <summary><see cref="Measurement.KindNumber"/>, <see cref="Measurement.KindBool"/> or <see cref="Measurement.KindString"/>.</summary>
    public int Kind { get; }

    /// <summary>The range the hub accepts, in whole units.</summary>
    public int Min { get; }

    public int Max { get; }

    /// <summary>Decimal places: the core keeps numbers as scaled integers (temp 21.5 °C = 2150), so encoding never touches floating point.</summary>
    public int Precision { get; }

    /// <summary>The range in the scaled integers the core keeps.</summary>
    public int ScaledMin { get; }

    public int ScaledMax { get; }

    /// <summary>What a full outbox gives up first (<see cref="Measurement.PriorityRoutine"/> …), the catalogue's Urgency.</summary>
    public int Priority { get; }

    /// <summary><see cref="Measurement.ChannelUp"/> (readings and events) or <see cref="Measurement.ChannelStatus"/> (the heartbeat).</summary>
    public int Channel { get; }

    /// <summary>The <see cref="Profile"/> sensor bit whose input produces the record, 0 if none.</summary>
    public int Sensor { get; }

    /// <summary>The <see cref="Profile"/> button action that produces the record, 0 if none.</summary>
    public int Action { get; }
}

/// <summary>
/// The measurement table of docs/protocol.md as data: adding a measurement is adding a row here. Ids are indexes
/// into the rows, so the hot path never looks names up.
/// </summary>
public static class Measurement
{
    public const int Sos = 0;
    public const int Fall = 1;
    public const int Smoke = 2;
    public const int Gas = 3;
    public const int Temp = 4;
    public const int Hum = 5;
    public const int Motion = 6;
    public const int Door = 7;
    public const int Leak = 8;
    public const int Test = 9;
    public const int Online = 10;
    public const int Bat = 11;
    public const int Rssi = 12;
    public const int Fw = 13;
    public const int Co = 14;
    public const int Cancel = 15;
    public const int Visit = 16;
    public const int Count = 17;

    public const int KindNumber = 0;
    public const int KindBool = 1;
    public const int KindString = 2;

    /// <summary>Overflow order: routine readings go first, then other events; critical records never.</summary>
    public const int PriorityRoutine = 0;
    public const int PriorityEvent = 1;
    public const int PriorityCritical = 2;

    public const int ChannelUp = 0;
    public const int ChannelStatus = 1;

    // The id is the byte the outbox persists for a record: new rows go at the end, so an outbox written by an older
    // firmware keeps its meaning after an update. `test` has no sensor and no button action: it answers the
    // test-alarm downlink, on every profile.
    private static readonly MeasurementRow[] Rows =
    {
        new MeasurementRow("sos", "", KindBool, 0, 1, 0, PriorityCritical, ChannelUp, 0, Profile.ActionSos),
        new MeasurementRow("fall", "", KindBool, 0, 1, 0, PriorityCritical, ChannelUp, Profile.SensorAccelerometer, 0),
        new MeasurementRow("smoke", "", KindBool, 0, 1, 0, PriorityCritical, ChannelUp, Profile.SensorGas, 0),
        new MeasurementRow("gas", "ppm", KindNumber, 0, 100000, 0, PriorityRoutine, ChannelUp, Profile.SensorGas, 0),
        new MeasurementRow("temp", "Cel", KindNumber, -40, 85, 2, PriorityRoutine, ChannelUp, Profile.SensorClimate, 0),
        new MeasurementRow("hum", "%RH", KindNumber, 0, 100, 1, PriorityRoutine, ChannelUp, Profile.SensorClimate, 0),
        new MeasurementRow("motion", "count", KindNumber, 0, 10000, 0, PriorityRoutine, ChannelUp, Profile.SensorPir, 0),
        new MeasurementRow("door", "", KindBool, 0, 1, 0, PriorityEvent, ChannelUp, Profile.SensorReed, 0),
        new MeasurementRow("leak", "", KindBool, 0, 1, 0, PriorityCritical, ChannelUp, Profile.SensorLeak, 0),
        new MeasurementRow("test", "", KindBool, 0, 1, 0, PriorityEvent, ChannelUp, 0, 0),
        new MeasurementRow("online", "", KindBool, 0, 1, 0, PriorityEvent, ChannelStatus, 0, 0),
        new MeasurementRow("bat", "%EL", KindNumber, 0, 100, 0, PriorityRoutine, ChannelStatus, 0, 0),
        new MeasurementRow("rssi", "dBm", KindNumber, -130, 0, 0, PriorityRoutine, ChannelStatus, 0, 0),
        new MeasurementRow("fw", "", KindString, 0, 0, 0, PriorityRoutine, ChannelStatus, 0, 0),
        // A CO reading is the alarm itself (the hub's rule decides), so the outbox never drops one to make room.
        new MeasurementRow("co", "ppm", KindNumber, 0, 10000, 0, PriorityEvent, ChannelUp, Profile.SensorCo, 0),
        new MeasurementRow("cancel", "", KindBool, 0, 1, 0, PriorityEvent, ChannelUp, 0, Profile.ActionCancel),
        new MeasurementRow("visit", "", KindBool, 0, 1, 0, PriorityEvent, ChannelUp, 0, Profile.ActionVisit),
    };

    public static MeasurementRow Row(int id) => Rows[id];

    public static string Name(int id) => Rows[id].Name;

    /// <summary>SenML unit, or "" when the record has none.</summary>
    public static string Unit(int id) => Rows[id].Unit;

    public static int Precision(int id) => Rows[id].Precision;

    public static int Kind(int id) => Rows[id].Kind;

    public static int Priority(int id) => Rows[id].Priority;

    /// <summary>A scaled value brought into the range the hub accepts: one reading out of range would get the whole
    /// pack refused, and with it an SOS travelling in the same pack.</summary>
    public static int Clamp(int id, int scaled)
    {
        var row = Rows[id];
        return scaled < row.ScaledMin ? row.ScaledMin : scaled > row.ScaledMax ? row.ScaledMax : scaled;
    }

    /// <summary>Id for a protocol name, or -1.</summary>
    public static int FindByName(string name)
    {
        for (var i = 0; i < Count; i++)
        {
            if (Rows[i].Name == name)
            {
                return i;
            }
        }

        return -1;
    }
}
