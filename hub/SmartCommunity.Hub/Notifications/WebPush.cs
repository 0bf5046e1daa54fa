using System.Diagnostics.Metrics;
using System.Security.Cryptography;
using System.Text.Json;
using System.Threading.Channels;
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
/// Sends Web Push messages (RFC 8030, payload encrypted per RFC 8291 by Lib.Net.Http.WebPush) from a queue, so
/// paging never waits for a push service. Honours each person's quiet hours except for critical alerts, and
/// forgets subscriptions the push service reports gone (404/410).
/// Each subscription is sent to on its own, at most <see cref="WebPushOptions.MaxConcurrency"/> at a time, and each
/// request has its own <see cref="WebPushOptions.Timeout"/>: one endpoint that never answers costs one slot for that
/// long, not every push after it. Nothing but the hub stopping ends the loop. Failures are counted
/// (<c>sc.webpush.failed</c> by reason) and logged with the endpoint's host only: the full URL is a capability.
/// </summary>
public sealed class WebPushSender : BackgroundService
{
    public const string HttpClientName = "WebPush";

    private readonly Channel<(IReadOnlyCollection<string> UserIds, Severity Severity, PushPayload Payload)> _queue;
    private readonly IDbContextFactory<HubDbContext> _dbFactory;
    private readonly VapidKeys _keys;
    private readonly IHttpClientFactory _http;
    private readonly PushEndpointPolicy _policy;
    private readonly WebPushOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<WebPushSender> _logger;
    private readonly Counter<long> _sent;
    private readonly Counter<long> _failed;
    private readonly HashSet<Task> _inFlight = [];
    private readonly Lock _sync = new();

    public WebPushSender(IDbContextFactory<HubDbContext> dbFactory, VapidKeys keys, IHttpClientFactory http, PushEndpointPolicy policy,
        IOptions<WebPushOptions> options, IMeterFactory meters, TimeProvider time, ILogger<WebPushSender> logger)
    {
        (_dbFactory, _keys, _http, _policy, _options, _time, _logger) = (dbFactory, keys, http, policy, options.Value, time, logger);
        var meter = meters.Create(HubMetrics.MeterName);
        _sent = meter.CreateCounter<long>("sc.webpush.sent", description: "Web Push messages accepted by a push service");
        _failed = meter.CreateCounter<long>("sc.webpush.failed",
            description: "Web Push messages not delivered, by reason (timeout, refused, gone, rejected, network, error, queue_full)");
        _queue = Channel.CreateBounded<(IReadOnlyCollection<string>, Severity, PushPayload)>(
            new BoundedChannelOptions(10_000) { FullMode = BoundedChannelFullMode.DropOldest },
            dropped => Failed("queue_full", dropped.Item3.AlertId, "-", "the push queue is full"));
    }

    public void Enqueue(IReadOnlyCollection<string> userIds, Severity severity, PushPayload payload)
    {
        if (userIds.Count > 0)
            _queue.Writer.TryWrite((userIds, severity, payload));
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var client = new PushServiceClient(_http.CreateClient(HttpClientName))
        {
            DefaultAuthentication = new VapidAuthentication(_keys.PublicKey, _keys.PrivateKey) { Subject = "mailto:alerts@smartcommunity.invalid" },
        };
        using var slots = new SemaphoreSlim(_options.MaxConcurrency);
        try
        {
            await foreach (var (userIds, severity, payload) in _queue.Reader.ReadAllAsync(stoppingToken))
            {
                List<(PushSubscriptionRecord Record, PushMessage Message)> targets;
                try
                {
                    targets = await TargetsAsync(userIds, severity, payload, stoppingToken);
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    _failed.Add(1, new KeyValuePair<string, object?>("reason", "error"));
                    _logger.LogWarning(ex, "Web push for alert {AlertId}: could not read the subscriptions", payload.AlertId);
                    continue;
                }
                foreach (var (record, message) in targets)
                {
                    await slots.WaitAsync(stoppingToken);
                    Track(SendAsync(client, record, message, payload.AlertId, slots, stoppingToken));
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { }
        Task[] pending;
        lock (_sync)
            pending = [.. _inFlight];
        await Task.WhenAll(pending).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private async Task<List<(PushSubscriptionRecord, PushMessage)>> TargetsAsync(IReadOnlyCollection<string> userIds, Severity severity, PushPayload payload, CancellationToken ct)
    {
        await using var db = await _dbFactory.CreateDbContextAsync(ct);
        var subscriptions = await db.PushSubscriptions.AsNoTracking().Where(s => userIds.Contains(s.UserId)).ToListAsync(ct);
        var prefs = await db.NotificationPreferences.AsNoTracking().Where(p => userIds.Contains(p.UserId)).ToDictionaryAsync(p => p.UserId, ct);
        var now = _time.GetUtcNow();
        var json = JsonSerializer.Serialize(payload, JsonSerializerOptions.Web);
        var targets = new List<(PushSubscriptionRecord, PushMessage)>(subscriptions.Count);
        foreach (var sub in subscriptions)
        {
            if (prefs.TryGetValue(sub.UserId, out var pref) && (!pref.WebPush
                || (pref.QuietStart is { } qs && pref.QuietEnd is { } qe && new QuietHours(qs, qe).Silences(severity, now, Roster.DefaultZone))))
                continue;
            targets.Add((sub, new PushMessage(json)
            {
                Topic = payload.Tag,
                Urgency = severity >= Severity.Critical ? PushMessageUrgency.High : PushMessageUrgency.Normal,
                TimeToLive = 3600,
            }));
        }
        return targets;
    }

    private async Task SendAsync(PushServiceClient client, PushSubscriptionRecord sub, PushMessage message, long alertId, SemaphoreSlim slots, CancellationToken stopping)
    {
        var host = Uri.TryCreate(sub.Endpoint, UriKind.Absolute, out var uri) ? PushEndpointPolicy.Host(uri) : "(invalid)";
        try
        {
            // Checked again at send time: the allow-list may have changed, and rows from before the check exist.
            if (_policy.Refuse(sub.Endpoint) is { } refusal)
            {
                Failed("refused", alertId, host, refusal);
                return;
            }
            var target = new PushSubscription { Endpoint = sub.Endpoint };
            target.SetKey(PushEncryptionKeyName.P256DH, sub.P256dh);
            target.SetKey(PushEncryptionKeyName.Auth, sub.Auth);
            using var timeout = new CancellationTokenSource(_options.Timeout, _time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(stopping, timeout.Token);
            await client.RequestPushMessageDeliveryAsync(target, message, linked.Token);
            _sent.Add(1);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested) { }
        catch (OperationCanceledException)
        {
            Failed("timeout", alertId, host, $"no answer within {_options.Timeout.TotalSeconds:0.#} s");
        }
        catch (PushServiceClientException ex) when (ex.StatusCode is System.Net.HttpStatusCode.NotFound or System.Net.HttpStatusCode.Gone)
        {
            Failed("gone", alertId, host, $"HTTP {(int)ex.StatusCode}: subscription removed");
            await ForgetAsync(sub.Id, stopping);
        }
        catch (PushServiceClientException ex)
        {
            Failed("rejected", alertId, host, $"HTTP {(int)ex.StatusCode}");
        }
        catch (HttpRequestException ex) when (ex.InnerException is PushEndpointRefusedException)
        {
            Failed("refused", alertId, host, "resolves to an address that is not public");
        }
        catch (HttpRequestException ex)
        {
            Failed("network", alertId, host, ex.HttpRequestError.ToString());
        }
        catch (Exception ex)
        {
            // The type only: messages of unexpected exceptions may quote the endpoint.
            Failed("error", alertId, host, ex.GetType().Name);
        }
        finally
        {
            slots.Release();
        }
    }

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

    private void Failed(string reason, long alertId, string host, string detail)
    {
        _failed.Add(1, new KeyValuePair<string, object?>("reason", reason));
        _logger.LogWarning("Web push for alert {AlertId} to {Host} failed ({Reason}): {Detail}", alertId, host, reason, detail);
    }

    private void Track(Task task)
    {
        lock (_sync)
            _inFlight.Add(task);
        task.ContinueWith(t => { lock (_sync) _inFlight.Remove(t); }, TaskScheduler.Default);
    }
}
