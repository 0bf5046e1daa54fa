namespace SmartCommunity.SensorNode.Core;

/// <summary>
/// The measurement table of docs/protocol.md as data: adding a measurement is adding a row here.
/// Ids are indexes into the arrays, so the hot path never looks names up.
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
    public const int Count = 14;

    public const int KindNumber = 0;
    public const int KindBool = 1;
    public const int KindString = 2;

    /// <summary>Overflow order: routine readings go first, then other events; critical events never.</summary>
    public const int PriorityRoutine = 0;
    public const int PriorityEvent = 1;
    public const int PriorityCritical = 2;

    private static readonly string[] Names =
    {
        "sos", "fall", "smoke", "gas", "temp", "hum", "motion", "door", "leak", "test", "online", "bat", "rssi", "fw",
    };

    private static readonly string[] Units =
    {
        "", "", "", "ppm", "Cel", "%RH", "count", "", "", "", "", "%EL", "dBm", "",
    };

    // Decimal places a value is stored with: the core keeps numbers as scaled integers
    // (temp 21.5 °C = 2150), so encoding never touches floating point.
    private static readonly int[] Precisions = { 0, 0, 0, 0, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0 };

    private static readonly int[] Kinds =
    {
        KindBool, KindBool, KindBool, KindNumber, KindNumber, KindNumber, KindNumber,
        KindBool, KindBool, KindBool, KindBool, KindNumber, KindNumber, KindString,
    };

    private static readonly int[] Priorities =
    {
        PriorityCritical, PriorityCritical, PriorityCritical, PriorityRoutine, PriorityRoutine, PriorityRoutine,
        PriorityRoutine, PriorityEvent, PriorityEvent, PriorityEvent, PriorityEvent, PriorityRoutine,
        PriorityRoutine, PriorityRoutine,
    };

    public static string Name(int id) => Names[id];

    /// <summary>SenML unit, or "" when the record has none.</summary>
    public static string Unit(int id) => Units[id];

    public static int Precision(int id) => Precisions[id];

    public static int Kind(int id) => Kinds[id];

    public static int Priority(int id) => Priorities[id];

    /// <summary>Id for a protocol name, or -1.</summary>
    public static int FindByName(string name)
    {
        for (var i = 0; i < Count; i++)
        {
            if (Names[i] == name)
            {
                return i;
            }
        }

        return -1;
    }
}
