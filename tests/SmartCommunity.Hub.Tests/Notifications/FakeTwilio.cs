using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace SmartCommunity.Hub.Tests;

/// <summary>
/// Twilio's REST API as far as the hub uses it, on 127.0.0.1: POST /2010-04-01/Accounts/{sid}/Messages.json and Calls.json,
/// HTTP Basic auth (account SID, auth token), form-encoded parameters, answers shaped like Twilio's (201 with the resource's
/// JSON, or an error object) so that the real Twilio client parses them. <see cref="Status"/> picks the answer per request.
/// </summary>
public sealed class FakeTwilio : IAsyncDisposable
{
    public const string AccountSid = "AC00000000000000000000000000000001";
    public const string AuthToken = "twilio-auth-token-not-for-logs-0123";
    public const string From = "+15005550006";

    private readonly WebApplication _app;
    private int _sequence;

    private FakeTwilio(WebApplication app) => _app = app;

    public string Url { get; private set; } = "";
    public ConcurrentQueue<Request> Messages { get; } = new();
    public ConcurrentQueue<Request> Calls { get; } = new();
    public ConcurrentQueue<Request> Refused { get; } = new();

    /// <summary>The status to answer a valid request with (201 by default); called once per request.</summary>
    public Func<Request, int> Status { get; set; } = _ => 201;

    /// <summary>Called when a message or call is accepted (201), with the moment it arrived (bench).</summary>
    public Action<Request>? Accepted { get; set; }

    public static async Task<FakeTwilio> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var fake = new FakeTwilio(app);
        app.MapPost("/2010-04-01/Accounts/{sid}/Messages.json", (string sid, HttpContext http) => fake.HandleAsync(sid, http, "Messages"));
        app.MapPost("/2010-04-01/Accounts/{sid}/Calls.json", (string sid, HttpContext http) => fake.HandleAsync(sid, http, "Calls"));
        await app.StartAsync();
        fake.Url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return fake;
    }

    /// <summary>The hub's settings for Twilio pointed at this fake.</summary>
    public Dictionary<string, string?> Settings(string? statusCallback = "https://hub.example/twilio/status") => new()
    {
        ["Hub:Notifications:Sms:Provider"] = "twilio",
        ["Hub:Notifications:Sms:Twilio:AccountSid"] = AccountSid,
        ["Hub:Notifications:Sms:Twilio:AuthToken"] = AuthToken,
        ["Hub:Notifications:Sms:Twilio:From"] = From,
        ["Hub:Notifications:Sms:Twilio:ApiBaseUrl"] = Url,
        ["Hub:Notifications:Sms:Twilio:StatusCallbackUrl"] = statusCallback,
    };

    private async Task HandleAsync(string sid, HttpContext http, string kind)
    {
        var form = await http.Request.ReadFormAsync();
        var fields = form.ToDictionary(f => f.Key, f => f.Value.ToString(), StringComparer.Ordinal);
        var request = new Request(kind, DateTimeOffset.UtcNow, fields);
        var expected = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{AccountSid}:{AuthToken}"));
        if (sid != AccountSid || http.Request.Headers.Authorization != expected)
        {
            Refused.Enqueue(request);
            await ErrorAsync(http, 401, 20003, "Authenticate");
            return;
        }
        var status = Status(request);
        if (status != 201)
        {
            await ErrorAsync(http, status, status >= 500 ? 20500 : 21211, status >= 500 ? "Internal Server Error" : "Invalid 'To' Phone Number");
            return;
        }
        (kind == "Messages" ? Messages : Calls).Enqueue(request);
        Accepted?.Invoke(request);
        var n = Interlocked.Increment(ref _sequence).ToString("x32", CultureInfo.InvariantCulture);
        var now = DateTimeOffset.UtcNow.ToString("ddd, dd MMM yyyy HH:mm:ss +0000", CultureInfo.InvariantCulture);
        http.Response.StatusCode = 201;
        http.Response.ContentType = "application/json";
        var body = kind == "Messages"
            ? new Dictionary<string, object?>
            {
                ["sid"] = "SM" + n, ["account_sid"] = sid, ["to"] = fields.GetValueOrDefault("To"), ["from"] = fields.GetValueOrDefault("From"),
                ["body"] = fields.GetValueOrDefault("Body"), ["status"] = "queued", ["num_segments"] = "1", ["direction"] = "outbound-api",
                ["date_created"] = now, ["date_updated"] = now, ["date_sent"] = null, ["price"] = null, ["error_code"] = null, ["error_message"] = null,
                ["api_version"] = "2010-04-01", ["uri"] = $"/2010-04-01/Accounts/{sid}/Messages/SM{n}.json",
            }
            : new Dictionary<string, object?>
            {
                ["sid"] = "CA" + n, ["account_sid"] = sid, ["to"] = fields.GetValueOrDefault("To"), ["from"] = fields.GetValueOrDefault("From"),
                ["status"] = "queued", ["direction"] = "outbound-api", ["date_created"] = now, ["date_updated"] = now,
                ["api_version"] = "2010-04-01", ["uri"] = $"/2010-04-01/Accounts/{sid}/Calls/CA{n}.json",
            };
        await http.Response.WriteAsync(System.Text.Json.JsonSerializer.Serialize(body));
    }

    private static Task ErrorAsync(HttpContext http, int status, int code, string message)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = "application/json";
        return http.Response.WriteAsync(System.Text.Json.JsonSerializer.Serialize(new { code, message, more_info = $"https://www.twilio.com/docs/errors/{code}", status }));
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    /// <summary>One request: "Messages" or "Calls", when it arrived, its form fields (To, From, Body or Twiml, StatusCallback).</summary>
    public sealed record Request(string Kind, DateTimeOffset At, IReadOnlyDictionary<string, string> Fields)
    {
        /// <summary>The outbox's idempotency key, from the status callback's query.</summary>
        public string? Key => Fields.TryGetValue("StatusCallback", out var cb) && Uri.TryCreate(cb, UriKind.Absolute, out var uri)
            ? Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(uri.Query).GetValueOrDefault("key").ToString()
            : null;
    }
}
