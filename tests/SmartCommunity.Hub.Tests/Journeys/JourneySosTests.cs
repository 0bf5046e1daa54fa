using Microsoft.Playwright;
using SmartCommunity.Domain.Devices;
using SmartCommunity.Testing;
using SmartCommunity.SensorNode.Core;
using SmartCommunity.Simulator.Scenarios;

namespace SmartCommunity.Hub.Tests;

/// <summary>
/// Journey 1 (issue 16), real parts on both sides of every seam and no hand-written packets: a resident presses SOS on
/// a pendant running the firmware core (the simulator's virtual node, real MQTT) → the duty officer's board in
/// Chromium shows it → the officer acknowledges in the browser → the pendant's core gets help-coming and plays it.
/// The node's clock is virtual (its cancel window passes in steps); the hub, the broker and the browser run in real
/// time. Needs dashboard/dist.
/// </summary>
public sealed class JourneySosTests : IAsyncLifetime
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
    public async Task SosPressedOnPendant_OfficerAcknowledgesOnTheBoard_PendantPlaysHelpComing()
    {
        var pendant = await _hub.RegisterDeviceAsync("sos", residentId: _world.ResidentA);
        var officer = await _browser.SignInAsync(_hub, World.Staff);
        await Assertions.Expect(officer.Locator("[data-testid=alert-list][data-loaded=true]")).ToBeAttachedAsync(new() { Timeout = 20_000 });

        var time = FirmwareEndToEndTests.NodeClock();
        await using var fleet = FirmwareEndToEndTests.Fleet(_hub, pendant, DeviceKind.Sos, time);
        await fleet.StartAsync();
        await fleet.WaitUntilConnectedAsync();
        var node = fleet.GetDevice(pendant.Device.Id);

        // The resident presses the button; the core waits out its cancel window, then sends the SOS.
        await FirmwareEndToEndTests.AdvanceUntilAsync(time, fleet.InjectAsync(pendant.Device.Id, Scenario.Sos), TimeSpan.FromMilliseconds(100), maxSteps: 80);
        Assert.NotEqual(Indicator.HelpComing, node.IndicatorPattern);

        var card = officer.Locator("[data-testid=alert-card][data-kind=sos]");
        await Assertions.Expect(card).ToHaveCountAsync(1, new() { Timeout = 20_000 });
        await Assertions.Expect(card).ToContainTextAsync("SOS call");
        await Assertions.Expect(card).ToContainTextAsync("Resident A");
        await Assertions.Expect(card).ToContainTextAsync(pendant.Device.Id);

        await card.GetByTestId("ack-button").ClickAsync();
        await Assertions.Expect(card).ToHaveAttributeAsync("data-status", "acknowledged", new() { Timeout = 20_000 });

        // The hub's help-coming downlink reaches the core over MQTT; the core plays it on the LED and buzzer.
        var pattern = await Eventually.GetAsync(() => Task.FromResult(node.IndicatorPattern), p => p == Indicator.HelpComing, what: "the pendant playing help-coming");
        Assert.Equal(Indicator.HelpComing, pattern);
    }
}
