using SmartCommunity.Domain.Devices;

namespace SmartCommunity.Domain.Tests;

public sealed class DeviceSecretTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 29, 2, 0, 0, TimeSpan.Zero);

    private static (Device Device, string Old, string New) Rotated(TimeSpan grace)
    {
        var old = DeviceSecret.Generate();
        var device = Device.Register("sos-0001", DeviceKind.Sos, DeviceSecret.Hash(old), DateTimeOffset.UnixEpoch);
        var fresh = DeviceSecret.Generate();
        device.RotateSecret(DeviceSecret.Hash(fresh), grace, Now);
        return (device, old, fresh);
    }

    private static SecretMatch Match(Device d, string? password, DateTimeOffset at) =>
        SecretCheck.Match(password, d.SecretHash, d.PreviousSecretHash, d.PreviousSecretValidUntil, at);

    [Fact]
    public void Match_InsideGrace_BothSecretsAccepted()
    {
        var (device, old, fresh) = Rotated(TimeSpan.FromHours(1));
        Assert.Equal(SecretMatch.Current, Match(device, fresh, Now.AddMinutes(59)));
        Assert.Equal(SecretMatch.Previous, Match(device, old, Now.AddMinutes(59)));
    }

    [Fact]
    public void Match_AtTheEndOfTheGrace_OldSecretExpired()
    {
        var (device, old, fresh) = Rotated(TimeSpan.FromHours(1));
        Assert.Equal(SecretMatch.PreviousExpired, Match(device, old, Now.AddHours(1)));
        Assert.Equal(SecretMatch.Current, Match(device, fresh, Now.AddDays(400)));
    }

    [Fact]
    public void RotateSecret_ZeroGrace_OldSecretIsJustWrong()
    {
        var (device, old, _) = Rotated(TimeSpan.Zero);
        Assert.Null(device.PreviousSecretHash);
        Assert.Equal(SecretMatch.None, Match(device, old, Now));
    }

    [Fact]
    public void EndSecretGrace_InsideGrace_OldSecretIsJustWrong()
    {
        var (device, old, _) = Rotated(TimeSpan.FromHours(24));
        device.EndSecretGrace();
        Assert.Equal(SecretMatch.None, Match(device, old, Now));
    }

    [Fact]
    public void RotateSecret_TwiceInsideGrace_OnlyTheSecondToLastStaysValid()
    {
        var (device, first, second) = Rotated(TimeSpan.FromHours(24));
        var third = DeviceSecret.Generate();
        device.RotateSecret(DeviceSecret.Hash(third), TimeSpan.FromHours(24), Now.AddHours(1));
        Assert.Equal(SecretMatch.None, Match(device, first, Now.AddHours(2)));
        Assert.Equal(SecretMatch.Previous, Match(device, second, Now.AddHours(2)));
        Assert.Equal(SecretMatch.Current, Match(device, third, Now.AddHours(2)));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("not-a-secret")]
    public void Match_WrongOrMissingPassword_None(string? password)
    {
        var (device, _, _) = Rotated(TimeSpan.FromHours(1));
        Assert.Equal(SecretMatch.None, Match(device, password, Now));
    }

    [Fact]
    public void RotateSecret_NegativeGrace_Throws()
    {
        var device = Device.Register("sos-0001", DeviceKind.Sos, DeviceSecret.Hash(DeviceSecret.Generate()), DateTimeOffset.UnixEpoch);
        Assert.Throws<ArgumentOutOfRangeException>(() => device.RotateSecret(DeviceSecret.Hash(DeviceSecret.Generate()), TimeSpan.FromSeconds(-1), Now));
    }
}
