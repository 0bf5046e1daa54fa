using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace SmartCommunity.Hub.Notifications;

/// <summary>
/// Events for SMS/voice gateways. Each POST carries <c>X-SC-Timestamp</c> and
/// <c>X-SC-Signature: sha256=hex(HMAC-SHA256(secret, "{timestamp}.{body}"))</c> so the gateway can reject forgeries
/// and replays, and <c>X-SC-Delivery</c>, the outbox row's idempotency key: stable across retries and restarts, so the
/// gateway can drop duplicates. Deliveries go through the outbox (one row per endpoint); the URL and secret are read
/// from the options at send time, so neither is stored in the database.
/// </summary>
public sealed class WebhookChannel(IOptionsMonitor<WebhookOptions> options, IHttpClientFactory http, INotificationOutbox outbox, TimeProvider time) : IOutboxChannel
{
    public string Name => OutboxChannels.Webhook;

    public (int MaxAttempts, TimeSpan FirstRetryDelay)? RetryPolicy => (options.CurrentValue.MaxAttempts, options.CurrentValue.FirstRetryDelay);

    /// <summary>Stores the event for every endpoint. <paramref name="key"/> names the event once (e.g. "alert-7:page-0"): the
    /// same key again is the same delivery.</summary>
    public async Task EnqueueAsync(string eventType, object payload, string key, long? alertId, CancellationToken ct)
    {
        var endpoints = options.CurrentValue.Endpoints;
        if (endpoints.Count == 0)
            return;
        var body = JsonSerializer.Serialize(new { type = eventType, at = time.GetUtcNow(), data = payload }, JsonSerializerOptions.Web);
        await outbox.EnqueueAsync([.. endpoints.Select(e => new OutgoingNotification(OutboxChannels.Webhook, e.Name, null, eventType,
            new Dictionary<string, string>(), "", $"webhook:{e.Name}:{eventType}:{key}", alertId, false, body))], ct);
    }

    /// <summary>For callers not keyed yet (the cascade, the handoff): the event goes to the outbox under a fresh key, so a
    /// repeat of the caller is a second delivery. Prefer <see cref="EnqueueAsync"/> with a key naming the event.</summary>
    public void Enqueue(string eventType, object payload) =>
        _ = EnqueueAsync(eventType, payload, Guid.NewGuid().ToString("N"), null, CancellationToken.None)
            .ContinueWith(t => _ = t.Exception, TaskContinuationOptions.OnlyOnFaulted);

    public static string Sign(string secret, string timestamp, string body)
    {
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{timestamp}.{body}"));
        return "sha256=" + Convert.ToHexStringLower(mac);
    }

    public async Task<SendOutcome> SendAsync(OutboxMessage message, CancellationToken ct)
    {
        var o = options.CurrentValue;
        if (o.Endpoints.FirstOrDefault(e => e.Name == message.Recipient) is not { } endpoint)
            return SendOutcome.Dead($"webhook endpoint '{message.Recipient}' is no longer configured");
        var body = message.Body ?? "{}";
        var client = http.CreateClient(nameof(WebhookChannel));
        client.Timeout = Timeout.InfiniteTimeSpan;
        using var timeout = new CancellationTokenSource(o.Timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, timeout.Token);
        try
        {
            var timestamp = time.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
            using var request = new HttpRequestMessage(HttpMethod.Post, endpoint.Url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
            request.Headers.Add("X-SC-Event", message.TemplateKey);
            request.Headers.Add("X-SC-Delivery", message.IdempotencyKey);
            request.Headers.Add("X-SC-Timestamp", timestamp);
            request.Headers.Add("X-SC-Signature", Sign(endpoint.Secret, timestamp, body));
            using var response = await client.SendAsync(request, linked.Token);
            if (response.IsSuccessStatusCode)
                return SendOutcome.Sent;
            var error = $"HTTP {(int)response.StatusCode}";
            // 4xx other than 408/429 will not get better by retrying.
            return (int)response.StatusCode is >= 400 and < 500 and not 408 and not 429 ? SendOutcome.Dead(error) : SendOutcome.Retry(error);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            return SendOutcome.Retry($"no answer within {o.Timeout.TotalSeconds:0.#} s");
        }
        catch (HttpRequestException ex)
        {
            return SendOutcome.Retry(ex.HttpRequestError.ToString());
        }
    }
}
