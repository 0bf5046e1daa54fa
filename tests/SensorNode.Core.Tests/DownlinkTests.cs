namespace SmartCommunity.SensorNode.Core.Tests;

public class JsonScannerTests
{
    [Theory]
    [InlineData("{\"cmd\":\"time\",\"t\":1795921200}")]
    [InlineData(" { \"a\" : [1, {\"b\": null}], \"c\": -0.5e3, \"d\": \"x\\u00e9\\n\" } ")]
    [InlineData("{}")]
    public void Parse_ValidJson_Accepts(string json)
    {
        var b = Nodes.Ascii(json);
        Assert.True(new JsonScanner().Parse(b, b.Length));
    }

    [Theory]
    [InlineData("")]
    [InlineData("[1]")]
    [InlineData("{\"t\":NaN}")]
    [InlineData("{\"t\":1} x")]
    [InlineData("{\"t\":01}")]
    [InlineData("{\"t\":\"open}")]
    [InlineData("{\"t\":1,\"t\":2}")]
    [InlineData("{\"t\":1,}")]
    [InlineData("{\"a\":[[[[[[[[[[1]]]]]]]]]]}")]
    public void Parse_InvalidJson_Rejects(string json)
    {
        var b = Nodes.Ascii(json);
        Assert.False(new JsonScanner().Parse(b, b.Length));
    }

    [Fact]
    public void TryGetInteger_Fraction_Refused()
    {
        var b = Nodes.Ascii("{\"a\":12,\"b\":1.5,\"c\":\"7\"}");
        var s = new JsonScanner();
        Assert.True(s.Parse(b, b.Length));
        Assert.True(s.TryGetInteger(s.Find("a"), out var a));
        Assert.Equal(12, a);
        Assert.False(s.TryGetInteger(s.Find("b"), out _));
        Assert.False(s.TryGetInteger(s.Find("c"), out _));
    }
}

public class DownlinkTests
{
    private static int Send(NodeCore node, string json, long now = 0)
    {
        var b = Nodes.Ascii(json);
        return node.OnDownlink(b, b.Length, now);
    }

    [Fact]
    public void HelpComing_PlaysLedAndBuzzerPattern()
    {
        var node = Nodes.Provisioned("sos");
        Assert.Equal(ErrorCode.None, Send(node, "{\"cmd\":\"help-coming\"}", 1000));
        Assert.Equal(Indicator.HelpComing, node.Indicator.Pattern);
        Assert.True(node.Indicator.LedOn);
        Assert.True(node.Indicator.BuzzerOn);
        node.Tick(1000 + 1300);
        Assert.False(node.Indicator.BuzzerOn); // three beeps only
        node.Tick(1000 + 60_000);
        Assert.Equal(Indicator.Off, node.Indicator.Pattern);
    }

    [Fact]
    public void TestAlarm_SendsTestRecord()
    {
        var node = Nodes.Provisioned("door", id: "door-0001");
        Assert.Equal(ErrorCode.None, Send(node, "{\"cmd\":\"test-alarm\"}"));
        var pub = new FakePublisher();
        node.Flush(pub, 0);
        Assert.EndsWith("{\"n\":\"test\",\"vb\":true}]", pub.Up.Single(), StringComparison.Ordinal);
    }

    [Fact]
    public void Time_Sync_StampsRecordsWithNewClock()
    {
        var node = new NodeCore(new MemoryStorage(), 0);
        Assert.False(node.Clock.IsSynced);
        Assert.Equal(ErrorCode.None, Send(node, "{\"cmd\":\"time\",\"t\":1795921200}", 5000));
        Assert.Equal(1795921200 + 5, node.Clock.UnixSeconds(10_000));
        Assert.Equal(ErrorCode.InvalidValue, Send(node, "{\"cmd\":\"time\",\"t\":1000}"));
        Assert.Equal(ErrorCode.InvalidValue, Send(node, "{\"cmd\":\"time\",\"t\":1.5e9}"));
    }

    [Fact]
    public void Config_ValidUpdate_AppliedAndPersisted()
    {
        var storage = new MemoryStorage();
        var node = Nodes.Provisioned("smoke", storage, "smk-0001");
        Assert.Equal(ErrorCode.None, Send(node, "{\"cmd\":\"config\",\"gas_on_ppm\":500,\"gas_off_ppm\":400}"));
        Assert.Equal(500, node.Config.Get(Setting.GasAlarmOnPpm));
        Assert.Equal(500, new NodeCore(storage, 0).Config.Get(Setting.GasAlarmOnPpm));
    }

    [Theory]
    [InlineData("{\"cmd\":\"config\",\"gas_on_ppm\":500,\"nope\":1}", ErrorCode.UnknownKey)]
    [InlineData("{\"cmd\":\"config\",\"gas_on_ppm\":500,\"gas_off_ppm\":600}", ErrorCode.Inconsistent)]
    [InlineData("{\"cmd\":\"config\",\"gas_on_ppm\":500,\"heartbeat_s\":1}", ErrorCode.InvalidValue)]
    [InlineData("{\"cmd\":\"config\",\"gas_on_ppm\":500,\"device_secret\":\"x\"}", ErrorCode.Forbidden)]
    [InlineData("{\"cmd\":\"config\",\"gas_on_ppm\":\"500\"}", ErrorCode.InvalidValue)]
    public void Config_AnyBadMember_NothingApplied(string json, int error)
    {
        var node = Nodes.Provisioned("smoke", id: "smk-0001");
        Assert.Equal(error, Send(node, json));
        Assert.Equal(Setting.Default(Setting.GasAlarmOnPpm), node.Config.Get(Setting.GasAlarmOnPpm));
    }

    [Fact]
    public void Unknown_OrMalformed_Refused()
    {
        var node = Nodes.Provisioned("sos");
        Assert.Equal(ErrorCode.UnknownCommand, Send(node, "{\"cmd\":\"reboot\"}"));
        Assert.Equal(ErrorCode.Syntax, Send(node, "{\"cmd\":"));
    }
}
