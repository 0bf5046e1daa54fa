using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using SmartCommunity.Hub.Persistence;

namespace SmartCommunity.Hub.Notifications;

/// <summary>
/// Events for SMS/voice gateways. Each POST carries <c>X-SC-Timestamp</c> and
/// <c>X-SC-Signature: sha256=hex(HMAC-SHA256(secret, "{timestamp}.{body}"))</c> so the gateway can reject forgeries
/// and replays, and <c>X-SC-Delivery</c>, stable across retries, so it can drop duplicates. Failures are retried with
/// exponential backoff; a delivery that never succeeds lands on the dead-letter list for admins.
/// </summary>
public sealed class WebhookChannel(IOptionsMonitor<WebhookOptions> options, IHttpClientFactory http, IDbContextFactory<HubDbContext> dbFactory,
    TimeProvider time, ILogger<WebhookChannel> logger) : IHostedService
{
    private readonly CancellationTokenSource _stopping = new();
    private readonly HashSet<Task> _inFlight = [];
    private readonly Lock _sync = new();

    public void Enqueue(string eventType, object payload)
    {
        var endpoints = options.CurrentValue.Endpoints;
        if (endpoints.Count == 0)
            return;
        var body = JsonSerializer.Serialize(new { type = eventType, at = time.GetUtcNow(), data = payload }, JsonSerializerOptions.Web);
        foreach (var endpoint in endpoints)
            Track(DeliverAsync(endpoint.Name, endpoint.Url, endpoint.Secret, eventType, body, Guid.NewGuid().ToString("N"), _stopping.Token));
    }

    /// <summary>Sends a dead letter again (admin action); it leaves the list when the send starts.</summary>
    public async Task<bool> RetryAsync(long deadLetterId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var letter = await db.WebhookDeadLetters.SingleOrDefaultAsync(d => d.Id == deadLetterId, ct);
        if (letter is null)
            return false;
        var endpoint = options.CurrentValue.Endpoints.FirstOrDefault(e => e.Name == letter.Endpoint);
        db.WebhookDeadLetters.Remove(letter);
        await db.SaveChangesAsync(ct);
        Track(DeliverAsync(letter.Endpoint, endpoint?.Url ?? letter.Url, endpoint?.Secret ?? "", letter.EventType, letter.Payload, Guid.NewGuid().ToString("N"), _stopping.Token));
        return true;
    }

    public static string Sign(string secret, string timestamp, string body)
    {
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{timestamp}.{body}"));
        return "sha256=" + Convert.ToHexStringLower(mac);
    }

    private void Track(Task task)
    {
        lock (_sync)
            _inFlight.Add(task);
        task.ContinueWith(t => { lock (_sync) _inFlight.Remove(t); }, TaskScheduler.Default);
    }

    private async Task DeliverAsync(string name, string url, string secret, string eventType, string body, string deliveryId, CancellationToken ct)
    {
        var o = options.CurrentValue;
        var client = http.CreateClient(nameof(WebhookChannel));
        client.Timeout = o.Timeout;
        string? lastError = null;
        var attempts = 0;
        for (var delay = o.FirstRetryDelay; attempts < o.MaxAttempts; delay *= 2)
        {
            attempts++;
            try
            {
                var timestamp = time.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
                using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
                request.Headers.Add("X-SC-Event", eventType);
                request.Headers.Add("X-SC-Delivery", deliveryId);
                request.Headers.Add("X-SC-Timestamp", timestamp);
                request.Headers.Add("X-SC-Signature", Sign(secret, timestamp, body));
                using var response = await client.SendAsync(request, ct);
                if (response.IsSuccessStatusCode)
                    return;
                lastError = $"HTTP {(int)response.StatusCode}";
                // 4xx other than 408/429 will not get better by retrying.
                if ((int)response.StatusCode is >= 400 and < 500 and not 408 and not 429)
                    break;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                lastError = "hub stopped before delivery";
                break;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                lastError = ex.Message;
            }
            if (attempts < o.MaxAttempts)
            {
                try
                {
                    await Task.Delay(delay, time, ct);
                }
                catch (OperationCanceledException)
                {
                    lastError = "hub stopped before delivery";
                    break;
                }
            }
        }
        logger.LogWarning("Webhook {Event} to {Endpoint} failed after {Attempts} attempts ({Error}); dead-lettered", eventType, name, attempts, lastError);
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(CancellationToken.None);
            db.WebhookDeadLetters.Add(new WebhookDeadLetter
            {
                Endpoint = name, Url = url, EventType = eventType, Payload = body, Attempts = attempts,
                LastError = lastError is { Length: > 1000 } ? lastError[..1000] : lastError, FailedAt = time.GetUtcNow(),
            });
            await db.SaveChangesAsync(CancellationToken.None);
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "Could not store the dead letter for webhook {Event} to {Endpoint}", eventType, name);
        }
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        Task[] pending;
        lock (_sync)
            pending = [.. _inFlight];
        await Task.WhenAll(pending).WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }
}
