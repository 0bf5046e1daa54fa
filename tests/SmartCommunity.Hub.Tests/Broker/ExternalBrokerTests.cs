using System.Net;
using System.Net.Http.Json;
using System.Text;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using MQTTnet;
using MQTTnet.Protocol;
using SmartCommunity.Domain.Devices;
using SmartCommunity.Hub.Alerts;
using SmartCommunity.Hub.Broker;
using SmartCommunity.Hub.Broker.External;
using SmartCommunity.Hub.Devices;
using SmartCommunity.Hub.Escalation;
using SmartCommunity.Hub.Persistence;
using SmartCommunity.Hub.Readings;
using SmartCommunity.Testing;

namespace SmartCommunity.Hub.Tests;

/// <summary>
/// Hub:Broker:Mode=external against a real Mosquitto 2 (tests/infra/mosquitto/up.sh): devices connect to Mosquitto with
/// the credentials the hub provisioned through the dynamic-security plugin; the hub consumes their messages through a
/// shared subscription with a persistent session and acknowledges each one only after it was handled.
/// </summary>
public sealed class ExternalBrokerTests : IAsyncLifetime
{
    private readonly string _group = ExternalMosquitto.NewGroup();
    private HubApp _hub = null!;
    private World _world = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _hub = new HubApp(settings: ExternalMosquitto.HubSettings(_group)).Start();
        await WaitConnectedAsync(_hub);
        _world = await _hub.SeedWorldAsync();
    }

    public async ValueTask DisposeAsync() => await _hub.DisposeAsync();

    internal static Task WaitConnectedAsync(HubApp hub) =>
        Eventually.GetAsync(() => Task.FromResult(hub.Services.GetRequiredService<IDeviceBroker>().IsConnected), c => c, what: "the hub's connection to Mosquitto");

    internal static MqttApplicationMessage Up(string deviceId, byte[] payload) =>
        new MqttApplicationMessageBuilder().WithTopic($"sc/v1/{deviceId}/up").WithPayload(payload).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build();

    internal static async Task<List<PointDto>> ReadingsAsync(HubApp hub, string deviceId)
    {
        using var tech = await hub.ClientAsync(HubApp.AdminEmail);
        return (await tech.GetFromJsonAsync<List<PointDto>>(
            $"/api/devices/{deviceId}/readings?name=temp&from={Uri.EscapeDataString(DateTimeOffset.UtcNow.AddHours(-3).ToString("O"))}"))!;
    }

    [Fact]
    public async Task Health_ExternalMode_ReportsTheBrokerConnection()
    {
        using var http = _hub.Anonymous();
        var response = await http.GetAsync("/health", Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task RegisteredDevice_ConnectsToMosquittoWithItsSecret_WrongPasswordAndForeignClientIdRefused()
    {
        var device = await _hub.RegisterDeviceAsync("climate", householdId: _world.HouseholdA);

        using var ok = await ExternalMosquitto.ConnectDeviceAsync(device.Device.Id, device.Secret);
        Assert.True(ok.IsConnected);
        Assert.Equal(("127.0.0.1", ExternalMosquitto.Require().Port), (device.Mqtt.Host, device.Mqtt.Port));

        Assert.NotEqual(MqttClientConnectResultCode.Success, await ExternalMosquitto.TryConnectAsync(ExternalMosquitto.DeviceOptions(device.Device.Id, "not-the-secret")));
        Assert.NotEqual(MqttClientConnectResultCode.Success, await ExternalMosquitto.TryConnectAsync(ExternalMosquitto.DeviceOptions(device.Device.Id, device.Secret, clientId: "someone-else")));
    }

    [Fact]
    public async Task Readings_AtQos1_AreStoredAndSosRaisesAlertSeenOnSignalR_AckSendsHelpComing()
    {
        var climate = await _hub.RegisterDeviceAsync("climate", householdId: _world.HouseholdA);
        var sos = await _hub.RegisterDeviceAsync("sos", residentId: _world.ResidentA);
        await using var board = await _hub.SignalRAsync(World.Staff);
        var raised = new TaskCompletionSource<AlertDto>(TaskCreationOptions.RunContinuationsAsynchronously);
        board.On<AlertDto>("AlertRaised", a => raised.TrySetResult(a));
        await board.StartSubscribedAsync();

        using (var mqtt = await ExternalMosquitto.ConnectDeviceAsync(climate.Device.Id, climate.Secret))
        {
            for (uint seq = 1; seq <= 20; seq++)
                await mqtt.PublishAsync(Up(climate.Device.Id, Senml.Temp(climate.Device.Id, seq, 21 + seq / 10.0, bt: Senml.Now - 600 + seq)), Ct);
        }
        using var pendant = await ExternalMosquitto.ConnectDeviceAsync(sos.Device.Id, sos.Secret);
        var downlink = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        pendant.ApplicationMessageReceivedAsync += e =>
        {
            downlink.TrySetResult(e.ApplicationMessage.Topic + " " + Encoding.UTF8.GetString(e.ApplicationMessage.Payload));
            return Task.CompletedTask;
        };
        var sub = await pendant.SubscribeAsync($"sc/v1/{sos.Device.Id}/down", MqttQualityOfServiceLevel.AtLeastOnce, Ct);
        Assert.Equal(MqttClientSubscribeResultCode.GrantedQoS1, sub.Items.Single().ResultCode);
        await pendant.PublishAsync(Up(sos.Device.Id, Senml.Sos(sos.Device.Id, 1)), Ct);

        var alert = await Eventually.ReceiveAsync(raised, what: "the SOS alert on SignalR");
        Assert.Equal(("sos", sos.Device.Id), (alert.Kind, alert.DeviceId));
        var readings = await Eventually.GetAsync(() => ReadingsAsync(_hub, climate.Device.Id), r => r.Count >= 20, what: "20 readings");
        Assert.Equal(20, readings.Count);

        using var staff = await _hub.ClientAsync(World.Staff);
        var ack = await staff.PostAsJsonAsync($"/api/alerts/{alert.Id}/ack", new AcknowledgeRequest("on my way"), Ct);
        Assert.Equal(HttpStatusCode.OK, ack.StatusCode);
        Assert.Equal($"sc/v1/{sos.Device.Id}/down {Downlink.HelpComing}", await Eventually.ReceiveAsync(downlink, what: "the help-coming downlink"));
    }

    [Fact]
    public async Task Device_PublishOrSubscribeOnAnotherDevicesTopics_IsNotDelivered()
    {
        var attacker = await _hub.RegisterDeviceAsync("climate", householdId: _world.HouseholdA);
        var victim = await _hub.RegisterDeviceAsync("climate", householdId: _world.HouseholdB);
        using var mqtt = await ExternalMosquitto.ConnectDeviceAsync(attacker.Device.Id, attacker.Secret);

        var forged = await mqtt.PublishAsync(Up(victim.Device.Id, Senml.Temp(victim.Device.Id, 1, 99)), Ct);
        var spy = await mqtt.SubscribeAsync($"sc/v1/{victim.Device.Id}/down", MqttQualityOfServiceLevel.AtLeastOnce, Ct);
        var everything = await mqtt.SubscribeAsync("sc/v1/#", MqttQualityOfServiceLevel.AtLeastOnce, Ct);
        // A later message of the attacker's own passes through the same pipeline: once it is stored, the forged one had its chance.
        await mqtt.PublishAsync(Up(attacker.Device.Id, Senml.Temp(attacker.Device.Id, 1, 20)), Ct);
        await Eventually.GetAsync(() => ReadingsAsync(_hub, attacker.Device.Id), r => r.Count == 1, what: "the attacker's own reading");

        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, forged.ReasonCode);
        Assert.Equal(MqttClientSubscribeResultCode.NotAuthorized, spy.Items.Single().ResultCode);
        Assert.Equal(MqttClientSubscribeResultCode.NotAuthorized, everything.Items.Single().ResultCode);
        Assert.Empty(await ReadingsAsync(_hub, victim.Device.Id));
    }

    [Fact]
    public async Task Revoke_DisconnectsTheDeviceAtOnce_AndRefusesReconnects()
    {
        var device = await _hub.RegisterDeviceAsync("sos", residentId: _world.ResidentA);
        using var mqtt = await ExternalMosquitto.ConnectDeviceAsync(device.Device.Id, device.Secret);
        var dropped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        mqtt.DisconnectedAsync += _ => { dropped.TrySetResult(); return Task.CompletedTask; };

        using var admin = await _hub.AdminAsync();
        var revoke = await admin.PostAsync($"/api/devices/{device.Device.Id}/revoke", null, Ct);

        Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        await Eventually.ReceiveAsync(Wrap(dropped), what: "the revoked device's disconnection");
        Assert.NotEqual(MqttClientConnectResultCode.Success, await ExternalMosquitto.TryConnectAsync(ExternalMosquitto.DeviceOptions(device.Device.Id, device.Secret)));
    }

    [Fact]
    public async Task RotateSecret_OldSecretRefused_NewSecretConnectsAndPublishes()
    {
        var device = await _hub.RegisterDeviceAsync("climate", householdId: _world.HouseholdA);
        using var admin = await _hub.AdminAsync();

        var rotated = await HubApp.PostAsync<DeviceCredentials>(admin, $"/api/devices/{device.Device.Id}/secret", new { });

        Assert.NotEqual(MqttClientConnectResultCode.Success, await ExternalMosquitto.TryConnectAsync(ExternalMosquitto.DeviceOptions(device.Device.Id, device.Secret)));
        using var mqtt = await ExternalMosquitto.ConnectDeviceAsync(device.Device.Id, rotated.Secret);
        await mqtt.PublishAsync(Up(device.Device.Id, Senml.Temp(device.Device.Id, 1, 19.5)), Ct);
        var readings = await Eventually.GetAsync(() => ReadingsAsync(_hub, device.Device.Id), r => r.Count == 1, what: "the reading after rotation");
        Assert.Equal(19.5, readings[0].V, 6);
    }

    [Fact]
    public async Task DeviceRegisteredElsewhere_NotInThisInstancesCache_IsLoadedFromTheDatabaseOnItsFirstMessage()
    {
        // As if another instance registered it: a row in the shared database and an account on the broker, nothing in this cache.
        const string id = "clim-elsewhere";
        var secret = DeviceSecret.Generate();
        await using (var db = _hub.Services.GetRequiredService<Microsoft.EntityFrameworkCore.IDbContextFactory<HubDbContext>>().CreateDbContext())
        {
            db.Devices.Add(Device.Register(id + _group[..6], DeviceKind.Climate, DeviceSecret.Hash(secret), DateTimeOffset.UtcNow, householdId: _world.HouseholdA));
            await db.SaveChangesAsync(Ct);
        }
        var deviceId = id + _group[..6];
        await _hub.Services.GetRequiredService<DynamicSecurity>().ProvisionAsync(deviceId, secret, Ct);
        Assert.Null(_hub.Services.GetRequiredService<DeviceDirectory>().Find(deviceId));

        using var mqtt = await ExternalMosquitto.ConnectDeviceAsync(deviceId, secret);
        await mqtt.PublishAsync(Up(deviceId, Senml.Temp(deviceId, 1, 22)), Ct);

        await Eventually.GetAsync(() => ReadingsAsync(_hub, deviceId), r => r.Count == 1, what: "the reading of a device this instance never saw registered");
    }

    [Fact]
    public async Task LastWill_WhenTheDeviceDropsWithoutDisconnecting_RaisesOfflineAlert()
    {
        var device = await _hub.RegisterDeviceAsync("sos", residentId: _world.ResidentA);
        // The protocol's will: no time, no sequence number (docs/protocol.md, "Status and last will").
        var will = Encoding.UTF8.GetBytes($"[{{\"bn\":\"urn:dev:sc:{device.Device.Id}:\",\"n\":\"online\",\"vb\":false}}]");
        var options = new MqttClientOptionsBuilder()
            .WithTcpServer(ExternalMosquitto.Require().Host, ExternalMosquitto.Require().Port)
            .WithCredentials(device.Device.Id, device.Secret).WithClientId(device.Device.Id)
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500)
            .WithWillTopic($"sc/v1/{device.Device.Id}/status").WithWillPayload(will).WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).WithWillRetain()
            .Build();
        var mqtt = new MqttClientFactory().CreateMqttClient();
        await mqtt.ConnectAsync(options, Ct);
        await mqtt.PublishAsync(new MqttApplicationMessageBuilder().WithTopic($"sc/v1/{device.Device.Id}/status")
            .WithPayload(Encoding.UTF8.GetBytes($"[{{\"bn\":\"urn:dev:sc:{device.Device.Id}:\",\"bt\":{Senml.Now},\"n\":\"seq\",\"v\":1}},{{\"n\":\"online\",\"vb\":true}}]"))
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).WithRetainFlag().Build(), Ct);

        // Dropping the connection without DISCONNECT makes Mosquitto publish the will.
        await mqtt.DisconnectAsync(new MqttClientDisconnectOptions { Reason = MqttClientDisconnectOptionsReason.DisconnectWithWillMessage }, Ct);
        mqtt.Dispose();

        using var staff = await _hub.ClientAsync(World.Staff);
        var alerts = await Eventually.GetAsync(() => staff.GetFromJsonAsync<List<AlertDto>>("/api/alerts?status=open", Ct)!, l => l!.Any(a => a.Kind == "device_offline"), what: "the offline alert");
        Assert.Contains(alerts!, a => a.Kind == "device_offline" && a.DeviceId == device.Device.Id);
    }

    [Fact]
    public async Task HubRestart_WhileADeviceKeepsPublishingAtQos1_EveryReadingIsStoredExactlyOnce()
    {
        const int total = 150;
        var settings = ExternalMosquitto.HubSettings(ExternalMosquitto.NewGroup());
        var dataDir = Path.Combine(Path.GetTempPath(), "sc-ext-restart-" + Guid.NewGuid().ToString("N"));
        var hubs = new List<HubApp>();
        HubApp StartHub()
        {
            var hub = new HubApp(dataDir, settings);
            hubs.Add(hub);
            return hub.Start();
        }
        try
        {
            var first = StartHub();
            await WaitConnectedAsync(first);
            var device = await first.RegisterDeviceAsync("climate");
            using var mqtt = await ExternalMosquitto.ConnectDeviceAsync(device.Device.Id, device.Secret);
            var start = Senml.Now - 1000;
            for (uint seq = 1; seq <= total; seq++)
            {
                await mqtt.PublishAsync(Up(device.Device.Id, Senml.Temp(device.Device.Id, seq, 20 + seq / 1000.0, bt: start + seq)), Ct);
                if (seq == total / 3)
                    await first.StopAsync(); // gone mid-stream: Mosquitto queues the rest in the hub's persistent session
            }

            var second = StartHub();
            var readings = await Eventually.GetAsync(() => ReadingsAsync(second, device.Device.Id), r => r.Count >= total, TimeSpan.FromSeconds(60), what: $"{total} readings after the restart");

            Assert.Equal(total, readings.Count);
            Assert.Equal(total, readings.Select(r => r.T).Distinct().Count());
            Assert.Equal(Enumerable.Range(1, total).Select(i => 20 + i / 1000.0), readings.Select(r => Math.Round(r.V, 6)));
        }
        finally
        {
            await HubApp.DisposeAllAsync(hubs);
            if (Directory.Exists(dataDir))
                Directory.Delete(dataDir, recursive: true);
        }
    }

    [Fact]
    public async Task Lane_WhileAMessagesReadingsAreNotYetDurable_HandlesTheDevicesNextMessages_AndAcknowledgesEachOnlyOnceDurable()
    {
        GatedStore? store = null;
        await using var hub = new HubApp(settings: ExternalMosquitto.HubSettings(ExternalMosquitto.NewGroup()))
        {
            ConfigureHost = GatedTelemetry.Install(created => store = created),
        }.Start();
        await WaitConnectedAsync(hub);
        var world = await hub.SeedWorldAsync();
        var sos = await hub.RegisterDeviceAsync("sos", residentId: world.ResidentA);
        var metrics = hub.Services.GetRequiredService<Hosting.HubMetrics>();
        var acknowledgedBefore = metrics.BrokerAcknowledgedTotal;

        const int presses = 3;
        using var pendant = await ExternalMosquitto.ConnectDeviceAsync(sos.Device.Id, sos.Secret);
        for (uint seq = 1; seq <= presses; seq++)
            await pendant.PublishAsync(Up(sos.Device.Id, Senml.Pack(sos.Device.Id, seq, "{\"n\":\"sos\",\"vb\":true}", bt: Senml.Now - 10 + seq)), Ct);

        // The first press's reading waits at the gate, yet the same device's later presses were handled: one alert, three occurrences.
        using var staff = await hub.ClientAsync(World.Staff);
        var alert = (await Eventually.GetAsync(() => staff.GetFromJsonAsync<List<AlertDto>>($"/api/alerts?deviceId={sos.Device.Id}"),
            a => a is [{ Occurrences: presses }], what: $"one alert with {presses} occurrences while the readings are held"))!.Single();
        Assert.Equal("sos", alert.Kind);
        Assert.True(store!.Entered.CurrentCount > 0, "a write is held at the gate");
        Assert.Equal(0, metrics.BrokerAcknowledgedTotal - acknowledgedBefore); // nothing acknowledged before it is durable

        store.Open();
        await Eventually.GetAsync(() => Task.FromResult(metrics.BrokerAcknowledgedTotal - acknowledgedBefore), n => n == presses,
            what: $"{presses} acknowledgements once the readings are durable");
        var telemetry = hub.Services.GetRequiredService<SmartCommunity.Telemetry.ITelemetryStore>();
        Assert.Equal(presses, await telemetry.CountAsync(new SmartCommunity.Telemetry.SeriesKey(sos.Device.Id, "sos"), Ct));
    }

    [Fact]
    public async Task TwoInstances_InOneSharedGroup_EachConsumesAShare_AndEveryReadingLandsOnce()
    {
        const int total = 40;
        var settings = ExternalMosquitto.HubSettings(ExternalMosquitto.NewGroup());
        // Two hubs, each with its own SQLite database and the same device registered in both (no shared database needed
        // to show the broker splitting the stream between the consumers of one group).
        await using var a = new HubApp(settings: settings).Start();
        await using var b = new HubApp(settings: settings).Start();
        await WaitConnectedAsync(a);
        await WaitConnectedAsync(b);
        var id = "clim-" + Guid.NewGuid().ToString("N")[..8];
        await a.RegisterDeviceAsync("climate", id: id);
        var device = await b.RegisterDeviceAsync("climate", id: id); // the broker now holds b's secret

        using var mqtt = await ExternalMosquitto.ConnectDeviceAsync(id, device.Secret);
        var start = Senml.Now - 1000;
        for (uint seq = 1; seq <= total; seq++)
            await mqtt.PublishAsync(Up(id, Senml.Temp(id, seq, 20 + seq / 100.0, bt: start + seq)), Ct);

        var both = await Eventually.GetAsync(async () => (await ReadingsAsync(a, id)).Concat(await ReadingsAsync(b, id)).ToList(), r => r.Count >= total, what: "every reading on one of the two hubs");
        var onA = (await ReadingsAsync(a, id)).Count;
        var onB = (await ReadingsAsync(b, id)).Count;

        Assert.Equal(total, both.Count);
        Assert.Equal(total, both.Select(r => r.T).Distinct().Count());
        Assert.True(onA > 0 && onB > 0, $"each instance gets a share: {onA} on A, {onB} on B");
    }

    [Fact]
    public async Task SecretRotatedThroughAnotherInstance_ReachesThisInstancesCache_AndTheRestartedSequenceIsAccepted()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var hub = new HubApp(settings: ExternalMosquitto.HubSettings(ExternalMosquitto.NewGroup()), time: time).Start();
        await WaitConnectedAsync(hub);
        var device = await hub.RegisterDeviceAsync("climate");
        var id = device.Device.Id;
        using (var mqtt = await ExternalMosquitto.ConnectDeviceAsync(id, device.Secret))
            await mqtt.PublishAsync(Up(id, Senml.Temp(id, 500, 20, bt: time.GetUtcNow().ToUnixTimeSeconds() - 10)), Ct);
        await Eventually.GetAsync(() => ReadingsAsync(hub, id), r => r.Count == 1, what: "the first reading");

        // What another instance's rotation leaves behind: a new hash and a reset sequence in the shared database, a new broker password.
        var secret = DeviceSecret.Generate();
        await using (var db = hub.Services.GetRequiredService<Microsoft.EntityFrameworkCore.IDbContextFactory<HubDbContext>>().CreateDbContext())
        {
            var row = await db.Devices.FindAsync([id], Ct);
            row!.RotateSecret(DeviceSecret.Hash(secret), TimeSpan.Zero, time.GetUtcNow());
            await db.SaveChangesAsync(Ct);
        }
        await hub.Services.GetRequiredService<DynamicSecurity>().SetSecretAsync(id, secret, Ct);
        time.Advance(TimeSpan.FromSeconds(30));
        await Eventually.GetAsync(() => Task.FromResult(hub.Services.GetRequiredService<DeviceDirectory>().Find(id)!.SecretHash), h => DeviceSecret.Verify(secret, h), what: "the directory refresh");

        using (var mqtt = await ExternalMosquitto.ConnectDeviceAsync(id, secret))
            await mqtt.PublishAsync(Up(id, Senml.Temp(id, 1, 21, bt: time.GetUtcNow().ToUnixTimeSeconds() - 5)), Ct);

        await Eventually.GetAsync(() => ReadingsAsync(hub, id), r => r.Count == 2, what: "the reading with the restarted sequence");
    }

    private static TaskCompletionSource<bool> Wrap(TaskCompletionSource source)
    {
        var wrapped = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        source.Task.ContinueWith(_ => wrapped.TrySetResult(true), TaskScheduler.Default);
        return wrapped;
    }
}
