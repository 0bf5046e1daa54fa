using System.Net;
using System.Net.Http.Json;
using MQTTnet;
using MQTTnet.Protocol;
using SmartCommunity.Hub.Alerts;
using SmartCommunity.Hub.Gateways;
using SmartCommunity.Hub.Readings;
using SmartCommunity.Testing;

namespace SmartCommunity.Gateway.Tests;

/// <summary>
/// Both halves of issue 20 for real: the hub in-process (<see cref="HubApp"/>: its API, embedded broker, ingestion and
/// alerts) and the gateway's build as its own process, its uplink through a TCP relay the test cuts and restores.
/// </summary>
public sealed class RealHubTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task UplinkCut_FleetPublishesAndSosAcknowledgedLocally_HubGetsEveryReadingOnceInOrderAndOneAcknowledgedAlert()
    {
        await using var hub = new HubApp();
        hub.Start();
        var world = await hub.SeedWorldAsync();
        using var admin = await hub.AdminAsync();
        var gw = await HubApp.PostAsync<GatewayCredentials>(admin, "/api/gateways", new RegisterGatewayRequest("gw-east", world.CommunityId, "East gate"));
        var climates = new[]
        {
            await hub.RegisterDeviceAsync("climate", householdId: world.HouseholdA),
            await hub.RegisterDeviceAsync("climate", householdId: world.HouseholdB),
        };
        var pendant = await hub.RegisterDeviceAsync("sos", residentId: world.ResidentA);

        await using var uplink = new UplinkProxy(hub.MqttPort);
        var password = "duty-" + Guid.NewGuid().ToString("N");
        var settings = GatewayProcess.Settings.Fresh() with { Extra = [$"--Gateway:BoardPassword={password}"] };
        await using var gateway = await GatewayProcess.StartAsync(new GatewayProcess.HubTarget(gw.Id, gw.Secret, hub.HttpPort, uplink.Port), settings, Ct);
        await Eventually.GetAsync(() => gateway.StatusAsync(Ct),
            s => s.GetProperty("registryDevices").GetInt32() == 3 && s.GetProperty("uplinkConnected").GetBoolean(), TimeSpan.FromSeconds(60), "the registry synced and the uplink up");

        var devices = new List<HubDevice>();
        foreach (var d in climates.Append(pendant))
            devices.Add(await HubDevice.ConnectAsync(d.Device.Id, d.Secret, gateway.MqttPort, Ct));
        var climateDevices = devices.Take(2).ToList();
        var sos = devices[2];

        // Live: through the gateway to the hub.
        foreach (var d in climateDevices)
            for (var i = 0; i < 3; i++)
                await d.PublishTempAsync(Ct);
        await Eventually.GetAsync(() => ReadingsAsync(admin, climateDevices[1]), r => r.Count == 3, TimeSpan.FromSeconds(30), "live readings at the hub");

        // The uplink is cut; the fleet keeps publishing, the pendant is pressed.
        await uplink.CutAsync();
        await Eventually.GetAsync(() => gateway.StatusAsync(Ct), s => !s.GetProperty("uplinkConnected").GetBoolean(), TimeSpan.FromSeconds(30), "the gateway noticed the cut");
        foreach (var d in climateDevices)
            for (var i = 0; i < 10; i++)
                await d.PublishTempAsync(Ct);
        await sos.PublishSosAsync(Ct);
        foreach (var d in climateDevices)
            for (var i = 0; i < 5; i++)
                await d.PublishTempAsync(Ct);

        // The duty room signs in to the local board (the dashboard's API at the gateway) and acknowledges.
        using var board = new BoardClient(gateway.HttpPort);
        Assert.Equal(HttpStatusCode.NoContent, await board.SignInAsync("王芳", password, Ct));
        var local = await Eventually.GetAsync(() => board.OpenAlertsAsync(Ct), a => a.Any(x => x.GetProperty("deviceId").GetString() == sos.Id),
            TimeSpan.FromSeconds(10), "the SOS on the local board");
        using (var ack = await board.AcknowledgeAsync(Assert.Single(local).GetProperty("id").GetInt64(), Ct))
            Assert.Equal(HttpStatusCode.OK, ack.StatusCode);
        Assert.Empty(await AlertsAsync(hub, sos.Id));

        // Restored: the local alert, then the queue.
        uplink.Restore();
        foreach (var d in climateDevices)
        {
            var readings = await Eventually.GetAsync(() => ReadingsAsync(admin, d), r => r.Count >= d.Sent, TimeSpan.FromSeconds(60), $"{d.Id}'s readings replayed");
            // Every reading once, in the order the device took them (its value is its sequence number).
            Assert.Equal(Enumerable.Range(1, (int)d.Sent).Select(i => (double)i), readings.Select(p => p.V));
        }
        var alert = Assert.Single(await Eventually.GetAsync(() => AlertsAsync(hub, sos.Id), a => a.Count > 0, TimeSpan.FromSeconds(30), "the SOS alert at the hub"));
        Assert.Equal(("sos", "acknowledged", "王芳", 0), (alert.Kind, alert.Status, alert.AcknowledgedBy, alert.PagesSent));
        var status = await Eventually.GetAsync(() => gateway.StatusAsync(Ct), s => s.GetProperty("health").GetProperty("queueDepth").GetInt64() == 0, TimeSpan.FromSeconds(30), "the queue drained");
        Assert.Equal(0, status.GetProperty("health").GetProperty("refusedByHub").GetInt64());
        // Still one alert once everything replayed (the forwarded SOS pack folded into the local one).
        // Occurrences are not asserted: the local alert and the replayed pack each count one, so one press shows 2.
        Assert.Single(await AlertsAsync(hub, sos.Id));

        foreach (var d in devices)
            await d.DisposeAsync();
    }

    private static async Task<List<PointDto>> ReadingsAsync(HttpClient admin, HubDevice d)
    {
        var from = DateTimeOffset.FromUnixTimeSeconds(d.Base).ToString("O");
        var to = DateTimeOffset.FromUnixTimeSeconds(d.Base + 10_000).ToString("O");
        return (await admin.GetFromJsonAsync<List<PointDto>>(
            $"/api/devices/{d.Id}/readings?name=temp&from={Uri.EscapeDataString(from)}&to={Uri.EscapeDataString(to)}", Ct))!;
    }

    private static async Task<List<AlertDto>> AlertsAsync(HubApp hub, string deviceId)
    {
        using var staff = await hub.ClientAsync(World.Staff);
        return (await staff.GetFromJsonAsync<List<AlertDto>>($"/api/alerts?deviceId={deviceId}", Ct))!;
    }

    /// <summary>A device registered at the hub, connected to the gateway as the firmware connects (MQTT 3.1.1, QoS 1); each
    /// temperature reading is stamped one second after the last and carries its sequence number as its value.</summary>
    private sealed class HubDevice(string id, IMqttClient client) : IAsyncDisposable
    {
        public string Id { get; } = id;
        public long Base { get; } = Senml.Now - 3600;
        public uint Sent { get; private set; }
        private uint _seq;

        public static async Task<HubDevice> ConnectAsync(string id, string secret, int port, CancellationToken ct)
        {
            var client = new MqttClientFactory().CreateMqttClient();
            var result = await client.ConnectAsync(new MqttClientOptionsBuilder()
                .WithTcpServer("127.0.0.1", port)
                .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V311)
                .WithClientId(id).WithCredentials(id, secret).WithCleanSession(false)
                .WithTimeout(TimeSpan.FromSeconds(10)).Build(), ct);
            Assert.Equal(MqttClientConnectResultCode.Success, result.ResultCode);
            return new HubDevice(id, client);
        }

        public async Task PublishTempAsync(CancellationToken ct)
        {
            var seq = ++_seq;
            Sent++;
            await PublishAsync(Senml.Temp(Id, seq, Sent, Base + Sent), ct);
        }

        public Task PublishSosAsync(CancellationToken ct) => PublishAsync(Senml.Sos(Id, ++_seq), ct);

        private async Task PublishAsync(byte[] payload, CancellationToken ct)
        {
            var result = await client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic($"sc/v1/{Id}/up").WithPayload(payload)
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build(), ct);
            Assert.True(result.IsSuccess, $"{Id}: {result.ReasonCode}");
        }

        public async ValueTask DisposeAsync()
        {
            if (client.IsConnected)
                await client.DisconnectAsync();
            client.Dispose();
        }
    }
}
