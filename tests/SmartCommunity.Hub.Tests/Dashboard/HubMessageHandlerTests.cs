using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using SmartCommunity.Hub.Alerts;
using SmartCommunity.Testing;

namespace SmartCommunity.Hub.Tests;

/// <summary>
/// Every SignalR message the hub sends has a handler in the dashboard, or is not sent. SignalR's browser client only
/// logs a warning for a message nobody handles ("No client method with the name …"), so a forgotten handler is a
/// feature that silently does not exist (the board ignored every <c>Paged</c> until issue 16). The methods come from
/// <see cref="IAlertsClient"/> by reflection: a method added there fails these tests until the dashboard handles it
/// and the browser test triggers it.
/// </summary>
public sealed partial class HubMessageHandlerTests : IAsyncLifetime
{
    private static readonly string[] Sent = [.. typeof(IAlertsClient).GetMethods().Select(m => m.Name).Order(StringComparer.Ordinal)];

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

    [GeneratedRegex("""\.on\(\s*"(\w+)"\s*,""")]
    private static partial Regex HandlerRegistration();

    [Fact]
    public void AlertsClient_EveryMethod_HasAHandlerInTheDashboardsAlertHub()
    {
        var source = File.ReadAllText(Path.Combine(RepoPaths.Root, "dashboard", "src", "live", "alertHub.ts"));
        var handled = HandlerRegistration().Matches(source).Select(m => m.Groups[1].Value).Order(StringComparer.Ordinal).ToArray();
        // Both ways: nothing the hub sends goes unhandled, and the dashboard listens for nothing the hub no longer sends.
        Assert.Equal(Sent, handled);
    }

    [Fact]
    public async Task Board_EveryMessageTheHubSends_IsHandled_AndTheBoardReacts()
    {
        var device = await _hub.RegisterDeviceAsync("sos", residentId: _world.ResidentA);
        var console = new ConcurrentQueue<string>();
        // Worker A is the grid worker on call for resident A: the first page of an SOS goes to them at once.
        var board = await _browser.SignInAsync(_hub, World.WorkerA, setUp: page => page.Console += (_, m) => console.Enqueue($"{m.Type}: {m.Text}"));
        var exercised = new List<string>();

        // Subscribed: the board fetches the open list only after it, and says so.
        await Assertions.Expect(board.Locator("[data-testid=alert-list][data-loaded=true]")).ToBeAttachedAsync(new() { Timeout = 20_000 });
        exercised.Add(nameof(IAlertsClient.Subscribed));

        // AlertRaised and Paged: the card, and the page for this grid worker.
        using (var mqtt = await _hub.ConnectDeviceAsync(device))
            await mqtt.PublishAsync(new MQTTnet.MqttApplicationMessageBuilder().WithTopic($"sc/v1/{device.Device.Id}/up")
                .WithPayload(Senml.Sos(device.Device.Id, 1)).WithQualityOfServiceLevel(MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce).Build());
        var card = board.Locator("[data-testid=alert-card][data-kind=sos]");
        await Assertions.Expect(card).ToHaveCountAsync(1, new() { Timeout = 20_000 });
        exercised.Add(nameof(IAlertsClient.AlertRaised));
        var alertId = await card.GetAttributeAsync("data-alert-id");
        var notice = board.Locator($"[data-testid=paged-notice][data-alert-id='{alertId}']");
        await Assertions.Expect(notice).ToBeVisibleAsync(new() { Timeout = 20_000 });
        await Assertions.Expect(notice).ToHaveAttributeAsync("data-level", "grid_worker");
        await Assertions.Expect(notice).ToContainTextAsync("You are paged: SOS call — Resident A");
        await Assertions.Expect(notice).ToContainTextAsync("level grid worker, step 1");
        // Announced at once (the assertive region), not only drawn.
        await Assertions.Expect(board.Locator("[role=alert]", new() { HasText = "You are paged: SOS call" })).ToHaveCountAsync(1);
        exercised.Add(nameof(IAlertsClient.Paged));

        // AlertUpdated: acknowledged elsewhere, so only the push can tell this board; the page is over then.
        using (var staff = await _hub.ClientAsync(World.Staff))
            (await staff.PostAsJsonAsync($"/api/alerts/{alertId}/ack", new AcknowledgeRequest(null), TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();
        await Assertions.Expect(card).ToHaveAttributeAsync("data-status", "acknowledged", new() { Timeout = 20_000 });
        await Assertions.Expect(notice).ToHaveCountAsync(0);
        exercised.Add(nameof(IAlertsClient.AlertUpdated));

        // CaseUpdated: on the worker's Cases page (same connection), a case the desk opens appears without a reload. The
        // page has loaded its (empty) list first, so only the push can bring it.
        await board.EvaluateAsync("() => { location.hash = '#/cases'; }");
        await Assertions.Expect(board.GetByTestId("cases-page").GetByText("No cases")).ToBeVisibleAsync(new() { Timeout = 20_000 });
        using (var staff = await _hub.ClientAsync(World.Staff))
            await HubApp.PostAsync<SmartCommunity.Hub.Cases.CaseDto>(staff, "/api/cases", new SmartCommunity.Hub.Cases.OpenCaseRequest("repair", "Pushed to the worker", ResidentId: _world.ResidentA));
        await Assertions.Expect(board.GetByTestId("case").Filter(new() { HasText = "Pushed to the worker" })).ToHaveCountAsync(1, new() { Timeout = 20_000 });
        exercised.Add(nameof(IAlertsClient.CaseUpdated));

        Assert.Equal(Sent, exercised.Order(StringComparer.Ordinal));
        Assert.DoesNotContain(console, line => line.Contains("No client method with the name", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task PagedNotice_Dismissed_LeavesTheAlertOnTheBoard_AndSpeaksChinese()
    {
        var device = await _hub.RegisterDeviceAsync("sos", residentId: _world.ResidentA);
        var board = await _browser.SignInAsync(_hub, World.WorkerA, locale: "zh-CN");
        await Assertions.Expect(board.Locator("[data-testid=alert-list][data-loaded=true]")).ToBeAttachedAsync(new() { Timeout = 20_000 });
        using (var mqtt = await _hub.ConnectDeviceAsync(device))
            await mqtt.PublishAsync(new MQTTnet.MqttApplicationMessageBuilder().WithTopic($"sc/v1/{device.Device.Id}/up")
                .WithPayload(Senml.Sos(device.Device.Id, 1)).WithQualityOfServiceLevel(MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce).Build());

        var notice = board.GetByTestId("paged-notice");
        await Assertions.Expect(notice).ToContainTextAsync("您被呼叫：紧急呼叫 — Resident A", new() { Timeout = 20_000 });
        await Assertions.Expect(notice).ToContainTextAsync("网格员");
        await notice.GetByTestId("paged-dismiss").ClickAsync();
        await Assertions.Expect(notice).ToHaveCountAsync(0);
        await Assertions.Expect(board.Locator("[data-testid=alert-card][data-kind=sos]")).ToHaveAttributeAsync("data-status", "raised");
    }
}
