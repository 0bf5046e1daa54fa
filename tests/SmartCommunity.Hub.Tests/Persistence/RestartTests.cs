using System.Net.Http.Json;
using MQTTnet;
using MQTTnet.Protocol;
using SmartCommunity.Hub.Alerts;
using SmartCommunity.Hub.Devices;
using SmartCommunity.Hub.Readings;
using SmartCommunity.Testing;

namespace SmartCommunity.Hub.Tests;

public sealed class RestartTests : IDisposable
{
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "sc-restart-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dataDir))
            Directory.Delete(_dataDir, recursive: true);
    }

    private static MqttApplicationMessage Up(string deviceId, byte[] payload) =>
        new MqttApplicationMessageBuilder().WithTopic($"sc/v1/{deviceId}/up").WithPayload(payload).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build();

    [Fact]
    public async Task Restart_OnSameDataDirectory_KeepsAlertsReadingsDevicesAndSequenceState()
    {
        DeviceCredentials sos, climate;
        long alertId;
        await using (var first = new HubApp(_dataDir).Start())
        {
            var world = await first.SeedWorldAsync();
            sos = await first.RegisterDeviceAsync("sos", residentId: world.ResidentA);
            climate = await first.RegisterDeviceAsync("climate", householdId: world.HouseholdA);
            using (var mqtt = await first.ConnectDeviceAsync(sos))
                await mqtt.PublishAsync(Up(sos.Device.Id, Senml.Sos(sos.Device.Id, 41)));
            using (var mqtt = await first.ConnectDeviceAsync(climate))
            {
                for (uint seq = 1; seq <= 50; seq++)
                    await mqtt.PublishAsync(Up(climate.Device.Id, Senml.Temp(climate.Device.Id, seq, 20 + seq / 100.0, bt: Senml.Now - 3000 + seq * 60)));
            }
            using var staff = await first.ClientAsync(World.Staff);
            alertId = (await staff.GetFromJsonAsync<List<AlertDto>>("/api/alerts?status=open"))!.Single().Id;
        }

        await using var second = new HubApp(_dataDir).Start();
        using var staffAgain = await second.ClientAsync(World.Staff);
        var alert = await staffAgain.GetFromJsonAsync<AlertDto>($"/api/alerts/{alertId}");
        Assert.Equal(("sos", "raised", sos.Device.Id), (alert!.Kind, alert.Status, alert.DeviceId));
        var readings = await staffAgain.GetFromJsonAsync<List<PointDto>>($"/api/devices/{climate.Device.Id}/readings?name=temp&from={Uri.EscapeDataString(DateTimeOffset.UtcNow.AddHours(-2).ToString("O"))}");
        Assert.Equal(50, readings!.Count);
        Assert.Equal(20.01, readings[0].V, 6);

        // The device keeps its credentials, and its sequence window survived: a replay of seq 41 is a duplicate.
        using var mqttAgain = await second.ConnectDeviceAsync(sos);
        await mqttAgain.PublishAsync(Up(sos.Device.Id, Senml.Sos(sos.Device.Id, 41)));
        var after = await staffAgain.GetFromJsonAsync<AlertDto>($"/api/alerts/{alertId}");
        Assert.Equal(1, after!.Occurrences);
        using var tech = await second.ClientAsync(HubApp.AdminEmail);
        var rejections = await tech.GetFromJsonAsync<DeviceRejections>($"/api/devices/{sos.Device.Id}/rejections");
        Assert.Contains(rejections!.Counts, c => c.Reason == "duplicate");
    }
}
