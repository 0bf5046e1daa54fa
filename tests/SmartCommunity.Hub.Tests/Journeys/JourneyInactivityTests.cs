using System.Collections.Concurrent;
using System.Net.Http.Json;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Quartz;
using SmartCommunity.Domain.Alerts;
using SmartCommunity.Domain.Catalog;
using SmartCommunity.Domain.Devices;
using SmartCommunity.Domain.Ingestion;
using SmartCommunity.EarlyWarning;
using SmartCommunity.Hub.Alerts;
using SmartCommunity.Hub.EarlyWarning;
using SmartCommunity.Testing;
using SmartCommunity.Hub.Escalation;
using SmartCommunity.SensorNode.Core;
using SmartCommunity.Simulator.Engine;
using SmartCommunity.Simulator.Scenarios;
using SimDeviceCredentials = SmartCommunity.Simulator.Devices.DeviceCredentials;

namespace SmartCommunity.Hub.Tests;

/// <summary>
/// Journey 3 (issue 16): an inferred alert's pre-alarm reaches the resident's pendant, and she calls it off there. The
/// hub's early warning knows her routine (three weeks of mornings, restored from its state file as after any restart);
/// on a weekday she is not up at her usual time, so the hub raises "no activity" with a 10-minute pre-alarm and asks her
/// pendant "are you OK?". The pendant runs the firmware core (the simulator's virtual node, real MQTT), her motion sensor
/// too (no movement: it reports zero counts); she holds the button, the core sends <c>cancel</c>, the hub calls the
/// alert off and nobody is paged. One fake clock drives the hub and both devices, so the routine's finding, the
/// pre-alarm window and everything after it pass without waiting; "nobody is paged" is checked with the clock past the
/// window and the routine's own escalation, after the page's timer has fired.
/// </summary>
public sealed class JourneyInactivityTests(ITestOutputHelper output)
{
    // A Wednesday, 10:30 (the routine's day runs on UTC, the engine's default): she is usually up by 07:00.
    private static readonly DateTimeOffset WednesdayMorning = new(2026, 11, 25, 10, 30, 0, TimeSpan.Zero);

    [Fact]
    public async Task NotUpAsUsual_PendantAsksAreYouOk_ResidentHoldsTheButton_NobodyIsPaged()
    {
        var time = new FakeTimeProvider(WednesdayMorning);
        await using var hub = new HubApp(time: time);
        hub.Start();
        var world = await hub.SeedWorldAsync();
        var pendant = await hub.RegisterDeviceAsync("sos", residentId: world.ResidentA);
        var pir = await hub.RegisterDeviceAsync("pir", residentId: world.ResidentA);
        await hub.StopAsync();
        WriteLearnedRoutine(hub.DataDirectory, world.ResidentA, pir.Device.Id, WednesdayMorning);
        hub.Start();
        var worker = hub.Services.GetRequiredService<EarlyWarningWorker>();

        await using var onCall = await hub.SignalRAsync(World.WorkerA);
        var pages = new ConcurrentQueue<PageDto>();
        var raised = new TaskCompletionSource<AlertDto>(TaskCreationOptions.RunContinuationsAsynchronously);
        onCall.On<PageDto>("Paged", p => pages.Enqueue(p));
        onCall.On<AlertDto>("AlertRaised", a =>
        {
            if (a.Kind == "inactivity")
                raised.TrySetResult(a);
        });
        await onCall.StartSubscribedAsync();

        await using var fleet = new SimulatedFleet(
            [new SimDeviceCredentials(pendant.Device.Id, DeviceKind.Sos, pendant.Secret), new SimDeviceCredentials(pir.Device.Id, DeviceKind.Pir, pir.Secret)],
            new SimulatorOptions
            {
                Host = "127.0.0.1",
                Port = hub.MqttPort,
                Seed = 3,
                RoutineTraffic = false, // nobody moves: the motion sensor counts zero
                ReconnectDelayMin = TimeSpan.FromMilliseconds(500),
                ReconnectDelayMax = TimeSpan.FromSeconds(2),
            },
            time);
        var commands = new ConcurrentQueue<string>();
        fleet.MessageReceived += (_, m) =>
        {
            if (m.DeviceId == pendant.Device.Id && m.IsCommand)
                commands.Enqueue(m.PayloadText);
        };
        await fleet.StartAsync();
        await fleet.WaitUntilConnectedAsync();
        var node = fleet.GetDevice(pendant.Device.Id);

        // 10:31: the worker's tick finds her not up (usually by 07:00, an hour's margin).
        await TickUntilAsync(time, worker, WednesdayMorning.AddMinutes(1));
        var quiet = await Eventually.ReceiveAsync(raised, what: "the inactivity pre-alarm on the on-call worker's board");
        Assert.Equal((pir.Device.Id, world.ResidentA, quiet.RaisedAt.AddMinutes(10)), (quiet.DeviceId, quiet.ResidentId, quiet.PreAlarmUntil));
        output.WriteLine($"raised {quiet.RaisedAt:HH:mm:ss}: {quiet.Message}");

        // Her pendant asks "are you OK?" (a short flash each second, a chirp every 5 s).
        await Eventually.GetAsync(() => Task.FromResult(node.IndicatorPattern), p => p == Indicator.PreAlarm, what: "the pendant asking");
        // The window's remaining seconds when it was sent: 600, or a second less when the fake clock had to be nudged
        // for the worker's tick before the downlink went out.
        var askedAt = Assert.Single(commands);
        Assert.Contains(askedAt, new[] { Downlink.PreAlarm(600), Downlink.PreAlarm(599) });

        // She is fine: she holds the button; the core answers with cancel.
        var answer = await FirmwareEndToEndTests.AdvanceUntilAsync(time, fleet.InjectAsync(pendant.Device.Id, Scenario.Cancel), TimeSpan.FromMilliseconds(100), maxSteps: 80);
        Assert.NotNull(answer.Sequence);
        using var staff = await hub.ClientAsync(World.Staff);
        var cancelled = await Eventually.GetAsync(async () => (await staff.GetFromJsonAsync<AlertDto>($"/api/alerts/{quiet.Id}"))!, a => a.Status == "resolved",
            what: "the pre-alarm called off by her pendant");
        Assert.Equal(("resident_cancelled", "device:" + pendant.Device.Id), (cancelled.Outcome, cancelled.ResolvedBy));
        await Eventually.GetAsync(() => Task.FromResult(commands.ToList()), c => c.Count >= 2, what: "pre-alarm-end on the pendant");
        Assert.Equal([askedAt, Downlink.PreAlarmEnd], commands);
        Assert.NotEqual(Indicator.PreAlarm, node.IndicatorPattern);

        // The clock past the hub's window (10 min) and the routine's own escalation (20 min), the worker ticking along...
        await TickUntilAsync(time, worker, quiet.RaisedAt.AddMinutes(31));
        // ...and the page that was due when the window ended has had its turn: its timer fired (or is gone) and paged nobody.
        var scheduler = await hub.Services.GetRequiredService<ISchedulerFactory>().GetScheduler();
        await Eventually.GetAsync(async () => await scheduler.GetTriggerState(EscalationService.TriggerFor(quiet.Id, 0)), s => s == TriggerState.None, what: "the window's page timer to be done");

        Assert.DoesNotContain(pages, p => p.Alert.Id == quiet.Id || p.Alert.Kind == "inactivity");
        Assert.DoesNotContain((await staff.GetFromJsonAsync<List<AlertEventDto>>($"/api/alerts/{quiet.Id}/timeline"))!, e => e.Type == "paged");
        var all = (await staff.GetFromJsonAsync<List<AlertDto>>("/api/alerts?status=all"))!;
        Assert.Equal([quiet.Id], all.Where(a => a.Kind == "inactivity").Select(a => a.Id));
        Assert.Equal(0, all.Single(a => a.Id == quiet.Id).PagesSent);
    }

    /// <summary>Three weeks of her weekdays and weekends (up at 07:00, about until 21:30), learned by the hub's own
    /// early-warning engine and saved where the hub keeps it (data/early-warning/state.json).</summary>
    private static void WriteLearnedRoutine(string dataDirectory, int residentId, string pirId, DateTimeOffset before)
    {
        var engine = new EarlyWarningEngine();
        var source = new Source(pirId, DeviceKind.Pir, new RuleContext(pirId, DeviceKind.Pir, DeviceLocation.Home), residentId);
        var motion = SensorCatalog.Measurement("motion")!;
        var findings = new List<Finding>();
        var firstDay = new DateTimeOffset(before.UtcDateTime.Date, TimeSpan.Zero).AddDays(-21);
        for (var day = 0; day < 21; day++)
        {
            for (var t = TimeSpan.FromHours(7); t <= TimeSpan.FromHours(21.5); t += TimeSpan.FromMinutes(30))
                engine.Observe(source, new DecodedRecord(motion, firstDay.AddDays(day) + t, 4), findings);
        }
        Assert.Empty(findings);
        var dir = Path.Combine(dataDirectory, "early-warning");
        Directory.CreateDirectory(dir);
        using var file = File.Create(Path.Combine(dir, "state.json"));
        engine.Save(file);
    }

    /// <summary>Advances the one clock a minute at a time until the early-warning worker has ticked at or after
    /// <paramref name="until"/>, waiting for each tick. The worker re-arms its wait after a tick, so an advance that lands
    /// just before that is followed by small nudges until it ticks (bounded).</summary>
    private static async Task TickUntilAsync(FakeTimeProvider time, EarlyWarningWorker worker, DateTimeOffset until)
    {
        for (var i = 0; i < 100 && worker.LastTickAt < until; i++)
        {
            var ticks = worker.Ticks;
            time.Advance(TimeSpan.FromSeconds(61));
            await Eventually.GetAsync(() =>
            {
                if (worker.Ticks == ticks)
                    time.Advance(TimeSpan.FromSeconds(1));
                return Task.FromResult(worker.Ticks);
            }, t => t > ticks, what: "the early-warning worker's tick");
        }
        Assert.True(worker.LastTickAt >= until, $"the worker ticked last at {worker.LastTickAt:O}");
    }
}
