using SmartCommunity.Domain.Devices;
using SmartCommunity.Domain.Ingestion;

namespace SmartCommunity.Domain.Tests;

public sealed class DeviceLivenessTests
{
    private static readonly DateTimeOffset T = new(2026, 3, 1, 8, 0, 0, TimeSpan.Zero);

    private static DecodedPack Status(params (string Name, double Value, string? Text)[] records) =>
        new(7, [.. records.Select(r => new DecodedRecord(Measurement.Find(r.Name)!, T, r.Value, r.Text))]);

    [Fact]
    public void Heard_NeverSeenBefore_OnlineSeenAndCameBack()
    {
        var live = new DeviceLiveness();

        Assert.True(live.Heard(T));

        Assert.True(live.Online);
        Assert.Equal(T, live.LastSeenAt);
        Assert.False(live.OfflineReported);
    }

    [Fact]
    public void Heard_AlreadyOnline_SeenAgainNotCameBack()
    {
        var live = new DeviceLiveness(T, online: true);

        Assert.False(live.Heard(T.AddMinutes(5)));

        Assert.Equal(T.AddMinutes(5), live.LastSeenAt);
    }

    [Fact]
    public void Heard_AfterItsOfflineAlert_CameBackOnce()
    {
        var live = new DeviceLiveness(T, online: true);
        live.ReportedOffline();
        Assert.False(live.Online);

        Assert.True(live.Heard(T.AddHours(2)));
        Assert.False(live.Heard(T.AddHours(2).AddMinutes(1)));
        Assert.False(live.OfflineReported);
    }

    [Fact]
    public void Heard_AfterACleanDisconnect_CameBack()
    {
        var live = new DeviceLiveness(T, online: true);
        live.Disconnected();

        Assert.False(live.Online);
        Assert.False(live.OfflineReported);
        Assert.True(live.Heard(T.AddMinutes(1)));
    }

    [Fact]
    public void Heard_StatusWithHealth_TakesBatterySignalFirmware()
    {
        var live = new DeviceLiveness(T, online: true, battery: 90, rssi: -60, firmware: "1.0.0");

        live.Heard(T.AddMinutes(1), Status(("online", 1, null), ("bat", 41, null), ("rssi", -71, null), ("fw", 0, "1.2.0")));

        Assert.Equal((true, 41.0, -71.0, "1.2.0"), (live.Online, live.Battery!.Value, live.Rssi!.Value, live.Firmware));
    }

    [Fact]
    public void Heard_ReadingsNotStatus_HealthKept()
    {
        var live = new DeviceLiveness(T, online: true, battery: 90, rssi: -60, firmware: "1.0.0");

        live.Heard(T.AddMinutes(1), status: null);

        Assert.Equal((90.0, -60.0, "1.0.0"), (live.Battery!.Value, live.Rssi!.Value, live.Firmware));
    }

    [Fact]
    public void Heard_LastWill_OfflineReportedNotCameBack()
    {
        var live = new DeviceLiveness(T, online: true);

        Assert.False(live.Heard(T.AddMinutes(1), Status(("online", 0, null))));

        Assert.False(live.Online);
        Assert.True(live.OfflineReported);
        Assert.Equal(T.AddMinutes(1), live.LastSeenAt);
        Assert.True(live.Heard(T.AddMinutes(2)));
    }

    [Fact]
    public void SeenElsewhere_Later_TakenAndHealthItLacksKept()
    {
        var live = new DeviceLiveness(T, online: false, battery: 80, rssi: -50, firmware: "1.0.0");

        Assert.True(live.SeenElsewhere(T.AddMinutes(3), online: true, battery: 70, rssi: null, firmware: null));

        Assert.Equal((T.AddMinutes(3), true, 70.0, -50.0, "1.0.0"), (live.LastSeenAt!.Value, live.Online, live.Battery!.Value, live.Rssi!.Value, live.Firmware));
    }

    [Fact]
    public void SeenElsewhere_NotLater_Ignored()
    {
        var live = new DeviceLiveness(T, online: true, battery: 80);

        Assert.False(live.SeenElsewhere(T, online: false, battery: 10, rssi: null, firmware: null));
        Assert.False(live.SeenElsewhere(null, online: false, battery: 10, rssi: null, firmware: null));

        Assert.Equal((T, true, 80.0), (live.LastSeenAt!.Value, live.Online, live.Battery!.Value));
    }
}
