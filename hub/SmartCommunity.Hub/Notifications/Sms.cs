using System.Net;
using System.Security;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using SmartCommunity.Domain.Notifications;
using Twilio.Clients;
using Twilio.Exceptions;
using Twilio.Rest.Api.V2010.Account;
using Twilio.Types;

namespace SmartCommunity.Hub.Notifications;

public enum SmsProvider
{
    None,
    Twilio,
    Http,
}

/// <summary>Hub:Notifications:Sms — who sends SMS (and voice calls): nobody (code default), Twilio, or a templated HTTP
/// request for providers without a .NET SDK. Secrets (Twilio's auth token, a provider's keys in headers) come from the
/// environment (e.g. <c>Hub__Notifications__Sms__Twilio__AuthToken</c>) and are never logged.</summary>
public sealed partial class SmsOptions
{
    public const string Section = "Hub:Notifications:Sms";

    public SmsProvider Provider { get; set; } = SmsProvider.None;
    public TwilioSmsOptions Twilio { get; set; } = new();
    public HttpSmsOptions Http { get; set; } = new();

    public static bool IsE164(string? phone) => phone is not null && E164().IsMatch(phone);

    [GeneratedRegex(@"^\+[1-9][0-9]{6,14}$")]
    private static partial Regex E164();

    public IEnumerable<string> Problems()
    {
        switch (Provider)
        {
            case SmsProvider.Twilio:
                if (string.IsNullOrWhiteSpace(Twilio.AccountSid))
                    yield return "Hub:Notifications:Sms:Twilio:AccountSid is required";
                if (string.IsNullOrWhiteSpace(Twilio.AuthToken))
                    yield return "Hub:Notifications:Sms:Twilio:AuthToken is required (from the environment)";
                if (!IsE164(Twilio.From))
                    yield return "Hub:Notifications:Sms:Twilio:From is the sending number in E.164 (+8613800000000)";
                if (Twilio.ApiBaseUrl is { Length: > 0 } b && !Uri.TryCreate(b, UriKind.Absolute, out _))
                    yield return "Hub:Notifications:Sms:Twilio:ApiBaseUrl is an absolute URL";
                if (Twilio.StatusCallbackUrl is { Length: > 0 } c && !Uri.TryCreate(c, UriKind.Absolute, out _))
                    yield return "Hub:Notifications:Sms:Twilio:StatusCallbackUrl is an absolute URL";
                if (Twilio.Timeout <= TimeSpan.Zero)
                    yield return "Hub:Notifications:Sms:Twilio:Timeout is above 0";
                break;
            case SmsProvider.Http:
                if (!Uri.TryCreate(Http.Url, UriKind.Absolute, out var u) || u.Scheme is not ("http" or "https"))
                    yield return "Hub:Notifications:Sms:Http:Url is an absolute http(s) URL";
                if (string.IsNullOrEmpty(Http.BodyTemplate) && Http.Method != "GET")
                    yield return "Hub:Notifications:Sms:Http:BodyTemplate is required";
                if (Http.Method is not ("GET" or "POST" or "PUT"))
                    yield return "Hub:Notifications:Sms:Http:Method is GET, POST or PUT";
                if (Http.Encoding is not ("json" or "form" or "raw"))
                    yield return "Hub:Notifications:Sms:Http:Encoding is json, form or raw";
                if (Http.Timeout <= TimeSpan.Zero)
                    yield return "Hub:Notifications:Sms:Http:Timeout is above 0";
                break;
        }
    }
}

public sealed class TwilioSmsOptions
{
    public string AccountSid { get; set; } = "";
    public string AuthToken { get; set; } = "";
    /// <summary>The sending number (E.164), also the caller id of voice calls.</summary>
    public string From { get; set; } = "";
    /// <summary>Where Twilio's REST API is (empty: https://api.twilio.com); tests point it at a local fake.</summary>
    public string? ApiBaseUrl { get; set; }
    /// <summary>Twilio reports delivery here; the outbox's idempotency key is in its query (<c>?key=</c>).</summary>
    public string? StatusCallbackUrl { get; set; }
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(15);
}

/// <summary>A provider's HTTP API as a template. Placeholders in <see cref="Url"/>, <see cref="BodyTemplate"/> and header
/// values: {phone}, {text} (the rendered message), {template} (the text's key), {param:x} (its argument x), {key} (the
/// idempotency key), {language}. Values are escaped for <see cref="Encoding"/> (json: inside a JSON string; form: URL-encoded).</summary>
public sealed class HttpSmsOptions
{
    public string Method { get; set; } = "POST";
    public string Url { get; set; } = "";
    public Dictionary<string, string> Headers { get; set; } = [];
    public string BodyTemplate { get; set; } = "";
    public string ContentType { get; set; } = "application/json";
    public string Encoding { get; set; } = "json";
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(15);
}

/// <summary>SMS through the configured provider. The text is rendered when sent, in the row's language.</summary>
public sealed class SmsChannel(IOptions<SmsOptions> options, TwilioGateway twilio, HttpSmsGateway http) : IOutboxChannel
{
    public string Name => OutboxChannels.Sms;

    public bool Enabled => options.Value.Provider != SmsProvider.None;

    public Task<SendOutcome> SendAsync(OutboxMessage message, CancellationToken ct)
    {
        if (!SmsOptions.IsE164(message.Phone))
            return Task.FromResult(SendOutcome.Dead("no phone number in E.164"));
        // A text rendered when it was enqueued (the cascade's, with its one-time code and link) is sent as it is.
        var text = message.Body ?? NotificationTexts.Render(message.Language, message.TemplateKey, message.ArgsMap());
        return options.Value.Provider switch
        {
            SmsProvider.Twilio => twilio.SendSmsAsync(message, text),
            SmsProvider.Http => http.SendAsync(message, text, ct),
            _ => Task.FromResult(SendOutcome.Dead("no SMS provider is configured (Hub:Notifications:Sms:Provider)")),
        };
    }
}

/// <summary>Voice calls (Twilio only): the text is read out in the row's language.</summary>
public sealed class VoiceChannel(IOptions<SmsOptions> options, TwilioGateway twilio) : IOutboxChannel
{
    public string Name => OutboxChannels.Voice;

    public Task<SendOutcome> SendAsync(OutboxMessage message, CancellationToken ct)
    {
        if (!SmsOptions.IsE164(message.Phone))
            return Task.FromResult(SendOutcome.Dead("no phone number in E.164"));
        if (options.Value.Provider != SmsProvider.Twilio)
            return Task.FromResult(SendOutcome.Dead("voice calls need Hub:Notifications:Sms:Provider=twilio"));
        return twilio.CallAsync(message, message.Body ?? NotificationTexts.Render(message.Language, message.TemplateKey, message.ArgsMap()));
    }
}

/// <summary>
/// Twilio's REST API through its own client library. Its HttpClient is the hub's ("Twilio", no request logging), whose
/// handler sends the requests to <see cref="TwilioSmsOptions.ApiBaseUrl"/> when set. Twilio takes no idempotency key on
/// create, so the key travels in the status callback's query, and a crash between Twilio's 201 and the row marked sent
/// sends the SMS again (at-least-once; the window is one database write).
/// </summary>
public sealed class TwilioGateway(IOptions<SmsOptions> options, IHttpClientFactory http)
{
    public const string HttpClientName = "Twilio";

    private TwilioRestClient? _client;

    private TwilioRestClient Client()
    {
        var o = options.Value.Twilio;
        return _client ??= new TwilioRestClient(o.AccountSid, o.AuthToken, o.AccountSid, httpClient: new Twilio.Http.SystemNetHttpClient(http.CreateClient(HttpClientName)));
    }

    public async Task<SendOutcome> SendSmsAsync(OutboxMessage message, string text)
    {
        var o = options.Value.Twilio;
        var create = new CreateMessageOptions(new PhoneNumber(message.Phone)) { From = new PhoneNumber(o.From), Body = text, StatusCallback = Callback(message) };
        return await CallTwilioAsync(() => MessageResource.CreateAsync(create, Client()));
    }

    public async Task<SendOutcome> CallAsync(OutboxMessage message, string text)
    {
        var o = options.Value.Twilio;
        var voice = message.Language.StartsWith("zh", StringComparison.OrdinalIgnoreCase) ? "zh-CN" : "en-US";
        var twiml = $"<Response><Say language=\"{voice}\">{SecurityElement.Escape(text)}</Say><Pause length=\"1\"/><Say language=\"{voice}\">{SecurityElement.Escape(text)}</Say></Response>";
        var create = new CreateCallOptions(new PhoneNumber(message.Phone), new PhoneNumber(o.From)) { Twiml = new Twiml(twiml), StatusCallback = Callback(message) };
        return await CallTwilioAsync(() => CallResource.CreateAsync(create, Client()));
    }

    private Uri? Callback(OutboxMessage message) =>
        options.Value.Twilio.StatusCallbackUrl is { Length: > 0 } url ? new Uri($"{url}{(url.Contains('?', StringComparison.Ordinal) ? '&' : '?')}key={Uri.EscapeDataString(message.IdempotencyKey)}") : null;

    private static async Task<SendOutcome> CallTwilioAsync(Func<Task> send)
    {
        try
        {
            await send();
            return SendOutcome.Sent;
        }
        catch (ApiException ex)
        {
            // Twilio's error code, not its message (which may quote the number).
            var error = $"Twilio HTTP {ex.Status}, code {ex.Code}";
            return ex.Status is >= 500 or 429 or 408 or 0 ? SendOutcome.Retry(error) : SendOutcome.Dead(error);
        }
        catch (ApiConnectionException)
        {
            return SendOutcome.Retry("Twilio: connection error or timeout");
        }
    }
}

/// <summary>Sends Twilio's requests to the configured base URL (scheme, host, port), keeping the path Twilio built.</summary>
public sealed class TwilioBaseUrlHandler(IOptions<SmsOptions> options) : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (options.Value.Twilio.ApiBaseUrl is { Length: > 0 } b && request.RequestUri is { } uri)
        {
            var root = new Uri(b);
            request.RequestUri = new UriBuilder(uri) { Scheme = root.Scheme, Host = root.Host, Port = root.Port }.Uri;
        }
        return base.SendAsync(request, cancellationToken);
    }
}

/// <summary>The templated HTTP channel (see <see cref="HttpSmsOptions"/>). 2xx is sent; 408, 429, 5xx and network errors
/// are retried; other answers are dead letters. Logs name the status only, never the URL's query or the headers.</summary>
public sealed partial class HttpSmsGateway(IOptions<SmsOptions> options, IHttpClientFactory http, TimeProvider time)
{
    public const string HttpClientName = "SmsHttp";

    public async Task<SendOutcome> SendAsync(OutboxMessage message, string text, CancellationToken ct)
    {
        var o = options.Value.Http;
        var args = message.ArgsMap();
        string Fill(string template, Func<string, string> escape) => Placeholder().Replace(template, m =>
        {
            var name = m.Groups[1].Value;
            var value = name switch
            {
                "phone" => message.Phone ?? "",
                "text" => text,
                "template" => message.TemplateKey,
                "key" => message.IdempotencyKey,
                "language" => message.Language,
                _ when name.StartsWith("param:", StringComparison.Ordinal) => args.GetValueOrDefault(name[6..]) ?? "",
                _ => m.Value,
            };
            return ReferenceEquals(value, m.Value) ? value : escape(value);
        });
        Func<string, string> bodyEscape = o.Encoding switch
        {
            "json" => v => JsonEncodedText.Encode(v, System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping).ToString(),
            "form" => Uri.EscapeDataString,
            _ => v => v,
        };
        using var request = new HttpRequestMessage(new HttpMethod(o.Method), Fill(o.Url, Uri.EscapeDataString));
        if (o.Method != "GET")
            request.Content = new StringContent(Fill(o.BodyTemplate, bodyEscape), Encoding.UTF8, o.ContentType);
        foreach (var (name, value) in o.Headers)
            request.Headers.TryAddWithoutValidation(name, Fill(value, v => v));
        var client = http.CreateClient(HttpClientName);
        client.Timeout = Timeout.InfiniteTimeSpan;
        using var timeout = new CancellationTokenSource(o.Timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, timeout.Token);
        try
        {
            using var response = await client.SendAsync(request, linked.Token);
            if (response.IsSuccessStatusCode)
                return SendOutcome.Sent;
            var error = $"SMS provider HTTP {(int)response.StatusCode}";
            return response.StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)response.StatusCode >= 500
                ? SendOutcome.Retry(error) : SendOutcome.Dead(error);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            return SendOutcome.Retry($"SMS provider: no answer within {o.Timeout.TotalSeconds:0.#} s");
        }
        catch (HttpRequestException ex)
        {
            return SendOutcome.Retry($"SMS provider: {ex.HttpRequestError}");
        }
    }

    [GeneratedRegex(@"\{([a-z]+(?::[A-Za-z0-9_]+)?)\}")]
    private static partial Regex Placeholder();
}
