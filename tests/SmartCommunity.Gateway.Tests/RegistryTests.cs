using MQTTnet;
using SmartCommunity.Testing;

namespace SmartCommunity.Gateway.Tests;

/// <summary>Devices authenticate at the gateway against the registry synced from the hub, also while it is unreachable.</summary>
public sealed class RegistryTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Revocation_AtTheHub_DeviceDisconnectedAndRefusedWithinTheSyncInterval()
    {
        await using var hub = new FakeHub();
        var pendant = TestDevice.Create("sos-0001", "sos");
        var other = TestDevice.Create("sos-0002", "sos");
        hub.Register(pendant);
        hub.Register(other);
        await hub.StartBrokerAsync();
        await using var gateway = await GatewayProcess.StartAsync(hub, GatewayProcess.Settings.Fresh(), Ct);
        await Eventually.GetAsync(() => gateway.StatusAsync(Ct), s => s.GetProperty("registryDevices").GetInt32() == 2, what: "the registry synced");
        await using var device = await DeviceClient.ConnectAsync(pendant, gateway.MqttPort, Ct);
        await using var bystander = await DeviceClient.ConnectAsync(other, gateway.MqttPort, Ct);

        var requests = hub.RegistryRequests;
        hub.Revoke(pendant);
        await Eventually.TrueAsync(() => !device.IsConnected, "the revoked device's live connection closed", Ct);
        Assert.True(hub.RegistryRequests > requests);
        var again = await DeviceClient.TryConnectAsync(pendant, gateway.MqttPort, Ct);
        Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, again.ResultCode);
        Assert.True(bystander.IsConnected);
        await bystander.PublishAsync(DeviceClient.Sos, Ct);
        await Eventually.TrueAsync(() => hub.Accepted(other.Id).Count == 1, "the other pendant's SOS forwarded", Ct);
    }

    [Fact]
    public async Task Revocation_GatewayRestartsWhileHubUnreachable_CachedRegistryStillRefusesAndAdmits()
    {
        await using var hub = new FakeHub();
        var revoked = TestDevice.Create("sos-0001", "sos");
        var good = TestDevice.Create("sos-0002", "sos");
        hub.Register(revoked);
        hub.Register(good);
        var settings = GatewayProcess.Settings.Fresh();
        await using (var first = await GatewayProcess.StartAsync(hub, settings, Ct))
        {
            await Eventually.GetAsync(() => first.StatusAsync(Ct), s => s.GetProperty("registryDevices").GetInt32() == 2, what: "the registry synced");
            hub.Revoke(revoked);
            await Eventually.TrueAsync(() => DeviceClient.TryConnectAsync(revoked, first.MqttPort, Ct).Result.ResultCode == MqttClientConnectResultCode.BadUserNameOrPassword,
                "the revocation synced", Ct);
            first.Kill();
        }

        // Neither the registry nor the broker answers: the gateway starts from its cache.
        hub.RegistryAvailable = false;
        await using var second = await GatewayProcess.StartAsync(hub, settings, Ct);
        var status = await second.StatusAsync(Ct);
        Assert.Equal(2, status.GetProperty("registryDevices").GetInt32());
        Assert.False(status.GetProperty("uplinkConnected").GetBoolean());
        Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, (await DeviceClient.TryConnectAsync(revoked, second.MqttPort, Ct)).ResultCode);
        await using var device = await DeviceClient.ConnectAsync(good, second.MqttPort, Ct);
        // The queue may already hold the revoked device's last will from the first run (while the revocation was syncing
        // its probes could still connect, and a dropped probe leaves its will): what counts is that the SOS joined it.
        var before = (await second.StatusAsync(Ct)).GetProperty("health").GetProperty("queueDepth").GetInt32();
        await device.PublishAsync(DeviceClient.Sos, Ct);
        Assert.Equal(before + 1, (await second.StatusAsync(Ct)).GetProperty("health").GetProperty("queueDepth").GetInt32());
    }
}
