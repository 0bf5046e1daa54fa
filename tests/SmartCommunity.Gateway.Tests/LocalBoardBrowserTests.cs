using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using SmartCommunity.Testing;

namespace SmartCommunity.Gateway.Tests;

/// <summary>
/// The duty room's local board is the dashboard served by the gateway (docs/gateway.md, "The local board"): the gateway
/// runs as its own process with its uplink cut (the stand-in hub's broker stopped or not started), a device's SOS appears on the
/// board in Debian's Chromium without a reload, the acknowledgement carries the signed-in person's name to the hub.
/// Needs dashboard/dist (./test.sh builds it before the tests).
/// </summary>
public sealed class LocalBoardBrowserTests : IAsyncLifetime
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private readonly string _password = "duty-" + Guid.NewGuid().ToString("N");
    private readonly TestDevice _pendant = TestDevice.Create("sos-0001", "sos");
    private FakeHub _hub = null!;
    private GatewayProcess _gateway = null!;
    private DashboardBrowser _browser = null!;

    public async ValueTask InitializeAsync()
    {
        Assert.True(File.Exists(Path.Combine(RepoPaths.Root, "dashboard", "dist", "index.html")), "dashboard/dist is missing: cd dashboard && npm ci && npm run build");
        _hub = new FakeHub();
        _hub.Register(_pendant);
        var settings = GatewayProcess.Settings.Fresh();
        _gateway = await GatewayProcess.StartAsync(_hub, settings with { Extra = [$"--Gateway:BoardPassword={_password}"] }, Ct);
        await Eventually.GetAsync(() => _gateway.StatusAsync(Ct), s => s.GetProperty("registryDevices").GetInt32() == 1, what: "the registry synced");
        _browser = await DashboardBrowser.LaunchAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _browser.DisposeAsync();
        await _gateway.DisposeAsync();
        await _hub.DisposeAsync();
    }

    private Uri Board => new($"http://127.0.0.1:{_gateway.HttpPort}/");

    /// <summary>A fresh browser profile signed in at the gateway; console errors and page errors collected from the start.</summary>
    private async Task<(IPage Page, ConcurrentQueue<string> Errors)> SignInAsync(string name, ViewportSize viewport, string locale)
    {
        var context = await _browser.Browser.NewContextAsync(new()
        {
            ViewportSize = viewport,
            Locale = locale,
            IsMobile = viewport == DashboardBrowser.Phone,
            HasTouch = viewport == DashboardBrowser.Phone,
            ReducedMotion = ReducedMotion.Reduce,
        });
        var page = await context.NewPageAsync();
        var errors = new ConcurrentQueue<string>();
        page.Console += (_, m) =>
        {
            if (m.Type is "error" or "warning")
                errors.Enqueue($"{m.Type}: {m.Text}");
        };
        page.PageError += (_, e) => errors.Enqueue("pageerror: " + e);
        await page.GotoAsync(Board.ToString());
        await page.GetByTestId("login-name").FillAsync(name);
        await page.GetByTestId("login-password").FillAsync(_password);
        await page.GetByTestId("login-submit").ClickAsync();
        await Assertions.Expect(page.GetByTestId("connection-state")).ToHaveAttributeAsync("data-state", "connected", new() { Timeout = 20_000 });
        await Assertions.Expect(page.Locator("[data-testid=alert-list][data-loaded=true]")).ToBeAttachedAsync(new() { Timeout = 20_000 });
        return (page, errors);
    }

    /// <summary>A measured figure (printed, never asserted): shown with <c>-diagnostics</c> (xunit runner) and on stdout.</summary>
    private static void Report(string figure)
    {
        TestContext.Current.SendDiagnosticMessage(figure);
        Console.WriteLine(figure);
    }

    /// <summary>Records (in the page, by its clock) when the first SOS card is in the document.</summary>
    private static Task WatchForSosAsync(IPage page) => page.EvaluateAsync("""
        () => { window.__sosSeenAt = null;
          new MutationObserver((_, o) => { if (document.querySelector('[data-testid=alert-card][data-kind=sos]')) { window.__sosSeenAt = Date.now(); o.disconnect(); } })
            .observe(document.body, { childList: true, subtree: true }); }
        """);

    [Fact]
    public async Task LocalBoard_SosWhileUplinkCut_AppearsLiveAndAcknowledgementReachesTheHub()
    {
        await _hub.StartBrokerAsync();
        var (page, errors) = await SignInAsync("Wang Fang", DashboardBrowser.Desktop, "en-US");
        var uplink = page.GetByTestId("uplink-state");
        await Assertions.Expect(uplink).ToHaveAttributeAsync("data-state", "connected", new() { Timeout = 20_000 });
        await Assertions.Expect(uplink).ToContainTextAsync("Connected to the hub.");

        // The uplink is cut: the board says so without a reload.
        await _hub.StopBrokerAsync();
        await Assertions.Expect(uplink).ToHaveAttributeAsync("data-state", "disconnected", new() { Timeout = 20_000 });
        await Assertions.Expect(uplink).ToContainTextAsync("The hub is unreachable.");
        // The local board, only: no navigation to the hub's other pages, no resolve (the hub's staff close alerts).
        await Assertions.Expect(page.Locator(".topbar__page")).ToHaveTextAsync("Local board");
        await Assertions.Expect(page.GetByTestId("alert-card")).ToHaveCountAsync(0);

        await WatchForSosAsync(page);
        await using var device = await DeviceClient.ConnectAsync(_pendant, _gateway.MqttPort, Ct);
        var pressedAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var seq = await device.PublishAsync(DeviceClient.Sos, Ct);
        var card = page.Locator("[data-testid=alert-card][data-kind=sos]");
        await Assertions.Expect(card).ToHaveCountAsync(1, new() { Timeout = 20_000 });
        var seenAt = await page.EvaluateAsync<long>("() => window.__sosSeenAt");
        Report($"LocalBoard: SOS press → card on the gateway's board {seenAt - pressedAt} ms (no reload; uplink cut)");
        await Assertions.Expect(card).ToHaveAttributeAsync("data-status", "raised");
        await Assertions.Expect(card).ToHaveAttributeAsync("data-severity", "critical");
        await Assertions.Expect(card).ToContainTextAsync("SOS call");
        await Assertions.Expect(card).ToContainTextAsync("sos-0001");
        await Assertions.Expect(card.GetByTestId("resolve-button")).ToHaveCountAsync(0);
        // The board's alarm: a critical alert nobody has taken rings (the sign-in click unlocked audio) and the banner
        // flashes, until it is acknowledged.
        var mute = page.GetByTestId("mute-button");
        await Assertions.Expect(mute).ToHaveClassAsync(new Regex("is-ringing"));
        await Assertions.Expect(page.Locator(".critical-banner")).ToBeVisibleAsync();

        await card.GetByTestId("ack-button").ClickAsync();
        await Assertions.Expect(card).ToHaveAttributeAsync("data-status", "acknowledged", new() { Timeout = 20_000 });
        await Assertions.Expect(card).ToContainTextAsync("Acknowledged by Wang Fang");
        await Assertions.Expect(mute).Not.ToHaveClassAsync(new Regex("is-ringing"));

        // The uplink back: the gateway publishes its local alert, with the acknowledgement, before the replay; the board
        // says the hub is connected and the alert leaves it (the hub's board has it now).
        await _hub.StartBrokerAsync();
        await Eventually.TrueAsync(() => _hub.Accepted("sos-0001").Count == 1, "the SOS replayed to the hub", Ct);
        var alert = JsonDocument.Parse(_hub.Everything.First(e => e.Topic == $"sc/gw/v1/{FakeHub.GatewayId}/alert").Payload).RootElement;
        Assert.Equal("Wang Fang", alert.GetProperty("ackBy").GetString());
        Assert.Equal(JsonValueKind.String, alert.GetProperty("ackAt").ValueKind);
        Assert.Equal(seq, alert.GetProperty("seq").GetUInt32());
        await Assertions.Expect(uplink).ToHaveAttributeAsync("data-state", "connected", new() { Timeout = 20_000 });
        await Assertions.Expect(card).ToHaveCountAsync(0, new() { Timeout = 20_000 });
        Assert.Empty(errors);
    }

    [Fact]
    public async Task LocalBoard_ChineseOnAPhone_ShowsTheAlertInChineseWithoutSidewaysScrolling()
    {
        var (page, errors) = await SignInAsync("王芳", DashboardBrowser.Phone, "zh-CN");
        await Assertions.Expect(page.Locator(".topbar__page")).ToHaveTextAsync("本地看板");
        var uplink = page.GetByTestId("uplink-state");
        await Assertions.Expect(uplink).ToContainTextAsync("无法连接中心平台", new() { Timeout = 20_000 });

        await WatchForSosAsync(page);
        await using var device = await DeviceClient.ConnectAsync(_pendant, _gateway.MqttPort, Ct);
        var pressedAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await device.PublishAsync(DeviceClient.Sos, Ct);
        var card = page.Locator("[data-testid=alert-card][data-kind=sos]");
        await Assertions.Expect(card).ToHaveCountAsync(1, new() { Timeout = 20_000 });
        var seenAt = await page.EvaluateAsync<long>("() => window.__sosSeenAt");
        Report($"LocalBoard (zh-CN, 390 px): SOS press → card {seenAt - pressedAt} ms");
        await Assertions.Expect(card).ToContainTextAsync("紧急呼叫");
        var ack = card.GetByTestId("ack-button");
        await Assertions.Expect(ack).ToContainTextAsync("确认");
        await Assertions.Expect(ack).ToBeInViewportAsync();
        Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"),
            "the local board scrolls sideways at 390 px");
        await ack.ClickAsync();
        await Assertions.Expect(card).ToHaveAttributeAsync("data-status", "acknowledged", new() { Timeout = 20_000 });
        await Assertions.Expect(card).ToContainTextAsync("王芳");
        Assert.Empty(errors);
    }

    [Fact]
    public async Task LocalBoardApi_WithoutSessionOrFromAnotherSite_Refused()
    {
        using var anonymous = new BoardClient(_gateway.HttpPort);
        foreach (var path in new[] { "/api/alerts?status=open", "/api/me", "/api/gateway/info", "/api/auth/csrf" })
            Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.Http.GetAsync(new Uri(path, UriKind.Relative), Ct)).StatusCode);
        using (var negotiate = await anonymous.Http.PostAsync(new Uri("/hubs/alerts/negotiate?negotiateVersion=1", UriKind.Relative), null, Ct))
            Assert.Equal(HttpStatusCode.Unauthorized, negotiate.StatusCode);
        using (var ack = await anonymous.AcknowledgeAsync(1, Ct))
            Assert.Equal(HttpStatusCode.Unauthorized, ack.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, await anonymous.SignInAsync("Mallory", "not-the-password", Ct));
        Assert.Equal(HttpStatusCode.BadRequest, await anonymous.SignInAsync("", _password, Ct));
        // The session answers without one and says this is a gateway (the dashboard becomes the local board).
        var session = await anonymous.Http.GetFromJsonAsync<JsonElement>(new Uri("/api/auth/session", UriKind.Relative), Ct);
        Assert.False(session.GetProperty("signedIn").GetBoolean());
        Assert.Equal(FakeHub.GatewayId, session.GetProperty("gateway").GetProperty("id").GetString());
        // The old address of the board leads to the dashboard's.
        using (var old = await anonymous.Http.GetAsync(new Uri("/board", UriKind.Relative), Ct))
            Assert.Equal("/#/board", old.Headers.Location?.ToString());

        await using var device = await DeviceClient.ConnectAsync(_pendant, _gateway.MqttPort, Ct);
        await device.PublishAsync(DeviceClient.Sos, Ct);
        using var duty = new BoardClient(_gateway.HttpPort);
        Assert.Equal(HttpStatusCode.NoContent, await duty.SignInAsync("Li Lei", _password, Ct));
        var id = Assert.Single(await duty.OpenAlertsAsync(Ct)).GetProperty("id").GetInt64();
        // Signed in, but a request the browser marks as cross-site, or one without the session's anti-forgery token: refused.
        using (var crossSite = new HttpRequestMessage(HttpMethod.Post, new Uri($"/api/alerts/{id}/ack", UriKind.Relative)) { Content = JsonContent.Create(new { }) })
        {
            crossSite.Headers.Add("Sec-Fetch-Site", "cross-site");
            using var refused = await duty.Http.SendAsync(crossSite, Ct);
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        }
        duty.Http.DefaultRequestHeaders.Remove("X-CSRF-TOKEN");
        using (var noToken = await duty.AcknowledgeAsync(id, Ct))
            Assert.Equal(HttpStatusCode.BadRequest, noToken.StatusCode);
        Assert.Equal("raised", Assert.Single(await duty.OpenAlertsAsync(Ct)).GetProperty("status").GetString());
    }
}
