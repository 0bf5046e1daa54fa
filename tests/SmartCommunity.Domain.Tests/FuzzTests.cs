using System.Text;
using FsCheck;
using FsCheck.Fluent;
using SmartCommunity.Domain.Devices;
using SmartCommunity.Domain.Protocol;

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
                if (r.Measurement.Type == Protocol.ValueType.Number)
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
