using System.Net.Http.Json;
using Microsoft.Playwright;
using SmartCommunity.Domain.Devices;
using SmartCommunity.Hub.Alerts;
using SmartCommunity.Testing;
using SmartCommunity.Simulator.Scenarios;

namespace SmartCommunity.Hub.Tests;

/// <summary>
/// Journey 6 (issue 16): a carbon-monoxide detector, the catalogue's newest kind, end to end. It is registered at the hub,
/// runs the firmware core with the simulator's CO model (the simulator's virtual node, real MQTT), and the <c>co</c>
/// scenario — a blocked flue, 20 → 250 ppm over 90 seconds — takes it past the hub's 100 ppm: the duty officer's board,
/// in Chromium and in Chinese, shows the alarm with the CO icon and its Chinese label. The hub and the browser run in
/// real time; the detector's clock is virtual (the minutes of the leak pass in steps). Needs dashboard/dist.
/// </summary>
public sealed class JourneyCoTests(ITestOutputHelper output) : IAsyncLifetime
{
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

    [Fact]
    public async Task CoDetector_BlockedFlueSimulated_AlarmOnTheBoardWithItsIconAndChineseLabel()
    {
        var detector = await _hub.RegisterDeviceAsync("co", householdId: _world.HouseholdA, location: "Kitchen");
        var officer = await _browser.SignInAsync(_hub, World.Staff, locale: "zh-CN");
        await Assertions.Expect(officer.Locator("[data-testid=alert-list][data-loaded=true]")).ToBeAttachedAsync(new() { Timeout = 20_000 });

        var time = FirmwareEndToEndTests.NodeClock();
        await using var fleet = FirmwareEndToEndTests.Fleet(_hub, detector, DeviceKind.Co, time);
        await fleet.StartAsync();
        await fleet.WaitUntilConnectedAsync();
        var started = await fleet.InjectAsync(detector.Device.Id, Scenario.Co);

        // The flue blocks; the detector's clock runs on in 5 s steps until the hub has raised the alarm, at most through the
        // 90 seconds of the rise and half a minute at 250 ppm (the node clock starts 3 min behind the hub's, so it stays
        // within the hub's tolerance for device clocks ahead of its own).
        using var staff = await _hub.ClientAsync(World.Staff);
        var openAlerts = $"/api/alerts?status=open&deviceId={detector.Device.Id}";
        List<AlertDto> open = [];
        for (var i = 0; i < 54 && open.Count == 0; i++)
        {
            time.Advance(TimeSpan.FromSeconds(5));
            await Task.Delay(50);
            open = (await staff.GetFromJsonAsync<List<AlertDto>>(openAlerts))!;
        }

        // The readings are sent; a hub slower than the steps above still gets its time (real I/O, a deadline).
        open = await Eventually.GetAsync(async () => (await staff.GetFromJsonAsync<List<AlertDto>>(openAlerts))!, o => o.Count > 0, what: "the CO alarm at the hub");
        var alarm = Assert.Single(open);
        output.WriteLine($"CO alarm {time.GetUtcNow() - started.Timestamp} (detector's clock) after the flue blocked: {alarm.Message}");
        Assert.Equal(("carbon_monoxide", "critical", _world.HouseholdA), (alarm.Kind, alarm.Severity, alarm.HouseholdId));
        var card = officer.Locator("[data-testid=alert-card][data-kind=carbon_monoxide]");
        await Assertions.Expect(card).ToHaveCountAsync(1, new() { Timeout = 20_000 });
        await Assertions.Expect(card.Locator(".card__title")).ToHaveTextAsync("一氧化碳");
        await Assertions.Expect(card.Locator(".card__icon svg[data-icon=co]")).ToHaveCountAsync(1);
        await Assertions.Expect(card).ToContainTextAsync("紧急");
        await Assertions.Expect(card).ToContainTextAsync(detector.Device.Id);
        await Assertions.Expect(officer.Locator("html")).ToHaveAttributeAsync("lang", "zh-CN");
    }
}
