using System.Net.Http.Json;
using MQTTnet;
using MQTTnet.Protocol;
using SmartCommunity.Hub.Devices;
using SmartCommunity.Hub.Readings;
using SmartCommunity.Testing;

namespace SmartCommunity.Hub.Tests;

/// <summary>A flooding device exhausts its own budget only; nothing it sent at QoS 1 is lost.</summary>
public sealed class AbuseTests : IAsyncLifetime
{
    private readonly HubApp _hub = new(settings: new Dictionary<string, string?>
    {
        ["Hub:DeviceMessagesPerSecond"] = "20",
        ["Hub:DeviceMessageBurst"] = "5",
    });
    private World _world = null!;

    public async ValueTask InitializeAsync()
    {
        _hub.Start();
        _world = await _hub.SeedWorldAsync();
    }

    public async ValueTask DisposeAsync() => await _hub.DisposeAsync();

    private static MqttApplicationMessage Temp(string id, uint seq, MqttQualityOfServiceLevel qos) =>
        new MqttApplicationMessageBuilder().WithTopic($"sc/v1/{id}/up").WithPayload(Senml.Temp(id, seq, 20 + seq / 100.0, bt: Senml.Now - 1000 + seq))
            .WithQualityOfServiceLevel(qos).Build();

    [Fact]
    public async Task FloodAtQos0_ExcessRefusedAsRateLimited_OtherDeviceUnaffected()
    {
        var flooder = await _hub.RegisterDeviceAsync("climate", householdId: _world.HouseholdA);
        var neighbour = await _hub.RegisterDeviceAsync("climate", householdId: _world.HouseholdB);
        using var flood = await _hub.ConnectDeviceAsync(flooder);
        using var calm = await _hub.ConnectDeviceAsync(neighbour);

        for (uint seq = 1; seq <= 200; seq++)
            await flood.PublishAsync(Temp(flooder.Device.Id, seq, MqttQualityOfServiceLevel.AtMostOnce));
        for (uint seq = 1; seq <= 5; seq++)
            await calm.PublishAsync(Temp(neighbour.Device.Id, seq, MqttQualityOfServiceLevel.AtLeastOnce));

        using var tech = await _hub.ClientAsync(World.Technician);
        var counts = await Eventually.GetAsync(
            () => tech.GetFromJsonAsync<DeviceRejections>($"/api/devices/{flooder.Device.Id}/rejections")!,
            r => r!.Counts.Any(c => c.Reason == "rate_limited"), what: "rate_limited count");
        var limited = counts!.Counts.Single(c => c.Reason == "rate_limited").Count;
        Assert.InRange(limited, 1, 195);
        var device = await tech.GetFromJsonAsync<DeviceDto>($"/api/devices/{flooder.Device.Id}");
        Assert.True(device!.Throttled > 0);
        var neighbourReadings = await tech.GetFromJsonAsync<List<PointDto>>($"/api/devices/{neighbour.Device.Id}/readings?name=temp&from={Uri.EscapeDataString(DateTimeOffset.UtcNow.AddHours(-1).ToString("O"))}");
        Assert.Equal(5, neighbourReadings!.Count);
        var neighbourDevice = await tech.GetFromJsonAsync<DeviceDto>($"/api/devices/{neighbour.Device.Id}");
        Assert.Equal((0L, 0L), (neighbourDevice!.Throttled, neighbourDevice.Rejected));
    }

    [Fact]
    public async Task FloodAtQos1_IsSlowedNotDropped_EveryReadingStored()
    {
        var flooder = await _hub.RegisterDeviceAsync("climate", householdId: _world.HouseholdA);
        using var flood = await _hub.ConnectDeviceAsync(flooder);

        for (uint seq = 1; seq <= 40; seq++)
        {
            var result = await flood.PublishAsync(Temp(flooder.Device.Id, seq, MqttQualityOfServiceLevel.AtLeastOnce));
            Assert.Equal(MqttClientPublishReasonCode.Success, result.ReasonCode);
        }

        using var tech = await _hub.ClientAsync(World.Technician);
        var readings = await tech.GetFromJsonAsync<List<PointDto>>($"/api/devices/{flooder.Device.Id}/readings?name=temp&from={Uri.EscapeDataString(DateTimeOffset.UtcNow.AddHours(-1).ToString("O"))}");
        Assert.Equal(40, readings!.Count);
        var device = await tech.GetFromJsonAsync<DeviceDto>($"/api/devices/{flooder.Device.Id}");
        Assert.True(device!.Throttled > 0);
        Assert.Equal(0, device.Rejected);
    }
}

public sealed class RevocationTests : IAsyncLifetime
{
    private readonly HubApp _hub = new();
    private World _world = null!;

    public async ValueTask InitializeAsync()
    {
        _hub.Start();
        _world = await _hub.SeedWorldAsync();
    }

    public async ValueTask DisposeAsync() => await _hub.DisposeAsync();

    [Fact]
    public async Task Revoke_ConnectedDevice_DropsConnectionAndRefusesReconnect()
    {
        var device = await _hub.RegisterDeviceAsync("sos", residentId: _world.ResidentA);
        using var mqtt = await _hub.ConnectDeviceAsync(device);
        Assert.True(mqtt.IsConnected);

        using var tech = await _hub.ClientAsync(World.Technician);
        var response = await tech.PostAsJsonAsync($"/api/devices/{device.Device.Id}/revoke", new { });
        response.EnsureSuccessStatusCode();
        Assert.True((await response.Content.ReadFromJsonAsync<DeviceDto>())!.Revoked);

        await Eventually.GetAsync(() => Task.FromResult(mqtt.IsConnected), connected => !connected, what: "the revoked device's connection dropped");
        using var again = new MqttClientFactory().CreateMqttClient();
        var result = await again.ConnectAsync(_hub.DeviceOptions(device.Device.Id, device.Secret));
        Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, result.ResultCode);
        using var family = await _hub.ClientAsync(World.FamilyA);
        Assert.Equal(System.Net.HttpStatusCode.Forbidden, (await family.PostAsJsonAsync($"/api/devices/{device.Device.Id}/revoke", new { })).StatusCode);
    }
}

/// <summary>A QoS 0 flood cannot be slowed, so a device far over its budget is cut off for a cool-down.</summary>
public sealed class FloodCutOffTests : IAsyncLifetime
{
    // The clock stands still: the budget does not refill, so "over budget in a row" is exact.
    private readonly Microsoft.Extensions.Time.Testing.FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly HubApp _hub;
    private World _world = null!;

    public FloodCutOffTests() => _hub = new HubApp(time: _time, settings: new Dictionary<string, string?>
    {
        ["Hub:DeviceMessagesPerSecond"] = "1",
        ["Hub:DeviceMessageBurst"] = "5",
        ["Hub:DeviceFloodDisconnectAfter"] = "50",
        ["Hub:DeviceFloodCooldown"] = "00:01:00",
    });

    public async ValueTask InitializeAsync()
    {
        _hub.Start();
        _world = await _hub.SeedWorldAsync();
    }

    public async ValueTask DisposeAsync() => await _hub.DisposeAsync();

    [Fact]
    public async Task FloodAtQos0_FarOverBudget_DisconnectedAndRefusedUntilTheCooldownEnds()
    {
        var flooder = await _hub.RegisterDeviceAsync("climate", householdId: _world.HouseholdA);
        var neighbour = await _hub.RegisterDeviceAsync("climate", householdId: _world.HouseholdB);
        using var calm = await _hub.ConnectDeviceAsync(neighbour);
        using var flood = await _hub.ConnectDeviceAsync(flooder);

        for (uint seq = 1; seq <= 200 && flood.IsConnected; seq++)
        {
            try
            {
                await flood.PublishAsync(Qos0(flooder.Device.Id, seq));
            }
            catch (MQTTnet.Exceptions.MqttCommunicationException)
            {
                // Not connected any more, or the hub closed the socket while this publish was being written (broken pipe):
                // both are the disconnection under test.
                break;
            }
        }

        await Eventually.GetAsync(() => Task.FromResult(flood.IsConnected), connected => !connected, what: "the flooder disconnected");
        using var again = new MqttClientFactory().CreateMqttClient();
        var refused = await again.ConnectAsync(_hub.DeviceOptions(flooder.Device.Id, flooder.Secret));
        Assert.Equal(MqttClientConnectResultCode.QuotaExceeded, refused.ResultCode);

        // The neighbour was never touched and still gets through.
        Assert.True(calm.IsConnected);
        var ok = await calm.PublishAsync(new MqttApplicationMessageBuilder().WithTopic($"sc/v1/{neighbour.Device.Id}/up")
            .WithPayload(Senml.Temp(neighbour.Device.Id, 1, 21, bt: _time.GetUtcNow().ToUnixTimeSeconds() - 5)).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
        Assert.Equal(MqttClientPublishReasonCode.Success, ok.ReasonCode);

        using var tech = await _hub.ClientAsync(World.Technician);
        var rejections = await tech.GetFromJsonAsync<DeviceRejections>($"/api/devices/{flooder.Device.Id}/rejections");
        Assert.Contains(rejections!.Recent, r => r.Reason == "rate_limited" && r.Detail!.Contains("flooding", StringComparison.Ordinal));

        _time.Advance(TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(10));
        using var later = new MqttClientFactory().CreateMqttClient();
        var back = await later.ConnectAsync(_hub.DeviceOptions(flooder.Device.Id, flooder.Secret));
        Assert.Equal(MqttClientConnectResultCode.Success, back.ResultCode);
    }

    private MqttApplicationMessage Qos0(string id, uint seq) =>
        new MqttApplicationMessageBuilder().WithTopic($"sc/v1/{id}/up")
            .WithPayload(Senml.Temp(id, seq, 20, bt: _time.GetUtcNow().ToUnixTimeSeconds() - 300 + seq))
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtMostOnce).Build();
}
