using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using SmartCommunity.Domain.Alerts;
using SmartCommunity.Hub.Alerts;
using SmartCommunity.Hub.Notifications;
using SmartCommunity.Testing;

namespace SmartCommunity.Hub.Tests;

/// <summary>Web Push (RFC 8291 payloads decrypted here with the subscriber's keys) and the signed webhook channel,
/// both delivered to a real HTTP receiver on 127.0.0.1.</summary>
public sealed class NotificationTests
{
    private const string Secret = "webhook-secret-0123456789";

    [Fact]
    public async Task WebPush_AlertForRelative_DeliversPayloadEncryptedToFamilySubscription()
    {
        await using var receiver = await LocalReceiver.StartAsync(_ => StatusCodes.Status201Created);
        // The receiver is on loopback, which push endpoints may be only when the operator lists them.
        await using var hub = new HubApp(settings: new Dictionary<string, string?> { ["Hub:WebPush:AllowedEndpoints:0"] = receiver.Url });
        hub.Start();
        var world = await hub.SeedWorldAsync();
        using var family = await hub.ClientAsync(World.FamilyA);
        using var ua = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        var q = ua.ExportParameters(false).Q;
        byte[] uaPublic = [0x04, .. q.X!, .. q.Y!];
        var auth = RandomNumberGenerator.GetBytes(16);
        var subscribe = await family.PostAsJsonAsync("/api/notifications/subscriptions",
            new SubscribeRequest($"{receiver.Url}/push/family-a", new SubscriptionKeys(VapidKeys.Base64Url(uaPublic), VapidKeys.Base64Url(auth))));
        Assert.Equal(HttpStatusCode.NoContent, subscribe.StatusCode);
        var vapid = (await family.GetFromJsonAsync<JsonElement>("/api/notifications/vapid-public-key")).GetProperty("publicKey").GetString();

        var alert = await hub.Services.GetRequiredService<AlertService>().RaiseAsync(
            new AlertSignal("sos-x", AlertKind.Sos, Severity.Critical, "SOS button pressed", DateTimeOffset.UtcNow),
            new AlertPlace(world.ResidentA, world.HouseholdA, world.GridA, world.CommunityId), CancellationToken.None);

        var push = await Eventually.GetAsync(() => Task.FromResult(receiver.Requests.FirstOrDefault(r => r.Path == "/push/family-a")), r => r is not null, what: "the push request");
        Assert.Equal("aes128gcm", push!.Headers["Content-Encoding"]);
        Assert.Contains($"k={vapid}", push.Headers["Authorization"], StringComparison.Ordinal);
        var payload = JsonSerializer.Deserialize<PushPayload>(Rfc8291.Decrypt(push.Body, ua, uaPublic, auth), JsonSerializerOptions.Web)!;
        Assert.Equal(alert.Id, payload.AlertId);
        Assert.Contains("Resident A", payload.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WebPush_FamilyReadingChinese_FallSaysStaffAreCalled_OnlyAnInferredAlertInvitesACancel()
    {
        await using var receiver = await LocalReceiver.StartAsync(_ => StatusCodes.Status201Created);
        await using var hub = new HubApp(settings: new Dictionary<string, string?> { ["Hub:WebPush:AllowedEndpoints:0"] = receiver.Url });
        hub.Start();
        var world = await hub.SeedWorldAsync();
        using var family = await hub.ClientAsync(World.FamilyA);
        Assert.Equal(HttpStatusCode.NoContent, (await family.PutAsJsonAsync("/api/me/language", new { language = "zh-CN" })).StatusCode);
        using var ua = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        var q = ua.ExportParameters(false).Q;
        byte[] uaPublic = [0x04, .. q.X!, .. q.Y!];
        var auth = RandomNumberGenerator.GetBytes(16);
        (await family.PostAsJsonAsync("/api/notifications/subscriptions",
            new SubscribeRequest($"{receiver.Url}/push/zh", new SubscriptionKeys(VapidKeys.Base64Url(uaPublic), VapidKeys.Base64Url(auth))))).EnsureSuccessStatusCode();
        var alerts = hub.Services.GetRequiredService<AlertService>();
        var place = new AlertPlace(world.ResidentA, world.HouseholdA, world.GridA, world.CommunityId);

        var fall = await alerts.RaiseAsync(new AlertSignal("wear-x", AlertKind.Fall, Severity.Critical, "Fall detected by the wearable", DateTimeOffset.UtcNow), place, CancellationToken.None);
        var fallPush = await Eventually.GetAsync(() => Task.FromResult(receiver.Requests.FirstOrDefault(r => r.Path == "/push/zh")), r => r is not null, what: "the fall's push");
        var quiet = await alerts.RaiseAsync(new AlertSignal("pir-x", AlertKind.Inactivity, Severity.Warning, "No movement", DateTimeOffset.UtcNow), place, CancellationToken.None);
        var pushes = await Eventually.GetAsync(() => Task.FromResult(receiver.Requests.Where(r => r.Path == "/push/zh").ToList()), r => r.Count >= 2, what: "the pre-alarm's push");

        var fallText = JsonSerializer.Deserialize<PushPayload>(Rfc8291.Decrypt(fallPush!.Body, ua, uaPublic, auth), JsonSerializerOptions.Web)!;
        var quietText = JsonSerializer.Deserialize<PushPayload>(Rfc8291.Decrypt(pushes[1].Body, ua, uaPublic, auth), JsonSerializerOptions.Web)!;
        Assert.Equal((fall.Id, quiet.Id), (fallText.AlertId, quietText.AlertId));
        // A fall is staff's to resolve: no invitation to cancel it, in any language.
        Assert.Equal("Resident A：跌倒。已通知工作人员。如您在老人身边，请在应用中告知。", fallText.Body);
        Assert.Equal("Resident A：长时间无活动？如一切正常，请在 10 分钟内在应用中取消，否则将通知工作人员。", quietText.Body);
        Assert.DoesNotContain("cancel", FamilyNotifications.Text("en", "raised", fall, "Resident A", fall.RaisedAt), StringComparison.OrdinalIgnoreCase);
        Assert.Equal("No activity: Resident A? If all is well, cancel it in the app within 10 min; otherwise staff will be called.",
            FamilyNotifications.Text("en", "pre_alarm", quiet, "Resident A", quiet.RaisedAt));
    }

    [Fact]
    public async Task Webhook_GatewayFailsTwice_IsRetriedAndSignedOnEveryAttempt()
    {
        var calls = 0;
        await using var receiver = await LocalReceiver.StartAsync(_ => Interlocked.Increment(ref calls) <= 2 ? 503 : 200);
        await using var hub = new HubApp(settings: WebhookSettings(receiver.Url + "/sms"));
        hub.Start();
        var world = await hub.SeedWorldAsync();

        await RaiseAsync(hub, world);

        var requests = await Eventually.GetAsync(() => Task.FromResult(receiver.Requests.Where(r => r.Path == "/sms").ToList()), r => r.Count >= 3, what: "three attempts");
        Assert.Single(requests.Select(r => r.Headers["X-SC-Delivery"]).Distinct());
        foreach (var r in requests)
            Assert.Equal(WebhookChannel.Sign(Secret, r.Headers["X-SC-Timestamp"], Encoding.UTF8.GetString(r.Body)), r.Headers["X-SC-Signature"]);
        Assert.Equal("alert.paged", requests[^1].Headers["X-SC-Event"]);
        using var admin = await hub.AdminAsync();
        Assert.Empty((await admin.GetFromJsonAsync<List<DeadLetterDto>>("/api/notifications/dead-letters"))!);
    }

    [Fact]
    public async Task Webhook_GatewayAlwaysFails_IsDeadLetteredAndVisibleToAdminsOnly()
    {
        await using var receiver = await LocalReceiver.StartAsync(_ => 500);
        await using var hub = new HubApp(settings: WebhookSettings(receiver.Url + "/down"));
        hub.Start();
        var world = await hub.SeedWorldAsync();

        await RaiseAsync(hub, world);

        using var admin = await hub.AdminAsync();
        var letters = await Eventually.GetAsync(() => admin.GetFromJsonAsync<List<DeadLetterDto>>("/api/notifications/dead-letters"), l => l!.Count > 0, what: "a dead letter");
        var letter = Assert.Single(letters!);
        Assert.Equal((3, "HTTP 500", "alert.paged"), (letter.Attempts, letter.LastError, letter.EventType));
        Assert.Equal(3, receiver.Requests.Count(r => r.Path == "/down"));
        using var staff = await hub.ClientAsync(World.Staff);
        Assert.Equal(HttpStatusCode.Forbidden, (await staff.GetAsync("/api/notifications/dead-letters")).StatusCode);
    }

    private static Dictionary<string, string?> WebhookSettings(string url) => new()
    {
        ["Hub:Webhooks:Endpoints:0:Name"] = "sms",
        ["Hub:Webhooks:Endpoints:0:Url"] = url,
        ["Hub:Webhooks:Endpoints:0:Secret"] = Secret,
        ["Hub:Webhooks:MaxAttempts"] = "3",
        // Short real backoff: the retry loop is real I/O against a real socket, bounded by the polling deadline.
        ["Hub:Webhooks:FirstRetryDelay"] = "00:00:00.020",
    };

    private static Task<Alert> RaiseAsync(HubApp hub, World world) =>
        hub.Services.GetRequiredService<AlertService>().RaiseAsync(
            new AlertSignal("sos-w", AlertKind.Sos, Severity.Critical, "SOS button pressed", DateTimeOffset.UtcNow),
            new AlertPlace(world.ResidentA, world.HouseholdA, world.GridA, world.CommunityId), CancellationToken.None);
}

/// <summary>RFC 8291 (Web Push message encryption, aes128gcm) from the user agent's side; checked against the RFC's
/// example in <see cref="WebPushTests"/>.</summary>
internal static class Rfc8291
{
    public static string Decrypt(byte[] body, ECDiffieHellman ua, byte[] uaPublic, byte[] authSecret)
    {
        var salt = body[..16];
        var idLength = body[20];
        var asPublic = body[21..(21 + idLength)];
        var ciphertext = body[(21 + idLength)..];
        using var server = ECDiffieHellman.Create(new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            Q = new ECPoint { X = asPublic[1..33], Y = asPublic[33..65] },
        });
        var ecdhSecret = ua.DeriveRawSecretAgreement(server.PublicKey);
        byte[] keyInfo = [.. "WebPush: info\0"u8, .. uaPublic, .. asPublic];
        var ikm = HKDF.DeriveKey(HashAlgorithmName.SHA256, ecdhSecret, 32, authSecret, keyInfo);
        var prk = HKDF.Extract(HashAlgorithmName.SHA256, ikm, salt);
        var cek = HKDF.Expand(HashAlgorithmName.SHA256, prk, 16, "Content-Encoding: aes128gcm\0"u8.ToArray());
        var nonce = HKDF.Expand(HashAlgorithmName.SHA256, prk, 12, "Content-Encoding: nonce\0"u8.ToArray());
        var plain = new byte[ciphertext.Length - 16];
        using (var aes = new AesGcm(cek, 16))
            aes.Decrypt(nonce, ciphertext[..^16], ciphertext[^16..], plain);
        // A single (last) record: content, then the 0x02 delimiter, then zero padding (RFC 8188 §2).
        var end = Array.FindLastIndex(plain, b => b != 0);
        if (end < 0 || plain[end] != 0x02)
            throw new CryptographicException("not a last record: no 0x02 delimiter after the content");
        return Encoding.UTF8.GetString(plain, 0, end);
    }
}

/// <summary>A throwaway HTTP endpoint on 127.0.0.1 that records every request and answers with a chosen status.</summary>
internal sealed class LocalReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;

    private LocalReceiver(WebApplication app) => _app = app;

    public ConcurrentQueue<Received> Requests { get; } = new();
    public string Url { get; private set; } = "";

    public static async Task<LocalReceiver> StartAsync(Func<HttpRequest, int> status)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var receiver = new LocalReceiver(app);
        app.Run(async http =>
        {
            using var ms = new MemoryStream();
            await http.Request.Body.CopyToAsync(ms);
            receiver.Requests.Enqueue(new Received(http.Request.Path, http.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase), ms.ToArray()));
            http.Response.StatusCode = status(http.Request);
        });
        await app.StartAsync();
        receiver.Url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return receiver;
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    public sealed record Received(string Path, Dictionary<string, string> Headers, byte[] Body);
}
