using System.Net.Http.Json;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.Time.Testing;
using SmartCommunity.Hub.Alerts;
using SmartCommunity.Hub.Readings;
using SmartCommunity.Testing;
using SmartCommunity.Domain.Devices;
using SmartCommunity.Simulator.Devices;
using SmartCommunity.Simulator.Engine;
using SmartCommunity.Simulator.Scenarios;
using HubDeviceCredentials = SmartCommunity.Hub.Devices.DeviceCredentials;
using SimDeviceCredentials = SmartCommunity.Simulator.Devices.DeviceCredentials;

namespace SmartCommunity.Hub.Tests;

/// <summary>
/// The firmware core (SensorNode.Core, run by the simulator on virtual hardware) against the real hub
/// on real sockets. The node's clock is a FakeTimeProvider started a few minutes in the past, so
/// cancel windows and a minute of readings pass in virtual time while every pack still carries a
/// believable timestamp; MQTT, ingestion and storage run in real time.
/// </summary>
public sealed class FirmwareEndToEndTests : IAsyncLifetime
{
    private readonly HubApp _hub = new();
    private World _world = null!;

    public async ValueTask InitializeAsync()
    {
        _hub.Start();
        _world = await _hub.SeedWorldAsync();
    }

    public async ValueTask DisposeAsync() => await _hub.DisposeAsync();

    [Fact]
    public async Task SosPress_AfterCancelWindow_RaisesSosAlertOnStaffBoard()
    {
        var device = await _hub.RegisterDeviceAsync("sos", residentId: _world.ResidentA);
        var time = NodeClock();
        var raised = await StaffAlertsAsync();
        await using var fleet = Fleet(device, DeviceKind.Sos, time);
        await fleet.StartAsync();
        await fleet.WaitUntilConnectedAsync();

        var inject = fleet.InjectAsync(device.Device.Id, Scenario.Sos);
        time.Advance(TimeSpan.FromSeconds(4)); // inside the firmware's 5 s cancel window
        var result = await AdvanceUntilAsync(time, inject, TimeSpan.FromMilliseconds(100), maxSteps: 40);
        var alert = await Eventually.ReceiveAsync(raised.Alert, what: "AlertRaised for the SOS");

        Assert.True(time.GetUtcNow() - result.Timestamp >= TimeSpan.FromSeconds(-1), "the pack was made when the window ran out");
        Assert.Equal(("sos", device.Device.Id, _world.ResidentA), (alert.Kind, alert.DeviceId, alert.ResidentId));
        await raised.Connection.DisposeAsync();
    }

    [Fact]
    public async Task FallTrace_DetectedByCoreAfterCancelWindow_RaisesFallAlert()
    {
        var device = await _hub.RegisterDeviceAsync("wearable", residentId: _world.ResidentA);
        var time = NodeClock();
        var raised = await StaffAlertsAsync();
        await using var fleet = Fleet(device, DeviceKind.Wearable, time);
        await fleet.StartAsync();
        await fleet.WaitUntilConnectedAsync();

        // A synthetic fall (~16 s of 50 Hz samples), the detector's stillness check, then the 20 s window.
        var result = await AdvanceUntilAsync(time, fleet.InjectAsync(device.Device.Id, Scenario.Fall), TimeSpan.FromSeconds(1), maxSteps: 90);
        var alert = await Eventually.ReceiveAsync(raised.Alert, what: "AlertRaised for the fall");

        Assert.Contains("\"n\":\"fall\",\"vb\":true", System.Text.Encoding.UTF8.GetString(result.Payload.Span), StringComparison.Ordinal);
        Assert.Equal(("fall", device.Device.Id, _world.ResidentA), (alert.Kind, alert.DeviceId, alert.ResidentId));
        await raised.Connection.DisposeAsync();
    }

    [Fact]
    public async Task BrokerOutage_SixtySecondsOfReadings_StoredExactlyOnceInOrderAfterReconnect()
    {
        var device = await _hub.RegisterDeviceAsync("climate", householdId: _world.HouseholdA);
        var id = device.Device.Id;
        var time = NodeClock();
        var start = time.GetUtcNow();
        var settings = new Dictionary<string, int> { ["reading_s"] = 10 };
        await using var fleet = Fleet(device, DeviceKind.Climate, time, routine: true, settings);
        await fleet.StartAsync();
        await fleet.WaitUntilConnectedAsync();
        var node = fleet.GetDevice(id);

        // 30 s online: readings go straight through.
        for (var i = 0; i < 3; i++)
        {
            time.Advance(TimeSpan.FromSeconds(10));
        }

        await Eventually.GetAsync(() => TempTimesAsync(_hub, id, start), t => t.Count == 4, what: "the readings made while online");

        // The broker goes away (the hub stops: sockets close, nothing is accepted), and 60 s of
        // readings are made on the node's clock while it retries with backoff.
        await _hub.StopAsync();
        await Eventually.GetAsync(() => Task.FromResult(node.IsConnected), connected => !connected, what: "the node noticing the outage");
        for (var i = 0; i < 60; i++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
        }

        var queued = await Eventually.GetAsync(() => Task.FromResult(node.QueuedRecords), n => n >= 12, what: "six climate readings (temp+hum) in the outbox");

        // The broker is back (a new hub process on the same data and MQTT port); the node reconnects on
        // its backoff (virtual time) and replays the outbox.
        await using var restarted = new HubApp(_hub.DataDirectory, new Dictionary<string, string?> { ["Hub:MqttPort"] = _hub.MqttPort.ToString(System.Globalization.CultureInfo.InvariantCulture) }).Start();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!node.IsConnected && DateTime.UtcNow < deadline)
        {
            time.Advance(TimeSpan.FromMilliseconds(500));
            await Task.WhenAny(node.WaitUntilConnectedAsync(), Task.Delay(100));
        }

        var end = time.GetUtcNow();
        var expected = new List<DateTimeOffset>();
        for (var t = start; t <= end; t += TimeSpan.FromSeconds(10))
        {
            expected.Add(t);
        }

        var stored = await Eventually.GetAsync(() => TempTimesAsync(restarted, id, start), t => t.Count >= expected.Count, what: "the replayed readings");
        Assert.True(queued >= 12, $"{queued} records queued during the outage");
        Assert.Equal(expected, stored); // every reading once, oldest first, none missing
        Assert.Equal(0, node.QueuedRecords);
    }

    /// <summary>The node's clock: whole seconds, three minutes in the past, so nothing it stamps is in the hub's future.</summary>
    internal static FakeTimeProvider NodeClock()
    {
        var now = DateTimeOffset.UtcNow;
        return new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(now.ToUnixTimeSeconds()).AddMinutes(-3));
    }

    private SimulatedFleet Fleet(HubDeviceCredentials device, DeviceKind kind, FakeTimeProvider time, bool routine = false, IReadOnlyDictionary<string, int>? settings = null) =>
        Fleet(_hub, device, kind, time, routine, settings);

    /// <summary>One virtual device running the firmware core against <paramref name="hub"/>'s broker, on the node clock <paramref name="time"/>.</summary>
    internal static SimulatedFleet Fleet(HubApp hub, HubDeviceCredentials device, DeviceKind kind, FakeTimeProvider time, bool routine = false, IReadOnlyDictionary<string, int>? settings = null) =>
        new(
            [new SimDeviceCredentials(device.Device.Id, kind, device.Secret)],
            new SimulatorOptions
            {
                Host = "127.0.0.1",
                Port = hub.MqttPort,
                Seed = 7,
                RoutineTraffic = routine,
                NodeSettings = settings ?? new Dictionary<string, int>(),
                ReconnectDelayMin = TimeSpan.FromMilliseconds(500),
                ReconnectDelayMax = TimeSpan.FromSeconds(2),
            },
            time);

    private async Task<(HubConnection Connection, TaskCompletionSource<AlertDto> Alert)> StaffAlertsAsync()
    {
        var staff = await _hub.SignalRAsync(World.Staff);
        var alert = new TaskCompletionSource<AlertDto>(TaskCreationOptions.RunContinuationsAsynchronously);
        staff.On<AlertDto>("AlertRaised", a => alert.TrySetResult(a));
        await staff.StartSubscribedAsync();
        return (staff, alert);
    }

    private static async Task<List<DateTimeOffset>> TempTimesAsync(HubApp hub, string deviceId, DateTimeOffset from)
    {
        using var http = await hub.ClientAsync(World.Staff);
        var q = $"/api/devices/{deviceId}/readings?name=temp&from={Uri.EscapeDataString(from.AddMinutes(-1).ToString("O"))}&to={Uri.EscapeDataString(DateTimeOffset.UtcNow.AddHours(1).ToString("O"))}";
        var points = await http.GetFromJsonAsync<List<PointDto>>(q);
        return points!.Select(p => p.T).ToList();
    }

    /// <summary>Advances the node's fake clock step by step until the scenario's record was acknowledged (bounded).</summary>
    internal static async Task<InjectionResult> AdvanceUntilAsync(FakeTimeProvider time, Task<InjectionResult> task, TimeSpan step, int maxSteps)
    {
        for (var i = 0; i < maxSteps && !task.IsCompleted; i++)
        {
            time.Advance(step);
            await Task.WhenAny(task, Task.Delay(50));
        }

        return await task.WaitAsync(TimeSpan.FromSeconds(20));
    }
}
