using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using SmartCommunity.Hub.Hosting;
using SmartCommunity.Hub.People;
using SmartCommunity.Hub.Security;
using SmartCommunity.Testing;

namespace SmartCommunity.Hub.Tests;

/// <summary>A browser session: the sc.auth cookie in a cookie jar, as the dashboard has it.</summary>
internal sealed class CookieSession : IDisposable
{
    private CookieSession(HttpClient http, CookieContainer cookies)
    {
        Http = http;
        Cookies = cookies;
    }

    public HttpClient Http { get; }
    public CookieContainer Cookies { get; }

    public static async Task<CookieSession> SignInAsync(HubApp hub, string email, string password = HubApp.Password)
    {
        var cookies = new CookieContainer();
        var http = new HttpClient(new HttpClientHandler { CookieContainer = cookies, UseCookies = true }) { BaseAddress = hub.BaseAddress };
        var response = await http.PostAsJsonAsync("/api/auth/login?useCookies=true", new LoginRequest(email, password));
        response.EnsureSuccessStatusCode();
        return new CookieSession(http, cookies);
    }

    public async Task<string> CsrfTokenAsync() => (await Http.GetFromJsonAsync<CsrfTokenDto>("/api/auth/csrf"))!.Token;

    public void Dispose() => Http.Dispose();
}

public sealed class AntiforgeryTests : IAsyncLifetime
{
    private readonly HubApp _hub = new();

    public async ValueTask InitializeAsync()
    {
        _hub.Start();
        await _hub.SeedWorldAsync();
    }

    public async ValueTask DisposeAsync() => await _hub.DisposeAsync();

    private static HttpRequestMessage SetLanguage(string? token = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Put, "/api/me/language") { Content = JsonContent.Create(new { language = "zh-CN" }) };
        if (token is not null)
            request.Headers.Add(CsrfApi.HeaderName, token);
        return request;
    }

    [Fact]
    public async Task CookieWrite_WithoutToken_Is400AndChangesNothing()
    {
        using var session = await CookieSession.SignInAsync(_hub, World.FamilyA);

        var response = await session.Http.SendAsync(SetLanguage(), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("1", response.Headers.GetValues(CsrfApi.RejectedHeader).Single());
        var me = await session.Http.GetFromJsonAsync<MeDto>("/api/me", TestContext.Current.CancellationToken);
        Assert.Null(me!.Language);
    }

    [Fact]
    public async Task CookieWrite_WithToken_Succeeds()
    {
        using var session = await CookieSession.SignInAsync(_hub, World.FamilyA);
        var token = await session.CsrfTokenAsync();

        var response = await session.Http.SendAsync(SetLanguage(token), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal("zh-CN", (await session.Http.GetFromJsonAsync<MeDto>("/api/me", TestContext.Current.CancellationToken))!.Language);
    }

    [Fact]
    public async Task CookieWrite_AnotherPersonsToken_Is400()
    {
        using var victim = await CookieSession.SignInAsync(_hub, World.FamilyA);
        using var attacker = await CookieSession.SignInAsync(_hub, World.FamilyB);
        // The attacker's own valid token is bound to the attacker, and its cookie half is not in the victim's jar.
        var token = await attacker.CsrfTokenAsync();

        var response = await victim.Http.SendAsync(SetLanguage(token), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task BearerWrite_WithoutToken_Succeeds()
    {
        using var client = await _hub.ClientAsync(World.FamilyA);

        var response = await client.SendAsync(SetLanguage(), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
    }

    [Fact]
    public async Task CookieRead_WithoutToken_Succeeds()
    {
        using var session = await CookieSession.SignInAsync(_hub, World.Staff);

        var response = await session.Http.GetAsync("/api/alerts", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task CookieWrite_ForbiddenEndpoint_Is403BeforeTheTokenCheck()
    {
        using var session = await CookieSession.SignInAsync(_hub, World.FamilyA);

        var response = await session.Http.PostAsJsonAsync("/api/communities", new { name = "x" }, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    /// <summary>Login CSRF: a foreign page can only post a form, and the sign-in reads only JSON.</summary>
    [Fact]
    public async Task SignIn_FormPostFromAnotherSite_Is415AndSetsNoCookie()
    {
        using var anon = _hub.Anonymous();
        using var form = new FormUrlEncodedContent(new Dictionary<string, string> { ["email"] = World.FamilyA, ["password"] = HubApp.Password });
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/auth/login?useCookies=true") { Content = form };
        request.Headers.Add("Origin", "https://evil.example");

        var response = await anon.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.False(response.Headers.Contains("Set-Cookie"));
    }
}

public sealed class CorsTests
{
    private static HttpRequestMessage Preflight(string origin) => new(HttpMethod.Options, "/api/alerts/1/ack")
    {
        Headers =
        {
            { "Origin", origin },
            { "Access-Control-Request-Method", "POST" },
            { "Access-Control-Request-Headers", "content-type,authorization" },
        },
    };

    [Fact]
    public async Task DefaultPolicy_ForeignOrigin_NoCorsHeadersAndPreflightRefused()
    {
        await using var hub = new HubApp().Start();
        using var admin = await hub.AdminAsync();
        using var read = new HttpRequestMessage(HttpMethod.Get, "/api/alerts") { Headers = { { "Origin", "https://evil.example" } } };

        var response = await admin.SendAsync(read, TestContext.Current.CancellationToken);
        var preflight = await admin.SendAsync(Preflight("https://evil.example"), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
        Assert.False(preflight.Headers.Contains("Access-Control-Allow-Origin"));
        Assert.False(preflight.Headers.Contains("Access-Control-Allow-Methods"));
        Assert.False(preflight.Headers.Contains("Access-Control-Allow-Credentials"));
    }

    [Fact]
    public async Task AllowList_ListedOrigin_AllowedWithCredentials_OtherOriginStillRefused()
    {
        await using var hub = new HubApp(settings: new Dictionary<string, string?> { ["Hub:Cors:AllowedOrigins:0"] = "https://board.example.org" }).Start();
        using var anon = hub.Anonymous();

        var listed = await anon.SendAsync(Preflight("https://board.example.org"), TestContext.Current.CancellationToken);
        var other = await anon.SendAsync(Preflight("https://evil.example"), TestContext.Current.CancellationToken);

        Assert.Equal("https://board.example.org", listed.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Equal("true", listed.Headers.GetValues("Access-Control-Allow-Credentials").Single());
        Assert.Contains("POST", listed.Headers.GetValues("Access-Control-Allow-Methods").Single(), StringComparison.Ordinal);
        Assert.False(other.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Theory]
    [InlineData("*")]
    [InlineData("https://board.example.org/path")]
    [InlineData("board.example.org")]
    public async Task AllowList_NotAnOrigin_HubRefusesToStart(string origin)
    {
        // The host logs why it refused to start: the error this test provokes.
        await using var hub = new HubApp(settings: new Dictionary<string, string?> { ["Hub:Cors:AllowedOrigins:0"] = origin })
            .ExpectLoggedErrors("Hub:Cors:AllowedOrigins");

        var error = Assert.ThrowsAny<Exception>(() => hub.Start());

        Assert.Contains("Hub:Cors:AllowedOrigins", error.ToString(), StringComparison.Ordinal);
    }
}

/// <summary>Request budgets on a FakeTimeProvider: exhausted → 429 with Retry-After, others unaffected, back after the refill.</summary>
public sealed class RateLimitTests
{
    private static HubApp Hub(FakeTimeProvider time, Dictionary<string, string?> limits) => new(settings: limits, time: time);

    private static async Task<(HttpClient A, HttpClient B)> TwoTechniciansAsync(HubApp hub)
    {
        using var admin = await hub.AdminAsync();
        foreach (var email in new[] { "tech.a@test.local", "tech.b@test.local" })
            await HubApp.PostAsync<UserDto>(admin, "/api/users", new CreateUserRequest(email, HubApp.Password, email, Roles.Technician, null, null, null, null));
        return (await hub.ClientAsync("tech.a@test.local"), await hub.ClientAsync("tech.b@test.local"));
    }

    [Fact]
    public async Task PerUser_BudgetExhausted_429WithRetryAfter_OtherUserUnaffected_BackAfterRefill()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var hub = Hub(time, new() { ["Hub:RateLimits:PerUser:Burst"] = "10", ["Hub:RateLimits:PerUser:PerMinute"] = "6" }).Start();
        using var metrics = new RateLimitedCounter(hub);
        var (a, b) = await TwoTechniciansAsync(hub);
        using var _ = a;
        using var __ = b;

        for (var i = 0; i < 10; i++)
            Assert.Equal(HttpStatusCode.OK, (await a.GetAsync("/api/me", TestContext.Current.CancellationToken)).StatusCode);
        var refused = await a.GetAsync("/api/me", TestContext.Current.CancellationToken);
        var other = await b.GetAsync("/api/me", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(10), refused.Headers.RetryAfter?.Delta);
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        Assert.Equal(1, metrics.Count("user"));

        // 6 per minute: one request's worth comes back after 10 s.
        time.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(HttpStatusCode.OK, (await a.GetAsync("/api/me", TestContext.Current.CancellationToken)).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await a.GetAsync("/api/me", TestContext.Current.CancellationToken)).StatusCode);
    }

    [Fact]
    public async Task Anonymous_BudgetPerAddress_429_SignedInPersonUnaffected()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var hub = Hub(time, new() { ["Hub:RateLimits:PerAnonymousClient:Burst"] = "5", ["Hub:RateLimits:PerAnonymousClient:PerMinute"] = "1" }).Start();
        using var metrics = new RateLimitedCounter(hub);
        using var admin = await hub.AdminAsync(); // the sign-in is one anonymous request
        using var anon = hub.Anonymous();

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 5; i++)
            statuses.Add((await anon.GetAsync("/api/me", TestContext.Current.CancellationToken)).StatusCode);

        Assert.Equal(Enumerable.Repeat(HttpStatusCode.Unauthorized, 4).Append(HttpStatusCode.TooManyRequests), statuses);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/api/me", TestContext.Current.CancellationToken)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anon.GetAsync("/health", TestContext.Current.CancellationToken)).StatusCode);
        Assert.Equal(1, metrics.Count("anonymous_client"));
    }

    [Fact]
    public async Task SignIn_BackOff_DoublesWithEachFailure_OtherAccountUnaffected_RightPasswordAfterTheWait()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var hub = Hub(time, new() { ["Hub:SignIn:FreeFailures"] = "3", ["Hub:SignIn:BackOff"] = "00:00:10" }).Start();
        using var metrics = new RateLimitedCounter(hub);
        var (a, b) = await TwoTechniciansAsync(hub);
        a.Dispose();
        b.Dispose();
        using var anon = hub.Anonymous();
        Task<HttpResponseMessage> SignIn(string email, string password) => anon.PostAsJsonAsync("/api/auth/login", new LoginRequest(email, password), TestContext.Current.CancellationToken);

        for (var i = 0; i < 3; i++)
            Assert.Equal(HttpStatusCode.Unauthorized, (await SignIn("tech.a@test.local", "Wrong-password-" + i)).StatusCode);
        // Waiting now, the right password included (the name as typed, in any case): the wait tells nothing.
        var first = await SignIn("TECH.A@test.local", HubApp.Password);
        var other = await SignIn("tech.b@test.local", HubApp.Password);
        Assert.Equal(HttpStatusCode.TooManyRequests, first.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(10), first.Headers.RetryAfter?.Delta);
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);

        // One more failure after the wait doubles the next one.
        time.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(HttpStatusCode.Unauthorized, (await SignIn("tech.a@test.local", "Wrong-password-3")).StatusCode);
        var second = await SignIn("tech.a@test.local", HubApp.Password);
        Assert.Equal(HttpStatusCode.TooManyRequests, second.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(20), second.Headers.RetryAfter?.Delta);
        Assert.Equal(2, metrics.Count("sign_in_client_account"));

        time.Advance(TimeSpan.FromSeconds(20));
        Assert.Equal(HttpStatusCode.OK, (await SignIn("tech.a@test.local", HubApp.Password)).StatusCode);
    }

    [Fact]
    public async Task SignIn_FailuresPerAddress_AcrossAccountNames_429()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var hub = Hub(time, new() { ["Hub:RateLimits:SignInFailuresPerClient:Burst"] = "4", ["Hub:RateLimits:SignInFailuresPerClient:PerMinute"] = "2" }).Start();
        using var metrics = new RateLimitedCounter(hub);
        using var anon = hub.Anonymous();
        Task<HttpResponseMessage> SignIn(string email, string password) => anon.PostAsJsonAsync("/api/auth/login", new LoginRequest(email, password), TestContext.Current.CancellationToken);

        for (var i = 0; i < 4; i++)
            Assert.Equal(HttpStatusCode.Unauthorized, (await SignIn($"guess{i}@test.local", "Guess-password-1")).StatusCode);
        var refused = await SignIn(HubApp.AdminEmail, HubApp.Password);

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(30), refused.Headers.RetryAfter?.Delta);
        Assert.Equal(1, metrics.Count("sign_in_client"));
        time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(HttpStatusCode.OK, (await SignIn(HubApp.AdminEmail, HubApp.Password)).StatusCode);
    }

    [Fact]
    public async Task SignIn_ManySuccessfulSignIns_NeverLimited()
    {
        await using var hub = new HubApp().Start();
        using var anon = hub.Anonymous();
        // Well past the failure budgets: successful sign-ins (a care home at shift change) do not use them up.
        for (var i = 0; i < 40; i++)
            Assert.Equal(HttpStatusCode.OK, (await anon.PostAsJsonAsync("/api/auth/login", new LoginRequest(HubApp.AdminEmail, HubApp.Password), TestContext.Current.CancellationToken)).StatusCode);
    }

    [Theory]
    [InlineData("Hub:RateLimits:PerUser:Burst", "0", "Hub:RateLimits")]
    [InlineData("Hub:RateLimits:SignInFailuresPerClient:PerMinute", "0", "Hub:RateLimits")]
    [InlineData("Hub:SignIn:MaxBackOff", "00:00:01", "Hub:SignIn")]
    [InlineData("Hub:SignIn:FreeFailures", "0", "Hub:SignIn")]
    public async Task Options_OutOfRange_HubRefusesToStart(string key, string value, string named)
    {
        await using var hub = new HubApp(settings: new Dictionary<string, string?> { [key] = value }).ExpectLoggedErrors(named);

        var error = Assert.ThrowsAny<Exception>(() => hub.Start());

        Assert.Contains(named, error.ToString(), StringComparison.Ordinal);
    }

    /// <summary>sc.http.rate_limited from this hub's meter only (other hubs in the test run have their own meter factory).</summary>
    private sealed class RateLimitedCounter : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly ConcurrentQueue<string> _limits = new();

        public RateLimitedCounter(HubApp hub)
        {
            var factory = hub.Services.GetRequiredService<IMeterFactory>();
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == HubMetrics.MeterName && instrument.Meter.Scope == factory && instrument.Name == "sc.http.rate_limited")
                    listener.EnableMeasurementEvents(instrument);
            };
            _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
            {
                foreach (var tag in tags)
                {
                    if (tag.Key == "limit")
                        _limits.Enqueue((string)tag.Value!);
                }
            });
            _listener.Start();
        }

        public int Count(string limit) => _limits.Count(l => l == limit);

        public void Dispose() => _listener.Dispose();
    }
}
