using System.Text;
using System.Text.Json;
using SmartCommunity.Testing;

namespace SmartCommunity.SensorNode.Core.Tests;

public class SenmlVectorTests
{
    // The vectors' meaning gives each record's absolute time but not bt (when the pack was made): all
    // accepted vectors were made at 2026-11-29T03:00:00Z, two seconds before their receive time.
    private const long PackTime = Nodes.T0;

    public static TheoryData<string> AcceptedVectors()
    {
        var data = new TheoryData<string>();
        foreach (var f in Directory.GetFiles(RepoPaths.Vectors, "*.expected.json").Order(StringComparer.Ordinal))
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(f));
            // Only what the firmware emits: accepted packs in the canonical form (others spell the same records differently).
            var canonical = !doc.RootElement.TryGetProperty("canonical", out var c) || c.GetBoolean();
            if (doc.RootElement.GetProperty("result").GetString() == "accepted" && canonical)
            {
                data.Add(Path.GetFileName(f)[..^".expected.json".Length]);
            }
        }

        return data;
    }

    [Fact]
    public void AcceptedVectors_FolderScan_FindsAtLeastTheElevenOfV1IncludingLastWill()
    {
        var names = AcceptedVectors().Select(r => (string)r.Data).ToList();
        Assert.True(names.Count >= 11, $"only {names.Count} accepted vectors found in {RepoPaths.Vectors}");
        Assert.Contains("last-will", names);
    }

    [Theory]
    [MemberData(nameof(AcceptedVectors))]
    public void Encoder_AcceptedVectorMeaning_ReproducesPayloadByteForByte(string name)
    {
        var expected = File.ReadAllBytes(Path.Combine(RepoPaths.Vectors, name + ".payload"));
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoPaths.Vectors, name + ".expected.json")));
        var root = doc.RootElement;
        var deviceId = root.GetProperty("topic").GetString()!.Split('/')[2];
        var writer = new SenmlWriter();

        if (root.GetProperty("seq").ValueKind == JsonValueKind.Null)
        {
            // Only the last will has no seq: its one record is online=false, carried by the base record.
            var only = Assert.Single(root.GetProperty("records").EnumerateArray());
            Assert.Equal("online", only.GetProperty("name").GetString());
            Assert.False(only.GetProperty("bool").GetBoolean());
            writer.WriteLastWill(deviceId);
        }
        else
        {
            writer.BeginPack(deviceId, PackTime, root.GetProperty("seq").GetUInt32());
            foreach (var r in root.GetProperty("records").EnumerateArray())
            {
                var m = Measurement.FindByName(r.GetProperty("name").GetString()!);
                Assert.True(m >= 0);
                if (r.TryGetProperty("unit", out var unit))
                {
                    Assert.Equal(Measurement.Unit(m), unit.GetString());
                }

                var t = r.GetProperty("time").GetDateTimeOffset().ToUnixTimeSeconds() - PackTime;
                if (r.TryGetProperty("bool", out var b))
                {
                    writer.AddBool(m, b.GetBoolean(), t);
                }
                else if (r.TryGetProperty("string", out var s))
                {
                    writer.AddString(m, s.GetString()!, t);
                }
                else
                {
                    writer.AddNumber(m, Scaled(r.GetProperty("value").GetDouble(), Measurement.Precision(m)), t);
                }
            }

            writer.End();
        }

        Assert.False(writer.Overflowed);
        Assert.Equal(Encoding.UTF8.GetString(expected), Encoding.UTF8.GetString(writer.Buffer, 0, writer.Length));
        Assert.Equal(expected, writer.Buffer.AsSpan(0, writer.Length).ToArray());
    }

    [Theory]
    [InlineData(2150, 2, "21.5")]
    [InlineData(2000, 2, "20")]
    [InlineData(-325, 2, "-3.25")]
    [InlineData(-50, 2, "-0.5")]
    [InlineData(-1, 2, "-0.01")]
    [InlineData(2105, 2, "21.05")]
    [InlineData(0, 2, "0")]
    [InlineData(452, 1, "45.2")]
    [InlineData(100000, 0, "100000")]
    [InlineData(-130, 0, "-130")]
    [InlineData(long.MinValue, 0, "-9223372036854775808")]
    public void WriteDecimal_ScaledValue_WritesCanonicalDecimal(long scaled, int decimals, string expected)
    {
        var w = new SenmlWriter(64);
        w.WriteDecimal(scaled, decimals);
        Assert.Equal(expected, Encoding.ASCII.GetString(w.Buffer, 0, w.Length));
    }

    [Fact]
    public void AddString_QuotesControlAndNonAscii_EscapesAndEncodesUtf8()
    {
        var w = new SenmlWriter(128);
        w.AddString(Measurement.Fw, "1.0 \"β\"\\\n😀", 0);
        Assert.Equal(",{\"n\":\"fw\",\"vs\":\"1.0 \\\"β\\\"\\\\\\u000a😀\"}", Encoding.UTF8.GetString(w.Buffer, 0, w.Length));
    }

    [Fact]
    public void Writer_PayloadTooLarge_ReportsOverflow()
    {
        var w = new SenmlWriter(40);
        w.BeginPack("clim-0001", PackTime, 1);
        w.AddNumber(Measurement.Temp, 2150, 0);
        Assert.True(w.Overflowed);
    }

    [Fact]
    public void Node_ClimateReading_PublishesTheGoldenVector()
    {
        var storage = new MemoryStorage();
        var node = Nodes.Provisioned("climate", storage, "clim-0001");
        var pub = new FakePublisher();
        node.OnClimate(2150, 452, 0);
        node.Flush(pub, 0);
        var payload = pub.Up.Single();
        var expected = File.ReadAllText(Path.Combine(RepoPaths.Vectors, "climate-reading.payload"));
        Assert.Equal(expected.Replace("\"v\":42}", "\"v\":1}", StringComparison.Ordinal), payload);
    }

    [Fact]
    public void Node_LastWill_IsTheGoldenVector()
    {
        var node = Nodes.Provisioned("sos");
        var n = node.BuildLastWill();
        Assert.Equal(File.ReadAllText(Path.Combine(RepoPaths.Vectors, "last-will.payload")), Encoding.UTF8.GetString(node.PayloadBuffer, 0, n));
    }

    [Fact]
    public void Node_PreAlarmAnsweredByAHold_PublishesTheCancelVector()
    {
        var node = Nodes.Provisioned("sos");
        node.Clock.Sync(Nodes.T0 - 2, 0); // the hold completes 2.1 s in: in the vector's second
        var rig = new Rig(node);
        Assert.Equal(ErrorCode.None, rig.Send("{\"cmd\":\"pre-alarm\",\"s\":600}"));
        rig.Up(100).Down(2100).Up(300);
        var pub = new FakePublisher();
        node.Flush(pub, rig.Now);
        Assert.Equal(VectorWithSeq("pendant-cancel", 1), pub.Up.Single());
    }

    [Fact]
    public void Node_VisitGesture_PublishesTheVisitVector()
    {
        var node = Nodes.Provisioned("wearable", id: "wear-0001");
        node.Clock.Sync(Nodes.T0 - 5, 0); // the visit completes 5.5 s in
        var rig = new Rig(node);
        rig.Press(200).Up(200).Down(5100);
        var pub = new FakePublisher();
        node.Flush(pub, rig.Now);
        Assert.Equal(VectorWithSeq("wearable-visit", 1), pub.Up.Single());
    }

    [Fact]
    public void Node_CoReading_PublishesTheCoVector()
    {
        var node = Nodes.Provisioned("co", id: "co-0001");
        node.OnCo(120, 0);
        var pub = new FakePublisher();
        node.Flush(pub, 0);
        Assert.Equal(VectorWithSeq("co-reading", 1), pub.Up.Single());
    }

    /// <summary>The vector's payload with the node's own sequence number (a fresh node starts at 1).</summary>
    private static string VectorWithSeq(string name, uint seq)
    {
        var payload = File.ReadAllText(Path.Combine(RepoPaths.Vectors, name + ".payload"));
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoPaths.Vectors, name + ".expected.json")));
        var vectorSeq = doc.RootElement.GetProperty("seq").GetUInt32();
        return payload.Replace($"\"n\":\"seq\",\"v\":{vectorSeq}}}", $"\"n\":\"seq\",\"v\":{seq}}}", StringComparison.Ordinal);
    }

    private static long Scaled(double value, int precision) => (long)Math.Round(value * Math.Pow(10, precision));
}
