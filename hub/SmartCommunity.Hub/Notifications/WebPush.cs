using System.Diagnostics.Metrics;
using System.Security.Cryptography;
using System.Text.Json;
using Lib.Net.Http.WebPush;
using Lib.Net.Http.WebPush.Authentication;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using SmartCommunity.Domain.Alerts;
using SmartCommunity.Domain.Escalation;
using SmartCommunity.Domain.Notifications;
using SmartCommunity.Hub.Hosting;
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
/// Web Push messages (RFC 8030, payload encrypted per RFC 8291 by Lib.Net.Http.WebPush) through the outbox: one row per
/// subscription, so paging never waits for a push service and a push survives a restart. Honours each person's quiet
/// hours (when enqueued) except for critical alerts, and forgets subscriptions the push service reports gone (404/410).
/// Each request has its own <see cref="WebPushOptions.Timeout"/> on the hub's clock and the outbox sends many at once
/// (Hub:Outbox:MaxConcurrency): one endpoint that never answers costs one slot for that long, not every push after it.
/// Failures are counted (<c>sc.webpush.failed</c> by reason) and logged with the endpoint's host only: the full URL is a
/// capability, so the outbox row names the subscription ("sub:{id}"), not its URL.
/// </summary>
public sealed class WebPushSender : IOutboxChannel
{
    public const string HttpClientName = "WebPush";

    private readonly IDbContextFactory<HubDbContext> _dbFactory;
    private readonly INotificationOutbox _outbox;
    private readonly VapidKeys _keys;
    private readonly IHttpClientFactory _http;
    private readonly PushEndpointPolicy _policy;
    private readonly WebPushOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<WebPushSender> _logger;
    private readonly Counter<long> _sent;
    private readonly Counter<long> _failed;
    private PushServiceClient? _client;

    public WebPushSender(IDbContextFactory<HubDbContext> dbFactory, INotificationOutbox outbox, VapidKeys keys, IHttpClientFactory http, PushEndpointPolicy policy,
        IOptions<WebPushOptions> options, IMeterFactory meters, TimeProvider time, ILogger<WebPushSender> logger)
    {
        (_dbFactory, _outbox, _keys, _http, _policy, _options, _time, _logger) = (dbFactory, outbox, keys, http, policy, options.Value, time, logger);
        var meter = meters.Create(HubMetrics.MeterName);
        _sent = meter.CreateCounter<long>("sc.webpush.sent", description: "Web Push messages accepted by a push service");
        _failed = meter.CreateCounter<long>("sc.webpush.failed",
            description: "Web Push messages not delivered, by reason (timeout, refused, gone, rejected, network, error)");
    }

    public string Name => OutboxChannels.Push;

    /// <summary>One outbox row per subscription of these people that their preferences let through now. <paramref name="key"/>
    /// names the message once (e.g. "alert-7:page-0"): the same key again is the same delivery.</summary>
    public async Task EnqueueAsync(IReadOnlyCollection<string> userIds, Severity severity, PushPayload payload, string key, CancellationToken ct)
    {
        if (userIds.Count == 0)
            return;
        List<PushSubscriptionRecord> subscriptions;
        Dictionary<string, NotificationPreference> prefs;
        await using (var db = await _dbFactory.CreateDbContextAsync(ct))
        {
            subscriptions = await db.PushSubscriptions.AsNoTracking().Where(s => userIds.Contains(s.UserId)).ToListAsync(ct);
            prefs = await db.NotificationPreferences.AsNoTracking().Where(p => userIds.Contains(p.UserId)).ToDictionaryAsync(p => p.UserId, ct);
        }
        var now = _time.GetUtcNow();
        var json = JsonSerializer.Serialize(payload, JsonSerializerOptions.Web);
        var items = new List<OutgoingNotification>(subscriptions.Count);
        foreach (var sub in subscriptions)
        {
            if (prefs.TryGetValue(sub.UserId, out var pref) && (!pref.WebPush
                || (pref.QuietStart is { } qs && pref.QuietEnd is { } qe && new QuietHours(qs, qe).Silences(severity, now, Roster.DefaultZone))))
                continue;
            items.Add(new OutgoingNotification(OutboxChannels.Push, $"sub:{sub.Id}", null, "push", new Dictionary<string, string> { ["topic"] = payload.Tag },
                "", $"push:{sub.Id}:{key}", payload.AlertId, severity >= Severity.Critical, json));
        }
        await _outbox.EnqueueAsync(items, ct);
    }

    /// <summary>For callers not keyed yet (the cascade): a fresh key, so a repeat of the caller is a second push. Prefer
    /// <see cref="EnqueueAsync"/> with a key naming the message.</summary>
    public void Enqueue(IReadOnlyCollection<string> userIds, Severity severity, PushPayload payload) =>
        _ = EnqueueAsync(userIds, severity, payload, Guid.NewGuid().ToString("N"), CancellationToken.None)
            .ContinueWith(t => _logger.LogError(t.Exception, "Web push for alert {AlertId} could not be enqueued", payload.AlertId), TaskContinuationOptions.OnlyOnFaulted);

    public async Task<SendOutcome> SendAsync(OutboxMessage message, CancellationToken stopping)
    {
        var alertId = message.AlertId ?? 0;
        if (!message.Recipient.StartsWith("sub:", StringComparison.Ordinal) || !long.TryParse(message.Recipient.AsSpan(4), out var subscriptionId))
            return SendOutcome.Dead("not a push subscription");
        PushSubscriptionRecord? sub;
        await using (var db = await _dbFactory.CreateDbContextAsync(stopping))
            sub = await db.PushSubscriptions.AsNoTracking().SingleOrDefaultAsync(s => s.Id == subscriptionId, stopping);
        if (sub is null)
            return SendOutcome.Dead("the subscription was removed");
        var host = Uri.TryCreate(sub.Endpoint, UriKind.Absolute, out var uri) ? PushEndpointPolicy.Host(uri) : "(invalid)";
        try
        {
            // Checked again at send time: the allow-list may have changed, and rows from before the check exist.
            if (_policy.Refuse(sub.Endpoint) is { } refusal)
                return Failed("refused", alertId, host, refusal, retry: false);
            var target = new PushSubscription { Endpoint = sub.Endpoint };
            target.SetKey(PushEncryptionKeyName.P256DH, sub.P256dh);
            target.SetKey(PushEncryptionKeyName.Auth, sub.Auth);
            var message1 = new PushMessage(message.Body ?? "{}")
            {
                Topic = message.ArgsMap().GetValueOrDefault("topic"),
                Urgency = message.Critical ? PushMessageUrgency.High : PushMessageUrgency.Normal,
                TimeToLive = 3600,
            };
            using var timeout = new CancellationTokenSource(_options.Timeout, _time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(stopping, timeout.Token);
            await Client().RequestPushMessageDeliveryAsync(target, message1, linked.Token);
            _sent.Add(1);
            return SendOutcome.Sent;
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            throw;
        }
        catch (OperationCanceledException)
        {
            return Failed("timeout", alertId, host, $"no answer within {_options.Timeout.TotalSeconds:0.#} s", retry: true);
        }
        catch (PushServiceClientException ex) when (ex.StatusCode is System.Net.HttpStatusCode.NotFound or System.Net.HttpStatusCode.Gone)
        {
            await ForgetAsync(sub.Id, stopping);
            return Failed("gone", alertId, host, $"HTTP {(int)ex.StatusCode}: subscription removed", retry: false);
        }
        catch (PushServiceClientException ex)
        {
            return Failed("rejected", alertId, host, $"HTTP {(int)ex.StatusCode}", retry: (int)ex.StatusCode is >= 500 or 429 or 408);
        }
        catch (HttpRequestException ex) when (ex.InnerException is PushEndpointRefusedException)
        {
            return Failed("refused", alertId, host, "resolves to an address that is not public", retry: false);
        }
        catch (HttpRequestException ex)
        {
            return Failed("network", alertId, host, ex.HttpRequestError.ToString(), retry: true);
        }
        catch (Exception ex)
        {
            // The type only: messages of unexpected exceptions may quote the endpoint.
            return Failed("error", alertId, host, ex.GetType().Name, retry: true);
        }
    }

    private PushServiceClient Client() => _client ??= new PushServiceClient(_http.CreateClient(HttpClientName))
    {
        DefaultAuthentication = new VapidAuthentication(_keys.PublicKey, _keys.PrivateKey) { Subject = "mailto:alerts@smartcommunity.invalid" },
    };

    private async Task ForgetAsync(long subscriptionId, CancellationToken ct)
    {
        try
        {
            await using var db = await _dbFactory.CreateDbContextAsync(ct);
            await db.PushSubscriptions.Where(s => s.Id == subscriptionId).ExecuteDeleteAsync(ct);
        }
        catch (Exception ex) when (!ct.IsCancellationRequested)
        {
            _logger.LogWarning(ex, "Could not remove a push subscription the push service reported gone");
        }
        catch (OperationCanceledException) { }
    }

    private SendOutcome Failed(string reason, long alertId, string host, string detail, bool retry)
    {
        _failed.Add(1, new KeyValuePair<string, object?>("reason", reason));
        _logger.LogWarning("Web push for alert {AlertId} to {Host} failed ({Reason}): {Detail}", alertId, host, reason, detail);
        var error = $"{reason} ({host}): {detail}";
        return retry ? SendOutcome.Retry(error) : SendOutcome.Dead(error);
    }
}
