using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using MQTTnet;
using MQTTnet.Protocol;
using SmartCommunity.Domain.Alerts;
using SmartCommunity.Hub.Alerts;
using SmartCommunity.Hub.Devices;
using SmartCommunity.Hub.People;
using SmartCommunity.Testing;

namespace SmartCommunity.Hub.Tests;

/// <summary>
/// The browser app end to end: every role's pages against the real hub (HTTP, SignalR, MQTT on
/// loopback) in Debian's Chromium. Needs dashboard/dist (`cd dashboard &amp;&amp; npm run build`).
/// </summary>
public sealed class DashboardTests : IAsyncLifetime
{
    private static readonly LocatorAssertionsToHaveCountOptions Soon = new() { Timeout = 20_000 };
    private readonly HubApp _hub = new();
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

    private Task<IPage> SignInAsync(string email, ViewportSize? viewport = null, string locale = "en-US") =>
        _browser.SignInAsync(_hub, email, viewport, locale);

    private static MqttApplicationMessage Up(string deviceId, byte[] payload) =>
        new MqttApplicationMessageBuilder().WithTopic($"sc/v1/{deviceId}/up").WithPayload(payload).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build();

    private async Task<bool> HasEndpointAsync(string path)
    {
        using var http = _hub.Anonymous();
        return (await http.GetStringAsync("/openapi/v1.json")).Contains($"\"{path}\"", StringComparison.Ordinal);
    }

    private static MqttApplicationMessage Status(string deviceId, byte[] payload) =>
        new MqttApplicationMessageBuilder().WithTopic($"sc/v1/{deviceId}/status").WithPayload(payload).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build();

    private static ILocator Cards(IPage page) => page.Locator("[data-testid=alert-card]");

    private static async Task ExpectLoadedAsync(IPage page) =>
        await Assertions.Expect(page.Locator("[data-testid=alert-list][data-loaded=true]").First).ToBeAttachedAsync(new() { Timeout = 20_000 });

    [Fact]
    public async Task SignIn_EachRole_LandsOnItsOwnPages()
    {
        var staff = await SignInAsync(World.Staff);
        await Assertions.Expect(staff.GetByTestId("alert-list")).ToBeVisibleAsync();
        await Assertions.Expect(staff.GetByTestId("site-map")).ToBeVisibleAsync(new() { Timeout = 20_000 });
        await Assertions.Expect(staff.GetByTestId("map-grid")).ToHaveCountAsync(2, Soon);
        await Assertions.Expect(staff.GetByTestId("nav-residents")).ToBeVisibleAsync();
        await Assertions.Expect(staff.GetByTestId("nav-devices")).ToHaveCountAsync(0);

        // A grid worker's plan shows only their grid.
        var worker = await SignInAsync(World.WorkerA);
        await Assertions.Expect(worker.GetByTestId("map-grid")).ToHaveCountAsync(1, Soon);
        await worker.GetByTestId("nav-residents").ClickAsync();
        await Assertions.Expect(worker.GetByTestId("resident-row")).ToHaveCountAsync(1, Soon);
        await Assertions.Expect(worker.GetByTestId("resident-row")).ToContainTextAsync("Resident A");

        var tech = await SignInAsync(World.Technician);
        await Assertions.Expect(tech.GetByTestId("devices-page")).ToBeVisibleAsync();
        await Assertions.Expect(tech.GetByTestId("fleet-table")).ToBeVisibleAsync();
        await Assertions.Expect(tech.GetByTestId("nav-board")).ToHaveCountAsync(0);

        var family = await SignInAsync(World.FamilyA, DashboardBrowser.Phone);
        await Assertions.Expect(family.GetByTestId("family-page")).ToBeVisibleAsync();
        await Assertions.Expect(family.Locator("[data-testid=resident-page] h1")).ToHaveTextAsync("Resident A", new() { Timeout = 20_000 });
        await Assertions.Expect(family.GetByTestId("resident-status")).ToHaveAttributeAsync("data-state", "ok", new() { Timeout = 20_000 });
        // Push notifications are offered once the hub has Web Push (subscribing needs a push service, not tested here).
        if (await HasEndpointAsync("/api/notifications/subscriptions"))
            await Assertions.Expect(family.GetByTestId("push-enable")).ToBeVisibleAsync(new() { Timeout = 20_000 });
        // Pages of other roles are not reachable by URL either.
        await family.GotoAsync(new Uri(_hub.BaseAddress, "/#/devices").ToString());
        await Assertions.Expect(family.GetByTestId("family-page")).ToBeVisibleAsync(new() { Timeout = 20_000 });
    }

    /// <summary>
    /// Sign-in shows only once the app knows there is no session: a catalogue that arrived before the session answer
    /// rendered it, the answer rendered it again, and what had been typed was gone (a CI run submitted an empty email).
    /// </summary>
    [Fact]
    public async Task SignIn_SessionAnswerSlowerThanTheCatalogue_WhatWasTypedIsKept()
    {
        await using var context = await _browser.Browser.NewContextAsync(new() { ViewportSize = DashboardBrowser.Desktop });
        var page = await context.NewPageAsync();
        await page.RouteAsync("**/api/auth/session", async route =>
        {
            await Task.Delay(1500);
            await route.ContinueAsync();
        });
        var session = page.WaitForResponseAsync("**/api/auth/session");
        await page.GotoAsync(_hub.BaseAddress.ToString());
        await page.GetByTestId("login-email").FillAsync(World.Staff);
        await page.GetByTestId("login-password").FillAsync(HubApp.Password);
        await session;
        await page.GetByTestId("login-submit").ClickAsync();
        await Assertions.Expect(page.GetByTestId("connection-state")).ToHaveAttributeAsync("data-state", "connected", new() { Timeout = 20_000 });
        await page.UnrouteAllAsync(new() { Behavior = UnrouteBehavior.IgnoreErrors });
    }

    [Fact]
    public async Task Sos_AppearsOnTheBoardAndOnThatFamilysPage_AndNowhereElse()
    {
        var device = await _hub.RegisterDeviceAsync("sos", residentId: _world.ResidentA);
        var staff = await SignInAsync(World.Staff);
        var workerA = await SignInAsync(World.WorkerA);
        var workerB = await SignInAsync(World.WorkerB);
        var familyA = await SignInAsync(World.FamilyA, DashboardBrowser.Phone);
        var familyB = await SignInAsync(World.FamilyB, DashboardBrowser.Phone);
        foreach (var page in new[] { staff, workerA, workerB, familyA, familyB })
            await ExpectLoadedAsync(page);

        using var mqtt = await _hub.ConnectDeviceAsync(device);
        await mqtt.PublishAsync(Up(device.Device.Id, Senml.Sos(device.Device.Id, 1)));

        foreach (var page in new[] { staff, workerA, familyA })
        {
            var card = page.Locator("[data-testid=alert-card][data-kind=sos]");
            await Assertions.Expect(card).ToHaveCountAsync(1, Soon);
            await Assertions.Expect(card).ToContainTextAsync("Resident A");
        }
        await Assertions.Expect(familyA.GetByTestId("resident-status")).ToHaveAttributeAsync("data-state", "alert", new() { Timeout = 20_000 });
        // The plan shows the alarm in grid A.
        await Assertions.Expect(staff.Locator($"[data-testid=map-grid][data-grid-id='{_world.GridA}']")).ToHaveAttributeAsync("data-state", "alarm", new() { Timeout = 20_000 });
        // Family members see, but cannot act.
        await Assertions.Expect(familyA.GetByTestId("ack-button")).ToHaveCountAsync(0);

        // The pushes have arrived where they belong; the others got none, and a fresh load agrees.
        await Assertions.Expect(Cards(workerB)).ToHaveCountAsync(0);
        await Assertions.Expect(Cards(familyB)).ToHaveCountAsync(0);
        foreach (var page in new[] { workerB, familyB })
        {
            await page.ReloadAsync();
            await Assertions.Expect(page.GetByTestId("connection-state")).ToHaveAttributeAsync("data-state", "connected", new() { Timeout = 20_000 });
            await ExpectLoadedAsync(page);
            await Assertions.Expect(Cards(page)).ToHaveCountAsync(0);
        }
        await Assertions.Expect(familyB.GetByTestId("resident-status")).ToHaveAttributeAsync("data-state", "ok", new() { Timeout = 20_000 });
        await Assertions.Expect(familyB.GetByTestId("history-item")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task HouseholdSmokeAlarm_ShowsOnTheFamilyPagesOfEveryResidentThere_AndNoOtherFamilys()
    {
        // A flat with two residents, each with a family; the kitchen smoke detector belongs to neither of them.
        using var admin = await _hub.AdminAsync();
        var home = await HubApp.PostAsync<Places.HouseholdDto>(admin, "/api/households", new Places.CreateHouseholdRequest(_world.GridA, "Bldg 1, Flat 103"));
        var families = new List<string>();
        foreach (var name in new[] { "Resident D1", "Resident D2" })
        {
            var resident = await HubApp.PostAsync<Places.ResidentDto>(admin, "/api/residents", new Places.CreateResidentRequest(home.Id, name, 1940, false));
            var email = $"family.{name[^2..].ToLowerInvariant()}@test.local";
            await HubApp.PostAsync<UserDto>(admin, "/api/users", new CreateUserRequest(email, HubApp.Password, name + "'s family", Roles.Family, null, null, [resident.Id], null));
            families.Add(email);
        }
        var smoke = await _hub.RegisterDeviceAsync("smoke", householdId: home.Id, id: "smoke-d", location: "Kitchen");
        var pages = new List<IPage>();
        foreach (var email in families)
            pages.Add(await SignInAsync(email, DashboardBrowser.Phone));
        var outsider = await SignInAsync(World.FamilyA, DashboardBrowser.Phone);
        foreach (var page in pages.Append(outsider))
            await ExpectLoadedAsync(page);

        using var mqtt = await _hub.ConnectDeviceAsync(smoke);
        await mqtt.PublishAsync(Up(smoke.Device.Id, Senml.Pack(smoke.Device.Id, 1, "{\"n\":\"smoke\",\"vb\":true}")));

        foreach (var page in pages)
        {
            await Assertions.Expect(page.Locator("[data-testid=alert-card][data-kind=smoke]")).ToHaveCountAsync(1, Soon);
            await Assertions.Expect(page.GetByTestId("resident-status")).ToHaveAttributeAsync("data-state", "alert", new() { Timeout = 20_000 });
            await Assertions.Expect(page.GetByTestId("resident-devices").Locator($"[data-device-id='{smoke.Device.Id}']")).ToHaveCountAsync(1, Soon);
            await Assertions.Expect(page.GetByTestId("history-item")).ToHaveCountAsync(1, Soon);
        }
        await outsider.ReloadAsync();
        await ExpectLoadedAsync(outsider);
        await Assertions.Expect(Cards(outsider)).ToHaveCountAsync(0);
        await Assertions.Expect(outsider.GetByTestId("resident-status")).ToHaveAttributeAsync("data-state", "ok", new() { Timeout = 20_000 });
        await Assertions.Expect(outsider.GetByTestId("history-item")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task AlertFlow_AcknowledgeDispatchCommentResolve_LeavesBoard_FamilySeesTimelineAndGivesFeedback()
    {
        var device = await _hub.RegisterDeviceAsync("sos", residentId: _world.ResidentA);
        var staff = await SignInAsync(World.Staff);
        using var mqtt = await _hub.ConnectDeviceAsync(device);
        await mqtt.PublishAsync(Up(device.Device.Id, Senml.Sos(device.Device.Id, 1)));

        var card = staff.Locator("[data-testid=alert-card][data-kind=sos]");
        await Assertions.Expect(card).ToHaveAttributeAsync("data-status", "raised", new() { Timeout = 20_000 });
        var alertId = long.Parse(await card.GetAttributeAsync("data-alert-id") ?? "0", CultureInfo.InvariantCulture);

        // A card's forms are in the document only while open: Chromium's autofill re-scans every form on the page after
        // DOM changes, and the hidden forms of a 1,000-card board stalled it for tens of seconds (docs/dashboard-benchmark.md).
        await Assertions.Expect(staff.Locator("form")).ToHaveCountAsync(0);
        await card.GetByTestId("ack-button").ClickAsync();
        await Assertions.Expect(card).ToHaveAttributeAsync("data-status", "acknowledged", new() { Timeout = 20_000 });

        // The card offers the workflow steps because the hub publishes them (it discovers them from /openapi/v1.json).
        Assert.True(await HasEndpointAsync("/api/alerts/{id}/dispatch"), "the hub's OpenAPI document lists the dispatch endpoint");
        // Dispatch: "me" is preselected, so it is two clicks.
        await card.GetByTestId("dispatch-button").ClickAsync();
        await card.GetByTestId("dispatch-confirm").ClickAsync();
        await Assertions.Expect(card).ToHaveAttributeAsync("data-status", "dispatched", new() { Timeout = 20_000 });
        await card.GetByTestId("onsite-button").ClickAsync();
        await Assertions.Expect(card).ToHaveAttributeAsync("data-status", "on_site", new() { Timeout = 20_000 });
        await card.GetByTestId("comment-button").ClickAsync();
        await Assertions.Expect(card.Locator("form")).ToHaveCountAsync(1);
        await card.GetByTestId("comment-text").FillAsync("Resident pressed it by mistake");
        await card.GetByTestId("comment-send").ClickAsync();
        await Assertions.Expect(card.GetByTestId("comment-text")).ToBeHiddenAsync(new() { Timeout = 20_000 });
        await Assertions.Expect(staff.Locator("form")).ToHaveCountAsync(0);

        await card.GetByTestId("resolve-button").ClickAsync();
        await card.GetByTestId("resolve-outcome").SelectOptionAsync("false_alarm");
        await card.GetByTestId("resolve-confirm").ClickAsync();
        await Assertions.Expect(Cards(staff)).ToHaveCountAsync(0, Soon);

        using var api = await _hub.ClientAsync(World.Staff);
        var alert = await api.GetFromJsonAsync<AlertDto>($"/api/alerts/{alertId}");
        Assert.Equal(("resolved", "false_alarm", "Staff"), (alert!.Status, alert.Outcome, alert.ResolvedBy));

        var family = await SignInAsync(World.FamilyA, DashboardBrowser.Phone);
        var item = family.Locator($"[data-testid=history-item][data-alert-id='{alertId}']");
        await Assertions.Expect(item).ToHaveAttributeAsync("data-status", "resolved", new() { Timeout = 20_000 });
        await item.Locator("summary").ClickAsync();
        await Assertions.Expect(item.GetByTestId("timeline").Locator("li")).Not.ToHaveCountAsync(0, new() { Timeout = 20_000 });
        // The hub's timeline (with the comment), and the family's feedback on the resolved alert.
        await Assertions.Expect(item.GetByTestId("timeline")).ToContainTextAsync("Resident pressed it by mistake", new() { Timeout = 20_000 });
        await item.GetByTestId("feedback-good").ClickAsync();
        await Assertions.Expect(item.GetByTestId("feedback")).ToContainTextAsync("Thank you", new() { Timeout = 20_000 });
        var rated = await api.GetFromJsonAsync<JsonElement>($"/api/alerts/{alertId}");
        Assert.Equal(5, rated.GetProperty("feedbackRating").GetInt32());
    }

    // The technician's "New secret" button: the secret is shown once with how long the old one still works.
    [Fact]
    public async Task Technician_NewSecret_ShownOnceWithTheGrace_AndTheDeviceMovesOver()
    {
        var device = await _hub.RegisterDeviceAsync("sos", residentId: _world.ResidentA, id: "ui-rot-01");
        var tech = await _browser.SignInAsync(_hub, World.Technician);
        var row = tech.Locator("[data-testid=fleet-row][data-device-id='ui-rot-01']");
        await Assertions.Expect(row).ToHaveCountAsync(1, new() { Timeout = 20_000 });

        await row.GetByTestId("rotate-secret").ClickAsync();

        await Assertions.Expect(tech.GetByTestId("credentials-grace")).ToContainTextAsync("keeps working until", new() { Timeout = 20_000 });
        var secret = await tech.GetByTestId("credentials-secret").InnerTextAsync();
        Assert.NotEqual(device.Secret, secret);
        using var old = new MqttClientFactory().CreateMqttClient();
        Assert.Equal(MqttClientConnectResultCode.Success, (await old.ConnectAsync(_hub.DeviceOptions(device.Device.Id, device.Secret))).ResultCode);
        await old.DisconnectAsync();
        using var moved = new MqttClientFactory().CreateMqttClient();
        Assert.Equal(MqttClientConnectResultCode.Success, (await moved.ConnectAsync(_hub.DeviceOptions(device.Device.Id, secret))).ResultCode);
        using var late = new MqttClientFactory().CreateMqttClient();
        Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, (await late.ConnectAsync(_hub.DeviceOptions(device.Device.Id, device.Secret))).ResultCode);
    }

    [Fact]
    public async Task Inactivity_PreAlarm_ShowsCountdownOnBoard_AndFamilyCancelsIt()
    {
        var pir = await _hub.RegisterDeviceAsync("pir", householdId: _world.HouseholdA);
        var staff = await SignInAsync(World.Staff);
        var family = await SignInAsync(World.FamilyA, DashboardBrowser.Phone);
        await ExpectLoadedAsync(family);
        await _hub.Services.GetRequiredService<AlertService>().RaiseAsync(
            new AlertSignal(pir.Device.Id, AlertKind.Inactivity, Severity.Warning, "No movement this morning", DateTimeOffset.UtcNow),
            new AlertPlace(_world.ResidentA, _world.HouseholdA, _world.GridA, _world.CommunityId), CancellationToken.None);

        // An inferred alert waits a pre-alarm window before staff are paged: the board counts it down.
        var card = staff.Locator("[data-testid=alert-card][data-kind=inactivity]");
        await Assertions.Expect(card.GetByTestId("escalation-countdown")).ToBeVisibleAsync(new() { Timeout = 20_000 });
        await Assertions.Expect(card.GetByTestId("escalation-countdown")).ToContainTextAsync("Pre-alarm");

        // The daughter sees it on her phone and calls it off: one click.
        var familyCard = family.Locator("[data-testid=alert-card][data-kind=inactivity]");
        await familyCard.GetByTestId("cancel-prealarm").ClickAsync();
        await Assertions.Expect(Cards(family)).ToHaveCountAsync(0, Soon);
        await Assertions.Expect(Cards(staff)).ToHaveCountAsync(0, Soon);
        using var api = await _hub.ClientAsync(World.Staff);
        var alerts = await api.GetFromJsonAsync<List<AlertDto>>("/api/alerts?status=resolved");
        Assert.Equal("resident_cancelled", Assert.Single(alerts!).Outcome);
    }

    [Fact]
    public async Task Board_AfterHubRestart_ReconnectsAndFetchesWhatItMissed()
    {
        var first = await _hub.RegisterDeviceAsync("sos", residentId: _world.ResidentA);
        var second = await _hub.RegisterDeviceAsync("sos", residentId: _world.ResidentB);
        var staff = await SignInAsync(World.Staff);
        using (var mqtt = await _hub.ConnectDeviceAsync(first))
            await mqtt.PublishAsync(Up(first.Device.Id, Senml.Sos(first.Device.Id, 1)));
        await Assertions.Expect(Cards(staff)).ToHaveCountAsync(1, Soon);
        var firstId = await Cards(staff).First.GetAttributeAsync("data-alert-id");

        // Same data directory, same ports: what a service restart looks like to the browser.
        await _hub.StopAsync();
        await Assertions.Expect(staff.GetByTestId("connection-state")).Not.ToHaveAttributeAsync("data-state", "connected", new() { Timeout = 20_000 });
        _hub.Start();

        // While the board is (re)connecting: a new alert, and the old one acknowledged elsewhere.
        using (var mqtt = await _hub.ConnectDeviceAsync(second))
            await mqtt.PublishAsync(Up(second.Device.Id, Senml.Sos(second.Device.Id, 1)));
        using (var api = await _hub.ClientAsync(World.Staff))
            (await api.PostAsJsonAsync($"/api/alerts/{firstId}/ack", new { })).EnsureSuccessStatusCode();

        await Assertions.Expect(staff.GetByTestId("connection-state")).ToHaveAttributeAsync("data-state", "connected", new() { Timeout = 60_000 });
        await Assertions.Expect(Cards(staff)).ToHaveCountAsync(2, Soon);
        await Assertions.Expect(staff.Locator($"[data-testid=alert-card][data-alert-id='{firstId}']")).ToHaveAttributeAsync("data-status", "acknowledged", new() { Timeout = 20_000 });
        await Assertions.Expect(staff.Locator("[data-testid=alert-card]", new() { HasText = "Resident B" })).ToHaveCountAsync(1, Soon);
        var ids = await Cards(staff).EvaluateAllAsync<string[]>("cards => cards.map(c => c.dataset.alertId)");
        Assert.Equal(ids.Length, ids.Distinct().Count());
    }

    [Fact]
    public async Task Technician_RegistersDevice_DeviceConnectsWithShownCredentials_AndTestAlarmArrives()
    {
        var tech = await SignInAsync(World.Technician);
        await tech.GetByTestId("reg-kind").SelectOptionAsync("sos");
        await tech.GetByTestId("reg-id").FillAsync("ui-sos-01");
        await tech.GetByTestId("reg-label").FillAsync("Pendant by the bed");
        await tech.GetByTestId("reg-resident").FillAsync(_world.ResidentA.ToString(CultureInfo.InvariantCulture));
        await tech.GetByTestId("reg-submit").ClickAsync();

        await Assertions.Expect(tech.GetByTestId("credentials")).ToBeVisibleAsync(new() { Timeout = 20_000 });
        await Assertions.Expect(tech.Locator("[data-testid=credentials-qr] svg")).ToBeVisibleAsync(new() { Timeout = 20_000 });
        var id = await tech.GetByTestId("credentials-id").InnerTextAsync();
        var secret = await tech.GetByTestId("credentials-secret").InnerTextAsync();
        var port = int.Parse(await tech.GetByTestId("credentials-port").InnerTextAsync(), CultureInfo.InvariantCulture);
        var username = await tech.GetByTestId("credentials-username").InnerTextAsync();
        var down = await tech.GetByTestId("credentials-down").InnerTextAsync();
        Assert.Equal(("ui-sos-01", _hub.MqttPort, "ui-sos-01"), (id, port, username));

        // A device configured only from what the page showed: connect, answer the test alarm like the firmware does.
        using var device = new MqttClientFactory().CreateMqttClient();
        uint seq = 0;
        device.ApplicationMessageReceivedAsync += async e =>
        {
            if (Encoding.UTF8.GetString(e.ApplicationMessage.Payload).Contains("\"test-alarm\"", StringComparison.Ordinal))
                await device.PublishAsync(Up(id, Senml.Pack(id, ++seq, "{\"n\":\"test\",\"vb\":true}")));
        };
        var connected = await device.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithCredentials(username, secret)
            .WithClientId(username).WithTimeout(TimeSpan.FromSeconds(10)).Build());
        Assert.Equal(MqttClientConnectResultCode.Success, connected.ResultCode);
        await device.SubscribeAsync(down, MqttQualityOfServiceLevel.AtLeastOnce);

        await tech.GetByTestId("credentials-done").ClickAsync();
        await Assertions.Expect(tech.GetByTestId("credentials")).ToBeHiddenAsync();
        var row = tech.Locator("[data-testid=fleet-row][data-device-id='ui-sos-01']");
        await Assertions.Expect(row).ToHaveCountAsync(1, Soon);
        await row.GetByTestId("test-alarm").ClickAsync();
        await Assertions.Expect(row.GetByTestId("test-result")).ToHaveAttributeAsync("data-state", "arrived", new() { Timeout = 30_000 });
        // The fleet shows it online once the next refresh comes (every 10 s).
        await Assertions.Expect(row).ToHaveAttributeAsync("data-online", "true", new() { Timeout = 30_000 });

        // The test alarm reached the duty officer's board as an alert of kind "test".
        var staff = await SignInAsync(World.Staff);
        await Assertions.Expect(staff.Locator("[data-testid=alert-card][data-kind=test]")).ToHaveCountAsync(1, Soon);
    }

    // A hub without TLS for devices (the loopback set-up): the code names no broker or CA and the page says why and
    // what to do, in the technician's language; the PNG for printing is the same document; a test alarm to a device
    // that never connected says it is offline instead of seeming to wait for an answer.
    [Fact]
    public async Task Technician_QrOnAHubWithoutTls_SaysWhyInChinese_AndThePrintablePngIsTheSameDocument()
    {
        var tech = await SignInAsync(World.Technician, locale: "zh-CN");
        await tech.GetByTestId("reg-kind").SelectOptionAsync("climate");
        await tech.GetByTestId("reg-id").FillAsync("ui-climate-zh");
        await tech.GetByTestId("reg-submit").ClickAsync();

        var tools = tech.GetByTestId("credentials-qr-tools");
        await Assertions.Expect(tools.Locator("[data-note=no_tls]")).ToContainTextAsync("固件拒绝明文 MQTT", new() { Timeout = 20_000 });
        await Assertions.Expect(tools.Locator("[data-note=no_ca]")).ToContainTextAsync("--ca-sha256");
        await Assertions.Expect(tools).ToContainTextAsync("sc-provision --port <串口> apply -r -");
        await Assertions.Expect(tech.GetByTestId("credentials-broker")).ToHaveCountAsync(0);
        var shown = QrImage.Read(await tech.GetByTestId("credentials-qr").Locator("svg").ScreenshotAsync()).Text;
        var download = await tech.RunAndWaitForDownloadAsync(() => tech.GetByTestId("credentials-png").ClickAsync());
        var printed = QrImage.Read(await File.ReadAllBytesAsync((await download.PathAsync())!));

        Assert.Equal("ui-climate-zh-provisioning.png", download.SuggestedFilename);
        Assert.Equal(shown, printed.Text);
        var document = Domain.Provisioning.ProvisioningDocument.Parse(printed.Text);
        Assert.Equal(("ui-climate-zh", "climate", null, null), (document.DeviceId, document.Profile, document.BrokerUrl, document.CaSha256));

        await tech.GetByTestId("credentials-done").ClickAsync();
        var row = tech.Locator("[data-testid=fleet-row][data-device-id='ui-climate-zh']");
        await Assertions.Expect(row).ToHaveCountAsync(1, Soon);
        await row.GetByTestId("test-alarm").ClickAsync();
        await Assertions.Expect(row.GetByTestId("test-result")).ToContainTextAsync("设备当前离线", new() { Timeout = 20_000 });
    }

    [Fact]
    public async Task ResidentPage_ShowsDevicesLatestReadingsAndCharts()
    {
        var climate = await _hub.RegisterDeviceAsync("climate", householdId: _world.HouseholdA, id: "climate-chart", location: "Bedroom");
        // Stays connected: a device that hung up would be shown offline, not low on battery.
        using var mqtt = await _hub.ConnectDeviceAsync(climate);
        uint seq = 1;
        for (var minutesAgo = 300; minutesAgo >= 0; minutesAgo -= 30)
            await mqtt.PublishAsync(Up(climate.Device.Id, Senml.Temp(climate.Device.Id, seq++, 20 + minutesAgo / 100.0, bt: Senml.Now - minutesAgo * 60)));
        await mqtt.PublishAsync(Status(climate.Device.Id, Senml.Pack(climate.Device.Id, seq, "{\"n\":\"bat\",\"u\":\"%EL\",\"v\":12}")));
        using (var api = await _hub.ClientAsync(World.Staff))
            await Eventually.GetAsync(() => api.GetStringAsync($"/api/devices/{climate.Device.Id}/readings/latest"), j => j.Contains("\"bat\"", StringComparison.Ordinal), what: "readings stored");

        var staff = await SignInAsync(World.Staff);
        await staff.GetByTestId("nav-residents").ClickAsync();
        await staff.Locator("[data-testid=resident-row]", new() { HasText = "Resident A" }).GetByRole(AriaRole.Link).ClickAsync();
        var device = staff.Locator("[data-testid=device-card][data-device-id='climate-chart']");
        await Assertions.Expect(device).ToHaveAttributeAsync("data-health", "battery", new() { Timeout = 20_000 });
        await Assertions.Expect(device.Locator("[data-reading=temp]")).ToContainTextAsync("20.00°C", new() { Timeout = 20_000 });
        await Assertions.Expect(staff.Locator("[data-testid=chart] canvas")).ToHaveCountAsync(1, Soon);
        await staff.GetByTestId("range-7d").ClickAsync();
        await Assertions.Expect(staff.GetByTestId("range-7d")).ToHaveAttributeAsync("aria-pressed", "true");
        await Assertions.Expect(staff.Locator("[data-testid=chart] canvas")).ToHaveCountAsync(1, Soon);
    }

    [Fact]
    public async Task ResidentCharts_GasAt122To125AndOneBucket_AxesKeepEveryDigitAndThePeriod()
    {
        // A smoke detector's gas reading a little over 120 ppm (its labels once read "2–5 ppm"), and a climate sensor
        // with one reading (its day chart's time axis once ran over the years 2027–2029).
        var smoke = await _hub.RegisterDeviceAsync("smoke", householdId: _world.HouseholdA, id: "smoke-axis", location: "Kitchen");
        var climate = await _hub.RegisterDeviceAsync("climate", householdId: _world.HouseholdA, id: "climate-one", location: "Home");
        var store = _hub.Services.GetRequiredService<SmartCommunity.Telemetry.ITelemetryStore>();
        var now = DateTimeOffset.UtcNow;
        await store.WriteAsync(Enumerable.Range(0, 48).Select(i => new SmartCommunity.Telemetry.TelemetryPoint(
            new(smoke.Device.Id, "gas"), now.AddMinutes(-30 * i - 1), 122 + 3 * Math.Abs(Math.Sin(i / 5.0)))).ToList(), TestContext.Current.CancellationToken);
        await store.WriteAsync([new(new(climate.Device.Id, "temp"), now.AddMinutes(-90), 21.5)], TestContext.Current.CancellationToken);

        var staff = await SignInAsync(World.Staff);
        await staff.GetByTestId("nav-residents").ClickAsync();
        await staff.Locator("[data-testid=resident-row]", new() { HasText = "Resident A" }).GetByRole(AriaRole.Link).ClickAsync();
        var gas = staff.Locator("[data-testid=chart][data-device-id='smoke-axis']");
        var temp = staff.Locator("[data-testid=chart][data-device-id='climate-one']");
        await Assertions.Expect(gas.Locator("canvas")).ToHaveCountAsync(1, Soon);
        await Assertions.Expect(temp.Locator("canvas")).ToHaveCountAsync(1, Soon);
        await Assertions.Expect(gas).Not.ToHaveAttributeAsync("data-y-labels", "[]", new() { Timeout = 20_000 });

        // Every value label fits the axis as the browser measures it, with its leading digits.
        var fit = await gas.EvaluateAsync<double[]>(@"f => {
            const labels = JSON.parse(f.dataset.yLabels);
            const ctx = document.createElement('canvas').getContext('2d');
            ctx.font = '12px system-ui, -apple-system, ""Segoe UI"", Roboto, ""Helvetica Neue"", Arial, ""Noto Sans"", sans-serif';
            return [Number(f.dataset.yAxisPx), Math.max(...labels.map(l => ctx.measureText(l).width)), labels.length];
        }");
        var labels = System.Text.Json.JsonSerializer.Deserialize<string[]>((await gas.GetAttributeAsync("data-y-labels"))!)!;
        Assert.All(labels, l => Assert.Matches(@"^12\d(\.\d)? ppm$", l));
        Assert.True(fit[1] <= fit[0], $"widest label {fit[1]:0} px on an axis of {fit[0]:0} px");
        // One bucket still gets the day it belongs to, not years.
        var span = double.Parse((await temp.GetAttributeAsync("data-x-max"))!, System.Globalization.CultureInfo.InvariantCulture)
            - double.Parse((await temp.GetAttributeAsync("data-x-min"))!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(span, 24 * 3600 - 60, 24 * 3600 + 60);

        // A year: the range switch asks the hub's history (daily buckets) and the chart spans the year.
        await staff.GetByTestId("range-1y").ClickAsync();
        await Assertions.Expect(staff.GetByTestId("range-1y")).ToHaveAttributeAsync("aria-pressed", "true");
        await Assertions.Expect(temp).ToHaveAttributeAsync("data-x-min", new System.Text.RegularExpressions.Regex(@"^\d"), new() { Timeout = 20_000 });
        await Eventually.GetAsync(async () => double.Parse((await staff.Locator("[data-testid=chart][data-device-id='climate-one']").GetAttributeAsync("data-x-max"))!, System.Globalization.CultureInfo.InvariantCulture)
            - double.Parse((await staff.Locator("[data-testid=chart][data-device-id='climate-one']").GetAttributeAsync("data-x-min"))!, System.Globalization.CultureInfo.InvariantCulture),
            s => Math.Abs(s - 365 * 24 * 3600) < 120, what: "the year chart's span");
        var csv = await staff.Locator("[data-testid=chart][data-device-id='smoke-axis']").GetByTestId("chart-csv").GetAttributeAsync("href");
        Assert.StartsWith("/api/devices/smoke-axis/readings/export.csv?name=gas", csv, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LanguageSwitch_ChangesTheUi_AndFollowsTheUserToAnotherBrowser()
    {
        var staff = await SignInAsync(World.Staff);
        await Assertions.Expect(staff.Locator("#board-heading")).ToContainTextAsync("Open alerts");
        await staff.GetByTestId("lang-switch").FocusAsync();
        await staff.GetByTestId("lang-switch").SelectOptionAsync("zh-CN");
        await Assertions.Expect(staff.Locator("#board-heading")).ToContainTextAsync("未关闭告警");
        await Assertions.Expect(staff.Locator("html")).ToHaveAttributeAsync("lang", "zh-CN");
        // Focus stays on the switch for keyboard users.
        Assert.Equal("lang-switch", await staff.EvaluateAsync<string>("() => document.activeElement?.dataset.testid ?? ''"));

        using var api = await _hub.ClientAsync(World.Staff);
        await Eventually.GetAsync(async () => (await api.GetFromJsonAsync<MeDto>("/api/me"))!.Language, l => l == "zh-CN", what: "language saved to the profile");

        // Another browser with an English locale: the profile wins.
        var elsewhere = await SignInAsync(World.Staff, locale: "en-GB");
        await Assertions.Expect(elsewhere.Locator("#board-heading")).ToContainTextAsync("未关闭告警");

        // Without a profile language, the browser's language decides.
        var family = await SignInAsync(World.FamilyB, DashboardBrowser.Phone, locale: "zh-CN");
        await Assertions.Expect(family.Locator("html")).ToHaveAttributeAsync("lang", "zh-CN");
        await Assertions.Expect(family.GetByTestId("resident-status")).ToContainTextAsync("一切正常", new() { Timeout = 20_000 });
    }

    [Fact]
    public async Task Catalogue_InChinese_KindsReadingsAndAlertsLabelledOnEveryPage()
    {
        // The CO detector is a catalogue row the dashboard has no code for: its alert, device and reading must still
        // show with their Chinese labels, units and icon.
        var co = await _hub.RegisterDeviceAsync("co", householdId: _world.HouseholdA, id: "co-kitchen", location: "Kitchen");
        var climate = await _hub.RegisterDeviceAsync("climate", householdId: _world.HouseholdA, id: "climate-zh", location: "Bedroom");
        using var coClient = await _hub.ConnectDeviceAsync(co);
        await coClient.PublishAsync(Up(co.Device.Id, Senml.Pack(co.Device.Id, 1, "{\"n\":\"co\",\"u\":\"ppm\",\"v\":180}")));
        using var climateClient = await _hub.ConnectDeviceAsync(climate);
        await climateClient.PublishAsync(Up(climate.Device.Id, Senml.Temp(climate.Device.Id, 1, 21.5)));

        var staff = await SignInAsync(World.Staff, locale: "zh-CN");
        var card = staff.Locator("[data-testid=alert-card][data-kind=carbon_monoxide]");
        await Assertions.Expect(card.Locator(".card__title")).ToHaveTextAsync("一氧化碳", new() { Timeout = 20_000 });
        await Assertions.Expect(card.Locator(".card__icon svg[data-icon=co]")).ToHaveCountAsync(1);
        await Assertions.Expect(card).ToContainTextAsync("紧急");

        await staff.GotoAsync(new Uri(_hub.BaseAddress, $"/#/residents/{_world.ResidentA}").ToString());
        var coCard = staff.Locator("[data-testid=device-card][data-device-id='co-kitchen']");
        await Assertions.Expect(coCard).ToContainTextAsync("一氧化碳探测器", new() { Timeout = 20_000 });
        await Assertions.Expect(coCard.Locator("[data-reading=co]")).ToContainTextAsync("一氧化碳", new() { Timeout = 20_000 });
        await Assertions.Expect(coCard.Locator("[data-reading=co]")).ToContainTextAsync("180 ppm");
        var climateCard = staff.Locator("[data-testid=device-card][data-device-id='climate-zh']");
        await Assertions.Expect(climateCard.Locator("[data-reading=temp]")).ToContainTextAsync("温度", new() { Timeout = 20_000 });
        await Assertions.Expect(climateCard.Locator("[data-reading=temp]")).ToContainTextAsync("21.50°C");

        var tech = await SignInAsync(World.Technician, locale: "zh-CN");
        await Assertions.Expect(tech.Locator("[data-testid=reg-kind] option[value=co]")).ToHaveTextAsync("一氧化碳探测器");
        await Assertions.Expect(tech.GetByTestId("reg-kind").Locator("option")).ToHaveCountAsync(Enum.GetValues<Domain.Devices.DeviceKind>().Length);
        await Assertions.Expect(tech.Locator("[data-testid=fleet-row][data-device-id='co-kitchen']")).ToContainTextAsync("一氧化碳探测器", new() { Timeout = 20_000 });

        var family = await SignInAsync(World.FamilyA, DashboardBrowser.Phone, locale: "zh-CN");
        await Assertions.Expect(family.Locator("[data-testid=alert-card][data-kind=carbon_monoxide] .card__title")).ToHaveTextAsync("一氧化碳", new() { Timeout = 20_000 });
        await Assertions.Expect(family.GetByTestId("resident-status")).ToContainTextAsync("一氧化碳", new() { Timeout = 20_000 });
    }

    [Fact]
    public async Task SignIn_AfterFailedSignIns_TheOwnerIsToldOnce_InTheirLanguage()
    {
        using (var guesser = _hub.Anonymous())
        {
            for (var i = 0; i < 2; i++)
                await guesser.PostAsJsonAsync("/api/auth/login", new LoginRequest(World.FamilyA, "Wrong-password-" + i));
            await guesser.PostAsJsonAsync("/api/auth/login", new LoginRequest(World.FamilyB, "Wrong-password"));
        }

        var family = await SignInAsync(World.FamilyA, DashboardBrowser.Phone);
        var notice = family.GetByTestId("signin-failures");
        await Assertions.Expect(notice).ToContainTextAsync("2 failed sign-ins to your account");
        await Assertions.Expect(notice).ToContainTextAsync("127.0.0.1");
        await family.GetByTestId("signin-failures-dismiss").ClickAsync();
        await Assertions.Expect(notice).ToHaveCountAsync(0);

        var chinese = await SignInAsync(World.FamilyB, DashboardBrowser.Phone, locale: "zh-CN");
        await Assertions.Expect(chinese.GetByTestId("signin-failures")).ToContainTextAsync("1 次登录失败");
    }

    /// <summary>Renders the main pages with data and saves them: into docs/screenshots for the README with
    /// SC_SCREENSHOTS=1, otherwise into a temporary folder (CI never writes into the repository).</summary>
    [Fact]
    public async Task Screenshots_OfTheMainPages()
    {
        var intoDocs = Environment.GetEnvironmentVariable("SC_SCREENSHOTS") == "1";
        var dir = intoDocs ? Path.Combine(RepoPaths.Docs, "screenshots") : Path.Combine(_hub.DataDirectory, "screenshots");
        Directory.CreateDirectory(dir);

        var sos = await _hub.RegisterDeviceAsync("sos", residentId: _world.ResidentA, id: "pendant-a1");
        var climate = await _hub.RegisterDeviceAsync("climate", householdId: _world.HouseholdA, id: "climate-a1", location: "Bedroom");
        var smoke = await _hub.RegisterDeviceAsync("smoke", householdId: _world.HouseholdB, id: "smoke-b1", location: "Kitchen");
        using (var mqtt = await _hub.ConnectDeviceAsync(climate))
        {
            // A day of readings, one every 20 minutes, and a cold night.
            var now = Senml.Now;
            uint seq = 1;
            for (var t = now - 7 * 24 * 3600; t <= now; t += 1200)
            {
                var hour = DateTimeOffset.FromUnixTimeSeconds(t).ToOffset(TimeSpan.FromHours(8)).Hour;
                var temp = 21.5 + 1.8 * Math.Sin((hour - 9) / 24.0 * 2 * Math.PI) + (t % 7) / 10.0;
                await mqtt.PublishAsync(Up(climate.Device.Id, Senml.Pack(climate.Device.Id, seq++,
                    $"{{\"n\":\"temp\",\"u\":\"Cel\",\"v\":{temp.ToString("0.00", CultureInfo.InvariantCulture)}}},{{\"n\":\"hum\",\"u\":\"%RH\",\"v\":{(48 + (t % 11)).ToString(CultureInfo.InvariantCulture)}}}", bt: t)));
            }
        }
        using (var mqtt = await _hub.ConnectDeviceAsync(smoke))
        {
            await mqtt.PublishAsync(Status(smoke.Device.Id, Senml.Pack(smoke.Device.Id, 1, "{\"n\":\"bat\",\"u\":\"%EL\",\"v\":14},{\"n\":\"rssi\",\"u\":\"dBm\",\"v\":-88},{\"n\":\"fw\",\"vs\":\"2.0.1\"}")));
            await mqtt.PublishAsync(Up(smoke.Device.Id, Senml.Pack(smoke.Device.Id, 2, "{\"n\":\"smoke\",\"vb\":true}")));
        }
        using var sosClient = await _hub.ConnectDeviceAsync(sos);
        await sosClient.PublishAsync(Status(sos.Device.Id, Senml.Pack(sos.Device.Id, 1, "{\"n\":\"bat\",\"u\":\"%EL\",\"v\":91},{\"n\":\"rssi\",\"u\":\"dBm\",\"v\":-61},{\"n\":\"fw\",\"vs\":\"1.4.2\"}")));
        await sosClient.PublishAsync(Up(sos.Device.Id, Senml.Sos(sos.Device.Id, 2)));

        var staff = await SignInAsync(World.Staff);
        // The smoke detector's 14 % battery also brings a low-battery warning once supervision has run (every 30 s).
        await Assertions.Expect(staff.Locator("[data-testid=alert-card][data-severity=critical]")).ToHaveCountAsync(2, Soon);
        // One alert taken (grid B "being handled"), one still ringing (grid A "needs attention").
        await staff.Locator("[data-testid=alert-card][data-kind=smoke]").GetByTestId("ack-button").ClickAsync();
        await Assertions.Expect(staff.Locator($"[data-testid=map-grid][data-grid-id='{_world.GridB}']")).ToHaveAttributeAsync("data-state", "open", new() { Timeout = 20_000 });
        await Assertions.Expect(staff.GetByTestId("map-grid")).ToHaveCountAsync(2, Soon);
        await staff.ScreenshotAsync(new() { Path = Path.Combine(dir, "board.png") });

        await staff.GotoAsync(new Uri(_hub.BaseAddress, $"/#/residents/{_world.ResidentA}").ToString());
        await Assertions.Expect(staff.GetByTestId("chart")).Not.ToHaveCountAsync(0, new() { Timeout = 20_000 });
        await staff.ScreenshotAsync(new() { Path = Path.Combine(dir, "resident.png"), FullPage = true });

        var tech = await SignInAsync(World.Technician);
        await tech.GetByTestId("reg-kind").SelectOptionAsync("wearable");
        await tech.GetByTestId("reg-id").FillAsync("wearable-a2");
        await tech.GetByTestId("reg-resident").FillAsync(_world.ResidentA.ToString(CultureInfo.InvariantCulture));
        await tech.GetByTestId("reg-submit").ClickAsync();
        await Assertions.Expect(tech.Locator("[data-testid=credentials-qr] svg")).ToBeVisibleAsync(new() { Timeout = 20_000 });
        await Assertions.Expect(tech.GetByTestId("fleet-row")).ToHaveCountAsync(4, Soon);
        await tech.ScreenshotAsync(new() { Path = Path.Combine(dir, "devices.png"), FullPage = true });

        var family = await SignInAsync(World.FamilyA, DashboardBrowser.Phone, locale: "zh-CN");
        await Assertions.Expect(family.GetByTestId("resident-status")).ToHaveAttributeAsync("data-state", "alert", new() { Timeout = 20_000 });
        await family.ScreenshotAsync(new() { Path = Path.Combine(dir, "family-phone-zh.png") });
        Assert.All(["board.png", "resident.png", "devices.png", "family-phone-zh.png"], f => Assert.True(new FileInfo(Path.Combine(dir, f)).Length > 10_000, f));
    }
}
