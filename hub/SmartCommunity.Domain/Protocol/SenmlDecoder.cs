using System.Text.Json;
using SmartCommunity.Domain.Devices;

namespace SmartCommunity.Domain.Protocol;

/// <summary>
/// Validating SenML (RFC 8428) decoder for the v1 protocol. Never throws on input: every refusal is
/// a <see cref="DecodeResult"/> with a reason and a human-readable detail.
/// </summary>
public static class SenmlDecoder
{
    private const string BaseNamePrefix = "urn:dev:sc:";

    public static DecodeResult Decode(ReadOnlySpan<byte> payload, string deviceId, DeviceKind kind, TopicChannel channel, DateTimeOffset now, DecoderLimits? limits = null)
    {
        limits ??= DecoderLimits.Default;
        if (payload.Length > limits.MaxPayloadBytes)
            return DecodeResult.Reject(RejectReason.TooLarge, $"payload is {payload.Length} bytes, the limit is {limits.MaxPayloadBytes}");
        if (channel is not (TopicChannel.Up or TopicChannel.Status))
            return DecodeResult.Reject(RejectReason.AclDenied, "devices publish only to up and status");

        List<RawRecord> raw;
        try
        {
            var result = Parse(payload, limits, out raw);
            if (result is { } rejection)
                return rejection;
        }
        catch (JsonException ex)
        {
            return DecodeResult.Reject(RejectReason.MalformedJson, Trim(ex.Message));
        }
        catch (InvalidOperationException ex)
        {
            // Utf8JsonReader validates structure, not the UTF-8 inside strings; decoding them reports bad bytes this way.
            return DecodeResult.Reject(RejectReason.MalformedJson, "invalid UTF-8 in a string: " + Trim(ex.Message));
        }
        return Validate(raw, deviceId, kind, channel, now, limits);
    }

    private struct RawRecord
    {
        public string? Bn, N, U, Vs;
        public double? Bt, V, T;
        public bool? Vb;
    }

    private static DecodeResult? Parse(ReadOnlySpan<byte> payload, DecoderLimits limits, out List<RawRecord> records)
    {
        records = [];
        var reader = new Utf8JsonReader(payload, new JsonReaderOptions { MaxDepth = 4 });
        if (!reader.Read())
            return DecodeResult.Reject(RejectReason.MalformedJson, "empty payload");
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            reader.Skip();
            while (reader.Read()) { }
            return DecodeResult.Reject(RejectReason.Schema, "a SenML pack is a JSON array of records");
        }
        while (true)
        {
            if (!reader.Read())
                throw new JsonException("unterminated array");
            if (reader.TokenType == JsonTokenType.EndArray)
                break;
            if (reader.TokenType != JsonTokenType.StartObject)
                return SkipRest(ref reader, RejectReason.Schema, "every SenML record is a JSON object");
            if (records.Count == limits.MaxRecords)
                return SkipRest(ref reader, RejectReason.Schema, $"more than {limits.MaxRecords} records");
            var rec = new RawRecord();
            var seen = 0;
            while (true)
            {
                if (!reader.Read())
                    throw new JsonException("unterminated record");
                if (reader.TokenType == JsonTokenType.EndObject)
                    break;
                var key = reader.GetString() ?? "";
                if (!reader.Read())
                    throw new JsonException("unterminated record");
                var bit = key switch { "bn" => 1, "bt" => 2, "n" => 4, "u" => 8, "v" => 16, "vb" => 32, "vs" => 64, "t" => 128, _ => 0 };
                if (bit != 0 && (seen & bit) != 0)
                    return SkipRest(ref reader, RejectReason.Schema, $"duplicate key \"{key}\"");
                seen |= bit;
                string? error = null;
                switch (key)
                {
                    case "bn": rec.Bn = ReadString(ref reader, key, ref error); break;
                    case "n": rec.N = ReadString(ref reader, key, ref error); break;
                    case "u": rec.U = ReadString(ref reader, key, ref error); break;
                    case "vs": rec.Vs = ReadString(ref reader, key, ref error); break;
                    case "bt": rec.Bt = ReadNumber(ref reader, key, ref error); break;
                    case "v": rec.V = ReadNumber(ref reader, key, ref error); break;
                    case "t": rec.T = ReadNumber(ref reader, key, ref error); break;
                    case "vb":
                        if (reader.TokenType is JsonTokenType.True or JsonTokenType.False)
                            rec.Vb = reader.GetBoolean();
                        else
                            error = "\"vb\" must be true or false";
                        break;
                    default:
                        // RFC 8428 §4.4: unknown fields are ignored unless they end in "_" (must understand).
                        if (key.EndsWith('_'))
                            error = $"unsupported must-understand field \"{key}\"";
                        reader.Skip();
                        break;
                }
                if (error is not null)
                {
                    var reason = error.Contains("finite", StringComparison.Ordinal) ? RejectReason.OutOfRange : RejectReason.Schema;
                    return SkipRest(ref reader, reason, error);
                }
            }
            records.Add(rec);
        }
        // Anything after the closing bracket is malformed; Read() throws on it.
        if (reader.Read())
            throw new JsonException("trailing content after the pack");
        if (records.Count == 0)
            return DecodeResult.Reject(RejectReason.Schema, "empty pack");
        return null;
    }

    // Validates the rest of the document so that malformed JSON is reported as such, even after a schema fault.
    private static DecodeResult SkipRest(ref Utf8JsonReader reader, RejectReason reason, string detail)
    {
        while (reader.Read()) { }
        return DecodeResult.Reject(reason, detail);
    }

    private static string? ReadString(ref Utf8JsonReader reader, string key, ref string? error)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            error = $"\"{key}\" must be a string";
            reader.Skip();
            return null;
        }
        if (reader.ValueSpan.Length > 256)
        {
            error = $"\"{key}\" is too long";
            return null;
        }
        return reader.GetString();
    }

    private static double? ReadNumber(ref Utf8JsonReader reader, string key, ref string? error)
    {
        if (reader.TokenType != JsonTokenType.Number)
        {
            error = $"\"{key}\" must be a number";
            reader.Skip();
            return null;
        }
        if (!reader.TryGetDouble(out var d) || !double.IsFinite(d))
        {
            error = $"\"{key}\" is not a finite number";
            return null;
        }
        return d;
    }

    private static DecodeResult Validate(List<RawRecord> raw, string deviceId, DeviceKind kind, TopicChannel channel, DateTimeOffset now, DecoderLimits limits)
    {
        var first = raw[0];
        if (first.Bn is null)
            return DecodeResult.Reject(RejectReason.Schema, "the first record must carry the base name \"bn\"");
        if (!first.Bn.StartsWith(BaseNamePrefix, StringComparison.Ordinal) || !first.Bn.EndsWith(':') || first.Bn.Length <= BaseNamePrefix.Length + 1)
            return DecodeResult.Reject(RejectReason.Schema, $"base name must be {BaseNamePrefix}{{deviceId}}:");
        var bnDevice = first.Bn.AsSpan(BaseNamePrefix.Length, first.Bn.Length - BaseNamePrefix.Length - 1);
        if (!bnDevice.SequenceEqual(deviceId))
            return DecodeResult.Reject(RejectReason.DeviceMismatch, $"base name names device \"{bnDevice}\", the topic \"{deviceId}\"");
        for (var i = 1; i < raw.Count; i++)
        {
            if (raw[i].Bn is not null || raw[i].Bt is not null)
                return DecodeResult.Reject(RejectReason.Schema, "base fields are allowed in the first record only");
        }

        if (IsLastWill(raw, channel))
            return DecodeResult.Ok(new DecodedPack(null, [new DecodedRecord(Measurement.Find("online")!, now, 0)]));

        if (first.Bt is not { } bt)
            return DecodeResult.Reject(RejectReason.Schema, "the first record must carry the base time \"bt\"");

        uint? seq = null;
        var records = new List<DecodedRecord>(raw.Count);
        var allowed = channel == TopicChannel.Up ? DeviceProfile.For(kind).UpMeasurements : null;
        for (var i = 0; i < raw.Count; i++)
        {
            var r = raw[i];
            // A first record with only base fields carries no measurement of its own (RFC 8428 §4.1).
            if (i == 0 && r is { N: null, V: null, Vb: null, Vs: null, U: null, T: null })
                continue;
            if (r.N is null)
                return DecodeResult.Reject(RejectReason.Schema, "every record needs a name \"n\"");
            if (r.N == "seq")
            {
                if (seq is not null)
                    return DecodeResult.Reject(RejectReason.MissingSeq, "more than one \"seq\" record");
                if (r.V is not { } sv || sv < 0 || sv > uint.MaxValue || sv != Math.Floor(sv) || r.U is not null)
                    return DecodeResult.Reject(RejectReason.MissingSeq, "\"seq\" must be an unsigned 32-bit integer in \"v\"");
                seq = (uint)sv;
                continue;
            }
            var m = Measurement.Find(r.N);
            if (m is null)
                return DecodeResult.Reject(RejectReason.UnknownMeasurement, $"unknown measurement \"{r.N}\"");
            var channelOk = channel == TopicChannel.Status ? m.StatusOnly : !m.StatusOnly && allowed!.Contains(m.Name);
            if (!channelOk)
                return DecodeResult.Reject(RejectReason.UnknownMeasurement,
                    channel == TopicChannel.Status ? $"\"{m.Name}\" is not a status field" : $"a {kind.ToWire()} device does not send \"{m.Name}\"");
            if (!string.Equals(r.U, m.Unit, StringComparison.Ordinal))
                return DecodeResult.Reject(RejectReason.WrongUnit, $"\"{m.Name}\" is in {m.Unit ?? "no unit"}, got {r.U ?? "no unit"}");

            var valueCount = (r.V is null ? 0 : 1) + (r.Vb is null ? 0 : 1) + (r.Vs is null ? 0 : 1);
            if (valueCount != 1)
                return DecodeResult.Reject(RejectReason.Schema, $"\"{m.Name}\" needs exactly one value field");
            double value = 0;
            string? text = null;
            switch (m.Type)
            {
                case ValueType.Number when r.V is { } v:
                    if (v < m.Min || v > m.Max)
                        return DecodeResult.Reject(RejectReason.OutOfRange, $"\"{m.Name}\" = {v} is outside {m.Min} … {m.Max} {m.Unit}");
                    value = v;
                    break;
                case ValueType.Bool when r.Vb is { } b:
                    value = b ? 1 : 0;
                    break;
                case ValueType.String when r.Vs is { } s:
                    if (s.Length > Measurement.MaxStringLength)
                        return DecodeResult.Reject(RejectReason.OutOfRange, $"\"{m.Name}\" is longer than {Measurement.MaxStringLength} characters");
                    text = s;
                    break;
                default:
                    return DecodeResult.Reject(RejectReason.Schema, $"\"{m.Name}\" takes \"{ValueField(m.Type)}\"");
            }

            var seconds = bt + (r.T ?? 0);
            var time = seconds is > -62_135_596_800 and < 253_402_300_799
                ? DateTimeOffset.FromUnixTimeMilliseconds((long)Math.Round(seconds * 1000))
                : DateTimeOffset.MinValue;
            if (time > now + limits.MaxFuture)
                return DecodeResult.Reject(RejectReason.ClockSkew, $"time {Describe(time)} is ahead of the hub clock {now:O} by more than {limits.MaxFuture.TotalSeconds:0} s");
            if (time < now - limits.MaxPast)
                return DecodeResult.Reject(RejectReason.ClockSkew, $"time {Describe(time)} is more than {limits.MaxPast.TotalDays:0} days old");
            records.Add(new DecodedRecord(m, time, value, text));
        }
        if (seq is null)
            return DecodeResult.Reject(RejectReason.MissingSeq, "no \"seq\" record");
        if (records.Count == 0)
            return DecodeResult.Reject(RejectReason.Schema, "the pack holds no measurement");
        return DecodeResult.Ok(new DecodedPack(seq, records));
    }

    // The last will is fixed at connect time, so it cannot carry a time or a sequence number.
    private static bool IsLastWill(List<RawRecord> raw, TopicChannel channel) =>
        channel == TopicChannel.Status && raw.Count == 1 && raw[0] is { Bt: null, N: "online", Vb: false, V: null, Vs: null, U: null, T: null };

    private static string ValueField(ValueType type) => type switch
    {
        ValueType.Bool => "vb",
        ValueType.String => "vs",
        _ => "v",
    };

    private static string Describe(DateTimeOffset t) => t == DateTimeOffset.MinValue ? "(out of calendar range)" : t.ToString("O", System.Globalization.CultureInfo.InvariantCulture);

    private static string Trim(string message) => message.Length > 200 ? message[..200] : message;
}
