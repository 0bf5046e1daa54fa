using SmartCommunity.Domain.Devices;
using SmartCommunity.Domain.Places;

namespace SmartCommunity.Domain.Tests;

public sealed class DeviceTests
{
    private static readonly DateTimeOffset T = new(2026, 3, 1, 8, 0, 0, TimeSpan.Zero);

    private static Device Pendant() => Device.Register("sos-0001", DeviceKind.Sos, "hash-1", T, residentId: 7, householdId: 3);

    [Fact]
    public void RotateSecret_AfterMessages_SequenceStartsAgain()
    {
        var device = Pendant();
        device.RecordSequence(41, "hash-1");

        device.RotateSecret("hash-2", TimeSpan.FromHours(1), T);

        Assert.Equal(-1, device.LastSeq);
    }

    [Fact]
    public void RecordSequence_OfTheSecretBeforeARotation_Ignored()
    {
        var device = Pendant();
        device.RotateSecret("hash-2", TimeSpan.Zero, T);

        Assert.False(device.RecordSequence(41, "hash-1"));
        Assert.True(device.RecordSequence(3, "hash-2"));
        Assert.Equal(3, device.LastSeq);
    }

    [Fact]
    public void RecordHealth_NewerOrEqualSighting_Taken_OlderIgnored()
    {
        var device = Pendant();
        Assert.True(device.RecordHealth(T.AddMinutes(5), true, 80, -60, "1.0.0"));

        Assert.False(device.RecordHealth(T.AddMinutes(1), false, 10, -90, "0.9.0"));
        Assert.Equal((T.AddMinutes(5), true, 80.0), (device.LastSeenAt!.Value, device.Online, device.Battery!.Value));

        Assert.True(device.RecordHealth(T.AddMinutes(5), false, 79, -61, "1.0.0"));
        Assert.False(device.Online);
    }

    [Fact]
    public void UnlinkResident_StaysInTheHousehold()
    {
        var worn = Pendant();
        var unplaced = Device.Register("sos-0002", DeviceKind.Sos, "hash", T, residentId: 7);

        worn.UnlinkResident(householdId: 9);
        unplaced.UnlinkResident(householdId: 9);

        Assert.Equal((null, 3), (worn.ResidentId, worn.HouseholdId));
        Assert.Equal((null, 9), (unplaced.ResidentId, unplaced.HouseholdId));
    }

    [Fact]
    public void Revoke_Revoked()
    {
        var device = Pendant();
        device.Revoke();
        Assert.True(device.Revoked);
    }

    [Fact]
    public void Household_ForgetAddress_OnlyItsNumberLeft()
    {
        var household = Household.Create(gridId: 1, "Bldg 3, Unit 2, Flat 501");

        household.ForgetAddress();

        Assert.Equal("Household 0", household.Address);
    }
}
