using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.Json;
using SmartCommunity.Domain.Devices;

namespace SmartCommunity.Domain.Ingestion;

/// <summary>
/// Validating SenML (RFC 8428) decoder for the v1 protocol. Each record is first resolved as RFC 8428 §4.6 says
/// (name = bn + n, time = bt + t, value = bv + v, sum = bs + s, unit = u else bu, "bver" checked), then the
/// resolved records are checked against the protocol (docs/protocol.md, "Payload"). Never throws on input: every
/// refusal is a <see cref="DecodeResult"/> with a reason and a human-readable detail.
/// </summary>
public static class SenmlDecoder
{
    /// <summary>The SenML version this decoder reads (RFC 8428 §4.4); a pack declaring a higher "bver" is refused.</summary>
    public const int SenmlVersion = 10;

    // RFC 8428 §4.5.3: a resolved time below 2^28 is relative to "now", which for a receiver is the time of reception.
    private const double RelativeTimeLimit = 268_435_456;
    private const double MinUnixMs = -62_135_596_800_000, MaxUnixMs = 253_402_300_799_000;

    private const string BaseNamePrefix = "urn:dev:sc:";
    private const string SeqName = "seq";

    // The hot path allocates only what it returns: field keys are matched on their UTF-8 bytes, known names
    // and units resolve to shared strings, a base name equal to the topic's is checked in place (so bn + n is
    // never built for a canonical pack), and the raw records live in a per-thread buffer. Anything unusual
    // (escaped strings, unknown names, another split of bn + n) takes the general path, which builds the name.
    private const int BnBit = 1, BtBit = 2, NBit = 4, UBit = 8, VBit = 16, VbBit = 32, VsBit = 64, TBit = 128,
        BuBit = 256, BvBit = 512, BsBit = 1024, BverBit = 2048, VdBit = 4096, SBit = 8192, UtBit = 16384;
    private const int BaseBits = BnBit | BtBit | BuBit | BvBit | BsBit | BverBit;
    private const int RegularBits = NBit | UBit | VBit | VbBit | VsBit | VdBit | SBit | TBit | UtBit;
    private const int ValueBits = VBit | VbBit | VsBit | VdBit;

    private static readonly (byte[] Utf8, string Text, Measurement? Measurement)[] KnownNames =
        [(SeqName.Select(c => (byte)c).ToArray(), SeqName, null), .. Measurement.All.Select(m => (System.Text.Encoding.UTF8.GetBytes(m.Name), m.Name, (Measurement?)m))];

    private static readonly (byte[] Utf8, string Text)[] KnownUnits =
        [.. Measurement.All.Select(m => m.Unit).OfType<string>().Distinct(StringComparer.Ordinal).Select(u => (System.Text.Encoding.UTF8.GetBytes(u), u))];

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
            if (Parse(payload, deviceId, limits, ref raw, ref count) is { } rejection)
                return rejection;
            return Validate(raw.AsSpan(0, count), deviceId, kind, channel, now, limits);
        }
        finally
        {
            raw.AsSpan(0, count).Clear();
            if (raw.Length <= MaxCachedRecords)
                t_records = raw;
        }
    }

    /// <summary>
    /// The pack's records resolved per RFC 8428 §4.6, before any rule of the protocol: names joined, base values,
    /// sums and units applied, times absolute (relative ones against <paramref name="now"/>), records of base fields
    /// only dropped. The decoder validates exactly these; this entry point (for diagnostics and tests) allocates freely.
    /// </summary>
    public static SenmlResolution Resolve(ReadOnlySpan<byte> payload, DateTimeOffset now, DecoderLimits? limits = null)
    {
        limits ??= DecoderLimits.Default;
        if (payload.Length > limits.MaxPayloadBytes)
            return SenmlResolution.Reject(RejectReason.TooLarge, $"payload is {payload.Length} bytes, the limit is {limits.MaxPayloadBytes}");
        var raw = new RawRecord[8];
        var count = 0;
        if (Parse(payload, "", limits, ref raw, ref count) is { } rejection)
            return SenmlResolution.Reject(rejection.Reason, rejection.Detail);
        var records = raw.AsSpan(0, count);
        if (CheckVersion(records) is { } versionError)
            return SenmlResolution.Reject(versionError.Reason, versionError.Detail);
        var resolved = new List<ResolvedRecord>();
        var b = new Base();
        var nowMs = now.ToUnixTimeMilliseconds();
        foreach (ref readonly var r in records)
        {
            b.Apply(r);
            if (IsBaseOnly(r))
                continue;
            var name = b.Bn is null && r.N is null ? null : b.Bn + r.N;
            var seconds = b.Time(r);
            resolved.Add(new ResolvedRecord(name, b.Unit(r), seconds < RelativeTimeLimit ? (nowMs + seconds * 1000) / 1000 : seconds,
                b.Value(r), r.Has(VbBit) ? r.Vb : null, r.Vs, r.Vd, b.Sum(r)));
        }
        return new SenmlResolution(resolved, RejectReason.None, "");
    }

    private struct RawRecord
    {
        // The known fields present (the bits above); a number field's value is meaningful only when its bit is set.
        public int Fields;
        public string? Bn, Bu, N, U, Vs, Vd;
        public double Bt, Bv, Bs, Bver, V, S, T;
        public bool Vb;
        // Bn is exactly urn:dev:sc:{the topic's device id}: (then Bn holds a placeholder, not the text).
        public bool BnIsTopicDevice;
        // The measurement N names, when N matched a known name on its bytes (null for "seq" and the general path).
        public Measurement? Measurement;

        public readonly bool Has(int bit) => (Fields & bit) != 0;
    }

    /// <summary>The base fields in effect: each applies to its record and every later one, until the next of its kind (RFC 8428 §4).</summary>
    private struct Base
    {
        public string? Bn;
        public bool BnIsTopicDevice;
        public double Bt;
        public string? Bu;
        public double? Bv, Bs;

        public void Apply(in RawRecord r)
        {
            if ((r.Fields & BaseBits) == 0)
                return;
            if (r.Has(BnBit))
            {
                Bn = r.Bn;
                BnIsTopicDevice = r.BnIsTopicDevice;
            }
            if (r.Has(BtBit))
                Bt = r.Bt;
            if (r.Has(BuBit))
                Bu = r.Bu;
            if (r.Has(BvBit))
                Bv = r.Bv;
            if (r.Has(BsBit))
                Bs = r.Bs;
        }

        /// <summary>bt + t in seconds: absolute from 2^28 up, relative to "now" below (RFC 8428 §4.5.3).</summary>
        public readonly double Time(in RawRecord r) => Bt + (r.Has(TBit) ? r.T : 0);

        public readonly string? Unit(in RawRecord r) => r.Has(UBit) ? r.U : Bu;

        /// <summary>bv + v for a record with "v" (a base value does not give other records a number).</summary>
        public readonly double? Value(in RawRecord r) => !r.Has(VBit) ? null : Bv is { } bv ? AddDecimals(bv, r.V) : r.V;

        /// <summary>bs + s when either is present (RFC 8428 §4.5.4).</summary>
        public readonly double? Sum(in RawRecord r) => r.Has(SBit) || Bs is not null ? (Bs ?? 0) + (r.Has(SBit) ? r.S : 0) : null;
    }

    // JSON numbers are decimal: added as decimals (15 significant digits, more than any sensor resolves), 20 + -0.4
    // is 19.6 and 20 + 1.37 is 21.37, not 21.369999999999997. Far outside decimal's range the double sum is used.
    private static double AddDecimals(double a, double b) =>
        Math.Abs(a) < 1e27 && Math.Abs(b) < 1e27 ? (double)((decimal)a + (decimal)b) : a + b;

    private static bool IsBaseOnly(in RawRecord r) => (r.Fields & BaseBits) != 0 && (r.Fields & RegularBits) == 0;

    private static DecodeResult? Parse(ReadOnlySpan<byte> payload, string deviceId, DecoderLimits limits, ref RawRecord[] records, ref int count)
    {
        try
        {
            return ParseJson(payload, deviceId, limits, ref records, ref count);
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
    }

    private static DecodeResult? ParseJson(ReadOnlySpan<byte> payload, string deviceId, DecoderLimits limits, ref RawRecord[] records, ref int count)
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
                    bit = key switch
                    {
                        "bn" => BnBit, "bt" => BtBit, "bu" => BuBit, "bv" => BvBit, "bs" => BsBit, "bver" => BverBit,
                        "n" => NBit, "u" => UBit, "v" => VBit, "vb" => VbBit, "vs" => VsBit, "vd" => VdBit, "s" => SBit, "t" => TBit, "ut" => UtBit,
                        _ => 0,
                    };
                }
                if (!reader.Read())
                    throw new JsonException("unterminated record");
                if (bit != 0 && rec.Has(bit))
                    return SkipRest(ref reader, RejectReason.Schema, $"duplicate key \"{KeyName(bit)}\"");
                rec.Fields |= bit;
                string? error = null;
                switch (bit)
                {
                    case BnBit: rec.Bn = ReadBaseName(ref reader, deviceId, ref rec.BnIsTopicDevice, ref error); break;
                    case BuBit: rec.Bu = ReadUnit(ref reader, "bu", ref error); break;
                    case NBit: rec.N = ReadName(ref reader, ref rec.Measurement, ref error); break;
                    case UBit: rec.U = ReadUnit(ref reader, "u", ref error); break;
                    case VsBit: rec.Vs = ReadString(ref reader, "vs", ref error); break;
                    case VdBit: rec.Vd = ReadString(ref reader, "vd", ref error); break;
                    case BtBit: rec.Bt = ReadNumber(ref reader, "bt", ref error); break;
                    case BvBit: rec.Bv = ReadNumber(ref reader, "bv", ref error); break;
                    case BsBit: rec.Bs = ReadNumber(ref reader, "bs", ref error); break;
                    case VBit: rec.V = ReadNumber(ref reader, "v", ref error); break;
                    case SBit: rec.S = ReadNumber(ref reader, "s", ref error); break;
                    case TBit: rec.T = ReadNumber(ref reader, "t", ref error); break;
                    // Update time: read as the number it must be; the hub's supervision uses the kind's heartbeat instead.
                    case UtBit: ReadNumber(ref reader, "ut", ref error); break;
                    case BverBit:
                        rec.Bver = ReadNumber(ref reader, "bver", ref error);
                        if (error is null && (rec.Bver < 1 || rec.Bver != Math.Floor(rec.Bver)))
                            error = "\"bver\" must be a positive integer";
                        break;
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
        1 => key[0] switch { (byte)'n' => NBit, (byte)'u' => UBit, (byte)'v' => VBit, (byte)'t' => TBit, (byte)'s' => SBit, _ => 0 },
        2 when key[0] == (byte)'b' => key[1] switch { (byte)'n' => BnBit, (byte)'t' => BtBit, (byte)'u' => BuBit, (byte)'v' => BvBit, (byte)'s' => BsBit, _ => 0 },
        2 when key[0] == (byte)'v' => key[1] switch { (byte)'b' => VbBit, (byte)'s' => VsBit, (byte)'d' => VdBit, _ => 0 },
        2 when key[0] == (byte)'u' && key[1] == (byte)'t' => UtBit,
        4 when key.SequenceEqual("bver"u8) => BverBit,
        _ => 0,
    };

    private static string KeyName(int bit) => bit switch
    {
        BnBit => "bn", BtBit => "bt", BuBit => "bu", BvBit => "bv", BsBit => "bs", BverBit => "bver",
        NBit => "n", UBit => "u", VBit => "v", VbBit => "vb", VsBit => "vs", VdBit => "vd", SBit => "s", UtBit => "ut", _ => "t",
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

    private static string? ReadUnit(ref Utf8JsonReader reader, string key, ref string? error)
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
        return ReadString(ref reader, key, ref error);
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

    private static double ReadNumber(ref Utf8JsonReader reader, string key, ref string? error)
    {
        if (reader.TokenType != JsonTokenType.Number)
        {
            error = $"\"{key}\" must be a number";
            reader.Skip();
            return 0;
        }
        if (!reader.TryGetDouble(out var d) || !double.IsFinite(d))
        {
            error = $"\"{key}\" is not a finite number";
            return 0;
        }
        return d;
    }

    /// <summary>RFC 8428 §4.4: a newer version than ours must not be used, and all records of a pack share one version.</summary>
    private static DecodeResult? CheckVersion(ReadOnlySpan<RawRecord> raw)
    {
        double version = SenmlVersion;
        for (var i = 0; i < raw.Length; i++)
        {
            if (!raw[i].Has(BverBit))
                continue;
            var v = raw[i].Bver;
            if (v > SenmlVersion)
                return DecodeResult.Reject(RejectReason.Schema, $"SenML version {Number(v)} (\"bver\") is newer than version {SenmlVersion}, the one this hub reads");
            if (i == 0)
                version = v;
            else if (v != version)
                return DecodeResult.Reject(RejectReason.Schema, $"records of one pack declare SenML versions {Number(version)} and {Number(v)}; all must share one");
        }
        return null;
    }

    private static DecodeResult Validate(ReadOnlySpan<RawRecord> raw, string deviceId, DeviceKind kind, TopicChannel channel, DateTimeOffset now, DecoderLimits limits)
    {
        if (CheckVersion(raw) is { } versionError)
            return versionError;
        if (IsLastWill(raw, channel, deviceId))
            return DecodeResult.Ok(new DecodedPack(null, [new DecodedRecord(Measurement.Find("online")!, now, 0)]));

        // Sized exactly for a pack that passes: every record but the one "seq" and those of base fields only.
        var expected = -1;
        foreach (ref readonly var r in raw)
        {
            if (!IsBaseOnly(r))
                expected++;
        }
        var records = expected <= 0 ? [] : new DecodedRecord[expected];
        var added = 0;
        uint? seq = null;
        var allowed = channel == TopicChannel.Up ? kind.Spec() : null;
        var nowMs = now.ToUnixTimeMilliseconds();
        var b = new Base();
        for (var i = 0; i < raw.Length; i++)
        {
            ref readonly var r = ref raw[i];
            b.Apply(r);
            // A record of base fields only carries no measurement (RFC 8428 §5.1.7 starts a pack with one).
            if (IsBaseOnly(r))
                continue;
            if (ResolveName(b, r, deviceId, out var m) is { } nameError)
                return nameError;
            var value = b.Value(r);
            if (value is { } resolved && !double.IsFinite(resolved))
                return DecodeResult.Reject(RejectReason.OutOfRange, "\"bv\" + \"v\" is not a finite number");
            if (b.Sum(r) is not null)
                return DecodeResult.Reject(RejectReason.Schema, $"\"{m?.Name ?? SeqName}\" carries a sum (\"s\" or \"bs\"); no record of the protocol has one");
            var valueFields = (r.Fields & ValueBits) switch { 0 => 0, VBit or VbBit or VsBit or VdBit => 1, _ => 2 };

            if (m is null)
            {
                if (seq is not null)
                    return DecodeResult.Reject(RejectReason.MissingSeq, "more than one \"seq\" record");
                if (valueFields != 1 || value is not { } sv || sv < 0 || sv > uint.MaxValue || sv != Math.Floor(sv))
                    return DecodeResult.Reject(RejectReason.MissingSeq, "\"seq\" must be an unsigned 32-bit integer in \"v\"");
                // Its unit is not checked: a counter has none, and a base unit meant for the records after it may reach it.
                seq = (uint)sv;
                continue;
            }
            var channelOk = channel == TopicChannel.Status ? m.StatusOnly : !m.StatusOnly && allowed!.Sends(m.Name);
            if (!channelOk)
                return DecodeResult.Reject(RejectReason.UnknownMeasurement,
                    channel == TopicChannel.Status ? $"\"{m.Name}\" is not a status field" : $"a {kind.ToWire()} device does not send \"{m.Name}\"");
            var unit = b.Unit(r);
            if (!string.Equals(unit, m.Unit, StringComparison.Ordinal))
                return DecodeResult.Reject(RejectReason.WrongUnit, $"\"{m.Name}\" is in {m.Unit ?? "no unit"}, got {unit ?? "no unit"}");
            if (valueFields != 1)
                return DecodeResult.Reject(RejectReason.Schema, $"\"{m.Name}\" needs exactly one value field");

            double number = 0;
            string? text = null;
            switch (m.Type)
            {
                case ValueType.Number when value is { } v:
                    if (v < m.Min || v > m.Max)
                        return DecodeResult.Reject(RejectReason.OutOfRange, $"\"{m.Name}\" = {v} is outside {m.Min} … {m.Max} {m.Unit}");
                    number = v;
                    break;
                case ValueType.Bool when r.Has(VbBit):
                    number = r.Vb ? 1 : 0;
                    break;
                case ValueType.String when r.Vs is { } s:
                    if (s.Length > Measurement.MaxStringLength)
                        return DecodeResult.Reject(RejectReason.OutOfRange, $"\"{m.Name}\" is longer than {Measurement.MaxStringLength} characters");
                    text = s;
                    break;
                default:
                    return DecodeResult.Reject(RejectReason.Schema, $"\"{m.Name}\" takes \"{ValueField(m.Type)}\"");
            }

            var seconds = b.Time(r);
            if (!double.IsFinite(seconds))
                return DecodeResult.Reject(RejectReason.OutOfRange, "\"bt\" + \"t\" is not a finite number");
            var ms = seconds < RelativeTimeLimit ? nowMs + seconds * 1000 : seconds * 1000;
            if (ms is not (> MinUnixMs and < MaxUnixMs))
                return DecodeResult.Reject(RejectReason.ClockSkew, $"time {Number(seconds)} s is outside the calendar");
            var time = DateTimeOffset.FromUnixTimeMilliseconds((long)Math.Round(ms));
            if (time > now + limits.MaxFuture)
                return DecodeResult.Reject(RejectReason.ClockSkew, $"time {Describe(time)} is ahead of the hub clock {now:O} by more than {limits.MaxFuture.TotalSeconds:0} s");
            if (time < now - limits.MaxPast)
                return DecodeResult.Reject(RejectReason.ClockSkew, $"time {Describe(time)} is more than {limits.MaxPast.TotalDays:0} days old");
            // More measurements than the pack has room for once its "seq" is taken out: it has none.
            if (added == records.Length)
                return DecodeResult.Reject(RejectReason.MissingSeq, "no \"seq\" record");
            records[added++] = new DecodedRecord(m, time, number, text);
        }
        if (seq is null)
            return DecodeResult.Reject(RejectReason.MissingSeq, "no \"seq\" record");
        if (added == 0)
            return DecodeResult.Reject(RejectReason.Schema, "the pack holds no measurement");
        return DecodeResult.Ok(new DecodedPack(seq, records));
    }

    /// <summary>
    /// The record's name, bn + n, must be urn:dev:sc:{deviceId}:{measurement} or urn:dev:sc:{deviceId}:seq
    /// (<paramref name="m"/> is null for seq). Any split of the name between bn and n is the same name.
    /// </summary>
    private static DecodeResult? ResolveName(in Base b, in RawRecord r, string deviceId, out Measurement? m)
    {
        m = r.Measurement;
        // The usual case, checked without building the name: bn is exactly urn:dev:sc:{deviceId}: and n a known name.
        if (b.BnIsTopicDevice && (m is not null || ReferenceEquals(r.N, SeqName)))
            return null;
        m = null;
        var name = string.Concat(b.BnIsTopicDevice ? BaseNamePrefix + deviceId + ":" : b.Bn, r.N);
        if (name.Length == 0)
            return DecodeResult.Reject(RejectReason.Schema, "a record has no name (neither \"bn\" nor \"n\")");
        var colon = name.StartsWith(BaseNamePrefix, StringComparison.Ordinal) ? name.IndexOf(':', BaseNamePrefix.Length) : -1;
        if (colon < 0)
            return DecodeResult.Reject(RejectReason.Schema, $"name \"{Trim(name)}\" is not {BaseNamePrefix}{{deviceId}}:{{measurement}}");
        var device = name.AsSpan(BaseNamePrefix.Length, colon - BaseNamePrefix.Length);
        if (!device.SequenceEqual(deviceId))
            return DecodeResult.Reject(RejectReason.DeviceMismatch, $"name \"{Trim(name)}\" names device \"{device}\", the topic \"{deviceId}\"");
        var measurement = name[(colon + 1)..];
        if (measurement.Length == 0)
            return DecodeResult.Reject(RejectReason.Schema, $"name \"{Trim(name)}\" names no measurement");
        if (measurement == SeqName)
            return null;
        m = Measurement.Find(measurement);
        return m is null ? DecodeResult.Reject(RejectReason.UnknownMeasurement, $"unknown measurement \"{Trim(measurement)}\"") : null;
    }

    // The last will is fixed at connect time, so it carries no time and no sequence number: a status pack of one
    // record, online = false, stamped with the receive time.
    private static bool IsLastWill(ReadOnlySpan<RawRecord> raw, TopicChannel channel, string deviceId)
    {
        if (channel != TopicChannel.Status || raw.Length != 1)
            return false;
        ref readonly var r = ref raw[0];
        var b = new Base();
        b.Apply(r);
        return r.Has(VbBit) && !r.Vb && (r.Fields & (ValueBits | SBit)) == VbBit && b.Sum(r) is null && b.Unit(r) is null && b.Time(r) == 0
            && ResolveName(b, r, deviceId, out var m) is null && m?.Name == "online";
    }

    private static string ValueField(ValueType type) => type switch
    {
        ValueType.Bool => "vb",
        ValueType.String => "vs",
        _ => "v",
    };

    private static string Number(double d) => d.ToString("R", CultureInfo.InvariantCulture);

    private static string Describe(DateTimeOffset t) => t.ToString("O", CultureInfo.InvariantCulture);

    private static string Trim(string message) => message.Length > 200 ? message[..200] : message;
}
