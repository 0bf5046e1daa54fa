using System.Collections.Generic;
using SmartCommunity.Domain.Catalog;

namespace SmartCommunity.Domain.Ingestion;

public enum ValueType
{
    Number,
    Bool,
    String,
}

/// <summary>One row of the measurement table (<see cref="SensorCatalog.Measurements"/>, docs/protocol.md).</summary>
public sealed record Measurement(string Name, string? Unit, ValueType Type, double Min, double Max, int Precision, Urgency Urgency,
    MeasurementChannel Channel = MeasurementChannel.Up)
{
    public const int MaxStringLength = 32;

    public bool StatusOnly => Channel == MeasurementChannel.Status;

    public string LabelKey => "measurement." + Name;

    public static Measurement? Find(string name) => SensorCatalog.Measurement(name);

    public static IReadOnlyList<Measurement> All => SensorCatalog.Measurements;
}
