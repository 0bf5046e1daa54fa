using SmartCommunity.Domain.Gateways;

namespace SmartCommunity.Domain.Tests;

public sealed class GatewayTests
{
    [Theory]
    [InlineData("gw-east", true)]
    [InlineData("gw-a1", true)]
    [InlineData("gw-0123456789012345678901234567", true)]
    [InlineData("gw-01234567890123456789012345678", false)]
    [InlineData("gw-a", false)]
    [InlineData("east", false)]
    [InlineData("gw-East", false)]
    [InlineData("gw-a/b", false)]
    [InlineData("gw/east", false)]
    public void IsValid_ContractPattern_AcceptsOnlyGwIds(string id, bool valid) => Assert.Equal(valid, GatewayIdentifier.IsValid(id));

    [Fact]
    public void TryParseUsername_DeviceNames_AreNotGateways()
    {
        Assert.True(GatewayIdentifier.TryParseUsername("gw/gw-east", out var id));
        Assert.Equal("gw-east", id);
        Assert.False(GatewayIdentifier.TryParseUsername("gw-east", out _));
        Assert.False(GatewayIdentifier.TryParseUsername(null, out _));
    }

    [Fact]
    public void IsSilent_AfterThreeIntervals_OrWhenItsWillSaidOffline()
    {
        var heard = new DateTimeOffset(2026, 12, 7, 10, 0, 0, TimeSpan.Zero);
        var interval = TimeSpan.FromSeconds(30);
        Assert.False(GatewaySilence.IsSilent(heard, saidOffline: false, heard.AddSeconds(90), interval));
        Assert.True(GatewaySilence.IsSilent(heard, saidOffline: false, heard.AddSeconds(91), interval));
        Assert.True(GatewaySilence.IsSilent(heard, saidOffline: true, heard.AddSeconds(1), interval));
    }

    [Fact]
    public void Revoke_KeepsTheFirstTime()
    {
        var at = new DateTimeOffset(2026, 12, 7, 10, 0, 0, TimeSpan.Zero);
        var gateway = Gateway.Register("gw-east", 1, "East gate", "v1$00$00", at);
        gateway.Revoke(at.AddHours(1));
        gateway.Revoke(at.AddHours(2));
        Assert.True(gateway.Revoked);
        Assert.Equal(at.AddHours(1), gateway.RevokedAt);
    }
}
