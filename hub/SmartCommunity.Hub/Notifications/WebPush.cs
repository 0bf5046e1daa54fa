using System.Security.Cryptography;
using System.Text.Json;
using System.Threading.Channels;
using Lib.Net.Http.WebPush;
using Lib.Net.Http.WebPush.Authentication;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using SmartCommunity.Domain.Alerts;
using SmartCommunity.Domain.Workflow;
using SmartCommunity.Hub.Persistence;

namespace SmartCommunity.Hub.Notifications;

/// <summary>
/// The hub's VAPID key pair (P-256), generated on first start and kept in the data directory so browser
/// subscriptions, which are bound to the public key, stay valid across restarts.
/// </summary>
public sealed class VapidKeys
{
    public const string File = "vapid.json";

    public VapidKeys(IOptions<HubOptions> options)
    {
        var path = options.Value.DataPath(File);
        if (System.IO.File.Exists(path))
        {
            var stored = JsonSerializer.Deserialize<Stored>(System.IO.File.ReadAllText(path))!;
            PublicKey = stored.PublicKey;
            PrivateKey = stored.PrivateKey;
            return;
        }
        using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var p = ecdsa.ExportParameters(includePrivateParameters: true);
        PublicKey = Base64Url([0x04, .. p.Q.X!, .. p.Q.Y!]);
        PrivateKey = Base64Url(p.D!);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        System.IO.File.WriteAllText(path, JsonSerializer.Serialize(new Stored(PublicKey, PrivateKey)));
        if (!OperatingSystem.IsWindows())
            System.IO.File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    /// <summary>Uncompressed point, base64url: what <c>pushManager.subscribe({applicationServerKey})</c> takes.</summary>
    public string PublicKey { get; }
    public string PrivateKey { get; }

    public static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private sealed record Stored(string PublicKey, string PrivateKey);
}

/// <summary>
/// Sends Web Push messages (RFC 8030, payload encrypted per RFC 8291 by Lib.Net.Http.WebPush) from a queue, so
/// paging never waits for a push service. Honours each person's quiet hours except for critical alerts, and
/// forgets subscriptions the push service reports gone (404/410).
/// </summary>
public sealed class WebPushSender(IDbContextFactory<HubDbContext> dbFactory, VapidKeys keys, IHttpClientFactory http, TimeProvider time, ILogger<WebPushSender> logger) : BackgroundService
{
    private readonly Channel<(IReadOnlyCollection<string> UserIds, Severity Severity, PushPayload Payload)> _queue =
        Channel.CreateBounded<(IReadOnlyCollection<string>, Severity, PushPayload)>(new BoundedChannelOptions(10_000) { FullMode = BoundedChannelFullMode.DropOldest });

    public void Enqueue(IReadOnlyCollection<string> userIds, Severity severity, PushPayload payload)
    {
        if (userIds.Count > 0)
            _queue.Writer.TryWrite((userIds, severity, payload));
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var client = new PushServiceClient(http.CreateClient(nameof(WebPushSender)))
        {
            DefaultAuthentication = new VapidAuthentication(keys.PublicKey, keys.PrivateKey) { Subject = "mailto:alerts@smartcommunity.invalid" },
        };
        try
        {
            await foreach (var (userIds, severity, payload) in _queue.Reader.ReadAllAsync(stoppingToken))
            {
                try
                {
                    await SendAsync(client, userIds, severity, payload, stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    logger.LogWarning(ex, "Web push for alert {AlertId} failed", payload.AlertId);
                }
            }
        }
        catch (OperationCanceledException) { }
    }

    private async Task SendAsync(PushServiceClient client, IReadOnlyCollection<string> userIds, Severity severity, PushPayload payload, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var subscriptions = await db.PushSubscriptions.AsNoTracking().Where(s => userIds.Contains(s.UserId)).ToListAsync(ct);
        var prefs = await db.NotificationPreferences.AsNoTracking().Where(p => userIds.Contains(p.UserId)).ToDictionaryAsync(p => p.UserId, ct);
        var now = time.GetUtcNow();
        var json = JsonSerializer.Serialize(payload, JsonSerializerOptions.Web);
        foreach (var sub in subscriptions)
        {
            if (prefs.TryGetValue(sub.UserId, out var pref) && (!pref.WebPush
                || (pref.QuietStart is { } qs && pref.QuietEnd is { } qe && new QuietHours(qs, qe).Silences(severity, now, Roster.DefaultZone))))
                continue;
            var target = new PushSubscription { Endpoint = sub.Endpoint };
            target.SetKey(PushEncryptionKeyName.P256DH, sub.P256dh);
            target.SetKey(PushEncryptionKeyName.Auth, sub.Auth);
            var message = new PushMessage(json)
            {
                Topic = payload.Tag,
                Urgency = severity >= Severity.Critical ? PushMessageUrgency.High : PushMessageUrgency.Normal,
                TimeToLive = 3600,
            };
            try
            {
                await client.RequestPushMessageDeliveryAsync(target, message, ct);
            }
            catch (PushServiceClientException ex) when (ex.StatusCode is System.Net.HttpStatusCode.NotFound or System.Net.HttpStatusCode.Gone)
            {
                await db.PushSubscriptions.Where(s => s.Id == sub.Id).ExecuteDeleteAsync(ct);
            }
        }
    }
}
