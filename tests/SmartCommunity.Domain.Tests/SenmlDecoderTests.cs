using System.Globalization;
using System.Text;
using System.Text.Json;
using SmartCommunity.Domain.Alerts;
using SmartCommunity.Domain.Devices;
using SmartCommunity.Domain.Ingestion;

namespace SmartCommunity.Domain.Tests;

public sealed class SenmlDecoderTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 29, 3, 0, 2, TimeSpan.Zero);

    private static DecodeResult Decode(GoldenVector v)
    {
        Assert.True(Topic.TryParse(v.Topic, out var id, out var channel));
        return SenmlDecoder.Decode(v.Payload, id, v.Kind, channel, v.ReceivedAt);
    }

    private static DecodeResult Decode(string payload, string device = "clim-0001", DeviceKind kind = DeviceKind.Climate, TopicChannel channel = TopicChannel.Up) =>
        SenmlDecoder.Decode(Encoding.UTF8.GetBytes(payload), device, kind, channel, Now);

    [Fact]
    public void GoldenVectors_Folder_HoldsAcceptedAndRejectedCases()
    {
        Assert.True(GoldenVector.All.Count(v => v.Accepted) >= 10);
        Assert.True(GoldenVector.All.Count(v => !v.Accepted) >= 10);
    }

    [Theory]
    [MemberData(nameof(AcceptedVectors))]
    public void Decode_AcceptedGoldenVector_YieldsDocumentedRecords(string name)
    {
        var v = GoldenVector.Get(name);
        var result = Decode(v);

        Assert.True(result.Accepted, $"{name}: {result.Reason} {result.Detail}");
        var pack = result.Pack!;
        var seq = v.Expected.GetProperty("seq");
        Assert.Equal(seq.ValueKind == JsonValueKind.Null ? null : (uint?)seq.GetUInt32(), pack.Seq);
        var expected = v.Expected.GetProperty("records").EnumerateArray().ToList();
        Assert.Equal(expected.Count, pack.Records.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            var e = expected[i];
            var r = pack.Records[i];
            Assert.Equal(e.GetProperty("name").GetString(), r.Name);
            Assert.Equal(DateTimeOffset.Parse(e.GetProperty("time").GetString()!, CultureInfo.InvariantCulture), r.Time);
            if (e.TryGetProperty("value", out var value))
            {
                Assert.Equal(value.GetDouble(), r.Value);
                Assert.Equal(e.GetProperty("unit").GetString(), r.Measurement.Unit);
            }
            else if (e.TryGetProperty("bool", out var b))
                Assert.Equal(b.GetBoolean(), r.IsTrue);
            else
                Assert.Equal(e.GetProperty("string").GetString(), r.Text);
        }
    }

    [Theory]
    [MemberData(nameof(RejectedVectors))]
    public void Decode_RejectedGoldenVector_GivesDocumentedReason(string name)
    {
        var v = GoldenVector.Get(name);
        var result = Decode(v);

        Assert.False(result.Accepted);
        Assert.Equal(v.Expected.GetProperty("reason").GetString(), result.Reason.ToCode());
        Assert.False(string.IsNullOrWhiteSpace(result.Detail));
    }

    public static IEnumerable<TheoryDataRow<string>> AcceptedVectors() => GoldenVector.Names(accepted: true);
    public static IEnumerable<TheoryDataRow<string>> RejectedVectors() => GoldenVector.Names(accepted: false);

    [Fact]
    public void Decode_HugePayload_IsRejectedAsTooLargeBeforeParsing()
    {
        var huge = "[" + string.Join(",", Enumerable.Repeat("{\"n\":\"temp\",\"u\":\"Cel\",\"v\":21}", 200)) + "]";
        var result = Decode(huge);
        Assert.Equal(RejectReason.TooLarge, result.Reason);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("[")]
    [InlineData("[{\"bn\":\"urn:dev:sc:clim-0001:\",\"bt\":1795921200,\"n\":\"seq\",\"v\":1},{\"n\":\"temp\",\"u\":\"Cel\",\"v\":21}]garbage")]
    [InlineData("[{\"bn\":\"urn:dev:sc:clim-0001:\" \"bt\":1}]")]
    [InlineData("\u00ff\u00fe")]
    public void Decode_BrokenJson_IsMalformed(string payload) =>
        Assert.Equal(RejectReason.MalformedJson, Decode(payload).Reason);

    [Theory]
    [InlineData("42", RejectReason.Schema)]
    [InlineData("[]", RejectReason.Schema)]
    [InlineData("[1,2]", RejectReason.Schema)]
    [InlineData("[{\"n\":\"temp\",\"u\":\"Cel\",\"v\":21}]", RejectReason.Schema)]
    [InlineData("[{\"bn\":\"urn:dev:sc:clim-0001:\",\"bn\":\"urn:dev:sc:clim-0001:\",\"bt\":1795921200,\"n\":\"seq\",\"v\":1}]", RejectReason.Schema)]
    [InlineData("[{\"bn\":\"urn:dev:sc:clim-0001:\",\"bt\":\"now\",\"n\":\"seq\",\"v\":1},{\"n\":\"temp\",\"u\":\"Cel\",\"v\":21}]", RejectReason.Schema)]
    [InlineData("[{\"bn\":\"urn:dev:sc:clim-0001:\",\"bt\":1795921200,\"n\":\"seq\",\"v\":1},{\"n\":\"temp\",\"u\":\"Cel\",\"v\":21,\"vb\":true}]", RejectReason.Schema)]
    [InlineData("[{\"bn\":\"urn:dev:sc:clim-0001:\",\"bt\":1795921200,\"n\":\"seq\",\"v\":1},{\"n\":\"temp\",\"u\":\"Cel\",\"v\":21,\"ttl_\":5}]", RejectReason.Schema)]
    [InlineData("[{\"bn\":\"urn:dev:sc:clim-0001:\",\"bt\":1795921200,\"n\":\"seq\",\"v\":1.5},{\"n\":\"temp\",\"u\":\"Cel\",\"v\":21}]", RejectReason.MissingSeq)]
    [InlineData("[{\"bn\":\"urn:dev:sc:clim-0001:\",\"bt\":1795921200,\"n\":\"seq\",\"v\":-1},{\"n\":\"temp\",\"u\":\"Cel\",\"v\":21}]", RejectReason.MissingSeq)]
    [InlineData("[{\"bn\":\"urn:dev:sc:clim-0001:\",\"bt\":1795921200,\"n\":\"seq\",\"v\":4294967296},{\"n\":\"temp\",\"u\":\"Cel\",\"v\":21}]", RejectReason.MissingSeq)]
    [InlineData("[{\"bn\":\"urn:dev:sc:clim-0001:\",\"bt\":1795921200,\"n\":\"seq\",\"v\":1},{\"n\":\"temp\",\"v\":21}]", RejectReason.WrongUnit)]
    [InlineData("[{\"bn\":\"urn:dev:sc:clim-0001:\",\"bt\":1795921200,\"n\":\"seq\",\"v\":1},{\"n\":\"temp\",\"u\":\"Cel\",\"v\":-41}]", RejectReason.OutOfRange)]
    [InlineData("[{\"bn\":\"urn:dev:sc:clim-0001:\",\"bt\":1795921200,\"n\":\"seq\",\"v\":1},{\"n\":\"temp\",\"u\":\"Cel\",\"v\":21,\"t\":1e300}]", RejectReason.ClockSkew)]
    [InlineData("[{\"bn\":\"urn:dev:sc:clim-0001:\",\"bt\":1e999,\"n\":\"seq\",\"v\":1},{\"n\":\"temp\",\"u\":\"Cel\",\"v\":21}]", RejectReason.OutOfRange)]
    public void Decode_InvalidPack_GivesReason(string payload, RejectReason reason) =>
        Assert.Equal(reason, Decode(payload).Reason);

    [Fact]
    public void Decode_NonCanonicalButValidSenml_IsAccepted()
    {
        const string payload = """
            [ { "bt": 1795921200.5, "bn": "urn:dev:sc:clim-0001:", "v": 9, "n": "seq", "bver": 10 },
              { "v": 2.15e1, "u": "Cel", "n": "temp", "t": -0.5 } ]
            """;
        var result = Decode(payload);
        Assert.True(result.Accepted, result.Detail);
        Assert.Equal(21.5, result.Pack!.Records[0].Value);
        Assert.Equal(new DateTimeOffset(2026, 11, 29, 3, 0, 0, TimeSpan.Zero), result.Pack.Records[0].Time);
    }

    [Fact]
    public void Decode_StatusFieldOnUpTopic_IsUnknownMeasurement()
    {
        var result = Decode("[{\"bn\":\"urn:dev:sc:clim-0001:\",\"bt\":1795921200,\"n\":\"seq\",\"v\":1},{\"n\":\"bat\",\"u\":\"%EL\",\"v\":50}]");
        Assert.Equal(RejectReason.UnknownMeasurement, result.Reason);
    }

    [Fact]
    public void Decode_OnlineFalseWithSeqOnStatus_IsAcceptedAsNormalStatus()
    {
        var result = Decode("[{\"bn\":\"urn:dev:sc:sos-0001:\",\"bt\":1795921200,\"n\":\"seq\",\"v\":3},{\"n\":\"online\",\"vb\":false}]", "sos-0001", DeviceKind.Sos, TopicChannel.Status);
        Assert.True(result.Accepted);
        Assert.Equal(3u, result.Pack!.Seq);
    }

    [Fact]
    public void Decode_LastWillOnUpTopic_IsRejected()
    {
        var result = Decode("[{\"bn\":\"urn:dev:sc:sos-0001:\",\"n\":\"online\",\"vb\":false}]", "sos-0001", DeviceKind.Sos, TopicChannel.Up);
        Assert.False(result.Accepted);
    }

    [Fact]
    public void Decode_DownChannel_IsAclDenied() =>
        Assert.Equal(RejectReason.AclDenied, Decode("[]", channel: TopicChannel.Down).Reason);

    // ---- RFC 8428 resolution (§4.6) before the protocol's checks ----

    private const string Seq = "{\"bn\":\"urn:dev:sc:clim-0001:\",\"bt\":1795921200,\"n\":\"seq\",\"v\":1}";

    public static IEnumerable<TheoryDataRow<string>> ResolvedVectors() =>
        GoldenVector.All.Where(v => v.Resolved is not null).Select(v => new TheoryDataRow<string>(v.Name));

    [Fact]
    public void GoldenVectors_Rfc8428_EveryJsonExampleOfSection5IsAVector()
    {
        var sources = GoldenVector.All.Select(v => v.Expected.TryGetProperty("source", out var s) ? s.GetString() : null).OfType<string>().ToList();
        foreach (var section in new[] { "5.1.1", "5.1.2", "5.1.3", "5.1.4", "5.1.5", "5.1.6", "5.1.7" })
            Assert.Contains(sources, s => s.StartsWith("RFC 8428 §" + section + " ", StringComparison.Ordinal));
        // §5.1.2 and §5.1.7 hold three examples each.
        Assert.Equal(11, sources.Count(s => s.StartsWith("RFC 8428 §5", StringComparison.Ordinal)));
    }

    [Theory]
    [MemberData(nameof(ResolvedVectors))]
    public void Resolve_Rfc8428Example_GivesTheRecordsTheRfcResolves(string name)
    {
        var v = GoldenVector.Get(name);
        var resolution = SenmlDecoder.Resolve(v.Payload, v.ReceivedAt);

        Assert.True(resolution.Records is not null, resolution.Detail);
        AssertResolved(v.Resolved!.Value, resolution.Records);
    }

    [Fact]
    public void Resolve_Rfc8428MultipleMeasurements_IsTheRfcsResolvedData()
    {
        // RFC 8428 §5.1.4 is §5.1.3 resolved: resolving either gives the records §5.1.4 writes out.
        var resolvedData = JsonDocument.Parse(GoldenVector.Get("rfc8428-5.1.4-resolved-data").Payload).RootElement;
        var v = GoldenVector.Get("rfc8428-5.1.3-multiple-measurements");

        AssertResolved(resolvedData, SenmlDecoder.Resolve(v.Payload, v.ReceivedAt).Records!);
    }

    private static void AssertResolved(JsonElement expected, IReadOnlyList<ResolvedRecord> actual)
    {
        var rows = expected.EnumerateArray().ToList();
        Assert.Equal(rows.Count, actual.Count);
        for (var i = 0; i < rows.Count; i++)
        {
            var e = rows[i];
            var r = actual[i];
            Assert.Equal(Text(e, "n"), r.Name);
            Assert.Equal(Text(e, "u"), r.Unit);
            Assert.Equal(e.GetProperty("t").GetDouble(), r.Time, 0.0005);
            Assert.Equal(e.TryGetProperty("v", out var value) ? value.GetDouble() : null, r.Value);
            Assert.Equal(e.TryGetProperty("vb", out var b) ? b.GetBoolean() : null, r.Bool);
            Assert.Equal(Text(e, "vs"), r.Text);
            Assert.Equal(Text(e, "vd"), r.Data);
            Assert.Equal(e.TryGetProperty("s", out var sum) ? sum.GetDouble() : null, r.Sum);
        }

        static string? Text(JsonElement e, string key) => e.TryGetProperty(key, out var p) ? p.GetString() : null;
    }

    [Fact]
    public void Decode_BaseValueVector_IsNineteenPointSixAndRaisesNoColdAlert()
    {
        // Found live: "bv":20 with "v":-0.4 was stored as -0.4 °C and paged staff for a cold room.
        var pack = Decode(GoldenVector.Get("base-value")).Pack!;

        Assert.Equal(19.6, pack.Records[0].Value);
        Assert.Empty(SafetyRules.Evaluate(new RuleContext("clim-0001", DeviceKind.Climate, DeviceLocation.Bedroom), pack));
    }

    [Theory]
    // Base fields in any record, for that record and the ones after it.
    [InlineData("[" + Seq + ",{\"bt\":1795920900,\"n\":\"temp\",\"u\":\"Cel\",\"v\":21}]", "temp", 21.0, "2026-11-29T02:55:00Z")]
    [InlineData("[" + Seq + ",{\"bu\":\"Cel\"},{\"n\":\"temp\",\"v\":21}]", "temp", 21.0, "2026-11-29T03:00:00Z")]
    [InlineData("[{\"bv\":20}," + Seq + ",{\"n\":\"temp\",\"u\":\"Cel\",\"v\":1.5}]", "temp", 21.5, "2026-11-29T03:00:00Z")]
    // Base values are added as decimals: 20 + 2.01 is 22.01, not 22.009999999999998.
    [InlineData("[" + Seq + ",{\"bv\":20,\"n\":\"temp\",\"u\":\"Cel\",\"v\":2.01}]", "temp", 22.01, "2026-11-29T03:00:00Z")]
    // A later base value replaces the earlier one; a boolean takes nothing from it.
    [InlineData("[{\"bn\":\"urn:dev:sc:clim-0001:\",\"bt\":1795921200,\"bv\":20,\"n\":\"seq\",\"v\":-19},{\"bv\":40,\"n\":\"hum\",\"u\":\"%RH\",\"v\":5}]", "hum", 45.0, "2026-11-29T03:00:00Z")]
    [InlineData("[" + Seq + ",{\"bv\":20,\"n\":\"test\",\"vb\":true}]", "test", 1.0, "2026-11-29T03:00:00Z")]
    // A full name without bn, and bn alone naming the measurement.
    [InlineData("[{\"bt\":1795921200,\"n\":\"urn:dev:sc:clim-0001:seq\",\"v\":1},{\"n\":\"urn:dev:sc:clim-0001:temp\",\"u\":\"Cel\",\"v\":21}]", "temp", 21.0, "2026-11-29T03:00:00Z")]
    [InlineData("[" + Seq + ",{\"bn\":\"urn:dev:sc:clim-0001:temp\",\"u\":\"Cel\",\"v\":21}]", "temp", 21.0, "2026-11-29T03:00:00Z")]
    // Escaped characters take the general path to the same name.
    [InlineData("[" + Seq + ",{\"bn\":\"urn:dev:sc:clim-0001\\u003a\",\"n\":\"t\\u0065mp\",\"u\":\"Cel\",\"v\":21}]", "temp", 21.0, "2026-11-29T03:00:00Z")]
    // Times: no bt is relative to the receive time (RFC 8428 §4.5.3); t > 0 within the clock-skew allowance.
    [InlineData("[{\"bn\":\"urn:dev:sc:clim-0001:\",\"n\":\"seq\",\"v\":1},{\"n\":\"temp\",\"u\":\"Cel\",\"v\":21,\"t\":-2.5}]", "temp", 21.0, "2026-11-29T02:59:59.5Z")]
    [InlineData("[" + Seq + ",{\"n\":\"temp\",\"u\":\"Cel\",\"v\":21,\"t\":299.999}]", "temp", 21.0, "2026-11-29T03:04:59.999Z")]
    // Unknown fields are ignored (RFC 8428 §4.4), as is the update time.
    [InlineData("[" + Seq + ",{\"n\":\"temp\",\"u\":\"Cel\",\"v\":21,\"ut\":600,\"x\":{\"y\":1}}]", "temp", 21.0, "2026-11-29T03:00:00Z")]
    public void Decode_ResolvedPack_YieldsResolvedRecord(string payload, string name, double value, string time)
    {
        var result = Decode(payload);

        Assert.True(result.Accepted, result.Detail);
        var r = Assert.Single(result.Pack!.Records);
        Assert.Equal(name, r.Name);
        Assert.Equal(value, r.Value);
        Assert.Equal(DateTimeOffset.Parse(time, CultureInfo.InvariantCulture), r.Time);
    }

    [Fact]
    public void Decode_BaseValueOnSeqRecord_IsAddedToSeqToo()
    {
        var result = Decode("[{\"bn\":\"urn:dev:sc:clim-0001:\",\"bt\":1795921200,\"bv\":20,\"n\":\"seq\",\"v\":22},{\"n\":\"temp\",\"u\":\"Cel\",\"v\":1.5}]");

        Assert.True(result.Accepted, result.Detail);
        Assert.Equal(42u, result.Pack!.Seq);
        Assert.Equal(21.5, result.Pack.Records[0].Value);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(10)]
    public void Decode_VersionUpToTen_IsAccepted(int version) =>
        Assert.True(Decode($"[{{\"bver\":{version},\"bn\":\"urn:dev:sc:clim-0001:\",\"bt\":1795921200,\"n\":\"seq\",\"v\":1}},{{\"n\":\"temp\",\"u\":\"Cel\",\"v\":21}}]").Accepted);

    [Theory]
    // Versions: newer than 10, not a positive integer, or differing between records (RFC 8428 §4.4).
    [InlineData("[{\"bver\":11," + "\"bn\":\"urn:dev:sc:clim-0001:\",\"bt\":1795921200,\"n\":\"seq\",\"v\":1},{\"n\":\"temp\",\"u\":\"Cel\",\"v\":21}]", RejectReason.Schema, "newer")]
    [InlineData("[" + Seq + ",{\"bver\":11,\"n\":\"temp\",\"u\":\"Cel\",\"v\":21}]", RejectReason.Schema, "newer")]
    [InlineData("[{\"bver\":0," + "\"bn\":\"urn:dev:sc:clim-0001:\",\"bt\":1795921200,\"n\":\"seq\",\"v\":1},{\"n\":\"temp\",\"u\":\"Cel\",\"v\":21}]", RejectReason.Schema, "positive integer")]
    [InlineData("[{\"bver\":9.5," + "\"bn\":\"urn:dev:sc:clim-0001:\",\"bt\":1795921200,\"n\":\"seq\",\"v\":1},{\"n\":\"temp\",\"u\":\"Cel\",\"v\":21}]", RejectReason.Schema, "positive integer")]
    [InlineData("[{\"bver\":\"10\"," + "\"bn\":\"urn:dev:sc:clim-0001:\",\"bt\":1795921200,\"n\":\"seq\",\"v\":1},{\"n\":\"temp\",\"u\":\"Cel\",\"v\":21}]", RejectReason.Schema, "must be a number")]
    [InlineData("[" + Seq + ",{\"bver\":9,\"n\":\"temp\",\"u\":\"Cel\",\"v\":21}]", RejectReason.Schema, "share one")]
    // Units are checked on the resolved unit: a base unit reaches booleans too.
    [InlineData("[" + Seq + ",{\"bu\":\"Cel\",\"n\":\"temp\",\"v\":21},{\"n\":\"test\",\"vb\":true}]", RejectReason.WrongUnit, "\"test\" is in no unit, got Cel")]
    // Ranges are checked on the resolved value, and its finiteness.
    [InlineData("[" + Seq + ",{\"bv\":-50,\"n\":\"temp\",\"u\":\"Cel\",\"v\":5}]", RejectReason.OutOfRange, "-45")]
    [InlineData("[" + Seq + ",{\"bv\":1e308,\"n\":\"temp\",\"u\":\"Cel\",\"v\":1e308}]", RejectReason.OutOfRange, "finite")]
    [InlineData("[{\"bn\":\"urn:dev:sc:clim-0001:\",\"bt\":1e308,\"n\":\"seq\",\"v\":1},{\"n\":\"temp\",\"u\":\"Cel\",\"v\":21,\"t\":1e308}]", RejectReason.OutOfRange, "finite")]
    // The resolved name: our scheme, the topic's device, a measurement.
    [InlineData("[" + Seq + ",{\"bn\":\"urn:dev:sc:clim-0001:\",\"u\":\"Cel\",\"v\":21}]", RejectReason.Schema, "names no measurement")]
    [InlineData("[" + Seq + ",{\"bn\":\"urn:dev:sc:clim-0001\",\"n\":\"temp\",\"u\":\"Cel\",\"v\":21}]", RejectReason.Schema, "is not urn:dev:sc:")]
    [InlineData("[" + Seq + ",{\"bn\":\"urn:dev:sc:clim-0001:te\",\"n\":\"mperature\",\"u\":\"Cel\",\"v\":21}]", RejectReason.UnknownMeasurement, "temperature")]
    [InlineData("[" + Seq + ",{\"bn\":\"urn:dev:sc:clim-\",\"n\":\"0002:temp\",\"u\":\"Cel\",\"v\":21}]", RejectReason.DeviceMismatch, "clim-0002")]
    [InlineData("[" + Seq + ",{\"bn\":\"\",\"n\":\"temp\",\"u\":\"Cel\",\"v\":21}]", RejectReason.Schema, "is not urn:dev:sc:")]
    [InlineData("[{\"bt\":1795921200,\"n\":\"seq\",\"v\":1},{\"n\":\"temp\",\"u\":\"Cel\",\"v\":21}]", RejectReason.Schema, "is not urn:dev:sc:")]
    [InlineData("[" + Seq + ",{\"u\":\"Cel\",\"v\":21}]", RejectReason.Schema, "names no measurement")]
    // A relative time is checked against the clock like any other.
    [InlineData("[{\"bn\":\"urn:dev:sc:clim-0001:\",\"n\":\"seq\",\"v\":1},{\"n\":\"temp\",\"u\":\"Cel\",\"v\":21,\"t\":301}]", RejectReason.ClockSkew, "ahead")]
    [InlineData("[" + Seq + ",{\"n\":\"temp\",\"u\":\"Cel\",\"v\":21,\"t\":-1e20}]", RejectReason.ClockSkew, "calendar")]
    // Sums (s, bs) belong to no measurement of the protocol; "seq" is one value in "v".
    [InlineData("[{\"bs\":0}," + Seq + ",{\"n\":\"temp\",\"u\":\"Cel\",\"v\":21}]", RejectReason.Schema, "sum")]
    [InlineData("[{\"bn\":\"urn:dev:sc:clim-0001:\",\"bt\":1795921200,\"n\":\"seq\",\"v\":1,\"vb\":true},{\"n\":\"temp\",\"u\":\"Cel\",\"v\":21}]", RejectReason.MissingSeq, "unsigned")]
    [InlineData("[" + Seq + ",{\"n\":\"temp\",\"u\":\"Cel\",\"vd\":\"aGkgCg\"}]", RejectReason.Schema, "takes \"v\"")]
    public void Decode_ResolvedPackBreakingTheProtocol_GivesReasonAndDetail(string payload, RejectReason reason, string detail)
    {
        var result = Decode(payload);

        Assert.Equal(reason, result.Reason);
        Assert.Contains(detail, result.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[{\"bn\":\"urn:dev:sc:sos-0001:\",\"n\":\"online\",\"vb\":false}]")]
    [InlineData("[{\"n\":\"urn:dev:sc:sos-0001:online\",\"vb\":false}]")]
    [InlineData("[{\"bn\":\"urn:dev:sc:sos-0001:online\",\"bt\":0,\"vb\":false}]")]
    public void Decode_LastWillSpelledAnyWay_IsTheLastWill(string payload)
    {
        var result = Decode(payload, "sos-0001", DeviceKind.Sos, TopicChannel.Status);

        Assert.True(result.Accepted, result.Detail);
        Assert.True(result.Pack!.IsLastWill);
        Assert.Equal(Now, Assert.Single(result.Pack.Records).Time);
    }

    [Fact]
    public void Decode_OnlineFalseWithTimeButNoSeq_IsMissingSeq() =>
        Assert.Equal(RejectReason.MissingSeq,
            Decode("[{\"bn\":\"urn:dev:sc:sos-0001:\",\"bt\":1795921200,\"n\":\"online\",\"vb\":false}]", "sos-0001", DeviceKind.Sos, TopicChannel.Status).Reason);
}
