using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using SmartCommunity.Hub.Alerts;
using SmartCommunity.Hub.Devices;
using SmartCommunity.Hub.Gateways;
using SmartCommunity.Hub.Places;
using Microsoft.Extensions.DependencyInjection;
using SmartCommunity.Testing;

namespace SmartCommunity.Hub.Tests;

/// <summary>
/// The hub's side of the community edge gateway (docs/gateway.md) on the running hub: registration and its secret, the
/// gateway's MQTT 5 connection and ACL, forwarded messages ingested exactly like a device's own and refused outside the
/// gateway's community, the registry sync, downlink mirroring and health. Real MQTTnet clients on 127.0.0.1.
/// </summary>
public sealed class GatewayHubTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 7, 10, 0, 0, TimeSpan.Zero);

    private sealed record Setup(HubApp Hub, World World, int OtherCommunity, int OtherHousehold, FakeTimeProvider? Time);

    private static async Task<Setup> StartAsync(FakeTimeProvider? time = null, IDictionary<string, string?>? settings = null)
    {
        var hub = new HubApp(settings: settings, time: time);
        hub.Start();
        var world = await hub.SeedWorldAsync();
        using var admin = await hub.AdminAsync();
        var other = await HubApp.PostAsync<CommunityDto>(admin, "/api/communities", new CreateCommunityRequest("Other Community", null));
        var gridC = await HubApp.PostAsync<GridDto>(admin, "/api/grids", new CreateGridRequest(other.Id, "Grid C"));
        var homeC = await HubApp.PostAsync<HouseholdDto>(admin, "/api/households", new CreateHouseholdRequest(gridC.Id, "Bldg 5, Flat 505"));
        return new Setup(hub, world, other.Id, homeC.Id, time);
    }

    private static async Task<GatewayCredentials> RegisterGatewayAsync(HubApp hub, int communityId, string id = "gw-east")
    {
        using var admin = await hub.AdminAsync();
        return await HubApp.PostAsync<GatewayCredentials>(admin, "/api/gateways", new RegisterGatewayRequest(id, communityId, "East gate"));
    }

    private static MqttClientOptions GatewayOptions(HubApp hub, string id, string secret) =>
        new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", hub.MqttPort)
            .WithCredentials($"gw/{id}", secret)
            .WithClientId($"gw/{id}")
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithCleanStart(false)
            .WithSessionExpiryInterval(86_400)
            .WithTimeout(TimeSpan.FromSeconds(10))
            .Build();

    private static async Task<IMqttClient> ConnectGatewayAsync(HubApp hub, GatewayCredentials gw)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        var result = await client.ConnectAsync(GatewayOptions(hub, gw.Id, gw.Secret));
        Assert.Equal(MqttClientConnectResultCode.Success, result.ResultCode);
        return client;
    }

    private static MqttApplicationMessage Forwarded(string topic, byte[] payload, bool retain = false) =>
        new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload).WithRetainFlag(retain)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithUserProperty("sc-gw-received", Encoding.UTF8.GetBytes("1796000000000"))
            .Build();

    private static async Task<long> RejectedAsync(HubApp hub, string key, string reason)
    {
        using var tech = await hub.ClientAsync(World.Technician);
        var all = await tech.GetFromJsonAsync<DeviceRejections>("/api/rejections");
        return all!.Counts.Where(c => c.DeviceId == key && c.Reason == reason).Sum(c => c.Count);
    }

    private static async Task<List<AlertDto>> AlertsAsync(HubApp hub, string query = "")
    {
        using var staff = await hub.ClientAsync(World.Staff);
        return (await staff.GetFromJsonAsync<List<AlertDto>>($"/api/alerts{query}"))!;
    }

    [Fact]
    public async Task Register_SecretShownOnce_SecondActiveGatewayForCommunity_Conflict()
    {
        var s = await StartAsync();
        await using var _ = s.Hub;
        var gw = await RegisterGatewayAsync(s.Hub, s.World.CommunityId);
        Assert.Equal(32, gw.Secret.Length);

        using var admin = await s.Hub.AdminAsync();
        var second = await admin.PostAsJsonAsync("/api/gateways", new RegisterGatewayRequest("gw-west", s.World.CommunityId, "West gate"));
        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
        var badId = await admin.PostAsJsonAsync("/api/gateways", new RegisterGatewayRequest("east", s.OtherCommunity, "No prefix"));
        Assert.Equal(HttpStatusCode.BadRequest, badId.StatusCode);

        using var tech = await s.Hub.ClientAsync(World.Technician);
        var listed = await tech.GetStringAsync("/api/gateways");
        Assert.Contains("\"gw-east\"", listed, StringComparison.Ordinal);
        Assert.DoesNotContain(gw.Secret, listed, StringComparison.Ordinal);

        // Revoked, the community may have a new one.
        Assert.Equal(HttpStatusCode.OK, (await admin.DeleteAsync("/api/gateways/gw-east")).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync("/api/gateways", new RegisterGatewayRequest("gw-west", s.World.CommunityId, "West gate"))).StatusCode);

        // Audited like device registration, without the secret.
        var audit = await Eventually.GetAsync(() => admin.GetStringAsync("/api/audit"), a => a.Contains("DELETE /api/gateways/gw-east", StringComparison.Ordinal), what: "the audit rows");
        Assert.Contains("POST /api/gateways", audit, StringComparison.Ordinal);
        Assert.DoesNotContain(gw.Secret, audit, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RegisterDevice_IdWithGatewayPrefix_BadRequestInReadersLanguage()
    {
        var s = await StartAsync();
        await using var _ = s.Hub;
        using var admin = await s.Hub.AdminAsync();
        var en = await admin.PostAsJsonAsync("/api/devices", new RegisterDeviceRequest("sos", "gw-east", null, null, s.World.HouseholdA, null, null));
        Assert.Equal(HttpStatusCode.BadRequest, en.StatusCode);
        Assert.Contains("may not start with \"gw-\"", IdError(await en.Content.ReadAsStringAsync()), StringComparison.Ordinal);
        using var zhRequest = new HttpRequestMessage(HttpMethod.Post, "/api/devices?lang=zh-CN")
        {
            Content = JsonContent.Create(new RegisterDeviceRequest("sos", "gw-east", null, null, s.World.HouseholdA, null, null)),
        };
        var zh = await admin.SendAsync(zhRequest);
        Assert.Equal(HttpStatusCode.BadRequest, zh.StatusCode);
        Assert.Contains("该前缀留给社区网关", IdError(await zh.Content.ReadAsStringAsync()), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync("/api/devices/gw-east")).StatusCode);

        static string IdError(string problem) => JsonDocument.Parse(problem).RootElement.GetProperty("errors").GetProperty("id")[0].GetString()!;
    }

    [Fact]
    public async Task Connect_WrongSecretOrRevoked_RefusedAsBadCredentials_RevokeClosesLiveConnection()
    {
        var s = await StartAsync();
        await using var _ = s.Hub;
        var gw = await RegisterGatewayAsync(s.Hub, s.World.CommunityId);

        using (var wrong = new MqttClientFactory().CreateMqttClient())
        {
            var refused = await wrong.ConnectAsync(GatewayOptions(s.Hub, gw.Id, "0123456789abcdef0123456789abcdef"));
            Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, refused.ResultCode);
        }
        Assert.Equal(1, await RejectedAsync(s.Hub, gw.Id, "bad_credentials"));

        using var live = await ConnectGatewayAsync(s.Hub, gw);
        using var admin = await s.Hub.AdminAsync();
        Assert.Equal(HttpStatusCode.OK, (await admin.DeleteAsync($"/api/gateways/{gw.Id}")).StatusCode);
        await Eventually.GetAsync(() => Task.FromResult(live.IsConnected), connected => !connected, what: "the revoked gateway's connection closed");

        using var again = new MqttClientFactory().CreateMqttClient();
        var afterRevoke = await again.ConnectAsync(GatewayOptions(s.Hub, gw.Id, gw.Secret));
        Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, afterRevoke.ResultCode);
        Assert.Equal(2, await RejectedAsync(s.Hub, gw.Id, "bad_credentials"));
    }

    [Fact]
    public async Task Forward_OwnCommunityDevice_IngestedLikeItsOwn_ReplayCountedDuplicate()
    {
        var s = await StartAsync();
        await using var _ = s.Hub;
        var gw = await RegisterGatewayAsync(s.Hub, s.World.CommunityId);
        var pendant = await s.Hub.RegisterDeviceAsync("sos", residentId: s.World.ResidentA);
        using var mqtt = await ConnectGatewayAsync(s.Hub, gw);

        var sos = Senml.Sos(pendant.Device.Id, 7);
        var first = await mqtt.PublishAsync(Forwarded($"sc/v1/{pendant.Device.Id}/up", sos));
        Assert.Equal(MqttClientPublishReasonCode.Success, first.ReasonCode);
        // The replay after an outage: the same pack again is acknowledged, counted as a duplicate, never a second alert.
        var replay = await mqtt.PublishAsync(Forwarded($"sc/v1/{pendant.Device.Id}/up", sos));
        Assert.Equal(MqttClientPublishReasonCode.Success, replay.ReasonCode);

        var alerts = await AlertsAsync(s.Hub, $"?deviceId={pendant.Device.Id}");
        var alert = Assert.Single(alerts);
        Assert.Equal(("sos", 1), (alert.Kind, alert.Occurrences));
        Assert.Equal(1, await RejectedAsync(s.Hub, pendant.Device.Id, "duplicate"));
        Assert.True(mqtt.IsConnected);
    }

    [Fact]
    public async Task Forward_DeviceOverItsBudget_RefusedAtOnceWithQuotaExceeded_OtherDevicesSosStillThrough()
    {
        // A budget of two messages, refilled only after minutes: a third is over it for the rest of the test.
        var s = await StartAsync(settings: new Dictionary<string, string?> { ["Hub:DeviceMessagesPerSecond"] = "0.01", ["Hub:DeviceMessageBurst"] = "2" });
        await using var _ = s.Hub;
        var gw = await RegisterGatewayAsync(s.Hub, s.World.CommunityId);
        var climate = await s.Hub.RegisterDeviceAsync("climate", householdId: s.World.HouseholdA);
        var pendant = await s.Hub.RegisterDeviceAsync("sos", residentId: s.World.ResidentA);
        using var mqtt = await ConnectGatewayAsync(s.Hub, gw);

        for (var seq = 1u; seq <= 2; seq++)
            Assert.Equal(MqttClientPublishReasonCode.Success, (await mqtt.PublishAsync(Forwarded($"sc/v1/{climate.Device.Id}/up", Senml.Temp(climate.Device.Id, seq, 21)))).ReasonCode);
        // Over budget: answered at once (the gateway pauses that device's line and retries), not held inside the one
        // connection the whole community's messages share.
        var over = await mqtt.PublishAsync(Forwarded($"sc/v1/{climate.Device.Id}/up", Senml.Temp(climate.Device.Id, 3, 21)));
        Assert.Equal((MqttClientPublishReasonCode.QuotaExceeded, "rate_limited"), (over.ReasonCode, over.ReasonString));
        var sos = await mqtt.PublishAsync(Forwarded($"sc/v1/{pendant.Device.Id}/up", Senml.Sos(pendant.Device.Id, 1)));
        Assert.Equal(MqttClientPublishReasonCode.Success, sos.ReasonCode);
        Assert.Single(await AlertsAsync(s.Hub, $"?deviceId={pendant.Device.Id}"));
        Assert.True(mqtt.IsConnected);
    }

    [Fact]
    public async Task Forward_PacedReplay_NotARejectionRow_CountedAsThrottled_EveryReadingStoredOnce()
    {
        // A budget of two messages, refilled at 2/s: a replay of eight at once is paced.
        var s = await StartAsync(settings: new Dictionary<string, string?> { ["Hub:DeviceMessagesPerSecond"] = "2", ["Hub:DeviceMessageBurst"] = "2" });
        await using var _ = s.Hub;
        var gw = await RegisterGatewayAsync(s.Hub, s.World.CommunityId);
        var climate = await s.Hub.RegisterDeviceAsync("climate", householdId: s.World.HouseholdA);
        using var mqtt = await ConnectGatewayAsync(s.Hub, gw);

        // As the gateway replays: each message again after a 0x97 until the hub takes it.
        var paced = 0;
        for (var seq = 1u; seq <= 8; seq++)
        {
            for (var attempt = 0; ; attempt++)
            {
                Assert.True(attempt < 200, $"message {seq} never accepted");
                var result = await mqtt.PublishAsync(Forwarded($"sc/v1/{climate.Device.Id}/up", Senml.Temp(climate.Device.Id, seq, 20 + seq, Senml.Now - 60 + seq)));
                if (result.ReasonCode == MqttClientPublishReasonCode.Success)
                    break;
                Assert.Equal((MqttClientPublishReasonCode.QuotaExceeded, "rate_limited"), (result.ReasonCode, result.ReasonString));
                paced++;
                await Task.Delay(100, TestContext.Current.CancellationToken);
            }
        }

        Assert.True(paced > 0, "the replay went over the budget");
        // Nothing was lost, so nothing reads as lost: no rejection counted or listed for the device, its throttled count says it was paced.
        using var tech = await s.Hub.ClientAsync(World.Technician);
        var rejections = (await tech.GetFromJsonAsync<DeviceRejections>($"/api/devices/{climate.Device.Id}/rejections"))!;
        Assert.Empty(rejections.Recent);
        Assert.Equal(0, await RejectedAsync(s.Hub, climate.Device.Id, "rate_limited"));
        var device = (await tech.GetFromJsonAsync<DeviceDto>($"/api/devices/{climate.Device.Id}"))!;
        Assert.Equal(paced, device.Throttled);
        var stored = await Eventually.GetAsync(async () => (await tech.GetFromJsonAsync<List<SmartCommunity.Hub.Readings.PointDto>>(
                $"/api/devices/{climate.Device.Id}/readings?name=temp&from={Uri.EscapeDataString(DateTimeOffset.UtcNow.AddHours(-1).ToString("O"))}&to={Uri.EscapeDataString(DateTimeOffset.UtcNow.AddHours(1).ToString("O"))}"))!,
            p => p.Count >= 8, what: "the eight readings");
        Assert.Equal(Enumerable.Range(1, 8).Select(i => 20.0 + i), stored.Select(p => p.V));
    }

    [Fact]
    public async Task Forward_OtherCommunitysDevice_RefusedAsGatewayScope_AndCounted()
    {
        var s = await StartAsync();
        await using var _ = s.Hub;
        var gw = await RegisterGatewayAsync(s.Hub, s.World.CommunityId);
        var foreign = await s.Hub.RegisterDeviceAsync("sos", householdId: s.OtherHousehold);
        var revoked = await s.Hub.RegisterDeviceAsync("sos", residentId: s.World.ResidentA);
        using (var tech = await s.Hub.ClientAsync(World.Technician))
            (await tech.PostAsJsonAsync($"/api/devices/{revoked.Device.Id}/revoke", new { })).EnsureSuccessStatusCode();
        using var mqtt = await ConnectGatewayAsync(s.Hub, gw);

        var other = await mqtt.PublishAsync(Forwarded($"sc/v1/{foreign.Device.Id}/up", Senml.Sos(foreign.Device.Id, 1)));
        var unknown = await mqtt.PublishAsync(Forwarded("sc/v1/sos-nobody/up", Senml.Sos("sos-nobody", 1)));
        var gone = await mqtt.PublishAsync(Forwarded($"sc/v1/{revoked.Device.Id}/up", Senml.Sos(revoked.Device.Id, 1)));

        Assert.All(new[] { other, unknown, gone }, r => Assert.Equal((MqttClientPublishReasonCode.NotAuthorized, "gateway_scope"), (r.ReasonCode, r.ReasonString)));
        Assert.Equal(1, await RejectedAsync(s.Hub, foreign.Device.Id, "gateway_scope"));
        Assert.Equal(1, await RejectedAsync(s.Hub, "(unknown)", "gateway_scope"));
        Assert.Equal(1, await RejectedAsync(s.Hub, revoked.Device.Id, "gateway_scope"));
        using var admin = await s.Hub.AdminAsync();
        Assert.Empty((await admin.GetFromJsonAsync<List<AlertDto>>($"/api/alerts?deviceId={foreign.Device.Id}"))!);
        // One bad forward does not cost the community its link.
        Assert.True(mqtt.IsConnected);
    }

    [Fact]
    public async Task Acl_OutsideItsOwnTopics_Refused()
    {
        var s = await StartAsync();
        await using var _ = s.Hub;
        var gw = await RegisterGatewayAsync(s.Hub, s.World.CommunityId);
        var pendant = await s.Hub.RegisterDeviceAsync("sos", residentId: s.World.ResidentA);
        using var mqtt = await ConnectGatewayAsync(s.Hub, gw);

        var subscribed = await mqtt.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter("sc/gw/v1/gw-east/#", MqttQualityOfServiceLevel.AtLeastOnce)
            .WithTopicFilter("sc/gw/v1/gw-other/#", MqttQualityOfServiceLevel.AtLeastOnce)
            .WithTopicFilter("sc/v1/+/down", MqttQualityOfServiceLevel.AtLeastOnce)
            .Build());
        Assert.Equal([MqttClientSubscribeResultCode.GrantedQoS1, MqttClientSubscribeResultCode.NotAuthorized, MqttClientSubscribeResultCode.NotAuthorized],
            subscribed.Items.Select(i => i.ResultCode));
        var down = await mqtt.PublishAsync(Forwarded($"sc/v1/{pendant.Device.Id}/down", Encoding.UTF8.GetBytes("""{"cmd":"test-alarm"}""")));
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, down.ReasonCode);
        Assert.Equal(3, await RejectedAsync(s.Hub, gw.Id, "acl_denied"));
    }

    private static HttpClient RegistryClient(HubApp hub, string user, string password)
    {
        var http = hub.Anonymous();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));
        return http;
    }

    [Fact]
    public async Task Registry_OnlyItsCommunity_EtagGives304_RevocationListedAsRevoked()
    {
        var s = await StartAsync();
        await using var _ = s.Hub;
        var gw = await RegisterGatewayAsync(s.Hub, s.World.CommunityId);
        var pendant = await s.Hub.RegisterDeviceAsync("sos", residentId: s.World.ResidentA);
        var smoke = await s.Hub.RegisterDeviceAsync("smoke", householdId: s.World.HouseholdB);
        var foreign = await s.Hub.RegisterDeviceAsync("sos", householdId: s.OtherHousehold);

        using (var wrong = RegistryClient(s.Hub, gw.Id, "0123456789abcdef0123456789abcdef"))
            Assert.Equal(HttpStatusCode.Unauthorized, (await wrong.GetAsync("/api/gateway/v1/registry")).StatusCode);
        Assert.Equal(1, await RejectedAsync(s.Hub, gw.Id, "bad_credentials"));

        using var http = RegistryClient(s.Hub, gw.Id, gw.Secret);
        var response = await http.GetAsync("/api/gateway/v1/registry");
        response.EnsureSuccessStatusCode();
        var etag = response.Headers.ETag!;
        using var registry = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var root = registry.RootElement;
        Assert.Equal((1, "gw-east", s.World.CommunityId), (root.GetProperty("v").GetInt32(), root.GetProperty("gateway").GetString(), root.GetProperty("community").GetInt32()));
        Assert.Equal(etag.Tag.Trim('"'), root.GetProperty("version").GetString());
        var devices = root.GetProperty("devices").EnumerateArray().ToDictionary(d => d.GetProperty("id").GetString()!);
        Assert.Equal(new[] { pendant.Device.Id, smoke.Device.Id }.Order(), devices.Keys.Order());
        Assert.DoesNotContain(foreign.Device.Id, devices.Keys);
        // The stored hash, which the gateway verifies the device's password against; never the secret itself.
        Assert.True(SmartCommunity.Domain.Devices.DeviceSecret.Verify(pendant.Secret, devices[pendant.Device.Id].GetProperty("secret").GetString()));
        Assert.Equal("sos", devices[pendant.Device.Id].GetProperty("kind").GetString());
        Assert.False(devices[pendant.Device.Id].GetProperty("revoked").GetBoolean());

        using var unchanged = new HttpRequestMessage(HttpMethod.Get, "/api/gateway/v1/registry");
        unchanged.Headers.IfNoneMatch.Add(etag);
        Assert.Equal(HttpStatusCode.NotModified, (await http.SendAsync(unchanged)).StatusCode);

        using (var tech = await s.Hub.ClientAsync(World.Technician))
            (await tech.PostAsJsonAsync($"/api/devices/{pendant.Device.Id}/revoke", new { })).EnsureSuccessStatusCode();
        using var changed = new HttpRequestMessage(HttpMethod.Get, "/api/gateway/v1/registry");
        changed.Headers.IfNoneMatch.Add(etag);
        var after = await http.SendAsync(changed);
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        Assert.NotEqual(etag, after.Headers.ETag);
        using var revokedDoc = JsonDocument.Parse(await after.Content.ReadAsStringAsync());
        var listed = revokedDoc.RootElement.GetProperty("devices").EnumerateArray().Single(d => d.GetProperty("id").GetString() == pendant.Device.Id);
        Assert.True(listed.GetProperty("revoked").GetBoolean());

        using var admin = await s.Hub.AdminAsync();
        (await admin.DeleteAsync($"/api/gateways/{gw.Id}")).EnsureSuccessStatusCode();
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("/api/gateway/v1/registry")).StatusCode);
    }

    [Fact]
    public async Task Downlink_ToDeviceBehindGateway_MirroredToTheGateway()
    {
        var s = await StartAsync();
        await using var _ = s.Hub;
        var gw = await RegisterGatewayAsync(s.Hub, s.World.CommunityId);
        var pendant = await s.Hub.RegisterDeviceAsync("sos", residentId: s.World.ResidentA);
        var foreign = await s.Hub.RegisterDeviceAsync("sos", householdId: s.OtherHousehold);
        using var mqtt = await ConnectGatewayAsync(s.Hub, gw);
        var received = new System.Collections.Concurrent.ConcurrentQueue<(string Topic, string Payload)>();
        mqtt.ApplicationMessageReceivedAsync += e =>
        {
            received.Enqueue((e.ApplicationMessage.Topic, Encoding.UTF8.GetString(e.ApplicationMessage.Payload)));
            return Task.CompletedTask;
        };
        await mqtt.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter("sc/gw/v1/gw-east/d/#", MqttQualityOfServiceLevel.AtLeastOnce).Build());

        using var tech = await s.Hub.ClientAsync(World.Technician);
        (await tech.PostAsync($"/api/devices/{foreign.Device.Id}/test-alarm", null)).EnsureSuccessStatusCode();
        (await tech.PostAsync($"/api/devices/{pendant.Device.Id}/test-alarm", null)).EnsureSuccessStatusCode();

        await Eventually.TrueAsync(() => !received.IsEmpty, "the mirrored test alarm");
        var (topic, payload) = Assert.Single(received);
        Assert.Equal($"sc/gw/v1/gw-east/d/{pendant.Device.Id}/down", topic);
        Assert.Contains("test-alarm", payload, StringComparison.Ordinal);
    }

    private static MqttApplicationMessage Health(string gatewayId, bool online, long queueDepth = 0) =>
        new MqttApplicationMessageBuilder().WithTopic($"sc/gw/v1/{gatewayId}/health").WithRetainFlag()
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithPayload(online
                ? $$"""{"v":1,"t":1796000000,"online":true,"devicesConnected":312,"queueDepth":{{queueDepth}},"queueBytes":4096,"oldestQueuedAt":1795999000,"diskUsedBytes":1048576,"diskQuotaBytes":268435456,"droppedRoutine":0,"refusedByHub":1,"version":"1.0.0"}"""
                : """{"v":1,"online":false}""")
            .Build();

    [Fact]
    public async Task Health_ShownOnList_SilenceRaisesGatewaySilent_ResolvedWhenHealthReturns()
    {
        var time = new FakeTimeProvider(Start);
        var s = await StartAsync(time);
        await using var _ = s.Hub;
        var gw = await RegisterGatewayAsync(s.Hub, s.World.CommunityId);
        using var mqtt = await ConnectGatewayAsync(s.Hub, gw);

        Assert.Equal(MqttClientPublishReasonCode.Success, (await mqtt.PublishAsync(Health(gw.Id, online: true, queueDepth: 17))).ReasonCode);
        using var staff = await s.Hub.ClientAsync(World.Staff);
        var listed = Assert.Single((await staff.GetFromJsonAsync<List<GatewayDto>>("/api/gateways"))!);
        Assert.Equal((true, true, 312, 17L, 1048576L, false), (listed.Connected, listed.Online, listed.DevicesConnected, listed.QueueDepth, listed.DiskUsedBytes, listed.Silent));
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1795999000), listed.OldestQueuedAt);
        Assert.Equal(Start, listed.LastSeenAt);

        // Two intervals without health is not yet silence; past three it is.
        time.Advance(TimeSpan.FromSeconds(60));
        await s.Hub.Services.GetRequiredService<GatewaySupervision>().CheckAsync(CancellationToken.None);
        Assert.DoesNotContain(await AlertsAsync(s.Hub), a => a.Kind == "gateway_silent");
        time.Advance(TimeSpan.FromSeconds(31));
        var silent = await Eventually.GetAsync(() => AlertsAsync(s.Hub), l => l.Any(a => a.Kind == "gateway_silent"), what: "the gateway_silent alert");
        var alert = silent.Single(a => a.Kind == "gateway_silent");
        Assert.Equal((gw.Id, s.World.CommunityId, "high"), (alert.DeviceId, alert.CommunityId, alert.Severity));
        Assert.Contains("East gate", alert.Message, StringComparison.Ordinal);
        Assert.True((await staff.GetFromJsonAsync<List<GatewayDto>>("/api/gateways"))!.Single().Silent);

        await mqtt.PublishAsync(Health(gw.Id, online: true));
        var resolved = await AlertsAsync(s.Hub, "?status=all");
        Assert.Equal(("resolved", "recovered"), (resolved.Single(a => a.Kind == "gateway_silent").Status, resolved.Single(a => a.Kind == "gateway_silent").Outcome));
    }

    [Fact]
    public async Task Health_LastWillSaysOffline_RaisesAtOnce_InChineseForChineseReaders()
    {
        var s = await StartAsync();
        await using var _ = s.Hub;
        var gw = await RegisterGatewayAsync(s.Hub, s.World.CommunityId);
        var mqtt = new MqttClientFactory().CreateMqttClient();
        await mqtt.ConnectAsync(new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", s.Hub.MqttPort).WithCredentials($"gw/{gw.Id}", gw.Secret).WithClientId($"gw/{gw.Id}")
            .WithProtocolVersion(MqttProtocolVersion.V500).WithTimeout(TimeSpan.FromSeconds(10))
            .WithWillTopic($"sc/gw/v1/{gw.Id}/health").WithWillPayload(Encoding.UTF8.GetBytes("""{"v":1,"online":false}"""))
            .WithWillRetain().WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build());

        // The connection drops without a DISCONNECT (the gateway's power or link failed): the broker publishes its will.
        mqtt.Dispose();

        var alerts = await Eventually.GetAsync(() => AlertsAsync(s.Hub), l => l.Any(a => a.Kind == "gateway_silent"), what: "the gateway_silent alert from the will");
        var alert = alerts.Single(a => a.Kind == "gateway_silent");
        Assert.Contains("went offline", alert.Message, StringComparison.Ordinal);
        using var staff = await s.Hub.ClientAsync(World.Staff);
        Assert.Equal(HttpStatusCode.NoContent, (await staff.PutAsJsonAsync("/api/me/language", new SmartCommunity.Hub.People.LanguageRequest("zh-CN"))).StatusCode);
        var chinese = (await staff.GetFromJsonAsync<AlertDto>($"/api/alerts/{alert.Id}"))!;
        Assert.Equal("社区网关失联", chinese.Title);
        Assert.StartsWith("社区网关 East gate（gw-east）已离线", chinese.Message, StringComparison.Ordinal);
    }
    [Fact]
    public async Task LocalAlert_AcknowledgedAtGateway_ThenReplayedSos_OneAlertWithLocalAck_NoPage()
    {
        var time = new FakeTimeProvider(Start);
        var s = await StartAsync(time);
        await using var _ = s.Hub;
        var gw = await RegisterGatewayAsync(s.Hub, s.World.CommunityId);
        var pendant = await s.Hub.RegisterDeviceAsync("sos", residentId: s.World.ResidentA);
        using var mqtt = await ConnectGatewayAsync(s.Hub, gw);
        // The uplink was down for ten minutes: pressed at 09:52, acknowledged in the duty room at 09:53.
        var pressed = Start - TimeSpan.FromMinutes(8);
        var acked = pressed + TimeSpan.FromMinutes(1);

        var local = await mqtt.PublishAsync(new MqttApplicationMessageBuilder().WithTopic($"sc/gw/v1/{gw.Id}/alert")
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithPayload($$"""{"v":1,"localId":"5b0c6f7e-1d2a-4c3b-9e8f-0a1b2c3d4e5f","deviceId":"{{pendant.Device.Id}}","kind":"sos","seq":4711,"raisedAt":"{{pressed:O}}","ackAt":"{{acked:O}}","ackBy":"Duty room Wang","resolvedAt":null}""")
            .Build());
        Assert.Equal(MqttClientPublishReasonCode.Success, local.ReasonCode);
        var replay = await mqtt.PublishAsync(Forwarded($"sc/v1/{pendant.Device.Id}/up",
            Senml.Pack(pendant.Device.Id, 4711, "{\"n\":\"sos\",\"vb\":true}", pressed.ToUnixTimeSeconds())));
        Assert.Equal(MqttClientPublishReasonCode.Success, replay.ReasonCode);

        var alerts = await AlertsAsync(s.Hub, $"?deviceId={pendant.Device.Id}&status=all");
        var alert = Assert.Single(alerts);
        Assert.Equal(("sos", "acknowledged", "Duty room Wang"), (alert.Kind, alert.Status, alert.AcknowledgedBy));
        Assert.Equal((pressed, acked), (alert.RaisedAt, alert.AcknowledgedAt));
        // Paging starts at the raise (step 0 at once) unless the alert is acknowledged by then: well past the first levels, no page.
        time.Advance(TimeSpan.FromMinutes(15));
        // (The pendant's own silence since is supervision's business: a missed-heartbeat alert of its own kind.)
        Assert.Equal(0, (await AlertsAsync(s.Hub, $"?deviceId={pendant.Device.Id}&status=all")).Single(a => a.Kind == "sos").PagesSent);
    }

    [Fact]
    public async Task LocalAlert_ThenItsReplayedPack_OneOccurrence_ASecondPressCountsAgain()
    {
        var s = await StartAsync();
        await using var _ = s.Hub;
        var gw = await RegisterGatewayAsync(s.Hub, s.World.CommunityId);
        var pendant = await s.Hub.RegisterDeviceAsync("sos", residentId: s.World.ResidentA);
        using var mqtt = await ConnectGatewayAsync(s.Hub, gw);
        var pressed = DateTimeOffset.UtcNow.AddMinutes(-5);

        // One press during the outage: the gateway's local alert for pack 4711, then the pack itself from the queue.
        var local = await mqtt.PublishAsync(new MqttApplicationMessageBuilder().WithTopic($"sc/gw/v1/{gw.Id}/alert")
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithPayload($$"""{"v":1,"localId":"0d4c8a52-3f1e-4b7a-9c2d-5e6f7a8b9c0d","deviceId":"{{pendant.Device.Id}}","kind":"sos","seq":4711,"raisedAt":"{{pressed:O}}","ackAt":null,"ackBy":null,"resolvedAt":null}""")
            .Build());
        Assert.Equal(MqttClientPublishReasonCode.Success, local.ReasonCode);
        var replay = await mqtt.PublishAsync(Forwarded($"sc/v1/{pendant.Device.Id}/up",
            Senml.Pack(pendant.Device.Id, 4711, "{\"n\":\"sos\",\"vb\":true}", pressed.ToUnixTimeSeconds())));
        Assert.Equal(MqttClientPublishReasonCode.Success, replay.ReasonCode);
        Assert.Equal(1, Assert.Single(await AlertsAsync(s.Hub, $"?deviceId={pendant.Device.Id}")).Occurrences);

        // A second press, live: another event of the same open alert.
        var again = await mqtt.PublishAsync(Forwarded($"sc/v1/{pendant.Device.Id}/up",
            Senml.Pack(pendant.Device.Id, 4712, "{\"n\":\"sos\",\"vb\":true}", pressed.ToUnixTimeSeconds() + 60)));
        Assert.Equal(MqttClientPublishReasonCode.Success, again.ReasonCode);
        Assert.Equal(2, Assert.Single(await AlertsAsync(s.Hub, $"?deviceId={pendant.Device.Id}")).Occurrences);
    }

    [Fact]
    public async Task LocalAlert_ForAnotherCommunitysDevice_RefusedAsGatewayScope()
    {
        var s = await StartAsync();
        await using var _ = s.Hub;
        var gw = await RegisterGatewayAsync(s.Hub, s.World.CommunityId);
        var foreign = await s.Hub.RegisterDeviceAsync("sos", householdId: s.OtherHousehold);
        using var mqtt = await ConnectGatewayAsync(s.Hub, gw);

        var refused = await mqtt.PublishAsync(new MqttApplicationMessageBuilder().WithTopic($"sc/gw/v1/{gw.Id}/alert")
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithPayload($$"""{"v":1,"localId":"x","deviceId":"{{foreign.Device.Id}}","kind":"sos","seq":1,"raisedAt":"{{DateTimeOffset.UtcNow:O}}","ackAt":null,"ackBy":null,"resolvedAt":null}""")
            .Build());

        Assert.Equal((MqttClientPublishReasonCode.NotAuthorized, "gateway_scope"), (refused.ReasonCode, refused.ReasonString));
        Assert.Equal(1, await RejectedAsync(s.Hub, gw.Id, "gateway_scope"));
        using var admin = await s.Hub.AdminAsync();
        Assert.Empty((await admin.GetFromJsonAsync<List<AlertDto>>($"/api/alerts?deviceId={foreign.Device.Id}&status=all"))!);
    }
}
