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

    // The hot path allocates only what it returns: field keys are matched on their UTF-8 bytes, known names
    // and units resolve to shared strings, a base name equal to the topic's is checked in place, and the raw
    // records live in a per-thread buffer. Anything unusual (escaped strings, unknown names) takes the general
    // path, which decodes strings exactly as before, so results and error details are unchanged.
    private const int BnBit = 1, BtBit = 2, NBit = 4, UBit = 8, VBit = 16, VbBit = 32, VsBit = 64, TBit = 128;

    private static readonly (byte[] Utf8, string Text, Measurement? Measurement)[] KnownNames =
        [(SeqName.Select(c => (byte)c).ToArray(), SeqName, null), .. Measurement.All.Select(m => (System.Text.Encoding.UTF8.GetBytes(m.Name), m.Name, (Measurement?)m))];

    private static readonly (byte[] Utf8, string Text)[] KnownUnits =
        [.. Measurement.All.Select(m => m.Unit).OfType<string>().Distinct(StringComparer.Ordinal).Select(u => (System.Text.Encoding.UTF8.GetBytes(u), u))];

    private const string SeqName = "seq";

    // Reused per thread (Decode never re-enters itself); cleared after use so it holds no strings.
    [ThreadStatic]
    private static RawRecord[]? t_records;
    private const int MaxCachedRecords = 256;

    public static DecodeResult Decode(ReadOnlySpan<byte> payload, string deviceId, DeviceKind kind, TopicChannel channel, DateTimeOffset now, DecoderLimits? limits = null)
    {
        limits ??= DecoderLimits.Default;
        if (payload.Length > limits.MaxPayloadBytes)
            return DecodeResult.Reject(RejectReason.TooLarge, $"payload is {payload.Length} bytes, the limit is {limits.MaxPayloadBytes}");
        if (channel is not (TopicChannel.Up or TopicChannel.Status))
            return DecodeResult.Reject(RejectReason.AclDenied, "devices publish only to up and status");

        var raw = t_records ?? new RawRecord[8];
        t_records = null;
        var count = 0;
        try
        {
            try
            {
                var result = Parse(payload, deviceId, limits, ref raw, ref count);
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
            return Validate(raw.AsSpan(0, count), deviceId, kind, channel, now, limits);
        }
        finally
        {
            raw.AsSpan(0, count).Clear();
            if (raw.Length <= MaxCachedRecords)
                t_records = raw;
        }
    }

    private struct RawRecord
    {
        public string? Bn, N, U, Vs;
        public double? Bt, V, T;
        public bool? Vb;
        // Bn is exactly urn:dev:sc:{the topic's device id}: (then Bn holds a placeholder, not the text).
        public bool BnIsTopicDevice;
        // The measurement N names, when N matched a known name on its bytes (null for "seq" and the general path).
        public Measurement? Measurement;
    }

    private static DecodeResult? Parse(ReadOnlySpan<byte> payload, string deviceId, DecoderLimits limits, ref RawRecord[] records, ref int count)
    {
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
            if (count == limits.MaxRecords)
                return SkipRest(ref reader, RejectReason.Schema, $"more than {limits.MaxRecords} records");
            var rec = new RawRecord();
            var seen = 0;
            while (true)
            {
                if (!reader.Read())
                    throw new JsonException("unterminated record");
                if (reader.TokenType == JsonTokenType.EndObject)
                    break;
                // Known keys are matched on their bytes; any other key is decoded (which also checks its UTF-8).
                string? key = null;
                var bit = reader.ValueIsEscaped ? 0 : KeyBit(reader.ValueSpan);
                if (bit == 0)
                {
                    key = reader.GetString() ?? "";
                    bit = key switch { "bn" => BnBit, "bt" => BtBit, "n" => NBit, "u" => UBit, "v" => VBit, "vb" => VbBit, "vs" => VsBit, "t" => TBit, _ => 0 };
                }
                if (!reader.Read())
                    throw new JsonException("unterminated record");
                if (bit != 0 && (seen & bit) != 0)
                    return SkipRest(ref reader, RejectReason.Schema, $"duplicate key \"{KeyName(bit)}\"");
                seen |= bit;
                string? error = null;
                switch (bit)
                {
                    case BnBit: rec.Bn = ReadBaseName(ref reader, deviceId, ref rec.BnIsTopicDevice, ref error); break;
                    case NBit: rec.N = ReadName(ref reader, ref rec.Measurement, ref error); break;
                    case UBit: rec.U = ReadUnit(ref reader, ref error); break;
                    case VsBit: rec.Vs = ReadString(ref reader, "vs", ref error); break;
                    case BtBit: rec.Bt = ReadNumber(ref reader, "bt", ref error); break;
                    case VBit: rec.V = ReadNumber(ref reader, "v", ref error); break;
                    case TBit: rec.T = ReadNumber(ref reader, "t", ref error); break;
                    case VbBit:
                        if (reader.TokenType is JsonTokenType.True or JsonTokenType.False)
                            rec.Vb = reader.GetBoolean();
                        else
                            error = "\"vb\" must be true or false";
                        break;
                    default:
                        // RFC 8428 §4.4: unknown fields are ignored unless they end in "_" (must understand).
                        if (key!.EndsWith('_'))
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
            if (count == records.Length)
                Array.Resize(ref records, records.Length * 2);
            records[count++] = rec;
        }
        // Anything after the closing bracket is malformed; Read() throws on it.
        if (reader.Read())
            throw new JsonException("trailing content after the pack");
        if (count == 0)
            return DecodeResult.Reject(RejectReason.Schema, "empty pack");
        return null;
    }

    // Validates the rest of the document so that malformed JSON is reported as such, even after a schema fault.
    private static DecodeResult SkipRest(ref Utf8JsonReader reader, RejectReason reason, string detail)
    {
        while (reader.Read()) { }
        return DecodeResult.Reject(reason, detail);
    }

    private static int KeyBit(ReadOnlySpan<byte> key) => key.Length switch
    {
        1 => key[0] switch { (byte)'n' => NBit, (byte)'u' => UBit, (byte)'v' => VBit, (byte)'t' => TBit, _ => 0 },
        2 when key[0] == (byte)'b' => key[1] switch { (byte)'n' => BnBit, (byte)'t' => BtBit, _ => 0 },
        2 when key[0] == (byte)'v' => key[1] switch { (byte)'b' => VbBit, (byte)'s' => VsBit, _ => 0 },
        _ => 0,
    };

    private static string KeyName(int bit) => bit switch
    {
        BnBit => "bn", BtBit => "bt", NBit => "n", UBit => "u", VBit => "v", VbBit => "vb", VsBit => "vs", _ => "t",
    };

    /// <summary>"bn": checked in place when it is exactly urn:dev:sc:{deviceId}: (the usual case), decoded otherwise.</summary>
    private static string? ReadBaseName(ref Utf8JsonReader reader, string deviceId, ref bool isTopicDevice, ref string? error)
    {
        isTopicDevice = false;
        if (reader.TokenType == JsonTokenType.String && !reader.ValueIsEscaped && IsBaseNameOf(reader.ValueSpan, deviceId))
        {
            isTopicDevice = true;
            return BaseNamePrefix;
        }
        return ReadString(ref reader, "bn", ref error);
    }

    private static bool IsBaseNameOf(ReadOnlySpan<byte> value, string deviceId)
    {
        var prefix = "urn:dev:sc:"u8;
        if (value.Length != prefix.Length + deviceId.Length + 1 || deviceId.Length == 0 || !value.StartsWith(prefix) || value[^1] != (byte)':')
            return false;
        var id = value.Slice(prefix.Length, deviceId.Length);
        for (var i = 0; i < id.Length; i++)
        {
            // ASCII only: anything else goes the general way.
            if (deviceId[i] >= 0x80 || id[i] != deviceId[i])
                return false;
        }
        return true;
    }

    private static string? ReadName(ref Utf8JsonReader reader, ref Measurement? measurement, ref string? error)
    {
        measurement = null;
        if (reader.TokenType == JsonTokenType.String && !reader.ValueIsEscaped)
        {
            var span = reader.ValueSpan;
            foreach (var (utf8, text, m) in KnownNames)
            {
                if (span.SequenceEqual(utf8))
                {
                    measurement = m;
                    return text;
                }
            }
        }
        return ReadString(ref reader, "n", ref error);
    }

    private static string? ReadUnit(ref Utf8JsonReader reader, ref string? error)
    {
        if (reader.TokenType == JsonTokenType.String && !reader.ValueIsEscaped)
        {
            var span = reader.ValueSpan;
            foreach (var (utf8, text) in KnownUnits)
            {
                if (span.SequenceEqual(utf8))
                    return text;
            }
        }
        return ReadString(ref reader, "u", ref error);
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

    private static DecodeResult Validate(ReadOnlySpan<RawRecord> raw, string deviceId, DeviceKind kind, TopicChannel channel, DateTimeOffset now, DecoderLimits limits)
    {
        ref readonly var first = ref raw[0];
        if (first.Bn is null)
            return DecodeResult.Reject(RejectReason.Schema, "the first record must carry the base name \"bn\"");
        if (first.BnIsTopicDevice)
        {
            // Checked while parsing: exactly urn:dev:sc:{deviceId}:.
        }
        else if (!first.Bn.StartsWith(BaseNamePrefix, StringComparison.Ordinal) || !first.Bn.EndsWith(':') || first.Bn.Length <= BaseNamePrefix.Length + 1)
            return DecodeResult.Reject(RejectReason.Schema, $"base name must be {BaseNamePrefix}{{deviceId}}:");
        else
        {
            var bnDevice = first.Bn.AsSpan(BaseNamePrefix.Length, first.Bn.Length - BaseNamePrefix.Length - 1);
            if (!bnDevice.SequenceEqual(deviceId))
                return DecodeResult.Reject(RejectReason.DeviceMismatch, $"base name names device \"{bnDevice}\", the topic \"{deviceId}\"");
        }
        for (var i = 1; i < raw.Length; i++)
        {
            if (raw[i].Bn is not null || raw[i].Bt is not null)
                return DecodeResult.Reject(RejectReason.Schema, "base fields are allowed in the first record only");
        }

        if (IsLastWill(raw, channel))
            return DecodeResult.Ok(new DecodedPack(null, [new DecodedRecord(Measurement.Find("online")!, now, 0)]));

        if (first.Bt is not { } bt)
            return DecodeResult.Reject(RejectReason.Schema, "the first record must carry the base time \"bt\"");

        uint? seq = null;
        // Sized exactly for a pack that passes: every record but "seq" and a base-fields-only first record.
        var expected = 0;
        for (var i = 0; i < raw.Length; i++)
        {
            if (!(i == 0 && IsBaseOnly(raw[0])) && !string.Equals(raw[i].N, SeqName, StringComparison.Ordinal))
                expected++;
        }
        var records = expected == 0 ? [] : new DecodedRecord[expected];
        var added = 0;
        var allowed = channel == TopicChannel.Up ? kind.Spec() : null;
        for (var i = 0; i < raw.Length; i++)
        {
            ref readonly var r = ref raw[i];
            // A first record with only base fields carries no measurement of its own (RFC 8428 §4.1).
            if (i == 0 && IsBaseOnly(r))
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
            var m = r.Measurement ?? Measurement.Find(r.N);
            if (m is null)
                return DecodeResult.Reject(RejectReason.UnknownMeasurement, $"unknown measurement \"{r.N}\"");
            var channelOk = channel == TopicChannel.Status ? m.StatusOnly : !m.StatusOnly && allowed!.Sends(m.Name);
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
            records[added++] = new DecodedRecord(m, time, value, text);
        }
        if (seq is null)
            return DecodeResult.Reject(RejectReason.MissingSeq, "no \"seq\" record");
        if (added == 0)
            return DecodeResult.Reject(RejectReason.Schema, "the pack holds no measurement");
        return DecodeResult.Ok(new DecodedPack(seq, records));
    }

    private static bool IsBaseOnly(in RawRecord r) => r is { N: null, V: null, Vb: null, Vs: null, U: null, T: null };

    // The last will is fixed at connect time, so it cannot carry a time or a sequence number.
    private static bool IsLastWill(ReadOnlySpan<RawRecord> raw, TopicChannel channel) =>
        channel == TopicChannel.Status && raw.Length == 1 && raw[0] is { Bt: null, N: "online", Vb: false, V: null, Vs: null, U: null, T: null };

    private static string ValueField(ValueType type) => type switch
    {
        ValueType.Bool => "vb",
        ValueType.String => "vs",
        _ => "v",
    };

    private static string Describe(DateTimeOffset t) => t == DateTimeOffset.MinValue ? "(out of calendar range)" : t.ToString("O", System.Globalization.CultureInfo.InvariantCulture);

    private static string Trim(string message) => message.Length > 200 ? message[..200] : message;
}
