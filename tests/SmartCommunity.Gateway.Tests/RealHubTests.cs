using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.Time.Testing;
using SmartCommunity.Domain.Devices;
using SmartCommunity.Hub.Alerts;
using SmartCommunity.Hub.Devices;
using SmartCommunity.Hub.Gateways;
using SmartCommunity.Hub.Readings;
using SmartCommunity.Simulator.Engine;
using SmartCommunity.Simulator.Scenarios;
using SmartCommunity.Testing;
using SimDevice = SmartCommunity.Simulator.Devices.DeviceCredentials;

namespace SmartCommunity.Gateway.Tests;

/// <summary>
/// Issue 20's headline with real parts on every side: the devices are the simulator (the firmware core on virtual
/// hardware, its clock a <see cref="FakeTimeProvider"/>), the gateway its build as its own process, the hub in-process
/// (<see cref="HubApp"/>: API, embedded broker, ingestion, alerts), the gateway's uplink through a TCP relay the test cuts
/// and restores. Ten minutes of the fleet's time pass in seconds; MQTT, the gateway and the hub run in real time.
/// </summary>
public sealed class RealHubTests
{
    private const int Climates = 6;
    private static readonly TimeSpan ReadingInterval = TimeSpan.FromSeconds(10);
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task UplinkCutTenMinutes_SimulatedFleetPublishes_SosOnLocalBoard_HubGetsEveryReadingOnceInOrderAndOneAlertWithLocalAck()
    {
        // A tight message budget (5/s, burst 10), so the replay is paced by the hub (0x97) as a big community's would be.
        await using var hub = new HubApp(settings: new Dictionary<string, string?> { ["Hub:DeviceMessagesPerSecond"] = "5", ["Hub:DeviceMessageBurst"] = "10" });
        hub.Start();
        var world = await hub.SeedWorldAsync();
        using var admin = await hub.AdminAsync();
        var gw = await HubApp.PostAsync<GatewayCredentials>(admin, "/api/gateways", new RegisterGatewayRequest("gw-east", world.CommunityId, "East gate"));
        var registered = new List<SimDevice>();
        for (var i = 0; i < Climates; i++)
        {
            var c = await hub.RegisterDeviceAsync("climate", householdId: i % 2 == 0 ? world.HouseholdA : world.HouseholdB);
            registered.Add(new SimDevice(c.Device.Id, DeviceKind.Climate, c.Secret));
        }
        var p = await hub.RegisterDeviceAsync("sos", residentId: world.ResidentA);
        var pendant = p.Device.Id;
        registered.Add(new SimDevice(pendant, DeviceKind.Sos, p.Secret));
        var climates = registered.Take(Climates).Select(d => d.Id).ToList();

        await using var uplink = new UplinkProxy(hub.MqttPort);
        var password = "duty-" + Guid.NewGuid().ToString("N");
        var settings = GatewayProcess.Settings.Fresh() with { Extra = [$"--Gateway:BoardPassword={password}"] };
        await using var gateway = await GatewayProcess.StartAsync(new GatewayProcess.HubTarget(gw.Id, gw.Secret, hub.HttpPort, uplink.Port), settings, Ct);
        await Eventually.GetAsync(() => gateway.StatusAsync(Ct),
            s => s.GetProperty("registryDevices").GetInt32() == registered.Count && s.GetProperty("uplinkConnected").GetBoolean(), TimeSpan.FromSeconds(60),
            "the registry synced and the uplink up");

        // The fleet's clock: whole seconds, half an hour back, so the ten minutes it plays stay in the hub's past.
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds()).AddMinutes(-30));
        var start = time.GetUtcNow();
        await using var fleet = new SimulatedFleet(registered, new SimulatorOptions
        {
            Host = "127.0.0.1",
            Port = gateway.MqttPort,
            Seed = 20,
            NodeSettings = new Dictionary<string, int> { ["reading_s"] = (int)ReadingInterval.TotalSeconds },
            ReconnectDelayMin = TimeSpan.FromMilliseconds(500),
            ReconnectDelayMax = TimeSpan.FromSeconds(2),
            // On the fleet's clock: a 10 s step of it must not time out a publish still in flight.
            CommunicationTimeout = TimeSpan.FromMinutes(1),
        }, time);
        await fleet.StartAsync(Ct);
        await fleet.WaitUntilConnectedAsync(Ct);
        var step = 0;
        await ReadingsMadeAsync(fleet, time);

        // A minute live: through the gateway to the hub.
        for (var i = 0; i < 6; i++)
        {
            time.Advance(ReadingInterval);
            step++;
            await ReadingsMadeAsync(fleet, time);
        }
        foreach (var id in climates)
            await Eventually.GetAsync(() => TempTimesAsync(admin, id, start), t => t.Count == step + 1, TimeSpan.FromSeconds(30), $"{id}'s live readings at the hub");

        // The uplink is cut for ten minutes of the fleet's time; four minutes in, the pendant is pressed.
        await uplink.CutAsync();
        await Eventually.GetAsync(() => gateway.StatusAsync(Ct), s => !s.GetProperty("uplinkConnected").GetBoolean(), TimeSpan.FromSeconds(30), "the gateway noticed the cut");
        // The duty room signs in to the local board (the dashboard's API at the gateway).
        using var board = new BoardClient(gateway.HttpPort);
        Assert.Equal(HttpStatusCode.NoContent, await board.SignInAsync("王芳", password, Ct));
        (long Id, TimeSpan Acked, TimeSpan OnBoard)? sos = null;
        for (var i = 0; i < 60; i++)
        {
            if (i == 24)
                sos = await PressSosAsync(fleet, time, pendant, board);
            else
                time.Advance(ReadingInterval);
            step++;
            await ReadingsMadeAsync(fleet, time);
        }
        // Measured, not asserted (a shared machine): real time from the fleet-clock step in which its 5 s cancel window ended.
        Report($"SOS during the cut: stored at the gateway {sos!.Value.Acked.TotalMilliseconds:0} ms and on the local board {sos.Value.OnBoard.TotalMilliseconds:0} ms after the step in which the pendant sent it");
        using (var ack = await board.AcknowledgeAsync(sos.Value.Id, Ct))
            Assert.Equal(HttpStatusCode.OK, ack.StatusCode);
        // Nothing reached the hub during the cut: no alert, no reading.
        Assert.Empty(await AlertsAsync(hub, pendant));
        Assert.Equal(7, (await TempTimesAsync(admin, climates[0], start)).Count);

        // Restored: the local alert, then the queue, paced by the hub.
        uplink.Restore();
        var replay = Stopwatch.StartNew();
        var expected = Enumerable.Range(0, step + 1).Select(k => start + (ReadingInterval * k)).ToList();
        foreach (var id in climates)
        {
            var stored = await Eventually.GetAsync(() => TempTimesAsync(admin, id, start), t => t.Count >= expected.Count, TimeSpan.FromSeconds(120), $"{id}'s readings replayed");
            Assert.Equal(expected, stored); // every reading once, in the order the device took them
        }
        var current = replay.Elapsed;
        var status = await Eventually.GetAsync(() => gateway.StatusAsync(Ct), s => s.GetProperty("health").GetProperty("queueDepth").GetInt64() == 0,
            TimeSpan.FromSeconds(60), "the queue drained");
        Assert.Equal(0, status.GetProperty("health").GetProperty("refusedByHub").GetInt64());
        var alert = Assert.Single(await AlertsAsync(hub, pendant));
        // One press: the local alert and its replayed pack are one alert and one occurrence, acknowledged in the duty room, no page.
        Assert.Equal(("sos", "acknowledged", "王芳", 0, 1), (alert.Kind, alert.Status, alert.AcknowledgedBy, alert.PagesSent, alert.Occurrences));

        // Pacing is not data loss: no device shows a rate_limited rejection; what it cost shows as throttled.
        using var tech = await hub.ClientAsync(World.Technician);
        var rejections = (await tech.GetFromJsonAsync<DeviceRejections>("/api/rejections", Ct))!;
        Assert.DoesNotContain(rejections.Counts, c => c.Reason == "rate_limited");
        long throttled = 0;
        foreach (var id in registered.Select(d => d.Id))
            throttled += (await tech.GetFromJsonAsync<DeviceDto>($"/api/devices/{id}", Ct))!.Throttled;
        Report($"replay after the cut: the hub current ({expected.Count * Climates} temperature readings of {Climates} devices) {current.TotalSeconds:0.0} s after the uplink came back; {throttled} forwarded messages paced (0x97)");
    }

    /// <summary>Presses the pendant and plays ten seconds of fleet time in 1 s steps: the core sends the SOS when its cancel window
    /// ends. Returns the local alert's id and, in real time from the start of the step in which the pendant sent it, when the
    /// gateway acknowledged it (stored, local alert raised) and when the board showed it.</summary>
    private static async Task<(long LocalId, TimeSpan Acked, TimeSpan OnBoard)> PressSosAsync(SimulatedFleet fleet, FakeTimeProvider time, string pendant, BoardClient board)
    {
        var clock = Stopwatch.StartNew();
        var inject = fleet.InjectAsync(pendant, Scenario.Sos, Ct);
        var acked = inject.ContinueWith(_ => clock.Elapsed, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        var stepStart = TimeSpan.Zero;
        for (var s = 0; s < 10; s++)
        {
            if (!inject.IsCompleted)
                stepStart = clock.Elapsed;
            time.Advance(TimeSpan.FromSeconds(1));
            await Task.WhenAny(inject, Task.Delay(200, Ct));
        }
        var sent = await inject.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        Assert.Equal(Scenario.Sos, sent.Scenario);
        var local = await Eventually.GetAsync(() => board.OpenAlertsAsync(Ct), a => a.Any(x => x.GetProperty("deviceId").GetString() == pendant),
            TimeSpan.FromSeconds(10), "the SOS on the local board");
        var onBoard = clock.Elapsed;
        return (Assert.Single(local).GetProperty("id").GetInt64(), await acked - stepStart, onBoard - stepStart);
    }

    /// <summary>Waits until every node has run up to the fleet's now and handed what it made to the gateway (the core's pass
    /// holds the node while it publishes, so a node that ran that far has finished its pass).</summary>
    private static Task ReadingsMadeAsync(SimulatedFleet fleet, FakeTimeProvider time)
    {
        var now = time.GetUtcNow();
        return Eventually.GetAsync(() => Task.FromResult(fleet.Devices),
            ds => ds.All(d => d.RanUntil >= now && d.QueuedRecords == 0), TimeSpan.FromSeconds(30), $"the fleet's readings of {now:T} at the gateway");
    }

    private static void Report(string figure)
    {
        TestContext.Current.SendDiagnosticMessage(figure);
        TestContext.Current.TestOutputHelper?.WriteLine(figure);
    }

    private static async Task<List<DateTimeOffset>> TempTimesAsync(HttpClient admin, string id, DateTimeOffset from)
    {
        var q = $"/api/devices/{id}/readings?name=temp&from={Uri.EscapeDataString(from.AddMinutes(-1).ToString("O"))}&to={Uri.EscapeDataString(DateTimeOffset.UtcNow.AddHours(1).ToString("O"))}";
        return (await admin.GetFromJsonAsync<List<PointDto>>(q, Ct))!.Select(p => p.T).ToList();
    }

    private static async Task<List<AlertDto>> AlertsAsync(HubApp hub, string deviceId)
    {
        using var staff = await hub.ClientAsync(World.Staff);
        return (await staff.GetFromJsonAsync<List<AlertDto>>($"/api/alerts?deviceId={deviceId}", Ct))!;
    }
}
