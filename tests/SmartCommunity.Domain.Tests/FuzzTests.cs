using System.Globalization;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using SmartCommunity.Domain.Devices;
using SmartCommunity.Domain.Ingestion;

namespace SmartCommunity.Domain.Tests;

/// <summary>
/// Fuzzing of everything a device controls: the SenML decoder and the topic parser. CI runs a short
/// pass; the long run is `SC_FUZZ_INPUTS=1000000 dotnet test --project tests/SmartCommunity.Domain.Tests -- --filter-class "*FuzzTests"`.
/// Invariants: no exception ever escapes, every refusal carries a reason and a detail, and anything
/// accepted is within the protocol's limits.
/// </summary>
public sealed class FuzzTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 29, 3, 0, 2, TimeSpan.Zero);
    private static readonly int Inputs = int.TryParse(Environment.GetEnvironmentVariable("SC_FUZZ_INPUTS"), out var n) ? n : 20_000;

    private static void CheckDecode(byte[] payload, DeviceKind kind, TopicChannel channel, FuzzStats stats)
    {
        var result = SenmlDecoder.Decode(payload, "clim-0001", kind, channel, Now);
        stats.Count(result);
        if (result.Pack is { } pack)
        {
            Assert.Equal(RejectReason.None, result.Reason);
            Assert.True(payload.Length <= DecoderLimits.Default.MaxPayloadBytes);
            Assert.NotEmpty(pack.Records);
            foreach (var r in pack.Records)
            {
                Assert.True(double.IsFinite(r.Value));
                Assert.InRange(r.Time, Now - DecoderLimits.Default.MaxPast, Now + DecoderLimits.Default.MaxFuture);
                if (r.Measurement.Type == Ingestion.ValueType.Number)
                    Assert.InRange(r.Value, r.Measurement.Min, r.Measurement.Max);
            }
        }
        else
        {
            Assert.NotEqual(RejectReason.None, result.Reason);
            Assert.False(string.IsNullOrWhiteSpace(result.Detail));
        }
    }

    /// <summary>Mutations of the golden vectors: byte flips, insertions, deletions, truncation and splices reach deep into the decoder.</summary>
    [Fact]
    public void Decode_MutatedGoldenVectors_NeverThrowsAndAlwaysExplains()
    {
        var seeds = GoldenVector.All.Select(v => (v.Payload, v.Kind, Channel: v.Topic.EndsWith("/status", StringComparison.Ordinal) ? TopicChannel.Status : TopicChannel.Up)).ToArray();
        var random = new Random(20261129);
        var stats = new FuzzStats();
        ReadOnlySpan<byte> interesting = "{}[],:\"\\-.0123456789eEtruefalsnNI\u0000\u00ff"u8;
        for (var i = 0; i < Inputs; i++)
        {
            var (seed, kind, channel) = seeds[random.Next(seeds.Length)];
            var buffer = new List<byte>(seed);
            var mutations = 1 + random.Next(4);
            for (var m = 0; m < mutations && buffer.Count > 0; m++)
            {
                var at = random.Next(buffer.Count);
                switch (random.Next(6))
                {
                    case 0: buffer[at] = (byte)random.Next(256); break;
                    case 1: buffer.Insert(at, interesting[random.Next(interesting.Length)]); break;
                    case 2: buffer.RemoveAt(at); break;
                    case 3: buffer.RemoveRange(at, buffer.Count - at); break;
                    case 4:
                        var other = seeds[random.Next(seeds.Length)].Payload;
                        var from = random.Next(other.Length);
                        buffer.InsertRange(at, other.AsSpan(from, Math.Min(other.Length - from, 1 + random.Next(40))).ToArray());
                        break;
                    default: buffer[at] = interesting[random.Next(interesting.Length)]; break;
                }
            }
            CheckDecode([.. buffer], kind, channel, stats);
        }
        Assert.Equal(Inputs, stats.Total);
        // The mutator must exercise both paths and several distinct reasons, or it is not testing much.
        Assert.True(stats.Accepted > 0, "no mutated input was accepted");
        Assert.True(stats.Reasons.Count >= 6, "reasons seen: " + string.Join(", ", stats.Reasons.Keys));
    }

    /// <summary>Structure-aware generation: well-formed JSON with arbitrary SenML-ish records and values.</summary>
    [Fact]
    public void Decode_GeneratedPacks_NeverThrowsAndAlwaysExplains()
    {
        var names = Gen.Elements("seq", "temp", "hum", "sos", "gas", "motion", "bat", "online", "fw", "x", "", "\u00e9");
        var units = Gen.Elements<string?>(null, "Cel", "%RH", "ppm", "count", "%EL", "K", "");
        var numbers = Gen.Elements("0", "-1", "1e999", "-0", "21.5", "4294967296", "1795921200", "1e-400", "NaN", "9007199254740993", "85.0001");
        var record = from n in names
                     from u in units
                     from v in numbers
                     from kind in Gen.Choose(0, 4)
                     select kind switch
                     {
                         0 => $"{{\"n\":\"{n}\",\"v\":{v}}}",
                         1 => $"{{\"n\":\"{n}\",\"u\":\"{u}\",\"v\":{v}}}",
                         2 => $"{{\"n\":\"{n}\",\"vb\":{(v.Length % 2 == 0 ? "true" : "false")}}}",
                         3 => $"{{\"n\":\"{n}\",\"vs\":\"{v}\",\"t\":{v}}}",
                         _ => $"{{\"n\":\"{n}\",\"u\":\"{u}\",\"v\":{v},\"t\":-{v}}}",
                     };
        var pack = from bn in Gen.Elements("urn:dev:sc:clim-0001:", "urn:dev:sc:other:", "clim-0001", "")
                   from bt in numbers
                   from records in Gen.ListOf(record)
                   select $"[{{\"bn\":\"{bn}\",\"bt\":{bt},\"n\":\"seq\",\"v\":1}}{string.Concat(records.Select(r => "," + r))}]";
        var stats = new FuzzStats();
        Prop.ForAll(pack.ToArbitrary(), p =>
        {
            CheckDecode(Encoding.UTF8.GetBytes(p), DeviceKind.Climate, TopicChannel.Up, stats);
            CheckDecode(Encoding.UTF8.GetBytes(p), DeviceKind.Sos, TopicChannel.Status, stats);
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(Math.Max(1000, Inputs / 10)).WithQuietOnSuccess(true));
        Assert.True(stats.Total >= 2000);
    }

    private sealed record Scenario(string Device, DeviceKind Kind, TopicChannel Channel, string[] Measurements)
    {
        public override string ToString() => $"{Device} on {Channel}";
    }

    private sealed record Reading(Measurement Measurement, long Ms, decimal Number, bool Bool, string Text);

    private static readonly Scenario[] Scenarios =
    [
        new("clim-0001", DeviceKind.Climate, TopicChannel.Up, ["temp", "hum", "test"]),
        new("smk-0001", DeviceKind.Smoke, TopicChannel.Up, ["smoke", "gas", "test"]),
        new("co-0001", DeviceKind.Co, TopicChannel.Up, ["co", "test"]),
        new("sos-0001", DeviceKind.Sos, TopicChannel.Status, ["online", "bat", "rssi", "fw"]),
    ];

    /// <summary>
    /// RFC 8428 §4.6: base fields are a compression, not a meaning. Any valid pack, rewritten with the names split
    /// differently between bn and n, other base times (absolute or relative to now), base units and base values, extra
    /// base-only records, "seq" moved, ignored fields, any key order and exponents, decodes to the same records.
    /// </summary>
    [Fact]
    public void Decode_PackRefactoredWithOtherBaseFields_YieldsTheSameRecords()
    {
        var nowMs = Now.ToUnixTimeMilliseconds();
        var packs = from scenario in Gen.Elements(Scenarios)
                    from hi in Gen.Choose(0, 65535)
                    from lo in Gen.Choose(0, 65535)
                    from btOffset in Gen.Choose(0, 6 * 86_400_000)
                    from readings in Gen.ListOf(ReadingGen(scenario, nowMs)).Where(l => l.Count > 0)
                    from seed in Gen.Choose(0, int.MaxValue)
                    select (scenario, Seq: (uint)(hi << 16 | lo), BtMs: nowMs - btOffset, Readings: readings.Take(12).ToArray(), seed);
        var checkedPacks = 0;
        Prop.ForAll(packs.ToArbitrary(), p =>
        {
            var canonical = Canonical(p.scenario, p.Seq, p.BtMs, p.Readings);
            var refactored = Refactor(p.scenario, p.Seq, p.Readings, nowMs, new Random(p.seed));
            var expected = SenmlDecoder.Decode(Encoding.UTF8.GetBytes(canonical), p.scenario.Device, p.scenario.Kind, p.scenario.Channel, Now);
            var actual = SenmlDecoder.Decode(Encoding.UTF8.GetBytes(refactored), p.scenario.Device, p.scenario.Kind, p.scenario.Channel, Now);

            Assert.True(expected.Accepted, $"{canonical}: {expected.Detail}");
            Assert.True(actual.Accepted, $"{refactored}: {actual.Reason} {actual.Detail}");
            Assert.Equal(p.Seq, actual.Pack!.Seq);
            Assert.Equal(expected.Pack!.Records, actual.Pack.Records);
            checkedPacks++;
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(Math.Max(500, Inputs / 20)).WithQuietOnSuccess(true));
        Assert.True(checkedPacks >= 500);
    }

    private static Gen<Reading> ReadingGen(Scenario scenario, long nowMs) =>
        from name in Gen.Elements(scenario.Measurements)
        let m = Measurement.Find(name)!
        let scale = (int)Math.Pow(10, m.Precision)
        // Within the clock-skew window: up to six days old, up to 250 s ahead; to the millisecond.
        from ms in Gen.Choose(-6 * 86_400, 250).SelectMany(sec => Gen.Choose(0, 999).Select(frac => nowMs + sec * 1000L + frac))
        from scaled in Gen.Choose((int)Math.Round(m.Min * scale), (int)Math.Round(m.Max * scale))
        from b in Gen.Elements(true, false)
        from text in Gen.Elements("1.0.0", "2.3.1-rc", "", "β")
        select new Reading(m, ms, (decimal)scaled / scale, b, text);

    /// <summary>The firmware's form: base fields in the first record with seq, then one record per reading.</summary>
    private static string Canonical(Scenario s, uint seq, long btMs, IEnumerable<Reading> readings)
    {
        var sb = new StringBuilder($"[{{\"bn\":\"urn:dev:sc:{s.Device}:\",\"bt\":{Dec(btMs / 1000m)},\"n\":\"seq\",\"v\":{seq}}}");
        foreach (var r in readings)
        {
            sb.Append($",{{\"n\":\"{r.Measurement.Name}\"");
            if (r.Measurement.Unit is { } u)
                sb.Append($",\"u\":\"{u}\"");
            sb.Append(ValueField(r, null, null)).Append($",\"t\":{Dec((r.Ms - btMs) / 1000m)}}}");
        }
        return sb.Append(']').ToString();
    }

    private static string Refactor(Scenario s, uint seq, IReadOnlyList<Reading> readings, long nowMs, Random rnd)
    {
        var prefix = $"urn:dev:sc:{s.Device}:";
        var logical = readings.Select(r => (Name: prefix + r.Measurement.Name, Reading: (Reading?)r)).ToList();
        logical.Insert(rnd.Next(logical.Count + 1), (prefix + "seq", null));
        // A base unit cannot be taken back, so it is set only where no unit-less reading follows.
        var unitlessFrom = new bool[logical.Count + 1];
        for (var i = logical.Count - 1; i >= 0; i--)
            unitlessFrom[i] = unitlessFrom[i + 1] || logical[i].Reading is { Measurement.Unit: null };

        string? bn = null, bu = null;
        decimal bt = 0;
        decimal? bv = null;
        var records = new List<string>();
        for (var i = 0; i < logical.Count; i++)
        {
            var (name, reading) = logical[i];
            var buAllowed = !unitlessFrom[i];
            if (rnd.Next(6) == 0)
            {
                // A record of base fields only.
                var only = new List<string>();
                if (rnd.Next(2) == 0)
                    only.Add(Field("bn", Str(bn = name[..rnd.Next(name.Length + 1)])));
                if (rnd.Next(2) == 0)
                    only.Add(Field("bt", Dec(bt = NewBaseTime(reading, nowMs, rnd))));
                if (rnd.Next(2) == 0)
                    only.Add(Field("bv", Dec((bv = rnd.Next(-5000, 5000) / 100m).Value)));
                if (buAllowed && rnd.Next(2) == 0)
                    only.Add(Field("bu", Str(bu = Scenarios.SelectMany(x => x.Measurements).Select(n => Measurement.Find(n)!.Unit).OfType<string>().ElementAt(rnd.Next(5)))));
                if (only.Count == 0)
                    only.Add(Field("bver", "10"));
                records.Add(Record(only, rnd));
            }

            var fields = new List<string>();
            // Name: keep bn and give the rest in n, or a whole n without bn, or a new split.
            if (bn is not null && name.StartsWith(bn, StringComparison.Ordinal) && rnd.Next(3) > 0)
            {
                if (name.Length > bn.Length)
                    fields.Add(Field("n", Str(name[bn.Length..])));
            }
            else if (bn is null && rnd.Next(2) == 0)
                fields.Add(Field("n", Str(name)));
            else
            {
                var split = rnd.Next(name.Length + 1);
                fields.Add(Field("bn", Str(bn = name[..split])));
                if (split < name.Length)
                    fields.Add(Field("n", Str(name[split..])));
            }
            // Time (seq has none of its own): t against the base time in effect, towards an absolute or a relative target.
            if (rnd.Next(3) == 0)
                fields.Add(Field("bt", Dec(bt = NewBaseTime(reading, nowMs, rnd))));
            if (reading is not null)
            {
                var target = rnd.Next(2) == 0 ? reading.Ms / 1000m : (reading.Ms - nowMs) / 1000m;
                if (target - bt != 0 || rnd.Next(2) == 0)
                    fields.Add(Field("t", Dec(target - bt)));
            }
            // Unit: explicit, or from the base unit in effect, or from a new one.
            var unit = reading?.Measurement.Unit;
            if (unit is not null && !(bu == unit && rnd.Next(2) == 0))
            {
                if (buAllowed && rnd.Next(2) == 0)
                    fields.Add(Field("bu", Str(bu = unit)));
                else
                    fields.Add(Field("u", Str(unit)));
            }
            // Value: v against the base value in effect, or a new one; booleans and strings may set one for later records.
            if (rnd.Next(3) == 0)
                fields.Add(Field("bv", Dec((bv = rnd.Next(-5000, 5000) / 100m).Value)));
            fields.Add(reading is null ? Field("v", Dec(seq - (bv ?? 0), rnd)) : ValueField(reading, bv, rnd)[1..]);
            if (rnd.Next(8) == 0)
                fields.Add(rnd.Next(3) switch { 0 => Field("ut", "600"), 1 => Field("bver", "10"), _ => Field("x", "{\"y\":[1]}") });
            records.Add(Record(fields, rnd));
        }
        return "[" + string.Join(rnd.Next(2) == 0 ? "," : ",\n ", records) + "]";

        static decimal NewBaseTime(Reading? r, long nowMs, Random rnd) => rnd.Next(3) switch
        {
            0 => ((r?.Ms ?? nowMs) + rnd.Next(-2_000_000, 2_000_000)) / 1000m,
            1 => 0,
            _ => rnd.Next(-1_000_000, 1_000_000) / 1000m,
        };
    }

    // A reading's value in the field its type takes; a number less the base value in effect.
    private static string ValueField(Reading r, decimal? bv, Random? rnd) => r.Measurement.Type switch
    {
        Ingestion.ValueType.Bool => ",\"vb\":" + (r.Bool ? "true" : "false"),
        Ingestion.ValueType.String => ",\"vs\":" + Str(r.Text),
        _ => ",\"v\":" + Dec(r.Number - (bv ?? 0), rnd),
    };

    private static string Field(string key, string json) => $"\"{key}\":{json}";

    private static string Record(List<string> fields, Random rnd) =>
        "{" + string.Join(rnd.Next(2) == 0 ? "," : " , ", fields.OrderBy(_ => rnd.Next())) + "}";

    private static string Str(string s) => System.Text.Json.JsonSerializer.Serialize(s);

    // A decimal written exactly: plain, or now and then as mantissa and exponent ("2201e-2").
    private static string Dec(decimal d, Random? rnd = null) =>
        rnd is not null && rnd.Next(4) == 0 ? $"{(d * Pow10(d.Scale)).ToString("0", CultureInfo.InvariantCulture)}e-{d.Scale}" : d.ToString(CultureInfo.InvariantCulture);

    private static decimal Pow10(int n) => n == 0 ? 1 : 10 * Pow10(n - 1);

    [Fact]
    public void Decode_RandomBytes_NeverThrows()
    {
        var random = new Random(7);
        var stats = new FuzzStats();
        for (var i = 0; i < Inputs; i++)
        {
            var bytes = new byte[random.Next(0, 300)];
            random.NextBytes(bytes);
            if (bytes.Length > 0 && random.Next(2) == 0)
                bytes[0] = (byte)'[';
            CheckDecode(bytes, DeviceKind.Climate, TopicChannel.Up, stats);
        }
        Assert.Equal(Inputs, stats.Total);
    }

    [Fact]
    public void TopicParser_ArbitraryStrings_NeverThrowsAndRoundTrips()
    {
        Prop.ForAll(ArbMap.Default.ArbFor<string>(), s =>
        {
            var topic = s is null ? null : (s.Length % 3 == 0 ? "sc/v1/" + s : s);
            if (Topic.TryParse(topic, out var id, out var channel))
            {
                Assert.True(DeviceIdentifier.IsValid(id));
                var rebuilt = channel switch
                {
                    TopicChannel.Up => Topic.Up(id),
                    TopicChannel.Status => Topic.Status(id),
                    TopicChannel.Down => Topic.Down(id),
                    _ => Topic.Cfg(id),
                };
                Assert.Equal(topic, rebuilt);
            }
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(Math.Max(1000, Inputs)).WithQuietOnSuccess(true));
    }

    private sealed class FuzzStats
    {
        public int Total;
        public int Accepted;
        public Dictionary<RejectReason, int> Reasons { get; } = [];

        public void Count(DecodeResult r)
        {
            Total++;
            if (r.Accepted)
                Accepted++;
            else
                Reasons[r.Reason] = Reasons.GetValueOrDefault(r.Reason) + 1;
        }
    }
}
