using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Microsoft.Playwright;
using Quartz;
using SmartCommunity.Domain.Devices;
using SmartCommunity.Domain.Ingestion;
using SmartCommunity.Hub.Alerts;
using SmartCommunity.Testing;
using SmartCommunity.Hub.Escalation;
using SmartCommunity.SensorNode.Core;
using SmartCommunity.Simulator.Scenarios;

namespace SmartCommunity.Hub.Tests;

/// <summary>
/// Journey 2 (issue 16): a fall, with real parts on both sides of every seam and no hand-written packets — the wearable
/// runs the firmware core (the simulator's virtual node playing a synthetic fall into its accelerometer, real MQTT), the
/// real hub pages the on-call grid worker over SignalR, and where a person acts, Chromium. One cancel window, the
/// wearable's (<c>fall_cancel_ms</c>, 20 s): not cancelled, staff are paged within 30 s of the impact; cancelled with a
/// hold inside it, nothing reaches the hub; a family member's "I am with her" shows on the board and leaves the alert open
/// for staff. Needs dashboard/dist for the browser test.
/// </summary>
public sealed class JourneyFallTests(ITestOutputHelper output)
{
    /// <summary>The time budget: impact to staff paged.</summary>
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(30);

    /// <summary>One clock for the hub and the wearable, whole seconds at the real now, so "impact → paged" is measured on
    /// the clock the system itself uses (the wearable stamps the impact, the hub stamps the page).</summary>
    private static FakeTimeProvider SharedClock() => new(DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds()));

    [Fact]
    public async Task FallNotCancelled_OnCallGridWorkerIsPagedWithin30sOfTheImpact()
    {
        var time = SharedClock();
        await using var hub = new HubApp(time: time);
        hub.Start();
        var world = await hub.SeedWorldAsync();
        var wearable = await hub.RegisterDeviceAsync("wearable", residentId: world.ResidentA);

        // The on-call grid worker's client (grid A: the first step of a critical alert's chain).
        var wall = Stopwatch.StartNew();
        await using var onCall = await hub.SignalRAsync(World.WorkerA);
        var raised = new TaskCompletionSource<(AlertDto Alert, TimeSpan Wall)>(TaskCreationOptions.RunContinuationsAsynchronously);
        var paged = new TaskCompletionSource<(PageDto Page, TimeSpan Wall)>(TaskCreationOptions.RunContinuationsAsynchronously);
        onCall.On<AlertDto>("AlertRaised", a => raised.TrySetResult((a, wall.Elapsed)));
        onCall.On<PageDto>("Paged", p => paged.TrySetResult((p, wall.Elapsed)));
        await onCall.StartSubscribedAsync();

        await using var fleet = FirmwareEndToEndTests.Fleet(hub, wearable, DeviceKind.Wearable, time);
        await fleet.StartAsync();
        await fleet.WaitUntilConnectedAsync();
        var node = fleet.GetDevice(wearable.Device.Id);

        // The fall: ~16 s of 50 Hz samples and the detector's settle and stillness checks, then the 20 s window, not
        // cancelled. The clock steps 100 ms at a time until the window is over (the core has handed the fall to its outbox)
        // and then stands still: what follows on the system's clock is what the hub decided, not how long the test machine
        // took to carry the message, raise the alert and page.
        var fall = fleet.InjectAsync(wearable.Device.Id, Scenario.Fall);
        await StepWhileAsync(time, fall, () => node.IndicatorPattern != Indicator.Pending, maxSteps: 400, what: "the wearable's cancel window");
        await StepWhileAsync(time, fall, () => node.IndicatorPattern == Indicator.Pending, maxSteps: 300, what: "the end of the wearable's cancel window");
        var sent = await fall.WaitAsync(TimeSpan.FromSeconds(20));
        var (alert, raisedAfter) = await Eventually.ReceiveAsync(raised, what: "AlertRaised on the on-call grid worker's client");

        // Paged at once: the first page's timer has fired already, or is due now. Should the hub wait (a pre-alarm), the
        // clock is moved to when that timer is due, so a late page is measured (and fails the budget) rather than missed.
        var scheduler = await hub.Services.GetRequiredService<ISchedulerFactory>().GetScheduler();
        if ((await scheduler.GetTrigger(EscalationService.TriggerFor(alert.Id, 0)))?.NextFireTimeUtc is { } due && due > time.GetUtcNow())
            time.SetUtcNow(due);
        var (page, pagedAfter) = await Eventually.ReceiveAsync(paged, what: "the page on the on-call grid worker's client");

        // The impact as the wearable stamped it (the fall record's time, whole seconds rounded down, so the figure below
        // errs long by up to a second), and the page as the hub recorded it, both on the one clock.
        var impact = FallRecordTime(sent.Payload, wearable.Device.Id, time.GetUtcNow());
        using var staff = await hub.ClientAsync(World.Staff);
        var pageEvent = (await staff.GetFromJsonAsync<List<AlertEventDto>>($"/api/alerts/{alert.Id}/timeline"))!.First(e => e.Type == "paged");
        var impactToPage = pageEvent.At - impact;
        output.WriteLine($"impact {impact:HH:mm:ss} → fall sent (pack bt) +{(sent.Timestamp - impact).TotalSeconds:0.0} s → alert raised +{(alert.RaisedAt - impact).TotalSeconds:0.0} s → grid worker paged +{impactToPage.TotalSeconds:0.0} s (the system's clock)");
        output.WriteLine($"hub, wall clock: AlertRaised → Paged at the on-call client {(pagedAfter - raisedAfter).TotalMilliseconds:0} ms");

        Assert.Equal((alert.Id, "grid_worker", 0), (page.Alert.Id, page.Level, page.Step));
        Assert.True(impactToPage <= Budget, $"impact → paged took {impactToPage.TotalSeconds:0.0} s, the budget is {Budget.TotalSeconds} s");
        Assert.Equal(("fall", world.ResidentA, (DateTimeOffset?)null), (page.Alert.Kind, page.Alert.ResidentId, page.Alert.PreAlarmUntil));
    }

    [Fact]
    public async Task FallCancelledByAHoldInsideTheWindow_NothingReachesTheHub()
    {
        var time = SharedClock();
        await using var hub = new HubApp(time: time);
        hub.Start();
        var world = await hub.SeedWorldAsync();
        var wearable = await hub.RegisterDeviceAsync("wearable", residentId: world.ResidentA);
        await using var onCall = await hub.SignalRAsync(World.WorkerA);
        var heard = new ConcurrentQueue<string>();
        onCall.On<AlertDto>("AlertRaised", a => heard.Enqueue("raised " + a.Kind));
        onCall.On<PageDto>("Paged", p => heard.Enqueue("paged " + p.Alert.Kind));
        await onCall.StartSubscribedAsync();
        await using var fleet = FirmwareEndToEndTests.Fleet(hub, wearable, DeviceKind.Wearable, time);
        await fleet.StartAsync();
        await fleet.WaitUntilConnectedAsync();
        var node = fleet.GetDevice(wearable.Device.Id);

        var fall = fleet.InjectAsync(wearable.Device.Id, Scenario.Fall);
        // She falls; the wearable blinks and chirps while its window runs...
        await StepWhileAsync(time, fall, () => node.IndicatorPattern != Indicator.Pending, maxSteps: 400, what: "the wearable's cancel window");
        // ...and she is fine: she holds the button.
        var hold = await FirmwareEndToEndTests.AdvanceUntilAsync(time, fleet.InjectAsync(wearable.Device.Id, Scenario.Cancel), TimeSpan.FromMilliseconds(100), maxSteps: 80);
        Assert.Null(hold.Sequence);
        Assert.NotEqual(Indicator.Pending, node.IndicatorPattern);

        // Past the window and the simulator's own wait for the record: the fall was never sent.
        var never = await Assert.ThrowsAsync<InvalidOperationException>(() => FirmwareEndToEndTests.AdvanceUntilAsync(time, fall, TimeSpan.FromSeconds(1), maxSteps: 120));
        Assert.Contains("'fall'", never.Message, StringComparison.Ordinal);
        Assert.Equal(0, node.QueuedRecords);
        using var staff = await hub.ClientAsync(World.Staff);
        Assert.Empty((await staff.GetFromJsonAsync<List<AlertDto>>("/api/alerts?status=all"))!);
        Assert.Empty(heard);
    }

    [Fact]
    public async Task Fall_FamilySaysIAmWithHerInTheBrowser_BoardShowsItLive_AlertStaysOpenForStaff()
    {
        // The hub, the broker and the browsers in real time; the wearable's clock is virtual (its window passes in steps).
        await using var hub = new HubApp();
        hub.Start();
        var world = await hub.SeedWorldAsync();
        await using var browser = await DashboardBrowser.LaunchAsync();
        var wearable = await hub.RegisterDeviceAsync("wearable", residentId: world.ResidentA);
        var officer = await browser.SignInAsync(hub, World.Staff);
        var daughter = await browser.SignInAsync(hub, World.FamilyA, DashboardBrowser.Phone);
        await Assertions.Expect(daughter.Locator("[data-testid=alert-list][data-loaded=true]").First).ToBeAttachedAsync(new() { Timeout = 20_000 });

        var time = FirmwareEndToEndTests.NodeClock();
        await using var fleet = FirmwareEndToEndTests.Fleet(hub, wearable, DeviceKind.Wearable, time);
        await fleet.StartAsync();
        await fleet.WaitUntilConnectedAsync();
        await FirmwareEndToEndTests.AdvanceUntilAsync(time, fleet.InjectAsync(wearable.Device.Id, Scenario.Fall), TimeSpan.FromSeconds(1), maxSteps: 90);

        var board = officer.Locator("[data-testid=alert-card][data-kind=fall]");
        var phone = daughter.Locator("[data-testid=alert-card][data-kind=fall]");
        await Assertions.Expect(board).ToHaveCountAsync(1, new() { Timeout = 20_000 });
        await Assertions.Expect(phone).ToHaveCountAsync(1, new() { Timeout = 20_000 });
        // No way for the family to call off a fall: the wearable's window was the resident's, the rest is staff's.
        await Assertions.Expect(phone.GetByTestId("cancel-prealarm")).ToBeHiddenAsync();
        await Assertions.Expect(board.GetByTestId("escalation-countdown")).Not.ToContainTextAsync("Pre-alarm");

        await phone.GetByTestId("with-resident").ClickAsync();

        // The duty officer's board shows it at once (pushed, no reload); the alert is still theirs to handle.
        await Assertions.Expect(board.GetByTestId("with-resident-fact")).ToContainTextAsync("Family A", new() { Timeout = 20_000 });
        await Assertions.Expect(board).ToHaveAttributeAsync("data-status", "raised");
        await Assertions.Expect(board.GetByTestId("ack-button")).ToBeVisibleAsync();
        await Assertions.Expect(board.GetByTestId("resolve-button")).ToBeVisibleAsync();
        await Assertions.Expect(phone.GetByTestId("with-resident-fact")).ToBeVisibleAsync(new() { Timeout = 20_000 });
        await Assertions.Expect(phone.GetByTestId("with-resident")).ToBeHiddenAsync();
        using var staff = await hub.ClientAsync(World.Staff);
        var alert = (await staff.GetFromJsonAsync<List<AlertDto>>("/api/alerts?status=open"))!.Single(a => a.Kind == "fall");
        Assert.Equal(("raised", "Family A"), (alert.Status, alert.WithResidentBy));
        Assert.Contains((await staff.GetFromJsonAsync<List<AlertEventDto>>($"/api/alerts/{alert.Id}/timeline"))!, e => e.Type == "with_resident" && e.Actor == "Family A");
    }

    /// <summary>Moves the clock on 100 ms at a time while <paramref name="waiting"/> holds (the virtual node runs its core up to
    /// each new time), at most <paramref name="maxSteps"/> steps; a scenario that failed meanwhile is reported as it is.</summary>
    private static async Task StepWhileAsync(FakeTimeProvider time, Task scenario, Func<bool> waiting, int maxSteps, string what)
    {
        for (var i = 0; i < maxSteps && waiting(); i++)
        {
            if (scenario.IsFaulted)
                await scenario;
            time.Advance(TimeSpan.FromMilliseconds(100));
            await Task.WhenAny(scenario, Task.Delay(20));
        }

        Assert.False(waiting(), $"no {what} after {maxSteps * 100 / 1000} s of the wearable's time");
    }

    /// <summary>The fall record's time in the pack the wearable's core encoded (the hub's own decoder resolves it).</summary>
    private static DateTimeOffset FallRecordTime(ReadOnlyMemory<byte> payload, string deviceId, DateTimeOffset now)
    {
        var decoded = SenmlDecoder.Decode(payload.Span, deviceId, DeviceKind.Wearable, TopicChannel.Up, now);
        Assert.NotNull(decoded.Pack);
        return decoded.Pack.Records.Single(r => r.Name == "fall").Time;
    }
}
