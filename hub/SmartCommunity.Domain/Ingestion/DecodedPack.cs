using System;
using System.Collections.Generic;

namespace SmartCommunity.Domain.Ingestion;

/// <summary>One accepted SenML record. Booleans are carried as 1/0 in <see cref="Value"/>.</summary>
public readonly record struct DecodedRecord(Measurement Measurement, DateTimeOffset Time, double Value, string? Text = null)
{
    public string Name => Measurement.Name;
    public bool IsTrue => Measurement.Type == ValueType.Bool && Value != 0;
}

/// <summary>A validated pack: its sequence number (absent only for the last will) and records.</summary>
public sealed record DecodedPack(uint? Seq, IReadOnlyList<DecodedRecord> Records)
{
    public bool IsLastWill => Seq is null;
}

public readonly record struct DecodeResult(DecodedPack? Pack, RejectReason Reason, string Detail)
{
    public bool Accepted => Pack is not null;

    public static DecodeResult Ok(DecodedPack pack) => new(pack, RejectReason.None, "");
    public static DecodeResult Reject(RejectReason reason, string detail) => new(null, reason, detail);
}

/// <summary>Limits applied while decoding; defaults are the documented protocol limits.</summary>
public sealed record DecoderLimits
{
    public int MaxPayloadBytes { get; init; } = 4096;
    public int MaxRecords { get; init; } = 64;
    public TimeSpan MaxFuture { get; init; } = TimeSpan.FromSeconds(300);
    // Seven days covers a device's offline buffer after a long outage; older data is a clock fault.
    public TimeSpan MaxPast { get; init; } = TimeSpan.FromDays(7);

    public static DecoderLimits Default { get; } = new();
}

/// <summary>
/// One SenML record resolved per RFC 8428 §4.6 (<see cref="SenmlDecoder.Resolve"/>): <see cref="Time"/> in seconds since
/// the Unix epoch, relative times already made absolute; a value field is null when the record has none.
/// </summary>
public sealed record ResolvedRecord(string? Name, string? Unit, double Time, double? Value, bool? Bool, string? Text, string? Data, double? Sum);

/// <summary>The resolved records of a pack, or why it could not be resolved (not JSON, not SenML, a newer version).</summary>
public sealed record SenmlResolution(IReadOnlyList<ResolvedRecord>? Records, RejectReason Reason, string Detail)
{
    public static SenmlResolution Reject(RejectReason reason, string detail) => new(null, reason, detail);
}
