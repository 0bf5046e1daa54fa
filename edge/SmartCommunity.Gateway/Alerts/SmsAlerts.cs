using System.Collections.Frozen;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using SmartCommunity.Domain.Catalog;
using SmartCommunity.Domain.Notifications;
using SmartCommunity.Gateway.Devices;

namespace SmartCommunity.Gateway.Alerts;

/// <summary>The SMS a duty phone gets for a local alert, per language (placeholders: {kind}, {device}, {deviceKind}, {time}).
/// No reply code, unlike the hub's page: the gateway receives no SMS. One segment with realistic arguments (a test counts).</summary>
public static class SmsTexts
{
    public const string LocalAlert = "sms.gateway_local_alert";

    public static readonly FrozenDictionary<string, string> En = new Dictionary<string, string>
    {
        [LocalAlert] = "ALERT {kind}: {device} ({deviceKind}), {time}. The hub is unreachable: sent by the community gateway.",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    public static readonly FrozenDictionary<string, string> ZhCn = new Dictionary<string, string>
    {
        [LocalAlert] = "告警 {kind}：{device}（{deviceKind}），{time}。中心平台无法连接，由社区网关发出。",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>The text of a local alert in <paramref name="language"/>: the alert kind and the device kind in the catalogue's
    /// words, the time in the gateway's time zone. The registry names no resident or place, so the device id stands for them.</summary>
    public static string Render(string language, LocalAlert alert, string? deviceKind, TimeZoneInfo zone)
    {
        var chinese = CatalogTexts.For(language) == CatalogTexts.ZhCn;
        var catalog = CatalogTexts.For(language);
        var args = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["kind"] = catalog.GetValueOrDefault("alert_kind." + alert.Kind, alert.Kind),
            ["device"] = alert.DeviceId,
            ["deviceKind"] = deviceKind is null ? "?" : catalog.GetValueOrDefault("device_kind." + deviceKind, deviceKind),
            ["time"] = TimeZoneInfo.ConvertTime(alert.RaisedAt, zone).ToString("MM-dd HH:mm", CultureInfo.InvariantCulture),
        };
        return NotificationTexts.Fill((chinese ? ZhCn : En)[LocalAlert], args);
    }
}

/// <summary>
/// SMS to the duty room's phones (<see cref="GatewayOptions.DutyPhones"/>) for every local alert, through Twilio's REST API
/// as the hub sends its pages (Messages.json, HTTP Basic with the account SID and auth token). Each phone's SMS is its own
/// job: a failure (network, timeout, Twilio 408/429/5xx) is retried after a doubling wait, at most
/// <see cref="GatewayOptions.SmsMaxAttempts"/> times; another answer (a wrong number, bad credentials) is given up at once.
/// An alert acknowledged on the board meanwhile is not sent again. Jobs live in memory: a restart forgets those not yet
/// sent (the alert itself is on disk and on the board). Failures are counted at <c>/status</c> and logged with Twilio's
/// error code and the number's last digits, never the token.
/// </summary>
public sealed class SmsAlerts : BackgroundService
{
    public const string HttpClientName = "Twilio";

    private readonly LocalAlerts _alerts;
    private readonly DeviceRegistry _registry;
    private readonly GatewayOptions _o;
    private readonly IHttpClientFactory _http;
    private readonly TimeProvider _time;
    private readonly ILogger<SmsAlerts> _logger;
    private readonly Channel<Job> _jobs = Channel.CreateUnbounded<Job>(new UnboundedChannelOptions { SingleReader = true });
    private long _sent;
    private long _failedAttempts;
    private long _givenUp;
    private long _pending;

    private sealed record Job(string LocalId, string Phone, string Text);

    public SmsAlerts(LocalAlerts alerts, DeviceRegistry registry, IOptions<GatewayOptions> options, IHttpClientFactory http, TimeProvider time,
        ILogger<SmsAlerts> logger)
    {
        _alerts = alerts;
        _registry = registry;
        _o = options.Value;
        _http = http;
        _time = time;
        _logger = logger;
        if (_o.DutyPhones.Count > 0)
            _alerts.Raised += Enqueue;
    }

    public SmsCounters Counters => new(Interlocked.Read(ref _sent), Interlocked.Read(ref _failedAttempts), Interlocked.Read(ref _givenUp),
        Interlocked.Read(ref _pending));

    private void Enqueue(LocalAlert alert)
    {
        var deviceKind = _registry.Find(alert.DeviceId)?.Kind;
        foreach (var phone in _o.DutyPhones)
        {
            var text = SmsTexts.Render(phone.Language ?? _o.SmsLanguage, alert, deviceKind, _time.LocalTimeZone);
            Interlocked.Increment(ref _pending);
            _jobs.Writer.TryWrite(new Job(alert.LocalId, phone.Number, text));
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var running = new List<Task>();
        try
        {
            await foreach (var job in _jobs.Reader.ReadAllAsync(stoppingToken))
            {
                // Each phone on its own: one retrying number does not hold up the next alert or the other phones.
                running.RemoveAll(t => t.IsCompleted);
                running.Add(SendAsync(job, stoppingToken));
            }
        }
        catch (OperationCanceledException)
        {
        }
        await Task.WhenAll(running);
    }

    private async Task SendAsync(Job job, CancellationToken ct)
    {
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                if (attempt > 1 && _alerts.Find(job.LocalId) is { AckAt: not null })
                {
                    _logger.LogInformation("SMS for local alert {LocalId} to …{Phone} not retried: acknowledged at the board", job.LocalId, Tail(job.Phone));
                    return;
                }
                var (outcome, error) = await PostAsync(job, ct);
                if (outcome == Outcome.Sent)
                {
                    Interlocked.Increment(ref _sent);
                    _logger.LogInformation("SMS for local alert {LocalId} sent to …{Phone}", job.LocalId, Tail(job.Phone));
                    return;
                }
                Interlocked.Increment(ref _failedAttempts);
                if (outcome == Outcome.Dead || attempt >= _o.SmsMaxAttempts)
                {
                    Interlocked.Increment(ref _givenUp);
                    _logger.LogError("SMS for local alert {LocalId} to …{Phone} given up after {Attempts} attempts: {Error}", job.LocalId, Tail(job.Phone), attempt, error);
                    return;
                }
                var wait = _o.SmsRetryMin * Math.Pow(2, attempt - 1);
                _logger.LogWarning("SMS for local alert {LocalId} to …{Phone} failed ({Error}); attempt {Next} in {Wait}", job.LocalId, Tail(job.Phone), error, attempt + 1, wait);
                await Task.Delay(wait, _time, ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        finally
        {
            Interlocked.Decrement(ref _pending);
        }
    }

    private enum Outcome
    {
        Sent,
        Retry,
        Dead,
    }

    private async Task<(Outcome, string)> PostAsync(Job job, CancellationToken ct)
    {
        var t = _o.Twilio;
        var url = new Uri(t.ApiBaseUrl!, $"/2010-04-01/Accounts/{Uri.EscapeDataString(t.AccountSid)}/Messages.json");
        using var request = new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = new FormUrlEncodedContent([new("To", job.Phone), new("From", t.From), new("Body", job.Text)]),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{t.AccountSid}:{t.AuthToken}")));
        var client = _http.CreateClient(HttpClientName);
        client.Timeout = Timeout.InfiniteTimeSpan;
        using var timeout = new CancellationTokenSource(t.Timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, timeout.Token);
        try
        {
            using var response = await client.SendAsync(request, linked.Token);
            if (response.IsSuccessStatusCode)
                return (Outcome.Sent, "");
            // Twilio's error code, not its message (which may quote the number).
            var error = $"Twilio HTTP {(int)response.StatusCode}, code {await ErrorCodeAsync(response, linked.Token)}";
            return response.StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)response.StatusCode >= 500
                ? (Outcome.Retry, error) : (Outcome.Dead, error);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            return (Outcome.Retry, $"Twilio: no answer within {t.Timeout.TotalSeconds:0.#} s");
        }
        catch (HttpRequestException ex)
        {
            return (Outcome.Retry, $"Twilio: {ex.HttpRequestError}");
        }
    }

    private static async Task<string> ErrorCodeAsync(HttpResponseMessage response, CancellationToken ct)
    {
        try
        {
            using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
            return body.RootElement.TryGetProperty("code", out var code) ? code.ToString() : "none";
        }
        catch (JsonException)
        {
            return "none";
        }
    }

    /// <summary>The number's last four digits: enough to tell the duty phones apart in a log, not a whole number.</summary>
    private static string Tail(string phone) => phone.Length > 4 ? phone[^4..] : phone;
}

public sealed record SmsCounters(long Sent, long FailedAttempts, long GivenUp, long Pending);
