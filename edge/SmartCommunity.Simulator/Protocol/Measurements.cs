namespace SmartCommunity.Simulator.Protocol;

/// <summary>How a measurement's value is carried in SenML.</summary>
public enum MeasurementValue
{
    /// <summary>A number in <c>v</c>.</summary>
    Number,

    /// <summary>A boolean in <c>vb</c>.</summary>
    Bool,

    /// <summary>A string in <c>vs</c>.</summary>
    Text,
}

/// <summary>One row of the measurement table in docs/protocol.md.</summary>
public sealed record Measurement(string Name, string? Unit, MeasurementValue Value, int Precision);

/// <summary>The measurement table of wire protocol v1, as data.</summary>
public static class Measurements
{
    public static readonly Measurement Sos = new("sos", null, MeasurementValue.Bool, 0);
    public static readonly Measurement Fall = new("fall", null, MeasurementValue.Bool, 0);
    public static readonly Measurement Smoke = new("smoke", null, MeasurementValue.Bool, 0);
    public static readonly Measurement Gas = new("gas", "ppm", MeasurementValue.Number, 0);
    public static readonly Measurement Temperature = new("temp", "Cel", MeasurementValue.Number, 2);
    public static readonly Measurement Humidity = new("hum", "%RH", MeasurementValue.Number, 1);
    public static readonly Measurement Motion = new("motion", "count", MeasurementValue.Number, 0);
    public static readonly Measurement Door = new("door", null, MeasurementValue.Bool, 0);
    public static readonly Measurement Leak = new("leak", null, MeasurementValue.Bool, 0);
    public static readonly Measurement Test = new("test", null, MeasurementValue.Bool, 0);
    public static readonly Measurement Online = new("online", null, MeasurementValue.Bool, 0);
    public static readonly Measurement Battery = new("bat", "%EL", MeasurementValue.Number, 0);
    public static readonly Measurement Rssi = new("rssi", "dBm", MeasurementValue.Number, 0);
    public static readonly Measurement Firmware = new("fw", null, MeasurementValue.Text, 0);

    /// <summary>The sequence number record of the base record (an unsigned 32-bit integer).</summary>
    public static readonly Measurement Sequence = new("seq", null, MeasurementValue.Number, 0);

    private static readonly Dictionary<string, Measurement> ByName =
        new[] { Sos, Fall, Smoke, Gas, Temperature, Humidity, Motion, Door, Leak, Test, Online, Battery, Rssi, Firmware, Sequence }
            .ToDictionary(m => m.Name, StringComparer.Ordinal);

    /// <summary>The table row for <paramref name="name"/>, or null for a name the protocol does not know.</summary>
    public static Measurement? Find(string name) => ByName.GetValueOrDefault(name);
}
