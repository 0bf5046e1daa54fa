using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using MQTTnet;
using MQTTnet.Protocol;
using SmartCommunity.Hub.Alerts;
using SmartCommunity.Hub.Contacts;
using SmartCommunity.Hub.Notifications;
using SmartCommunity.Hub.People;
using SmartCommunity.Testing;

namespace SmartCommunity.Hub.Tests;

/// <summary>
/// The call cascade end to end: a real SOS from a device, escalation on Quartz driven by a fake clock, the SMS gateway
/// a local receiver of the signed webhook, and the replies coming back the way Twilio sends them (a form post signed
/// with X-Twilio-Signature, checked by Twilio's own validator in the hub).
/// </summary>
public sealed class CascadeTests
{
    private const string WebhookSecret = "webhook-secret-0123456789";
    private const string TwilioAuthToken = "twilio-auth-token-for-tests";
    private const string WorkerPhone = "+8613800000001";
    private const string FamilyPhone = "+8613900000002";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private sealed class Rig : IAsyncDisposable
    {
        public required FakeTimeProvider Time { get; init; }
        public required LocalReceiver Gateway { get; init; }
        public required HubApp Hub { get; init; }
        public required World World { get; init; }

        public IEnumerable<JsonElement> Events(string type) =>
            Gateway.Requests.Where(r => r.Path == "/sms").Select(r => JsonDocument.Parse(r.Body).RootElement).Where(e => e.GetProperty("type").GetString() == type);

        public async ValueTask DisposeAsync()
        {
            await Hub.DisposeAsync();
            await Gateway.DisposeAsync();
        }
    }

    private static async Task<Rig> StartAsync(bool twilio = true, FakeTwilio? provider = null)
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 29, 2, 0, 0, TimeSpan.Zero));
        var gateway = await LocalReceiver.StartAsync(_ => StatusCodes.Status200OK);
        var settings = new Dictionary<string, string?>
        {
            ["Hub:Webhooks:Endpoints:0:Name"] = "sms",
            ["Hub:Webhooks:Endpoints:0:Url"] = gateway.Url + "/sms",
            ["Hub:Webhooks:Endpoints:0:Secret"] = WebhookSecret,
            // The family's push endpoint is on loopback too, which push endpoints may be only when the operator lists them.
            ["Hub:WebPush:AllowedEndpoints:0"] = gateway.Url,
            ["Hub:Cascade:TwilioAuthToken"] = provider is not null ? FakeTwilio.AuthToken : twilio ? TwilioAuthToken : null,
        };
        foreach (var (k, v) in provider?.Settings() ?? [])
            settings[k] = v;
        var hub = new HubApp(time: time, settings: settings);
        // The links in the messages lead to this hub (as the public address would in production).
        hub.Settings["Hub:Cascade:PublicBaseUrl"] = hub.BaseAddress.ToString().TrimEnd('/');
        hub.Start();
        var world = await hub.SeedWorldAsync();
        await SetContactAsync(hub, World.WorkerA, WorkerPhone, language: null);
        await SetContactAsync(hub, World.FamilyA, FamilyPhone, language: "zh-CN");
        return new Rig { Time = time, Gateway = gateway, Hub = hub, World = world };
    }

    /// <summary>The person sets their own phone, SMS and push, and language, as in "My contact".</summary>
    private static async Task SetContactAsync(HubApp hub, string email, string phone, string? language)
    {
        using var me = await hub.ClientAsync(email);
        (await me.PutAsJsonAsync("/api/me/contact", new ContactRequest(phone, Push: true, Sms: true, Voice: false, null, null), Ct)).EnsureSuccessStatusCode();
        if (language is not null)
            (await me.PutAsJsonAsync("/api/me/language", new LanguageRequest(language), Ct)).EnsureSuccessStatusCode();
    }

    /// <summary>An SOS pressed on a real pendant of resident A, over MQTT, stamped with the fake clock.</summary>
    private static async Task<AlertDto> PressSosAsync(Rig rig)
    {
        var pendant = await rig.Hub.RegisterDeviceAsync("sos", residentId: rig.World.ResidentA);
        using var mqtt = await rig.Hub.ConnectDeviceAsync(pendant);
        await mqtt.PublishAsync(new MqttApplicationMessageBuilder().WithTopic($"sc/v1/{pendant.Device.Id}/up")
            .WithPayload(Senml.Pack(pendant.Device.Id, 1, "{\"n\":\"sos\",\"vb\":true}", rig.Time.GetUtcNow().ToUnixTimeSeconds()))
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build(), Ct);
        using var staff = await rig.Hub.ClientAsync(World.Staff);
        return (await Eventually.GetAsync(async () => (await staff.GetFromJsonAsync<List<AlertDto>>("/api/alerts?status=open", Ct))!.SingleOrDefault(a => a.Kind == "sos"),
            a => a is not null, what: "the SOS alert"))!;
    }

    private static async Task<List<AlertEventDto>> TimelineAsync(Rig rig, long id)
    {
        using var staff = await rig.Hub.ClientAsync(World.Staff);
        return (await staff.GetFromJsonAsync<List<AlertEventDto>>($"/api/alerts/{id}/timeline", Ct))!;
    }

    private static Task<List<AlertEventDto>> PagesAsync(Rig rig, long id, int atLeast) =>
        Eventually.GetAsync(async () => (await TimelineAsync(rig, id)).Where(e => e.Type == "paged").ToList(), p => p.Count >= atLeast, what: $"{atLeast} pages");

    /// <summary>Walks the SOS to the cascade's first call (t = 60 s) and returns the SMS the gateway got for the family.</summary>
    private static async Task<JsonElement> FamilyCalledAsync(Rig rig, long alertId)
    {
        await PagesAsync(rig, alertId, 1);
        rig.Time.Advance(TimeSpan.FromSeconds(30));
        await PagesAsync(rig, alertId, 2);
        rig.Time.Advance(TimeSpan.FromSeconds(30));
        return await Eventually.GetAsync(() => Task.FromResult(rig.Events("alert.cascade").Select(e => e.GetProperty("data")).FirstOrDefault()),
            e => e.ValueKind == JsonValueKind.Object, what: "the cascade's SMS to the family");
    }

    [Fact]
    public async Task Sos_Unacknowledged_GridWorkerSmsFirstThenFamilyInChinese_ReplyCodeStopsTheCascade()
    {
        await using var rig = await StartAsync();
        var sos = await PressSosAsync(rig);

        // t = 0: the grid worker is paged, with the phone the SMS gateway texts.
        var firstPage = await Eventually.GetAsync(() => Task.FromResult(rig.Events("alert.paged").FirstOrDefault()), e => e.ValueKind == JsonValueKind.Object,
            what: "the grid worker's page at the gateway");
        var recipients = firstPage.GetProperty("data").GetProperty("recipients").EnumerateArray().ToList();
        Assert.Equal("grid_worker", firstPage.GetProperty("data").GetProperty("level").GetString());
        Assert.Equal([WorkerPhone], recipients.Select(r => r.GetProperty("phone").GetString()));
        Assert.Empty(rig.Events("alert.cascade"));

        // t = 60 s, nobody acknowledged: the family's phone, in Chinese, with a reply code.
        var sms = await FamilyCalledAsync(rig, sos.Id);
        Assert.Equal(("sms", FamilyPhone, "zh-CN"), (sms.GetProperty("channel").GetString(), sms.GetProperty("to").GetString(), sms.GetProperty("language").GetString()));
        var text = sms.GetProperty("text").GetString()!;
        Assert.Contains("紧急呼叫", text, StringComparison.Ordinal);
        var code = Regex.Match(text, @"回复(\d{4})").Groups[1].Value;
        Assert.Matches(@"^\d{4}$", code);
        Assert.Contains(rig.Hub.BaseAddress.ToString().TrimEnd('/') + "/ack/", text, StringComparison.Ordinal);

        // The family replies with the code, as Twilio forwards an SMS.
        using var reply = await PostInboundSmsAsync(rig.Hub, FamilyPhone, $"{code} 我去", TwilioAuthToken);
        Assert.Equal(HttpStatusCode.OK, reply.StatusCode);
        Assert.Equal("text/xml", reply.Content.Headers.ContentType?.MediaType);
        Assert.Contains("已确认", await reply.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        using var staff = await rig.Hub.ClientAsync(World.Staff);
        var acknowledged = (await staff.GetFromJsonAsync<AlertDto>($"/api/alerts/{sos.Id}", Ct))!;
        Assert.Equal(("acknowledged", "Family A"), (acknowledged.Status, acknowledged.AcknowledgedBy));

        // The cascade and the paging stop. A marker alert on the same 30 s timers pages twice while A's steps would have come due.
        var marker = await rig.Hub.Services.GetRequiredService<AlertService>().RaiseAsync(
            new Domain.Alerts.AlertSignal("marker-sos", Domain.Alerts.AlertKind.Sos, Domain.Alerts.Severity.Critical, "marker", rig.Time.GetUtcNow()),
            new Domain.Alerts.AlertPlace(rig.World.ResidentB, rig.World.HouseholdB, rig.World.GridB, rig.World.CommunityId), Ct);
        await PagesAsync(rig, marker.Id, 1);
        rig.Time.Advance(TimeSpan.FromSeconds(30));
        await PagesAsync(rig, marker.Id, 2);
        rig.Time.Advance(TimeSpan.FromSeconds(30));
        await PagesAsync(rig, marker.Id, 3);
        var timeline = await TimelineAsync(rig, sos.Id);
        Assert.Equal(3, timeline.Count(e => e.Type == "paged"));
        Assert.Single(timeline, e => e.Type == "called");
        Assert.Single(rig.Events("alert.cascade"), e => e.GetProperty("data").GetProperty("alertId").GetInt64() == sos.Id);
    }

    [Fact]
    public async Task Sos_ThroughTwilio_WorkerSmsThenFamilysChineseSmsAndPush_FamilyReplyStopsIt_WorkerReplyCodeAcknowledgesAnother()
    {
        await using var twilio = await FakeTwilio.StartAsync();
        await using var rig = await StartAsync(provider: twilio);
        using var ua = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        var q = ua.ExportParameters(false).Q;
        byte[] uaPublic = [0x04, .. q.X!, .. q.Y!];
        var auth = RandomNumberGenerator.GetBytes(16);
        using (var app = await rig.Hub.ClientAsync(World.FamilyA))
        {
            using var subscribed = await app.PostAsJsonAsync("/api/notifications/subscriptions",
                new SubscribeRequest($"{rig.Gateway.Url}/push/family-a", new SubscriptionKeys(VapidKeys.Base64Url(uaPublic), VapidKeys.Base64Url(auth))), Ct);
            Assert.Equal(HttpStatusCode.NoContent, subscribed.StatusCode);
        }
        var sos = await PressSosAsync(rig);

        // t = 0: the grid worker's phone gets the page's SMS at the provider.
        var first = await Eventually.GetAsync(() => Task.FromResult(twilio.Messages.ToList()), m => m.Count >= 1, what: "the worker's SMS at the fake Twilio");
        Assert.Equal(WorkerPhone, first[0].Fields["To"]);
        Assert.DoesNotContain(twilio.Messages, m => m.Fields["To"] == FamilyPhone);

        // t = 60 s, nobody acknowledged: the family's phone, in Chinese, and a Web Push row for their app.
        await FamilyCalledAsync(rig, sos.Id);
        var family = await Eventually.GetAsync(() => Task.FromResult(twilio.Messages.FirstOrDefault(m => m.Fields["To"] == FamilyPhone)), m => m is not null,
            what: "the family's SMS at the fake Twilio");
        var body = family!.Fields["Body"];
        Assert.Contains("紧急呼叫", body, StringComparison.Ordinal);
        Assert.True(twilio.Messages.ToList().FindIndex(m => m.Fields["To"] == WorkerPhone) < twilio.Messages.ToList().FindIndex(m => m.Fields["To"] == FamilyPhone));
        // The family's phone also gets the cascade's Web Push (RFC 8291, decrypted here with the subscription's keys), in Chinese.
        var pushed = await Eventually.GetAsync(() => Task.FromResult(rig.Gateway.Requests.Where(r => r.Path == "/push/family-a")
                .Select(r => JsonSerializer.Deserialize<PushPayload>(Rfc8291.Decrypt(r.Body, ua, uaPublic, auth), JsonSerializerOptions.Web)!)
                .FirstOrDefault(p => p.Url.StartsWith("/ack/", StringComparison.Ordinal))),
            p => p is not null, what: "the cascade's push to the family");
        Assert.Contains("您正在处理吗", pushed!.Body, StringComparison.Ordinal);

        var code = Regex.Match(body, @"回复(\d{4})").Groups[1].Value;
        using (var reply = await PostInboundSmsAsync(rig.Hub, FamilyPhone, code, FakeTwilio.AuthToken))
            Assert.Contains("已确认", await reply.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        using var staff = await rig.Hub.ClientAsync(World.Staff);
        Assert.Equal(("acknowledged", "Family A"), ((await staff.GetFromJsonAsync<AlertDto>($"/api/alerts/{sos.Id}", Ct))!.Status,
            (await staff.GetFromJsonAsync<AlertDto>($"/api/alerts/{sos.Id}", Ct))!.AcknowledgedBy));

        // A second alert: the worker answers the page's SMS with its code.
        var other = await rig.Hub.Services.GetRequiredService<AlertService>().RaiseAsync(
            new Domain.Alerts.AlertSignal("fall-2", Domain.Alerts.AlertKind.Fall, Domain.Alerts.Severity.Critical, "fall", rig.Time.GetUtcNow()),
            new Domain.Alerts.AlertPlace(rig.World.ResidentA, rig.World.HouseholdA, rig.World.GridA, rig.World.CommunityId), Ct);
        await Eventually.GetAsync(() => Task.FromResult(twilio.Messages.Count(m => m.Key?.Contains($"alert-{other.Id}:page-0", StringComparison.Ordinal) == true)), n => n >= 1,
            what: "the second alert's page SMS");
        using (var reply = await PostInboundSmsAsync(rig.Hub, WorkerPhone, Domain.Notifications.NotificationTexts.ReplyCode(other.Id), FakeTwilio.AuthToken))
            Assert.Contains("acknowledged", await reply.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.Equal("Worker A", (await staff.GetFromJsonAsync<AlertDto>($"/api/alerts/{other.Id}", Ct))!.AcknowledgedBy);
    }

    [Fact]
    public async Task AckLink_OpenedThenConfirmed_AcknowledgesOnce_SecondUseIsGone()
    {
        await using var rig = await StartAsync(twilio: false);
        var sos = await PressSosAsync(rig);
        var text = (await FamilyCalledAsync(rig, sos.Id)).GetProperty("text").GetString()!;
        var link = Regex.Match(text, @"http://\S+/ack/[A-Za-z0-9_-]+").Value;
        using var browser = new HttpClient();
        using var staff = await rig.Hub.ClientAsync(World.Staff);

        // Opening the link (as a link preview would) asks, in the family's language, and changes nothing.
        var page = await browser.GetStringAsync(link, Ct);
        Assert.Contains("lang=\"zh-CN\"", page, StringComparison.Ordinal);
        Assert.Contains("我来处理", page, StringComparison.Ordinal);
        Assert.Equal("raised", (await staff.GetFromJsonAsync<AlertDto>($"/api/alerts/{sos.Id}", Ct))!.Status);

        using (var confirm = await browser.PostAsync(link, null, Ct))
        {
            Assert.Equal(HttpStatusCode.OK, confirm.StatusCode);
            Assert.Contains("谢谢", await confirm.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        }
        var acknowledged = (await staff.GetFromJsonAsync<AlertDto>($"/api/alerts/{sos.Id}", Ct))!;
        Assert.Equal(("acknowledged", "Family A"), (acknowledged.Status, acknowledged.AcknowledgedBy));

        using (var again = await browser.PostAsync(link, null, Ct))
            Assert.Equal(HttpStatusCode.Gone, again.StatusCode);
        using (var forged = await browser.PostAsync(link[..^4] + "AAAA", null, Ct))
            Assert.Equal(HttpStatusCode.NotFound, forged.StatusCode);
        Assert.Single(await TimelineAsync(rig, sos.Id), e => e.Type == "acknowledged");
    }

    [Fact]
    public async Task InboundSms_BadSignatureWrongCodeOrNotConfigured_RefusedAndTheAlertUnchanged()
    {
        await using var rig = await StartAsync();
        var sos = await PressSosAsync(rig);
        var code = Regex.Match((await FamilyCalledAsync(rig, sos.Id)).GetProperty("text").GetString()!, @"回复(\d{4})").Groups[1].Value;

        using (var forged = await PostInboundSmsAsync(rig.Hub, FamilyPhone, code, "not-the-auth-token"))
            Assert.Equal(HttpStatusCode.Forbidden, forged.StatusCode);
        using (var otherPhone = await PostInboundSmsAsync(rig.Hub, "+8613700000009", code, TwilioAuthToken))
            Assert.Contains("does not match", await otherPhone.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        var wrong = code == "9999" ? "1000" : "9999";
        using (var wrongCode = await PostInboundSmsAsync(rig.Hub, FamilyPhone, wrong, TwilioAuthToken))
            Assert.Equal(HttpStatusCode.OK, wrongCode.StatusCode);
        using var staff = await rig.Hub.ClientAsync(World.Staff);
        Assert.Equal("raised", (await staff.GetFromJsonAsync<AlertDto>($"/api/alerts/{sos.Id}", Ct))!.Status);

        await using var unconfigured = await StartAsync(twilio: false);
        using var refused = await PostInboundSmsAsync(unconfigured.Hub, FamilyPhone, code, TwilioAuthToken);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
    }

    [Fact]
    public async Task Handoff_StaffCall120_RecordedOnTheAlertAndSentToTheGateway_UnknownNumberRefused()
    {
        await using var rig = await StartAsync();
        var sos = await PressSosAsync(rig);
        using var staff = await rig.Hub.ClientAsync(World.Staff);

        using (var bad = await staff.PostAsJsonAsync($"/api/alerts/{sos.Id}/handoff", new HandoffRequest("999"), Ct))
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        using (var family = await (await rig.Hub.ClientAsync(World.FamilyA)).PostAsJsonAsync($"/api/alerts/{sos.Id}/handoff", new HandoffRequest("120"), Ct))
            Assert.Equal(HttpStatusCode.Forbidden, family.StatusCode);
        using var ok = await staff.PostAsJsonAsync($"/api/alerts/{sos.Id}/handoff", new HandoffRequest("120"), Ct);
        var handed = (await ok.Content.ReadFromJsonAsync<AlertDto>(Ct))!;

        Assert.Equal(("acknowledged", "120", "Staff", rig.Time.GetUtcNow()), (handed.Status, handed.HandedOffTo, handed.HandedOffBy, handed.HandedOffAt));
        var sent = await Eventually.GetAsync(() => Task.FromResult(rig.Events("alert.handoff").FirstOrDefault()), e => e.ValueKind == JsonValueKind.Object,
            what: "the handoff at the gateway");
        Assert.Equal(("120", sos.Id), (sent.GetProperty("data").GetProperty("centre").GetString(), sent.GetProperty("data").GetProperty("alert").GetProperty("id").GetInt64()));
        Assert.Contains(await TimelineAsync(rig, sos.Id), e => e.Type == "handed_off" && e.Detail == "120");
    }

    [Fact]
    public void TwilioSignature_PublishedExample_MatchesTwiliosDocumentation()
    {
        // Twilio's documented example ("Validating Requests are coming from Twilio"): the helper that signs this suite's
        // inbound SMS computes the signature Twilio publishes, so the hub is checked against what Twilio really sends.
        var signature = TwilioSignature("12345", "https://mycompany.com/myapp.php?foo=1&bar=2", new Dictionary<string, string>
        {
            ["CallSid"] = "CA1234567890ABCDE", ["Caller"] = "+12349013030", ["Digits"] = "1234", ["From"] = "+12349013030", ["To"] = "+18005551212",
        });
        Assert.Equal("0/KCTR6DLpKmkAf8muzZqo1nDgQ=", signature);
    }

    private static async Task<HttpResponseMessage> PostInboundSmsAsync(HubApp hub, string from, string body, string authToken)
    {
        var url = hub.BaseAddress.ToString().TrimEnd('/') + "/api/sms/inbound";
        var fields = new Dictionary<string, string>
        {
            ["MessageSid"] = "SM" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)), ["AccountSid"] = "AC" + new string('0', 32),
            ["From"] = from, ["To"] = "+8610000000000", ["Body"] = body, ["NumMedia"] = "0",
        };
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new FormUrlEncodedContent(fields) };
        request.Headers.Add("X-Twilio-Signature", TwilioSignature(authToken, url, fields));
        using var client = hub.Anonymous();
        return await client.SendAsync(request, Ct);
    }

    /// <summary>Twilio's request signature: base64(HMAC-SHA1(auth token, URL + each POST field's name and value, by name)).</summary>
    private static string TwilioSignature(string authToken, string url, IReadOnlyDictionary<string, string> fields)
    {
        var data = new StringBuilder(url);
        foreach (var (name, value) in fields.OrderBy(f => f.Key, StringComparer.Ordinal))
            data.Append(name).Append(value);
        return Convert.ToBase64String(HMACSHA1.HashData(Encoding.UTF8.GetBytes(authToken), Encoding.UTF8.GetBytes(data.ToString())));
    }
}
