using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text.Json;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using SmartCommunity.Hub.People;
using SmartCommunity.Hub.Security;
using SmartCommunity.Testing;

namespace SmartCommunity.Hub.Tests;

/// <summary>
/// Clients from other loopback addresses (127.0.0.x): the hub sees each as its own client address, as it would see a
/// care home's NAT and an attacker elsewhere. The hub is still reached at 127.0.0.1.
/// </summary>
internal static class LoopbackClients
{
    public static HttpClient From(HubApp hub, string localAddress, CookieContainer? cookies = null) =>
        new(new SocketsHttpHandler
        {
            UseCookies = cookies is not null,
            CookieContainer = cookies ?? new CookieContainer(),
            ConnectCallback = async (context, ct) =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    socket.Bind(new IPEndPoint(IPAddress.Parse(localAddress), 0));
                    await socket.ConnectAsync(context.DnsEndPoint, ct);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        }) { BaseAddress = hub.BaseAddress };

    public static Task<HttpResponseMessage> SignInAsync(this HttpClient http, string email, string password = HubApp.Password, bool cookie = false) =>
        http.PostAsJsonAsync(cookie ? "/api/auth/login?useCookies=true" : "/api/auth/login", new LoginRequest(email, password), TestContext.Current.CancellationToken);
}

/// <summary>
/// Failed sign-ins back off per (account, client) and can never lock a person out of a device they signed in from
/// before, nor a NAT's other users out of the hub; the answers do not tell which accounts exist. Fake clock.
/// </summary>
public sealed class SignInBackOffTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly HubApp _hub;

    public SignInBackOffTests() => _hub = new HubApp(time: _time);

    public async ValueTask InitializeAsync()
    {
        _hub.Start();
        await _hub.SeedWorldAsync();
    }

    public async ValueTask DisposeAsync() => await _hub.DisposeAsync();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task SignIn_FiftyWrongPasswordsFromOneAddress_OfficerStillSignsInFromKnownSessionAndFreshClients()
    {
        // The duty officer's desk: signed in before, from the care home's address.
        var desk = new CookieContainer();
        using var officer = LoopbackClients.From(_hub, "127.0.0.2", desk);
        Assert.Equal(HttpStatusCode.OK, (await officer.SignInAsync(World.Staff, cookie: true)).StatusCode);

        // Someone behind the same address guesses the officer's password.
        using var attacker = LoopbackClients.From(_hub, "127.0.0.2");
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 50; i++)
            statuses.Add((await attacker.SignInAsync(World.Staff, "Wrong-password-" + i)).StatusCode);

        // The desk signs in at once, cookie and all.
        var again = await officer.SignInAsync(World.Staff, cookie: true);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await officer.GetAsync("/api/me", Ct)).StatusCode);
        // The guesser had five tries, then waits.
        Assert.Equal(Enumerable.Repeat(HttpStatusCode.Unauthorized, 5).Concat(Enumerable.Repeat(HttpStatusCode.TooManyRequests, 45)), statuses);
        // So does a new client elsewhere (the officer's phone at home): the attack came from one address only.
        using var phone = LoopbackClients.From(_hub, "127.0.0.3");
        Assert.Equal(HttpStatusCode.OK, (await phone.SignInAsync(World.Staff)).StatusCode);
        // A new client at the attacker's address waits out the back-off, and no longer.
        using var fresh = LoopbackClients.From(_hub, "127.0.0.2");
        var waiting = await fresh.SignInAsync(World.Staff);
        Assert.Equal(HttpStatusCode.TooManyRequests, waiting.StatusCode);
        var retryAfter = waiting.Headers.RetryAfter!.Delta!.Value;
        Assert.InRange(retryAfter, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1));
        _time.Advance(retryAfter);
        Assert.Equal(HttpStatusCode.OK, (await fresh.SignInAsync(World.Staff)).StatusCode);
    }

    [Fact]
    public async Task SignIn_GuessingFromManyAddresses_NewClientsWait_KnownDeviceNever()
    {
        var desk = new CookieContainer();
        using var officer = LoopbackClients.From(_hub, "127.0.0.2", desk);
        Assert.Equal(HttpStatusCode.OK, (await officer.SignInAsync(World.Staff, cookie: true)).StatusCode);

        // Four addresses, each within its own free failures (5): together at the account's (20).
        for (var a = 10; a < 14; a++)
        {
            using var bot = LoopbackClients.From(_hub, $"127.0.0.{a}");
            for (var i = 0; i < 5; i++)
                Assert.Equal(HttpStatusCode.Unauthorized, (await bot.SignInAsync(World.Staff, $"Guess-{a}-{i}")).StatusCode);
        }

        using var newcomer = LoopbackClients.From(_hub, "127.0.0.20");
        var waiting = await newcomer.SignInAsync(World.Staff);
        Assert.Equal(HttpStatusCode.TooManyRequests, waiting.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await officer.SignInAsync(World.Staff, cookie: true)).StatusCode);
        // A forged known-device cookie is an unknown client.
        using var forger = new HttpClient(new HttpClientHandler { UseCookies = false }) { BaseAddress = _hub.BaseAddress };
        using var forged = new HttpRequestMessage(HttpMethod.Post, "/api/auth/login") { Content = JsonContent.Create(new LoginRequest(World.Staff, HubApp.Password)) };
        forged.Headers.Add("Cookie", "sc.device=CfDJ8forged");
        Assert.Equal(HttpStatusCode.TooManyRequests, (await forger.SendAsync(forged, Ct)).StatusCode);

        _time.Advance(waiting.Headers.RetryAfter!.Delta!.Value);
        Assert.Equal(HttpStatusCode.OK, (await newcomer.SignInAsync(World.Staff)).StatusCode);
    }

    [Fact]
    public async Task SignIn_NeighbourSprayingManyAccountsFromTheNat_ColleaguesWhoSignedInThereStillSignIn()
    {
        // A colleague signed in from the care home before (an API client: no cookie, only the address is known).
        using var colleague = LoopbackClients.From(_hub, "127.0.0.4");
        Assert.Equal(HttpStatusCode.OK, (await colleague.SignInAsync(World.WorkerA)).StatusCode);

        using var sprayer = LoopbackClients.From(_hub, "127.0.0.4");
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 40; i++)
            statuses.Add((await sprayer.SignInAsync($"guess{i}@test.local", "Summer-2026-password")).StatusCode);

        // The address's budget across accounts (30 at once) is spent: spraying from there is slowed...
        Assert.Equal(Enumerable.Repeat(HttpStatusCode.Unauthorized, 30).Concat(Enumerable.Repeat(HttpStatusCode.TooManyRequests, 10)), statuses);
        using var stranger = LoopbackClients.From(_hub, "127.0.0.4");
        Assert.Equal(HttpStatusCode.TooManyRequests, (await stranger.SignInAsync(World.WorkerB)).StatusCode);
        // ...but the colleague, who has signed in from there before, still signs in.
        using var colleagueAgain = LoopbackClients.From(_hub, "127.0.0.4");
        Assert.Equal(HttpStatusCode.OK, (await colleagueAgain.SignInAsync(World.WorkerA)).StatusCode);
    }

    [Fact]
    public async Task SignIn_UnknownAndKnownAccountNames_AnswerIdentically()
    {
        using var a = LoopbackClients.From(_hub, "127.0.0.5");
        using var b = LoopbackClients.From(_hub, "127.0.0.6");
        for (var i = 0; i < 8; i++)
        {
            var known = await Describe(await a.SignInAsync(World.Technician, "Wrong-password-" + i));
            var unknown = await Describe(await b.SignInAsync("no.such.person@test.local", "Wrong-password-" + i));
            Assert.Equal(known, unknown);
        }
    }

    private static async Task<string> Describe(HttpResponseMessage response)
    {
        // Everything a caller sees, except what differs per request anyway (date, trace id).
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var problem = string.Join("|", body.RootElement.EnumerateObject().Where(p => p.Name != "traceId").Select(p => $"{p.Name}={p.Value}"));
        var headers = string.Join("|", response.Headers.Concat(response.Content.Headers).Where(h => h.Key is not ("Date" or "Content-Length"))
            .OrderBy(h => h.Key, StringComparer.Ordinal).Select(h => $"{h.Key}={string.Join(",", h.Value)}"));
        return $"{(int)response.StatusCode} {problem} {headers}";
    }

    [Fact]
    public async Task SignIn_AfterFailedAttempts_OwnerToldAtNextSignInAndAuditLogged()
    {
        using var guesser = LoopbackClients.From(_hub, "127.0.0.7");
        for (var i = 0; i < 3; i++)
            Assert.Equal(HttpStatusCode.Unauthorized, (await guesser.SignInAsync(World.FamilyA, "Wrong-password-" + i)).StatusCode);

        using var family = await _hub.ClientAsync(World.FamilyA);
        var me = await family.GetFromJsonAsync<JsonElement>("/api/me", Ct);
        var notice = me.GetProperty("failedSignIns");
        Assert.Equal(3, notice.GetProperty("count").GetInt32());
        Assert.Equal(["127.0.0.7"], notice.GetProperty("addresses").EnumerateArray().Select(e => e.GetString()));

        // Told once: the next sign-in has nothing to report.
        using var later = await _hub.ClientAsync(World.FamilyA);
        var next = await later.GetFromJsonAsync<JsonElement>("/api/me", Ct);
        Assert.True(!next.TryGetProperty("failedSignIns", out var none) || none.ValueKind == JsonValueKind.Null);

        using var admin = await _hub.AdminAsync();
        var audit = await admin.GetFromJsonAsync<JsonElement>($"/api/audit?user={Uri.EscapeDataString(World.FamilyA)}", Ct);
        Assert.Contains(audit.EnumerateArray(), e => e.GetProperty("detail").GetString() is { } d && d.StartsWith("3 failed sign-ins", StringComparison.Ordinal) && d.Contains("127.0.0.7", StringComparison.Ordinal));
    }
}

/// <summary>Signing out revokes the session on the server: its cookie, bearer and refresh tokens, its live connections.</summary>
public sealed class SessionTests : IAsyncLifetime
{
    private readonly HubApp _hub = new();

    public async ValueTask InitializeAsync()
    {
        _hub.Start();
        await _hub.SeedWorldAsync();
    }

    public async ValueTask DisposeAsync() => await _hub.DisposeAsync();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<JsonElement> BearerSignInAsync(string email)
    {
        using var anon = _hub.Anonymous();
        var response = await anon.SignInAsync(email);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
    }

    private HttpClient WithToken(string token)
    {
        var http = _hub.Anonymous();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    [Fact]
    public async Task Logout_BearerTokenCapturedBefore_RefusedAfter_OtherSessionsUnaffected()
    {
        var token = (await BearerSignInAsync(World.Staff)).GetProperty("accessToken").GetString()!;
        using var session = WithToken(token);
        using var otherDevice = await _hub.ClientAsync(World.Staff);
        Assert.Equal(HttpStatusCode.OK, (await session.GetAsync("/api/me", Ct)).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await session.PostAsJsonAsync("/api/auth/logout", new { }, Ct)).StatusCode);

        using var replay = WithToken(token);
        Assert.Equal(HttpStatusCode.Unauthorized, (await replay.GetAsync("/api/me", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await otherDevice.GetAsync("/api/me", Ct)).StatusCode);
    }

    [Fact]
    public async Task Logout_CookieCapturedBefore_RefusedAfter()
    {
        using var session = await CookieSession.SignInAsync(_hub, World.FamilyA);
        var captured = session.Cookies.GetCookieHeader(_hub.BaseAddress);
        Assert.Contains("sc.auth=", captured, StringComparison.Ordinal);
        var csrf = await session.CsrfTokenAsync();

        using var logout = new HttpRequestMessage(HttpMethod.Post, "/api/auth/logout") { Content = JsonContent.Create(new { }) };
        logout.Headers.Add(CsrfApi.HeaderName, csrf);
        Assert.Equal(HttpStatusCode.OK, (await session.Http.SendAsync(logout, Ct)).StatusCode);

        using var replay = new HttpClient(new HttpClientHandler { UseCookies = false }) { BaseAddress = _hub.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/me");
        request.Headers.Add("Cookie", captured);
        Assert.Equal(HttpStatusCode.Unauthorized, (await replay.SendAsync(request, Ct)).StatusCode);
    }

    [Fact]
    public async Task Cookie_ReissuedAfterTheSecurityStampCheck_KeepsItsSession_AndLogoutStillRevokesIt()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var hub = new HubApp(time: time).Start();
        using var session = await CookieSession.SignInAsync(hub, HubApp.AdminEmail);
        var issued = session.Cookies.GetCookies(hub.BaseAddress)["sc.auth"]!.Value;

        // Past Identity's stamp-validation interval (30 min) the cookie is rebuilt from the user and re-issued.
        time.Advance(TimeSpan.FromMinutes(31));
        Assert.Equal(HttpStatusCode.OK, (await session.Http.GetAsync("/api/me", Ct)).StatusCode);
        Assert.NotEqual(issued, session.Cookies.GetCookies(hub.BaseAddress)["sc.auth"]!.Value);
        var captured = session.Cookies.GetCookieHeader(hub.BaseAddress);

        using var logout = new HttpRequestMessage(HttpMethod.Post, "/api/auth/logout") { Content = JsonContent.Create(new { }) };
        logout.Headers.Add(CsrfApi.HeaderName, await session.CsrfTokenAsync());
        Assert.Equal(HttpStatusCode.OK, (await session.Http.SendAsync(logout, Ct)).StatusCode);
        using var replay = new HttpClient(new HttpClientHandler { UseCookies = false }) { BaseAddress = hub.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/me");
        request.Headers.Add("Cookie", captured);
        Assert.Equal(HttpStatusCode.Unauthorized, (await replay.SendAsync(request, Ct)).StatusCode);
    }

    [Fact]
    public async Task Refresh_ValidToken_NewTokensWork_AndAfterLogoutBothRefused()
    {
        var first = await BearerSignInAsync(World.WorkerA);
        var refreshToken = first.GetProperty("refreshToken").GetString()!;
        using var anon = _hub.Anonymous();

        var refreshed = await anon.PostAsJsonAsync("/api/auth/refresh", new { refreshToken }, Ct);
        Assert.Equal(HttpStatusCode.OK, refreshed.StatusCode);
        Assert.Equal("no-store", refreshed.Headers.CacheControl?.ToString());
        var second = await refreshed.Content.ReadFromJsonAsync<JsonElement>(Ct);
        using var renewed = WithToken(second.GetProperty("accessToken").GetString()!);
        Assert.Equal(HttpStatusCode.OK, (await renewed.GetAsync("/api/me", Ct)).StatusCode);

        // Signing out with the refreshed token ends the whole session: the first token and the refresh token too.
        Assert.Equal(HttpStatusCode.OK, (await renewed.PostAsJsonAsync("/api/auth/logout", new { }, Ct)).StatusCode);
        using var original = WithToken(first.GetProperty("accessToken").GetString()!);
        Assert.Equal(HttpStatusCode.Unauthorized, (await original.GetAsync("/api/me", Ct)).StatusCode);
        var refused = await anon.PostAsJsonAsync("/api/auth/refresh", new { refreshToken }, Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        var garbage = await anon.PostAsJsonAsync("/api/auth/refresh", new { refreshToken = "not-a-token" }, Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, garbage.StatusCode);
    }

    [Fact]
    public async Task Logout_RevokedSession_StaysRevokedAfterRestart()
    {
        var token = (await BearerSignInAsync(World.Technician)).GetProperty("accessToken").GetString()!;
        using (var session = WithToken(token))
            Assert.Equal(HttpStatusCode.OK, (await session.PostAsJsonAsync("/api/auth/logout", new { }, Ct)).StatusCode);

        await _hub.StopAsync();
        _hub.Start();

        using var replay = WithToken(token);
        Assert.Equal(HttpStatusCode.Unauthorized, (await replay.GetAsync("/api/me", Ct)).StatusCode);
    }

    [Fact]
    public async Task Logout_OpenSignalRConnection_IsClosed()
    {
        var token = (await BearerSignInAsync(World.Staff)).GetProperty("accessToken").GetString()!;
        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(_hub.BaseAddress, "/hubs/alerts"), o => o.AccessTokenProvider = () => Task.FromResult<string?>(token))
            .Build();
        await using (connection)
        {
            var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            connection.Closed += _ => { closed.TrySetResult(); return Task.CompletedTask; };
            await connection.StartSubscribedAsync();

            using var session = WithToken(token);
            Assert.Equal(HttpStatusCode.OK, (await session.PostAsJsonAsync("/api/auth/logout", new { }, Ct)).StatusCode);

            await closed.Task.WaitAsync(TimeSpan.FromSeconds(20), Ct);
            Assert.Equal(HubConnectionState.Disconnected, connection.State);
            await Assert.ThrowsAnyAsync<Exception>(() => connection.StartAsync(Ct));
        }
    }
}

/// <summary>Cookie-authenticated SignalR connections only from the hub's own origin or a listed one.</summary>
public sealed class HubOriginTests : IAsyncLifetime
{
    private const string Listed = "https://board.example.org";
    private readonly HubApp _hub = new(settings: new Dictionary<string, string?> { ["Hub:Cors:AllowedOrigins:0"] = Listed });

    public async ValueTask InitializeAsync()
    {
        _hub.Start();
        await _hub.SeedWorldAsync();
    }

    public async ValueTask DisposeAsync() => await _hub.DisposeAsync();

    /// <summary>A raw WebSocket upgrade to the hub, as a page's script would open it (SignalR lets a client skip negotiate).</summary>
    private async Task<HttpStatusCode> UpgradeAsync(string? origin, CookieContainer? cookies, string query = "")
    {
        using var ws = new ClientWebSocket();
        ws.Options.CollectHttpResponseDetails = true;
        if (cookies is not null)
            ws.Options.Cookies = cookies;
        if (origin is not null)
            ws.Options.SetRequestHeader("Origin", origin);
        try
        {
            await ws.ConnectAsync(new Uri($"ws://127.0.0.1:{_hub.HttpPort}/hubs/alerts{query}"), TestContext.Current.CancellationToken);
        }
        catch (WebSocketException)
        {
            return ws.HttpStatusCode;
        }
        var status = ws.HttpStatusCode;
        ws.Abort();
        return status;
    }

    [Fact]
    public async Task AlertsHub_CookieWebSocketFromForeignOrigin_Refused_OwnAndListedOriginsAccepted()
    {
        using var session = await CookieSession.SignInAsync(_hub, World.Staff);

        // Another port on the same host is the same site (the SameSite cookie goes along), but another origin.
        Assert.Equal(HttpStatusCode.Forbidden, await UpgradeAsync("http://127.0.0.1:1", session.Cookies));
        Assert.Equal(HttpStatusCode.Forbidden, await UpgradeAsync("https://evil.example", session.Cookies));
        Assert.Equal(HttpStatusCode.SwitchingProtocols, await UpgradeAsync($"http://127.0.0.1:{_hub.HttpPort}", session.Cookies));
        Assert.Equal(HttpStatusCode.SwitchingProtocols, await UpgradeAsync(Listed, session.Cookies));
        // Not a browser (no Origin): it cannot be carrying someone else's cookie.
        Assert.Equal(HttpStatusCode.SwitchingProtocols, await UpgradeAsync(null, session.Cookies));
    }

    [Fact]
    public async Task AlertsHub_BearerTokenWebSocket_AnyOrigin_Accepted()
    {
        var token = await _hub.TokenAsync(World.Staff);

        Assert.Equal(HttpStatusCode.SwitchingProtocols, await UpgradeAsync("https://evil.example", null, "?access_token=" + Uri.EscapeDataString(token)));
    }
}

/// <summary>Personal data and tokens are never kept in a browser's or proxy's cache.</summary>
public sealed class NoStoreTests : IAsyncLifetime
{
    private readonly HubApp _hub = new();

    public async ValueTask InitializeAsync()
    {
        _hub.Start();
        await _hub.SeedWorldAsync();
    }

    public async ValueTask DisposeAsync() => await _hub.DisposeAsync();

    [Fact]
    public async Task ApiResponses_EveryGetWithoutParameters_AndSignIn_CarryNoStore()
    {
        // Every GET under /api the hub maps without route parameters, as the admin (who may read them all).
        var paths = _hub.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()?.HttpMethods.Contains("GET") == true)
            .Select(e => "/" + (e.RoutePattern.RawText ?? "").TrimStart('/'))
            .Where(p => p.StartsWith("/api/", StringComparison.Ordinal) && !p.Contains('{', StringComparison.Ordinal))
            .Distinct().ToList();
        Assert.Contains("/api/residents", paths);
        Assert.Contains("/api/me", paths);
        using var admin = await _hub.AdminAsync();
        var missing = new List<string>();
        foreach (var path in paths)
        {
            var response = await admin.GetAsync(path, TestContext.Current.CancellationToken);
            if (response.Headers.CacheControl?.NoStore != true)
                missing.Add($"{path} ({(int)response.StatusCode})");
        }
        using var anon = _hub.Anonymous();
        var token = await anon.SignInAsync(HubApp.AdminEmail);
        if (token.Headers.CacheControl?.NoStore != true)
            missing.Add("POST /api/auth/login (the bearer token)");

        Assert.True(missing.Count == 0, "without Cache-Control: no-store: " + string.Join(", ", missing));
    }
}

/// <summary>Two instances on one PostgreSQL database: a sign-out on one reaches the other.</summary>
public sealed class SessionClusterTests : IAsyncLifetime
{
    private readonly string _database = ClusterServers.PostgresDatabase(ClusterServers.NewDatabaseName());
    private readonly List<HubApp> _hubs = [];

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        try
        {
            await HubApp.DisposeAllAsync(_hubs);
        }
        finally
        {
            if (_hubs.Count > 0)
                await ClusterServers.DropDatabaseAsync(_database);
        }
    }

    private HubApp Instance()
    {
        var hub = new HubApp(settings: ClusterServers.PostgresSettings(_database, new Dictionary<string, string?> { ["Hub:SignIn:RevocationRefresh"] = "00:00:01" }));
        _hubs.Add(hub);
        return hub.Start();
    }

    [Fact]
    public async Task Logout_OnOneInstance_TokenRefusedAndConnectionClosedOnTheOther()
    {
        await ClusterServers.RequirePostgresAsync();
        var a = Instance();
        var b = Instance();
        var token = await a.TokenAsync(HubApp.AdminEmail);
        using var onB = b.Anonymous();
        onB.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        Assert.Equal(HttpStatusCode.OK, (await onB.GetAsync("/api/me", TestContext.Current.CancellationToken)).StatusCode);
        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(b.BaseAddress, "/hubs/alerts"), o => o.AccessTokenProvider = () => Task.FromResult<string?>(token))
            .Build();
        await using (connection)
        {
            var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            connection.Closed += _ => { closed.TrySetResult(); return Task.CompletedTask; };
            await connection.StartSubscribedAsync();

            using var onA = a.Anonymous();
            onA.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            Assert.Equal(HttpStatusCode.OK, (await onA.PostAsJsonAsync("/api/auth/logout", new { }, TestContext.Current.CancellationToken)).StatusCode);

            // B re-reads the list every second, requests or not, and closes the session's connection...
            await closed.Task.WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken);
            // ...and refuses its token.
            Assert.Equal(HttpStatusCode.Unauthorized, (await onB.GetAsync("/api/me", TestContext.Current.CancellationToken)).StatusCode);
        }
    }
}
