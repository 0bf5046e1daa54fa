using System.Globalization;
using System.Text;
using System.Text.Json;
using SmartCommunity.Domain.Devices;
using SmartCommunity.Domain.Protocol;

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
    [InlineData("[{\"bn\":\"urn:dev:sc:clim-0001:\",\"bt\":1795921200,\"n\":\"seq\",\"v\":1},{\"bt\":1795921200,\"n\":\"temp\",\"u\":\"Cel\",\"v\":21}]", RejectReason.Schema)]
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
}
