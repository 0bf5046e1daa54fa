using SmartCommunity.Domain.Devices;
using SmartCommunity.Domain.Provisioning;

namespace SmartCommunity.Domain.Tests;

public sealed class ProvisioningDocumentTests
{
    private const string Secret = "9f2c7a1e5b3d4c6f8a0b2d4e6f8a0c2e";
    private static readonly string Ca = string.Concat(Enumerable.Repeat("ab", 32));

    [Fact]
    public void ToJson_ClimateNode_IsTheCompactDocumentWithTheCatalogueHeartbeat()
    {
        var document = ProvisioningDocument.ForDevice("climate-0001", DeviceKind.Climate, Secret, "mqtts://hub.local:8883", Ca);

        Assert.Equal(
            $$$"""{"sc":"provision","v":2,"id":"climate-0001","profile":"climate","secret":"{{{Secret}}}","broker":"mqtts://hub.local:8883","ca_sha256":"{{{Ca}}}","set":{"heartbeat_s":1800}}""",
            document.ToJson());
    }

    [Fact]
    public void ForDevice_KindWithTheFirmwaresHeartbeat_CarriesNoSettings()
    {
        var document = ProvisioningDocument.ForDevice("sos-0001", DeviceKind.Sos, Secret, "mqtts://hub.local:8883", Ca);

        Assert.Empty(document.Settings);
        Assert.DoesNotContain("\"set\"", document.ToJson(), StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_WhatToJsonWrote_GivesTheSameDocument()
    {
        var document = ProvisioningDocument.ForDevice("smoke-0001", DeviceKind.Smoke, Secret, "mqtts://10.0.0.2:8883", Ca.ToUpperInvariant());

        var read = ProvisioningDocument.Parse(document.ToJson());

        Assert.Equal(document.ToJson(), read.ToJson());
        Assert.Equal(("smoke-0001", "smoke", Secret, "mqtts://10.0.0.2:8883", Ca), (read.DeviceId, read.Profile, read.Secret, read.BrokerUrl, read.CaSha256));
        Assert.Equal([new("heartbeat_s", 86400)], read.Settings);
    }

    [Fact]
    public void Parse_WithoutBrokerAndCa_IsValidAndSaysNeither()
    {
        var read = ProvisioningDocument.Parse($$"""{"sc":"provision","v":2,"id":"door-0001","profile":"door","secret":"{{Secret}}"}""");

        Assert.Null(read.BrokerUrl);
        Assert.Null(read.CaSha256);
    }

    [Fact]
    public void Parse_UnknownKeysOfTheSameMajorVersion_AreIgnored()
    {
        var read = ProvisioningDocument.Parse($$$"""{"sc":"provision","v":2,"id":"door-0001","profile":"door","secret":"{{{Secret}}}","label":"Front door","x":{"y":[1]}}""");

        Assert.Equal("door-0001", read.DeviceId);
    }

    [Theory]
    [InlineData(3, "version 3 is newer than this tool reads (version 2): update sc-provision")]
    [InlineData(1, "version 1 is no longer read (this tool reads version 2)")]
    public void Parse_OtherMajorVersion_RefusedSayingWhatToDo(int version, string message)
    {
        var ex = Assert.Throws<FormatException>(() =>
            ProvisioningDocument.Parse($$"""{"sc":"provision","v":{{version}},"id":"door-0001","profile":"door","secret":"{{Secret}}"}"""));

        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""[1,2]""", "a provisioning document is a JSON object")]
    [InlineData("""{"v":2}""", "not a SmartCommunity provisioning document")]
    [InlineData("""{"sc":"other","v":2}""", "not a SmartCommunity provisioning document")]
    [InlineData("""{"sc":"provision","v":"2"}""", "\"v\" (the format's major version) is missing or not an integer")]
    [InlineData("""{"sc":"provision","v":2,"profile":"sos","secret":"SECRET"}""", "\"id\" is missing or not a string")]
    [InlineData("""{"sc":"provision","v":2,"id":"Sos_1","profile":"sos","secret":"SECRET"}""", "\"id\" must match")]
    [InlineData("""{"sc":"provision","v":2,"id":"sos-1","profile":"toaster","secret":"SECRET"}""", "\"profile\" \"toaster\" is not a device kind (sos, wearable,")]
    [InlineData("""{"sc":"provision","v":2,"id":"sos-1","profile":"sos","secret":"short"}""", "\"secret\" must be 16–128 printable ASCII")]
    [InlineData("""{"sc":"provision","v":2,"id":"sos-1","profile":"sos","secret":"SECRET","broker":"mqtt://hub:1883"}""", "the firmware refuses plain mqtt")]
    [InlineData("""{"sc":"provision","v":2,"id":"sos-1","profile":"sos","secret":"SECRET","broker":"mqtts://[::1]:8883"}""", "\"broker\" must be mqtts://host[:port]")]
    [InlineData("""{"sc":"provision","v":2,"id":"sos-1","profile":"sos","secret":"SECRET","broker":"mqtts://hub:99999"}""", "\"broker\" must be mqtts://host[:port]")]
    [InlineData("""{"sc":"provision","v":2,"id":"sos-1","profile":"sos","secret":"SECRET","ca_sha256":"abcd"}""", "\"ca_sha256\" must be 64 hex digits")]
    [InlineData("""{"sc":"provision","v":2,"id":"sos-1","profile":"sos","secret":"SECRET","set":{"heartbeat_s":1.5}}""", "\"set\": \"heartbeat_s\" must be an integer")]
    [InlineData("""{"sc":"provision","v":2,"id":"sos-1","profile":"sos","secret":"SECRET","set":{"Heartbeat":1}}""", "is not a setting name")]
    [InlineData("""{"sc":"provision","v":2,"id":"sos-1","id":"sos-2","profile":"sos","secret":"SECRET"}""", "\"id\" appears twice")]
    [InlineData("""{"sc":"provision","v":2,""", "not JSON")]
    public void Parse_InvalidDocument_RefusedWithTheReason(string json, string reason)
    {
        var ex = Assert.Throws<FormatException>(() => ProvisioningDocument.Parse(json.Replace("SECRET", Secret, StringComparison.Ordinal)));

        Assert.Contains(reason, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("hub.local", 8883, "mqtts://hub.local:8883")]
    [InlineData("192.168.1.20", 8883, "mqtts://192.168.1.20:8883")]
    [InlineData("::1", 8883, null)]
    [InlineData("hub.exämple.org", 8883, null)]
    public void BrokerUrlFor_Host_IsAUrlTheFirmwareTakes_OrNull(string host, int port, string? url) =>
        Assert.Equal(url, ProvisioningDocument.BrokerUrlFor(host, port));

    [Fact]
    public void ForDevice_ValueTheFirmwareRefuses_Throws() =>
        Assert.Throws<ArgumentException>(() => ProvisioningDocument.ForDevice("sos-0001", DeviceKind.Sos, "short", null, null));
}
