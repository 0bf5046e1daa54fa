using SmartCommunity.Testing;

namespace SmartCommunity.Gateway.Tests;

/// <summary>Store and forward through a real gateway process: devices on its broker, the hub's broker upstream.</summary>
public sealed class ForwardingTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Forwarding_UplinkCutWhileFleetPublishes_EveryReadingOnceAndInOrderPerDevice()
    {
        await using var hub = new FakeHub();
        var fleet = Enumerable.Range(1, 12).Select(i => TestDevice.Create($"clim-{i:D4}", "climate")).ToList();
        fleet.ForEach(hub.Register);
        await hub.StartBrokerAsync();
        await using var gateway = await GatewayProcess.StartAsync(hub, GatewayProcess.Settings.Fresh(), Ct);
        await Eventually.GetAsync(() => gateway.StatusAsync(Ct), s => s.GetProperty("registryDevices").GetInt32() == 12, what: "the registry synced");
        var devices = await ConnectAllAsync(fleet, gateway.MqttPort);
        try
        {
            await PublishRoundsAsync(devices, 10);
            await Eventually.TrueAsync(() => hub.AcceptedCount == 120, "the first 120 readings reached the hub", Ct);

            // The uplink goes down; the devices do not notice: the gateway keeps acknowledging them from its disk.
            await hub.StopBrokerAsync();
            await PublishRoundsAsync(devices, 40);
            var outage = await gateway.StatusAsync(Ct);
            Assert.False(outage.GetProperty("uplinkConnected").GetBoolean());
            Assert.True(outage.GetProperty("health").GetProperty("queueDepth").GetInt32() > 0);

            await hub.StartBrokerAsync();
            await PublishRoundsAsync(devices, 10);
            await Eventually.TrueAsync(() => hub.AcceptedCount == 12 * 60, "every reading reached the hub", Ct);
            foreach (var device in devices)
            {
                // Exactly once after the hub's sequence window, and in the order the device sent them.
                Assert.Equal(device.Acknowledged, hub.Accepted(device.Device.Id));
            }
            var arrival = hub.Arrivals.First(a => a.Seq == 30 && a.DeviceId == "clim-0003");
            Assert.Equal(Senml.Pack("clim-0003", 30, DeviceClient.Temp, FakeHubTime(arrival)), arrival.Payload);
            Assert.True(long.TryParse(arrival.Received, out var receivedMs) && receivedMs > 0, "sc-gw-received is Unix ms");
            var health = await Eventually.GetAsync(() => Task.FromResult(hub.Health), h => h is { } j && j.GetProperty("queueDepth").GetInt32() == 0,
                what: "a health message with the queue drained");
            Assert.Equal(0, health!.Value.GetProperty("droppedRoutine").GetInt64());
        }
        finally
        {
            foreach (var d in devices)
                await d.DisposeAsync();
        }
    }

    [Fact]
    public async Task Forwarding_HubRefusesDeviceOfAnotherCommunity_DroppedAndCountedOthersStillFlow()
    {
        await using var hub = new FakeHub();
        var ours = TestDevice.Create("clim-0001", "climate");
        var stray = TestDevice.Create("clim-0099", "climate");
        hub.Register(ours);
        hub.Register(stray);
        hub.Foreign(stray.Id);
        await hub.StartBrokerAsync();
        await using var gateway = await GatewayProcess.StartAsync(hub, GatewayProcess.Settings.Fresh(), Ct);
        await Eventually.GetAsync(() => gateway.StatusAsync(Ct), s => s.GetProperty("registryDevices").GetInt32() == 2, what: "the registry synced");
        await using var a = await DeviceClient.ConnectAsync(ours, gateway.MqttPort, Ct);
        await using var b = await DeviceClient.ConnectAsync(stray, gateway.MqttPort, Ct);

        await b.PublishAsync(DeviceClient.Temp, Ct);
        await b.PublishAsync(DeviceClient.Temp, Ct);
        await a.PublishAsync(DeviceClient.Temp, Ct);

        await Eventually.TrueAsync(() => hub.Accepted(ours.Id).Count == 1, "our device's reading arrived", Ct);
        var status = await Eventually.GetAsync(() => gateway.StatusAsync(Ct),
            s => s.GetProperty("health").GetProperty("refusedByHub").GetInt64() == 2 && s.GetProperty("health").GetProperty("queueDepth").GetInt32() == 0,
            what: "both refused messages dropped from the queue and counted");
        Assert.Equal(2, hub.Refused.Count); // each refused once: not retried forever
        Assert.Empty(hub.Accepted(stray.Id));
        Assert.Equal(0, status.GetProperty("health").GetProperty("droppedRoutine").GetInt64());
    }

    [Fact]
    public async Task Downlink_HubPublishesOnGatewayTopics_DeviceGetsCommandAndRetainedConfig()
    {
        await using var hub = new FakeHub();
        var pendant = TestDevice.Create("sos-0001", "sos");
        hub.Register(pendant);
        await hub.StartBrokerAsync();
        await using var gateway = await GatewayProcess.StartAsync(hub, GatewayProcess.Settings.Fresh(), Ct);
        await Eventually.TrueAsync(() => hub.Health is not null, "the gateway connected and published its health", Ct);

        await using (var device = await DeviceClient.ConnectAsync(pendant, gateway.MqttPort, Ct))
        {
            await device.SubscribeOwnAsync(Ct);
            await hub.PublishToGatewayAsync($"sc/gw/v1/{FakeHub.GatewayId}/d/sos-0001/down", "{\"cmd\":\"help-coming\"}", retain: false);
            await hub.PublishToGatewayAsync($"sc/gw/v1/{FakeHub.GatewayId}/d/sos-0001/cfg", "{\"cancel_ms\":15000}", retain: true);
            await Eventually.TrueAsync(() => device.Received.Any(m => m.Topic == "sc/v1/sos-0001/down" && m.Payload.Contains("help-coming", StringComparison.Ordinal)),
                "help-coming reached the pendant", Ct);
            await Eventually.TrueAsync(() => device.Received.Any(m => m.Topic == "sc/v1/sos-0001/cfg"), "the configuration reached the pendant", Ct);
        }

        // The configuration is retained at the gateway: a pendant that connects later still gets it.
        await using var later = await DeviceClient.ConnectAsync(pendant, gateway.MqttPort, Ct);
        await later.SubscribeOwnAsync(Ct);
        await Eventually.TrueAsync(() => later.Received.Any(m => m.Topic == "sc/v1/sos-0001/cfg" && m.Retain && m.Payload.Contains("15000", StringComparison.Ordinal)),
            "the retained configuration on a new subscription", Ct);
    }

    [Fact]
    public async Task Acl_DevicePublishesOrSubscribesOutsideItsTopics_RefusedAndCounted()
    {
        await using var hub = new FakeHub();
        var a = TestDevice.Create("sos-0001", "sos");
        var b = TestDevice.Create("sos-0002", "sos");
        hub.Register(a);
        hub.Register(b);
        await hub.StartBrokerAsync();
        await using var gateway = await GatewayProcess.StartAsync(hub, GatewayProcess.Settings.Fresh(), Ct);
        await Eventually.GetAsync(() => gateway.StatusAsync(Ct), s => s.GetProperty("registryDevices").GetInt32() == 2, what: "the registry synced");

        var wrong = await DeviceClient.TryConnectAsync(a with { Secret = b.Secret }, gateway.MqttPort, Ct);
        Assert.Equal(MQTTnet.MqttClientConnectResultCode.BadUserNameOrPassword, wrong.ResultCode);

        await using var device = await DeviceClient.ConnectAsync(a, gateway.MqttPort, Ct);
        var client = new MQTTnet.MqttClientFactory().CreateMqttClient();
        using (client)
        {
            await client.ConnectAsync(new MQTTnet.MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", gateway.MqttPort)
                .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500).WithClientId("sos-0002-x").WithCredentials(b.Id, b.Secret).Build(), Ct);
            var sub = await client.SubscribeAsync(new MQTTnet.MqttClientSubscribeOptionsBuilder().WithTopicFilter("sc/v1/sos-0001/down").Build(), Ct);
            Assert.Equal(MQTTnet.MqttClientSubscribeResultCode.NotAuthorized, sub.Items.Single().ResultCode);
            var pub = await client.PublishAsync(new MQTTnet.MqttApplicationMessageBuilder().WithTopic("sc/v1/sos-0001/up")
                .WithPayload(Senml.Sos("sos-0001", 1)).WithQualityOfServiceLevel(MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce).Build(), Ct);
            Assert.Equal(MQTTnet.MqttClientPublishReasonCode.NotAuthorized, pub.ReasonCode);
        }
        var status = await gateway.StatusAsync(Ct);
        Assert.Equal(2, status.GetProperty("rejections").GetProperty("acl_denied").GetInt64());
        Assert.Equal(1, status.GetProperty("rejections").GetProperty("bad_credentials").GetInt64());
        Assert.Empty(hub.Accepted("sos-0001"));
    }

    internal static long FakeHubTime(Arrival arrival) =>
        long.Parse(System.Text.RegularExpressions.Regex.Match(System.Text.Encoding.UTF8.GetString(arrival.Payload), "\"bt\":(\\d+)").Groups[1].Value,
            System.Globalization.CultureInfo.InvariantCulture);

    internal static async Task<List<DeviceClient>> ConnectAllAsync(IEnumerable<TestDevice> fleet, int port)
    {
        var devices = new List<DeviceClient>();
        foreach (var d in fleet)
            devices.Add(await DeviceClient.ConnectAsync(d, port, Ct));
        return devices;
    }

    /// <summary>Every device publishes <paramref name="rounds"/> readings, the devices side by side.</summary>
    internal static Task PublishRoundsAsync(IEnumerable<DeviceClient> devices, int rounds, string records = DeviceClient.Temp) =>
        Task.WhenAll(devices.Select(async d =>
        {
            for (var i = 0; i < rounds; i++)
                await d.PublishAsync(records, Ct);
        }));
}

/// <summary>A device's last will, published by the gateway's broker when the device drops, goes to the hub like any status.</summary>
public sealed class LastWillTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task LastWill_DeviceDropsWithoutDisconnect_WillForwardedToTheHubRetained()
    {
        await using var hub = new FakeHub();
        var pendant = TestDevice.Create("sos-0001", "sos");
        hub.Register(pendant);
        await hub.StartBrokerAsync();
        await using var gateway = await GatewayProcess.StartAsync(hub, GatewayProcess.Settings.Fresh(), Ct);
        await Eventually.GetAsync(() => gateway.StatusAsync(Ct), s => s.GetProperty("registryDevices").GetInt32() == 1, what: "the registry synced");
        var device = await DeviceClient.ConnectAsync(pendant, gateway.MqttPort, Ct);
        await device.PublishAsync(DeviceClient.Sos, Ct);
        device.Drop();

        var will = await Eventually.GetAsync(() => Task.FromResult(hub.Arrivals.FirstOrDefault(a => a.Topic == "sc/v1/sos-0001/status")),
            a => a is not null, what: "the will at the hub");
        Assert.Equal("[{\"bn\":\"urn:dev:sc:sos-0001:\",\"n\":\"online\",\"vb\":false}]", System.Text.Encoding.UTF8.GetString(will!.Payload));
        Assert.True(will.Retain);
        Assert.NotNull(will.Received);
    }
}
