namespace SmartCommunity.Simulator.Protocol;

/// <summary>
/// One SenML record after the base record: a measurement or event. Exactly one of
/// <see cref="Value"/>, <see cref="BoolValue"/> and <see cref="StringValue"/> is set.
/// </summary>
public sealed record SenmlRecord
{
    public required string Name { get; init; }

    public string? Unit { get; init; }

    public double? Value { get; init; }

    public bool? BoolValue { get; init; }

    public string? StringValue { get; init; }

    /// <summary>Whole seconds relative to the pack's base time (≤ 0), for readings made earlier.</summary>
    public long? Time { get; init; }

    /// <summary>A numeric reading with the unit from the measurement table.</summary>
    public static SenmlRecord Number(Measurement measurement, double value, long? time = null)
    {
        ArgumentNullException.ThrowIfNull(measurement);
        return new SenmlRecord { Name = measurement.Name, Unit = measurement.Unit, Value = value, Time = time };
    }

    /// <summary>A boolean event (<c>vb</c>).</summary>
    public static SenmlRecord Flag(Measurement measurement, bool value, long? time = null)
    {
        ArgumentNullException.ThrowIfNull(measurement);
        return new SenmlRecord { Name = measurement.Name, BoolValue = value, Time = time };
    }

    /// <summary>A string value (<c>vs</c>).</summary>
    public static SenmlRecord Text(Measurement measurement, string value, long? time = null)
    {
        ArgumentNullException.ThrowIfNull(measurement);
        return new SenmlRecord { Name = measurement.Name, StringValue = value, Time = time };
    }
}

/// <summary>
/// A SenML pack as a device sends it: the base record (base name from <see cref="DeviceId"/>,
/// <see cref="BaseTime"/>, <see cref="Sequence"/>) followed by <see cref="Records"/>.
/// </summary>
/// <param name="DeviceId">The device id; the base name is <c>urn:dev:sc:{id}:</c>.</param>
/// <param name="BaseTime">Unix time in whole seconds; null only for the last will.</param>
/// <param name="Sequence">The per-device sequence number; null only for the last will.</param>
/// <param name="Records">The measurements and events.</param>
public sealed record SenmlPack(string DeviceId, long? BaseTime, uint? Sequence, IReadOnlyList<SenmlRecord> Records);
