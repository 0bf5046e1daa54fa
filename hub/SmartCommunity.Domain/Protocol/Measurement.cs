namespace SmartCommunity.Domain.Protocol;

public enum ValueType
{
    Number,
    Bool,
    String,
}

/// <summary>One row of the measurement table in docs/protocol.md.</summary>
public sealed record Measurement(string Name, string? Unit, ValueType Type, double Min, double Max, int Precision, bool StatusOnly = false)
{
    public const int MaxStringLength = 32;

    public static Measurement? Find(string name) => ByName.GetValueOrDefault(name);

    public static readonly IReadOnlyList<Measurement> All =
    [
        new("sos", null, ValueType.Bool, 0, 1, 0),
        new("fall", null, ValueType.Bool, 0, 1, 0),
        new("smoke", null, ValueType.Bool, 0, 1, 0),
        new("gas", "ppm", ValueType.Number, 0, 100_000, 0),
        new("temp", "Cel", ValueType.Number, -40, 85, 2),
        new("hum", "%RH", ValueType.Number, 0, 100, 1),
        new("motion", "count", ValueType.Number, 0, 10_000, 0),
        new("door", null, ValueType.Bool, 0, 1, 0),
        new("leak", null, ValueType.Bool, 0, 1, 0),
        new("test", null, ValueType.Bool, 0, 1, 0),
        // Button events of pendants and wearables: "cancel" calls off a pre-alarm, "visit" confirms a grid worker's visit.
        new("cancel", null, ValueType.Bool, 0, 1, 0),
        new("visit", null, ValueType.Bool, 0, 1, 0),
        new("online", null, ValueType.Bool, 0, 1, 0, StatusOnly: true),
        new("bat", "%EL", ValueType.Number, 0, 100, 0, StatusOnly: true),
        new("rssi", "dBm", ValueType.Number, -130, 0, 0, StatusOnly: true),
        new("fw", null, ValueType.String, 0, 0, 0, StatusOnly: true),
    ];

    private static readonly Dictionary<string, Measurement> ByName = All.ToDictionary(m => m.Name, StringComparer.Ordinal);
}
