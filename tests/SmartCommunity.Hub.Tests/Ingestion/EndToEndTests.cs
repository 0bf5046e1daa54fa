using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.SignalR.Client;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using SmartCommunity.Hub.Alerts;
using SmartCommunity.Hub.Devices;
using SmartCommunity.Hub.Readings;
using SmartCommunity.Testing;

namespace SmartCommunity.Hub.Tests;

/// <summary>Device → MQTT → hub → SignalR/REST, on real sockets, with real MQTTnet and SignalR clients.</summary>
public sealed class EndToEndTests : IAsyncLifetime
{
    private readonly HubApp _hub = new();
    private World _world = null!;

    public async ValueTask InitializeAsync()
    {
        _hub.Start();
        _world = await _hub.SeedWorldAsync();
    }

    public async ValueTask DisposeAsync() => await _hub.DisposeAsync();

    private static MqttApplicationMessage Message(string topic, byte[] payload, MqttQualityOfServiceLevel qos = MqttQualityOfServiceLevel.AtLeastOnce) =>
        new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload).WithQualityOfServiceLevel(qos).Build();

    private async Task<List<AlertDto>> AlertsAsync(string email, string query = "?status=open")
    {
        using var http = await _hub.ClientAsync(email);
        return (await http.GetFromJsonAsync<List<AlertDto>>("/api/alerts" + query))!;
    }

    [Fact]
    public async Task Sos_PublishedWithDeviceCredentials_ReachesStaffBoardOverSignalR()
    {
        var device = await _hub.RegisterDeviceAsync("sos", residentId: _world.ResidentA);
        await using var staff = await _hub.SignalRAsync(World.Staff);
        var received = new TaskCompletionSource<AlertDto>(TaskCreationOptions.RunContinuationsAsynchronously);
        staff.On<AlertDto>("AlertRaised", a => received.TrySetResult(a));
        await staff.StartSubscribedAsync();

        using var mqtt = await _hub.ConnectDeviceAsync(device);
        var publish = await mqtt.PublishAsync(Message($"sc/v1/{device.Device.Id}/up", Senml.Sos(device.Device.Id, 1)));

        Assert.Equal(MqttClientPublishReasonCode.Success, publish.ReasonCode);
        var alert = await Eventually.ReceiveAsync(received, what: "AlertRaised on the staff connection");
        Assert.Equal("sos", alert.Kind);
        Assert.Equal("critical", alert.Severity);
        Assert.Equal(device.Device.Id, alert.DeviceId);
        Assert.Equal(_world.ResidentA, alert.ResidentId);
        Assert.Equal("Resident A", alert.ResidentName);
        Assert.Equal("Grid A", alert.GridName);
        Assert.Contains(await AlertsAsync(World.Staff), a => a.Id == alert.Id);
    }

    [Fact]
    public async Task Connect_WrongPassword_IsRefusedAndCounted()
    {
        var device = await _hub.RegisterDeviceAsync("climate", householdId: _world.HouseholdA);
        using var client = new MqttClientFactory().CreateMqttClient();

        var result = await client.ConnectAsync(_hub.DeviceOptions(device.Device.Id, "not-the-secret"));

        Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, result.ResultCode);
        Assert.False(client.IsConnected);
        using var tech = await _hub.ClientAsync(World.Technician);
        var rejections = await tech.GetFromJsonAsync<DeviceRejections>($"/api/devices/{device.Device.Id}/rejections");
        Assert.Contains(rejections!.Counts, c => c.Reason == "bad_credentials" && c.Count == 1);
    }

    [Fact]
    public async Task Connect_ClientIdOfAnotherDevice_IsRefused()
    {
        var a = await _hub.RegisterDeviceAsync("climate", householdId: _world.HouseholdA);
        var b = await _hub.RegisterDeviceAsync("climate", householdId: _world.HouseholdB);
        using var client = new MqttClientFactory().CreateMqttClient();
        var result = await client.ConnectAsync(_hub.DeviceOptions(a.Device.Id, a.Secret, clientId: b.Device.Id));
        Assert.Equal(MqttClientConnectResultCode.ClientIdentifierNotValid, result.ResultCode);
        Assert.False(client.IsConnected);
    }

    [Fact]
    public async Task Publish_UnderAnotherDevicesTopic_IsRefusedCountedAndNotStored()
    {
        var attacker = await _hub.RegisterDeviceAsync("climate", householdId: _world.HouseholdA);
        var victim = await _hub.RegisterDeviceAsync("climate", householdId: _world.HouseholdB);
        // MQTT 3.1.1 has no negative PUBACK: the refusal must still be counted and visible.
        using var mqtt = await _hub.ConnectDeviceAsync(attacker, MqttProtocolVersion.V311);
        await mqtt.PublishAsync(Message($"sc/v1/{victim.Device.Id}/up", Senml.Temp(victim.Device.Id, 1, 12.5)));
        await mqtt.PublishAsync(Message($"sc/v1/{victim.Device.Id}/up", Senml.Sos(victim.Device.Id, 2)));

        using var tech = await _hub.ClientAsync(World.Technician);
        var rejections = await Eventually.GetAsync(
            () => tech.GetFromJsonAsync<DeviceRejections>($"/api/devices/{attacker.Device.Id}/rejections")!,
            r => r!.Counts.Any(c => c.Reason == "acl_denied" && c.Count == 2), what: "acl_denied count");
        Assert.Contains(rejections!.Recent, r => r.Topic == $"sc/v1/{victim.Device.Id}/up");
        var stored = await tech.GetFromJsonAsync<List<PointDto>>($"/api/devices/{victim.Device.Id}/readings?name=temp");
        Assert.Empty(stored!);
        Assert.Empty(await AlertsAsync(HubApp.AdminEmail));
    }

    [Fact]
    public async Task Subscribe_ToAnotherDevicesDownlink_IsRefused()
    {
        var a = await _hub.RegisterDeviceAsync("sos", residentId: _world.ResidentA);
        var b = await _hub.RegisterDeviceAsync("sos", residentId: _world.ResidentB);
        using var mqtt = await _hub.ConnectDeviceAsync(a);

        var own = await mqtt.SubscribeAsync($"sc/v1/{a.Device.Id}/down", MqttQualityOfServiceLevel.AtLeastOnce);
        var other = await mqtt.SubscribeAsync($"sc/v1/{b.Device.Id}/down", MqttQualityOfServiceLevel.AtLeastOnce);
        var wildcard = await mqtt.SubscribeAsync("sc/v1/#", MqttQualityOfServiceLevel.AtLeastOnce);

        Assert.Equal(MqttClientSubscribeResultCode.GrantedQoS1, own.Items.Single().ResultCode);
        Assert.Equal(MqttClientSubscribeResultCode.NotAuthorized, other.Items.Single().ResultCode);
        Assert.Equal(MqttClientSubscribeResultCode.NotAuthorized, wildcard.Items.Single().ResultCode);
    }

    [Fact]
    public async Task Publish_MalformedPayloads_AreCountedWithReasonsAndHubKeepsServing()
    {
        var device = await _hub.RegisterDeviceAsync("climate", householdId: _world.HouseholdA);
        using var mqtt = await _hub.ConnectDeviceAsync(device);
        var topic = $"sc/v1/{device.Device.Id}/up";

        var bad = await mqtt.PublishAsync(Message(topic, "{not json"u8.ToArray()));
        await mqtt.PublishAsync(Message(topic, Senml.Pack(device.Device.Id, 1, "{\"n\":\"temp\",\"u\":\"K\",\"v\":290}")));
        await mqtt.PublishAsync(Message(topic, new byte[100_000]));
        await mqtt.PublishAsync(Message(topic, Senml.Temp(device.Device.Id, 2, 21.5, bt: Senml.Now + 3600)));
        var good = await mqtt.PublishAsync(Message(topic, Senml.Temp(device.Device.Id, 3, 21.5)));

        // MQTT 5 clients see the refusal in the PUBACK.
        Assert.Equal(MqttClientPublishReasonCode.PayloadFormatInvalid, bad.ReasonCode);
        Assert.Equal("malformed_json", bad.ReasonString);
        Assert.Equal(MqttClientPublishReasonCode.Success, good.ReasonCode);
        Assert.True(mqtt.IsConnected);
        using var tech = await _hub.ClientAsync(World.Technician);
        var rejections = await tech.GetFromJsonAsync<DeviceRejections>($"/api/devices/{device.Device.Id}/rejections");
        Assert.Equal(["clock_skew", "malformed_json", "too_large", "wrong_unit"], rejections!.Counts.Select(c => c.Reason).Order(StringComparer.Ordinal));
        var stored = await tech.GetFromJsonAsync<List<PointDto>>($"/api/devices/{device.Device.Id}/readings?name=temp");
        Assert.Equal([21.5], stored!.Select(p => p.V));
        using var anon = _hub.Anonymous();
        Assert.Equal(HttpStatusCode.OK, (await anon.GetAsync("/health")).StatusCode);
    }

    [Fact]
    public async Task Publish_SameSequenceTwice_IsStoredOnceAndCountedAsDuplicate()
    {
        var device = await _hub.RegisterDeviceAsync("sos", residentId: _world.ResidentA);
        using var mqtt = await _hub.ConnectDeviceAsync(device);
        var payload = Senml.Sos(device.Device.Id, 7);

        await mqtt.PublishAsync(Message($"sc/v1/{device.Device.Id}/up", payload));
        var again = await mqtt.PublishAsync(Message($"sc/v1/{device.Device.Id}/up", payload));

        Assert.Equal(MqttClientPublishReasonCode.Success, again.ReasonCode);
        var alerts = await AlertsAsync(World.Staff);
        var alert = Assert.Single(alerts);
        Assert.Equal(1, alert.Occurrences);
        using var tech = await _hub.ClientAsync(World.Technician);
        var rejections = await tech.GetFromJsonAsync<DeviceRejections>($"/api/devices/{device.Device.Id}/rejections");
        Assert.Contains(rejections!.Counts, c => c.Reason == "duplicate" && c.Count == 1);
    }

    [Fact]
    public async Task Sos_Repeated_FoldsIntoOpenAlert()
    {
        var device = await _hub.RegisterDeviceAsync("sos", residentId: _world.ResidentA);
        using var mqtt = await _hub.ConnectDeviceAsync(device);
        for (uint seq = 1; seq <= 3; seq++)
            await mqtt.PublishAsync(Message($"sc/v1/{device.Device.Id}/up", Senml.Sos(device.Device.Id, seq)));

        var alert = Assert.Single(await AlertsAsync(World.Staff));
        Assert.Equal(3, alert.Occurrences);
    }

    [Fact]
    public async Task FamilyMember_DoesNotSeeAnotherFamilysAlert_OverSignalROrRest()
    {
        var deviceA = await _hub.RegisterDeviceAsync("sos", residentId: _world.ResidentA);
        var deviceB = await _hub.RegisterDeviceAsync("sos", residentId: _world.ResidentB);
        await using var familyA = await _hub.SignalRAsync(World.FamilyA);
        await using var familyB = await _hub.SignalRAsync(World.FamilyB);
        var seenByA = new List<AlertDto>();
        var seenByB = new List<AlertDto>();
        var bGotOwn = new TaskCompletionSource<AlertDto>(TaskCreationOptions.RunContinuationsAsynchronously);
        familyA.On<AlertDto>("AlertRaised", a => { lock (seenByA) seenByA.Add(a); });
        familyB.On<AlertDto>("AlertRaised", a => { lock (seenByB) seenByB.Add(a); if (a.DeviceId == deviceB.Device.Id) bGotOwn.TrySetResult(a); });
        await familyA.StartSubscribedAsync();
        await familyB.StartSubscribedAsync();

        using var mqttA = await _hub.ConnectDeviceAsync(deviceA);
        await mqttA.PublishAsync(Message($"sc/v1/{deviceA.Device.Id}/up", Senml.Sos(deviceA.Device.Id, 1)));
        // B's own alert is raised after A's, so once B has it, A's alert has certainly been pushed too.
        using var mqttB = await _hub.ConnectDeviceAsync(deviceB);
        await mqttB.PublishAsync(Message($"sc/v1/{deviceB.Device.Id}/up", Senml.Sos(deviceB.Device.Id, 1)));
        await Eventually.ReceiveAsync(bGotOwn, what: "family B's own alert");

        lock (seenByB)
            Assert.All(seenByB, a => Assert.Equal(_world.ResidentB, a.ResidentId));
        var restB = await AlertsAsync(World.FamilyB, "?status=all");
        Assert.All(restB, a => Assert.Equal(_world.ResidentB, a.ResidentId));
        var alertOfA = Assert.Single(await AlertsAsync(World.FamilyA));
        using var httpB = await _hub.ClientAsync(World.FamilyB);
        Assert.Equal(HttpStatusCode.NotFound, (await httpB.GetAsync($"/api/alerts/{alertOfA.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await httpB.GetAsync($"/api/residents/{_world.ResidentA}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await httpB.GetAsync($"/api/devices/{deviceA.Device.Id}/readings/latest")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await httpB.PostAsJsonAsync($"/api/alerts/{alertOfA.Id}/ack", new { })).StatusCode);
        await Eventually.GetAsync(() => Task.FromResult(seenByA.Count), c => c >= 1, what: "family A's alert");
        lock (seenByA)
            Assert.All(seenByA, a => Assert.Equal(_world.ResidentA, a.ResidentId));
    }

    [Fact]
    public async Task GridWorker_SeesOwnGridOnly_AndCanAcknowledgeAndResolve()
    {
        var deviceA = await _hub.RegisterDeviceAsync("sos", residentId: _world.ResidentA);
        var deviceB = await _hub.RegisterDeviceAsync("sos", residentId: _world.ResidentB);
        using (var a = await _hub.ConnectDeviceAsync(deviceA))
            await a.PublishAsync(Message($"sc/v1/{deviceA.Device.Id}/up", Senml.Sos(deviceA.Device.Id, 1)));
        using (var b = await _hub.ConnectDeviceAsync(deviceB))
            await b.PublishAsync(Message($"sc/v1/{deviceB.Device.Id}/up", Senml.Sos(deviceB.Device.Id, 1)));

        var mine = Assert.Single(await AlertsAsync(World.WorkerA));
        Assert.Equal(deviceA.Device.Id, mine.DeviceId);
        var theirs = (await AlertsAsync(World.WorkerB)).Single();

        await using var board = await _hub.SignalRAsync(World.Staff);
        var updated = new TaskCompletionSource<AlertDto>(TaskCreationOptions.RunContinuationsAsynchronously);
        board.On<AlertDto>("AlertUpdated", u => { if (u.Id == mine.Id && u.Status == "resolved") updated.TrySetResult(u); });
        await board.StartSubscribedAsync();

        using var worker = await _hub.ClientAsync(World.WorkerA);
        Assert.Equal(HttpStatusCode.NotFound, (await worker.PostAsJsonAsync($"/api/alerts/{theirs.Id}/ack", new { })).StatusCode);
        var acked = await (await worker.PostAsJsonAsync($"/api/alerts/{mine.Id}/ack", new { })).Content.ReadFromJsonAsync<AlertDto>();
        Assert.Equal("acknowledged", acked!.Status);
        Assert.Equal("Worker A", acked.AcknowledgedBy);
        Assert.Equal(HttpStatusCode.Conflict, (await worker.PostAsJsonAsync($"/api/alerts/{mine.Id}/ack", new { })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await worker.PostAsJsonAsync($"/api/alerts/{mine.Id}/resolve", new ResolveRequest("maybe", null))).StatusCode);
        var resolved = await (await worker.PostAsJsonAsync($"/api/alerts/{mine.Id}/resolve", new ResolveRequest("false_alarm", "pressed by accident"))).Content.ReadFromJsonAsync<AlertDto>();
        Assert.Equal(("resolved", "false_alarm", "pressed by accident"), (resolved!.Status, resolved.Outcome, resolved.ResolutionNote));

        var pushed = await Eventually.ReceiveAsync(updated, what: "AlertUpdated on the board");
        Assert.Equal(resolved.Version, pushed.Version);
        Assert.DoesNotContain(await AlertsAsync(World.WorkerA), a => a.Id == mine.Id);
    }

    [Fact]
    public async Task LastWill_OnConnectionLoss_RaisesOfflineAlert_AndHeartbeatClearsIt()
    {
        var device = await _hub.RegisterDeviceAsync("sos", residentId: _world.ResidentA);
        var will = $"[{{\"bn\":\"urn:dev:sc:{device.Device.Id}:\",\"n\":\"online\",\"vb\":false}}]";
        var options = new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", _hub.MqttPort).WithCredentials(device.Device.Id, device.Secret).WithClientId(device.Device.Id)
            .WithWillTopic($"sc/v1/{device.Device.Id}/status").WithWillPayload(will).WithWillRetain().WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build();
        var client = new MqttClientFactory().CreateMqttClient();
        await client.ConnectAsync(options);
        await client.PublishAsync(Message($"sc/v1/{device.Device.Id}/status",
            Senml.Pack(device.Device.Id, 1, "{\"n\":\"online\",\"vb\":true},{\"n\":\"bat\",\"u\":\"%EL\",\"v\":80}"), MqttQualityOfServiceLevel.AtLeastOnce));

        // Dropping the socket without DISCONNECT is what a power cut looks like to the broker.
        client.Dispose();

        var offline = await Eventually.GetAsync(() => AlertsAsync(World.Staff), l => l.Any(a => a.Kind == "device_offline"), what: "offline alert");
        Assert.Equal("high", offline.Single(a => a.Kind == "device_offline").Severity);

        using var again = await _hub.ConnectDeviceAsync(device);
        await again.PublishAsync(Message($"sc/v1/{device.Device.Id}/status",
            Senml.Pack(device.Device.Id, 2, "{\"n\":\"online\",\"vb\":true}"), MqttQualityOfServiceLevel.AtLeastOnce));
        var all = await Eventually.GetAsync(() => AlertsAsync(World.Staff, "?status=all"), l => l.Any(a => a.Kind == "device_offline" && a.Status == "resolved"), what: "offline alert resolved");
        Assert.Equal("recovered", all.Single(a => a.Kind == "device_offline").Outcome);
    }

    [Fact]
    public async Task MqttOverWebSockets_DeviceConnectsAndPublishes()
    {
        var device = await _hub.RegisterDeviceAsync("climate", householdId: _world.HouseholdA);
        using var client = new MqttClientFactory().CreateMqttClient();
        var options = new MqttClientOptionsBuilder()
            .WithWebSocketServer(o => o.WithUri($"ws://127.0.0.1:{_hub.HttpPort}/mqtt"))
            .WithCredentials(device.Device.Id, device.Secret).WithClientId(device.Device.Id).Build();
        await client.ConnectAsync(options);
        var result = await client.PublishAsync(Message($"sc/v1/{device.Device.Id}/up", Senml.Temp(device.Device.Id, 1, 22.25)));
        Assert.Equal(MqttClientPublishReasonCode.Success, result.ReasonCode);
        using var tech = await _hub.ClientAsync(World.Technician);
        var latest = await tech.GetFromJsonAsync<List<LatestDto>>($"/api/devices/{device.Device.Id}/readings/latest");
        Assert.Equal(22.25, latest!.Single(l => l.Name == "temp").V);
    }

    [Fact]
    public async Task RegisterDevice_ShowsSecretOnce_AndTechnicianCannotReadResidents()
    {
        var device = await _hub.RegisterDeviceAsync("door", householdId: _world.HouseholdA);
        Assert.Equal(32, device.Secret.Length);
        using var tech = await _hub.ClientAsync(World.Technician);
        var text = await tech.GetStringAsync($"/api/devices/{device.Device.Id}");
        Assert.DoesNotContain(device.Secret, text, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, (await tech.GetAsync("/api/residents")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await tech.PostAsJsonAsync("/api/alerts/1/ack", new { })).StatusCode);
        using var anon = _hub.Anonymous();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anon.GetAsync("/api/devices")).StatusCode);
        using var family = await _hub.ClientAsync(World.FamilyA);
        Assert.Equal(HttpStatusCode.Forbidden, (await family.PostAsJsonAsync("/api/devices", new RegisterDeviceRequest("sos", null, null, null, null, null, null))).StatusCode);
    }
}
