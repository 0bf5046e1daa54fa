using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.Time.Testing;
using MQTTnet;
using SmartCommunity.Hub.Devices;
using SmartCommunity.Testing;

namespace SmartCommunity.Hub.Tests;

/// <summary>
/// Rotating a device secret on the real hub with a fake clock: the old secret keeps working for the
/// grace period, or until the device first connects with the new one, or not at all with a zero grace;
/// revocation beats both; the grace survives a restart. Real MQTTnet clients on 127.0.0.1.
/// </summary>
public sealed class SecretRotationTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 29, 2, 0, 0, TimeSpan.Zero);

    private static async Task<(HubApp Hub, FakeTimeProvider Time, World World)> StartAsync()
    {
        var time = new FakeTimeProvider(Start);
        var hub = new HubApp(time: time);
        hub.Start();
        return (hub, time, await hub.SeedWorldAsync());
    }

    private static async Task<DeviceCredentials> RotateAsync(HubApp hub, string deviceId, long? graceSeconds = null)
    {
        using var tech = await hub.ClientAsync(World.Technician);
        var response = graceSeconds is null
            ? await tech.PostAsync($"/api/devices/{deviceId}/secret", null)
            : await tech.PostAsJsonAsync($"/api/devices/{deviceId}/secret", new RotateSecretRequest(graceSeconds));
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<DeviceCredentials>())!;
    }

    private static async Task<MqttClientConnectResultCode> ConnectAsync(HubApp hub, string deviceId, string secret)
    {
        using var mqtt = new MqttClientFactory().CreateMqttClient();
        var result = await mqtt.ConnectAsync(hub.DeviceOptions(deviceId, secret));
        if (mqtt.IsConnected)
            await mqtt.DisconnectAsync();
        return result.ResultCode;
    }

    private static async Task<long> RejectedAsync(HubApp hub, string deviceId, string reason)
    {
        using var tech = await hub.ClientAsync(World.Technician);
        var rejections = await tech.GetFromJsonAsync<DeviceRejections>($"/api/devices/{deviceId}/rejections");
        return rejections!.Counts.Where(c => c.Reason == reason).Sum(c => c.Count);
    }

    [Fact]
    public async Task Rotate_InsideGrace_OldAndNewWorkUntilTheNewOneIsUsed()
    {
        var (hub, time, world) = await StartAsync();
        await using var _ = hub;
        var device = await hub.RegisterDeviceAsync("sos", residentId: world.ResidentA);

        var rotated = await RotateAsync(hub, device.Device.Id);

        Assert.NotEqual(device.Secret, rotated.Secret);
        Assert.Equal(Start + TimeSpan.FromHours(24), rotated.PreviousSecretValidUntil);
        time.Advance(TimeSpan.FromHours(23));
        Assert.Equal(MqttClientConnectResultCode.Success, await ConnectAsync(hub, device.Device.Id, device.Secret));
        Assert.Equal(MqttClientConnectResultCode.Success, await ConnectAsync(hub, device.Device.Id, device.Secret));
        // The device has moved on: a leaked old secret dies now, not at the end of the grace.
        Assert.Equal(MqttClientConnectResultCode.Success, await ConnectAsync(hub, device.Device.Id, rotated.Secret));
        Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, await ConnectAsync(hub, device.Device.Id, device.Secret));
        Assert.Equal(1, await RejectedAsync(hub, device.Device.Id, "bad_credentials"));
        Assert.Equal(MqttClientConnectResultCode.Success, await ConnectAsync(hub, device.Device.Id, rotated.Secret));
    }

    [Fact]
    public async Task Rotate_AfterGrace_OldRefusedAsSecretExpired()
    {
        var (hub, time, world) = await StartAsync();
        await using var _ = hub;
        var device = await hub.RegisterDeviceAsync("smoke", householdId: world.HouseholdA);

        var rotated = await RotateAsync(hub, device.Device.Id, graceSeconds: 3600);
        Assert.Equal(Start + TimeSpan.FromHours(1), rotated.PreviousSecretValidUntil);
        time.Advance(TimeSpan.FromMinutes(59));
        Assert.Equal(MqttClientConnectResultCode.Success, await ConnectAsync(hub, device.Device.Id, device.Secret));
        time.Advance(TimeSpan.FromMinutes(1));

        Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, await ConnectAsync(hub, device.Device.Id, device.Secret));
        Assert.Equal(1, await RejectedAsync(hub, device.Device.Id, "secret_expired"));
        Assert.Equal(MqttClientConnectResultCode.Success, await ConnectAsync(hub, device.Device.Id, rotated.Secret));
    }

    [Fact]
    public async Task Rotate_ZeroGrace_OldRefusedAndItsLiveConnectionDropped()
    {
        var (hub, _, world) = await StartAsync();
        await using var __ = hub;
        var device = await hub.RegisterDeviceAsync("sos", residentId: world.ResidentA);
        using var live = await hub.ConnectDeviceAsync(device);

        var rotated = await RotateAsync(hub, device.Device.Id, graceSeconds: 0);

        Assert.Null(rotated.PreviousSecretValidUntil);
        await Eventually.GetAsync(() => Task.FromResult(live.IsConnected), connected => !connected, what: "the connection opened with the old secret dropped");
        Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, await ConnectAsync(hub, device.Device.Id, device.Secret));
        Assert.Equal(MqttClientConnectResultCode.Success, await ConnectAsync(hub, device.Device.Id, rotated.Secret));
    }

    [Fact]
    public async Task Rotate_ThenRevoke_NeitherSecretWorks()
    {
        var (hub, _, world) = await StartAsync();
        await using var __ = hub;
        var device = await hub.RegisterDeviceAsync("sos", residentId: world.ResidentA);
        var rotated = await RotateAsync(hub, device.Device.Id);

        using var tech = await hub.ClientAsync(World.Technician);
        (await tech.PostAsJsonAsync($"/api/devices/{device.Device.Id}/revoke", new { })).EnsureSuccessStatusCode();

        Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, await ConnectAsync(hub, device.Device.Id, device.Secret));
        Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, await ConnectAsync(hub, device.Device.Id, rotated.Secret));
    }

    [Fact]
    public async Task Rotate_GraceOutsideAllowedRange_RejectedAndOnlyForTechnicians()
    {
        var (hub, _, world) = await StartAsync();
        await using var __ = hub;
        var device = await hub.RegisterDeviceAsync("sos", residentId: world.ResidentA);
        using var tech = await hub.ClientAsync(World.Technician);

        Assert.Equal(HttpStatusCode.BadRequest, (await tech.PostAsJsonAsync($"/api/devices/{device.Device.Id}/secret", new RotateSecretRequest(24 * 3600 + 1))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await tech.PostAsJsonAsync($"/api/devices/{device.Device.Id}/secret", new RotateSecretRequest(-1))).StatusCode);
        using var family = await hub.ClientAsync(World.FamilyA);
        Assert.Equal(HttpStatusCode.Forbidden, (await family.PostAsJsonAsync($"/api/devices/{device.Device.Id}/secret", new RotateSecretRequest(0))).StatusCode);
        // Nothing was rotated: the original secret is still the only one.
        Assert.Equal(MqttClientConnectResultCode.Success, await ConnectAsync(hub, device.Device.Id, device.Secret));
    }

    [Fact]
    public async Task Rotate_HubRestartsInsideGrace_GraceAndItsEarlyEndSurvive()
    {
        var (hub, time, world) = await StartAsync();
        var device = await hub.RegisterDeviceAsync("sos", residentId: world.ResidentA);
        var rotated = await RotateAsync(hub, device.Device.Id);
        await hub.StopAsync();

        await using (var restarted = new HubApp(hub.DataDirectory, time: time).Start())
        {
            Assert.Equal(MqttClientConnectResultCode.Success, await ConnectAsync(restarted, device.Device.Id, device.Secret));
            Assert.Equal(MqttClientConnectResultCode.Success, await ConnectAsync(restarted, device.Device.Id, rotated.Secret));
        }
        await using (var again = new HubApp(hub.DataDirectory, time: time).Start())
        {
            Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, await ConnectAsync(again, device.Device.Id, device.Secret));
            Assert.Equal(MqttClientConnectResultCode.Success, await ConnectAsync(again, device.Device.Id, rotated.Secret));
        }
        await hub.DisposeAsync();
    }

    [Fact]
    public async Task Connect_ClientIdOfADeviceWithALongerId_Refused()
    {
        var (hub, _, world) = await StartAsync();
        await using var __ = hub;
        var shorter = await hub.RegisterDeviceAsync("sos", residentId: world.ResidentA, id: "pend-1");
        await hub.RegisterDeviceAsync("sos", residentId: world.ResidentB, id: "pend-12");

        // "pend-12" starts with "pend-1", but it is another device's client id (and persistent session).
        using var mqtt = new MqttClientFactory().CreateMqttClient();
        var taken = await mqtt.ConnectAsync(hub.DeviceOptions(shorter.Device.Id, shorter.Secret, clientId: "pend-12"));
        Assert.Equal(MqttClientConnectResultCode.ClientIdentifierNotValid, taken.ResultCode);
        var own = await mqtt.ConnectAsync(hub.DeviceOptions(shorter.Device.Id, shorter.Secret, clientId: "pend-1-sim"));
        Assert.Equal(MqttClientConnectResultCode.Success, own.ResultCode);
    }
}
