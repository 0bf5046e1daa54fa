using System.Buffers.Binary;
using System.Text.Json;
using Microsoft.Playwright;
using MQTTnet;
using MQTTnet.Protocol;
using SmartCommunity.Testing;

namespace SmartCommunity.Hub.Tests;

/// <summary>
/// The family app as an installed web app, in Debian's Chromium against the real hub: the manifest and
/// its icons, the service worker at the root scope, Chromium's own installability check (DevTools
/// protocol), the offline shell with the last known status, and the push subscribe step as far as a
/// browser without a reachable push service goes. Needs dashboard/dist (`cd dashboard &amp;&amp; npm run build`).
/// </summary>
public sealed class InstallableAppTests : IAsyncLifetime
{
    private static readonly LocatorAssertionsToBeVisibleOptions Soon = new() { Timeout = 20_000 };
    private const string DeskPhone = "+861012345678";
    private readonly HubApp _hub = new(settings: new Dictionary<string, string?> { ["Hub:DeskPhone"] = DeskPhone });
    private World _world = null!;
    private DashboardBrowser _browser = null!;

    public async ValueTask InitializeAsync()
    {
        _hub.Start();
        _world = await _hub.SeedWorldAsync();
        _browser = await DashboardBrowser.LaunchAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _browser.DisposeAsync();
        await _hub.DisposeAsync();
    }

    /// <summary>Waits until /sw.js is active and controls the page; returns its scope.</summary>
    private static Task<string> WorkerScopeAsync(IPage page) =>
        page.EvaluateAsync<string>("() => navigator.serviceWorker.ready.then(r => r.active.scriptURL + ' ' + r.scope)");

    [Fact]
    public async Task Manifest_ServedWithItsTypeAndFields_IconsArePngsOfTheirSize()
    {
        using var http = _hub.Anonymous();
        using var manifest = await http.GetAsync("/manifest.webmanifest", TestContext.Current.CancellationToken);
        Assert.True(manifest.IsSuccessStatusCode);
        Assert.Equal("application/manifest+json", manifest.Content.Headers.ContentType?.MediaType);
        using var doc = JsonDocument.Parse(await manifest.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        var root = doc.RootElement;
        Assert.Equal("SmartCommunity", root.GetProperty("name").GetString());
        Assert.False(string.IsNullOrEmpty(root.GetProperty("short_name").GetString()));
        Assert.Equal("/#/family", root.GetProperty("start_url").GetString());
        Assert.Equal("/", root.GetProperty("scope").GetString());
        Assert.Equal("standalone", root.GetProperty("display").GetString());
        Assert.Matches("^#[0-9a-f]{6}$", root.GetProperty("theme_color").GetString());
        Assert.Matches("^#[0-9a-f]{6}$", root.GetProperty("background_color").GetString());

        var icons = root.GetProperty("icons").EnumerateArray().ToList();
        Assert.Contains(icons, i => i.GetProperty("purpose").GetString() == "maskable");
        foreach (var size in new[] { 192, 512 })
            Assert.Contains(icons, i => i.GetProperty("sizes").GetString() == $"{size}x{size}");
        foreach (var icon in icons)
        {
            var png = await http.GetByteArrayAsync(icon.GetProperty("src").GetString(), TestContext.Current.CancellationToken);
            Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);
            var width = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16, 4));
            var height = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20, 4));
            Assert.Equal(icon.GetProperty("sizes").GetString(), $"{width}x{height}");
        }

        // The worker must never be cached by HTTP: a stale one would keep an old shell after an upgrade.
        using var sw = await http.GetAsync("/sw.js", TestContext.Current.CancellationToken);
        Assert.True(sw.IsSuccessStatusCode);
        Assert.Contains("no-cache", sw.Headers.CacheControl?.ToString() ?? "", StringComparison.Ordinal);
        var index = await http.GetStringAsync("/", TestContext.Current.CancellationToken);
        Assert.Contains("rel=\"manifest\" href=\"manifest.webmanifest\"", index, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FamilyPage_InChromium_WorkerAtRootScopeAndNoInstallabilityErrors()
    {
        // A browser profile on disk: Chromium never offers to install from an incognito (in-memory) profile,
        // which is what Playwright's new contexts are.
        var profile = Directory.CreateTempSubdirectory("sc-pwa-profile-");
        using var playwright = await Playwright.CreateAsync();
        await using var context = await playwright.Chromium.LaunchPersistentContextAsync(profile.FullName, new()
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
            ViewportSize = DashboardBrowser.Phone,
            IsMobile = true,
            HasTouch = true,
        });
        var family = context.Pages.FirstOrDefault() ?? await context.NewPageAsync();
        await family.GotoAsync(_hub.BaseAddress.ToString());
        await family.GetByTestId("login-email").FillAsync(World.FamilyA);
        await family.GetByTestId("login-password").FillAsync(HubApp.Password);
        await family.GetByTestId("login-submit").ClickAsync();
        await Assertions.Expect(family.GetByTestId("family-page")).ToBeVisibleAsync(Soon);

        Assert.Equal($"{_hub.BaseAddress}sw.js {_hub.BaseAddress}", await WorkerScopeAsync(family));

        // Chromium's own verdict, as the install prompt uses it: manifest, icons, worker, secure origin.
        var cdp = await family.Context.NewCDPSessionAsync(family);
        var result = await cdp.SendAsync("Page.getInstallabilityErrors");
        var errors = result?.GetProperty("installabilityErrors");
        Assert.NotNull(errors);
        Assert.True(errors.Value.GetArrayLength() == 0, $"Chromium reports installability errors: {errors}");
        var manifest = await cdp.SendAsync("Page.getAppManifest");
        Assert.Equal(0, manifest?.GetProperty("errors").GetArrayLength());
        Assert.EndsWith("/manifest.webmanifest", manifest?.GetProperty("url").GetString(), StringComparison.Ordinal);
        await context.CloseAsync();
        profile.Delete(recursive: true);
    }

    /// <summary>The family app as a Chinese family uses it on a phone: its alert, the desk button, and offline the last
    /// known status under a Chinese banner. SC_SCREENS=/some/dir saves both screens there (for release notes).</summary>
    [Fact]
    public async Task FamilyApp_ChineseOnAPhone_AlertAndDeskThenOfflineBannerInChinese()
    {
        var device = await _hub.RegisterDeviceAsync("sos", residentId: _world.ResidentA);
        var family = await _browser.SignInAsync(_hub, World.FamilyA, DashboardBrowser.Phone, "zh-CN");
        using (var mqtt = await _hub.ConnectDeviceAsync(device))
        {
            await mqtt.PublishAsync(new MqttApplicationMessageBuilder()
                .WithTopic($"sc/v1/{device.Device.Id}/up").WithPayload(Senml.Sos(device.Device.Id, 1))
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
        }
        await Assertions.Expect(family.GetByTestId("resident-status")).ToHaveAttributeAsync("data-state", "alert", new() { Timeout = 20_000 });
        await Assertions.Expect(family.GetByTestId("call-desk")).ToContainTextAsync("致电服务台");
        await Assertions.Expect(family.Locator("html")).ToHaveAttributeAsync("lang", "zh-CN");
        await WorkerScopeAsync(family);
        var dir = Environment.GetEnvironmentVariable("SC_SCREENS");
        if (dir is { Length: > 0 })
            await family.ScreenshotAsync(new() { Path = Path.Combine(dir, "family-app-zh-CN.png"), FullPage = true });

        await family.Context.SetOfflineAsync(true);
        await family.ReloadAsync();
        await Assertions.Expect(family.GetByTestId("offline-banner")).ToContainTextAsync("离线", new() { Timeout = 20_000 });
        await Assertions.Expect(family.GetByTestId("offline-alert")).ToHaveCountAsync(1);
        if (dir is { Length: > 0 })
            await family.ScreenshotAsync(new() { Path = Path.Combine(dir, "family-app-offline-zh-CN.png"), FullPage = true });
        await family.Context.SetOfflineAsync(false);
    }

    [Fact]
    public async Task FamilyPage_OfflineReload_ShowsTheShellWithTheLastKnownStatus_ClearedAtSignOut()
    {
        var device = await _hub.RegisterDeviceAsync("sos", residentId: _world.ResidentA);
        var family = await _browser.SignInAsync(_hub, World.FamilyA, DashboardBrowser.Phone);
        await Assertions.Expect(family.GetByTestId("resident-status")).ToBeVisibleAsync(Soon);
        await Assertions.Expect(family.GetByTestId("call-desk")).ToHaveAttributeAsync("href", $"tel:{DeskPhone}");
        using (var mqtt = await _hub.ConnectDeviceAsync(device))
        {
            await mqtt.PublishAsync(new MqttApplicationMessageBuilder()
                .WithTopic($"sc/v1/{device.Device.Id}/up").WithPayload(Senml.Sos(device.Device.Id, 1))
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
        }
        await Assertions.Expect(family.GetByTestId("resident-status")).ToHaveAttributeAsync("data-state", "alert", new() { Timeout = 20_000 });
        await WorkerScopeAsync(family);

        await family.Context.SetOfflineAsync(true);
        await family.ReloadAsync();

        await Assertions.Expect(family.GetByTestId("offline-banner")).ToBeVisibleAsync(Soon);
        await Assertions.Expect(family.GetByTestId("offline-banner")).ToContainTextAsync("Offline");
        await Assertions.Expect(family.GetByTestId("offline-resident")).ToHaveCountAsync(1);
        await Assertions.Expect(family.GetByTestId("offline-resident")).ToContainTextAsync("Resident A");
        await Assertions.Expect(family.GetByTestId("offline-alert")).ToHaveCountAsync(1);
        await Assertions.Expect(family.GetByTestId("offline-alert")).ToContainTextAsync("SOS", new() { IgnoreCase = true });
        // The desk is a phone call away even without data.
        await Assertions.Expect(family.GetByTestId("call-desk")).ToHaveAttributeAsync("href", $"tel:{DeskPhone}");

        // Personal data stays out of the worker's cache: only the shell's files are there.
        var cached = await family.EvaluateAsync<string[]>(
            "async () => { const out = []; for (const k of await caches.keys()) for (const r of await (await caches.open(k)).keys()) out.push(new URL(r.url).pathname); return out; }");
        Assert.Contains("/index.html", cached);
        Assert.DoesNotContain(cached, p => p.StartsWith("/api/", StringComparison.Ordinal) || p.StartsWith("/hubs/", StringComparison.Ordinal));

        // Back online the app starts from the hub again; signing out removes the saved status.
        await family.Context.SetOfflineAsync(false);
        await Assertions.Expect(family.GetByTestId("resident-status")).ToBeVisibleAsync(Soon);
        Assert.NotNull(await family.EvaluateAsync<string?>("() => localStorage.getItem('sc.family.lastKnown')"));
        await family.GetByTestId("signout").ClickAsync();
        await Assertions.Expect(family.GetByTestId("login-email")).ToBeVisibleAsync(Soon);
        Assert.Null(await family.EvaluateAsync<string?>("() => localStorage.getItem('sc.family.lastKnown')"));
    }

    [Fact]
    public async Task PushSubscribe_InChromium_GoesAsFarAsThePushService()
    {
        var family = await _browser.SignInAsync(_hub, World.FamilyA, DashboardBrowser.Phone);
        await family.Context.GrantPermissionsAsync(["notifications"], new() { Origin = _hub.BaseAddress.ToString().TrimEnd('/') });
        var vapidKeyFetched = family.WaitForResponseAsync(r => r.Url.EndsWith("/api/notifications/vapid-public-key", StringComparison.Ordinal));
        await Assertions.Expect(family.GetByTestId("push-enable")).ToBeVisibleAsync(Soon);
        await family.GetByTestId("push-enable").ClickAsync();

        // Permission granted, the worker at / active, the hub's VAPID key fetched: all of that runs here.
        Assert.Equal(200, (await vapidKeyFetched).Status);
        Assert.Equal("granted", await family.EvaluateAsync<string>("() => Notification.permission"));
        Assert.EndsWith("/sw.js " + _hub.BaseAddress, await WorkerScopeAsync(family), StringComparison.Ordinal);
        // Where it stops: pushManager.subscribe() needs the browser vendor's push service (FCM for
        // Chromium), which this machine cannot reach, so the browser refuses and the page says so;
        // no subscription reaches the hub. WebPushTests covers the server side from a subscription on.
        await Assertions.Expect(family.GetByTestId("push-status")).ToHaveTextAsync("Could not turn on notifications.", new() { Timeout = 30_000 });
        Assert.Null(await family.EvaluateAsync<string?>("() => navigator.serviceWorker.ready.then(r => r.pushManager.getSubscription()).then(s => s && s.endpoint)"));
    }
}
