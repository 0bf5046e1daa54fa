using System.Buffers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using MQTTnet.Server;
using SmartCommunity.Domain.Devices;
using SmartCommunity.Simulator.Devices;
using SmartCommunity.Simulator.Engine;
using SmartCommunity.Simulator.Scenarios;
using SmartCommunity.Testing;

namespace SmartCommunity.Simulator.Tests.Mqtt;

/// <summary>Simulated devices (the firmware core on virtual hardware) against a real broker on a 127.0.0.1 socket.</summary>
public sealed class DeviceBrokerTests
{
    // The firmware refuses secrets shorter than 16 characters (the hub issues long ones).
    private static readonly DeviceCredentials SosButton = new("sos-0001", DeviceKind.Sos, "sos-secret-0001-long");
    private static readonly DeviceCredentials Wearable = new("wear-0001", DeviceKind.Wearable, "wear-secret-0001-long");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(MqttProtocolVersion.V500)]
    [InlineData(MqttProtocolVersion.V311)]
    public async Task Device_ValidCredentials_AuthenticatesAndRetainsHeartbeat(MqttProtocolVersion version)
    {
        await using var broker = await TestBroker.StartAsync(SosButton);
        await using var fleet = new SimulatedFleet([SosButton], OptionsFor(broker) with { ProtocolVersion = version });

        await fleet.StartAsync(Ct);
        await fleet.WaitUntilConnectedAsync(Ct);
        await using var observer = await broker.ConnectObserverAsync(Ct);
        var heartbeat = await observer.WaitForAsync(m => m.Topic == "sc/v1/sos-0001/status", Ct);

        Assert.Contains(("sos-0001", "sos-0001", version), broker.Accepted);
        Assert.True(heartbeat.Retain, "the heartbeat is delivered as a retained message");
        using var pack = JsonDocument.Parse(heartbeat.Payload);
        var records = pack.RootElement;
        Assert.Equal("urn:dev:sc:sos-0001:", records[0].GetProperty("bn").GetString());
        Assert.Equal("seq", records[0].GetProperty("n").GetString());
        Assert.Equal(1u, records[0].GetProperty("v").GetUInt32());
        Assert.Equal(["online", "bat", "rssi", "fw"], records.EnumerateArray().Skip(1).Select(r => r.GetProperty("n").GetString()));
        Assert.True(records[1].GetProperty("vb").GetBoolean());
        Assert.InRange(records[2].GetProperty("v").GetDouble(), 0, 100);
        Assert.InRange(records[3].GetProperty("v").GetDouble(), -130, 0);
        Assert.Equal("1.0.0", records[4].GetProperty("vs").GetString());
    }

    [Fact]
    public async Task Device_ClientIdSuffix_ConnectsWithDeviceIdAsPrefix()
    {
        await using var broker = await TestBroker.StartAsync(SosButton);
        await using var fleet = new SimulatedFleet([SosButton], OptionsFor(broker) with { ClientIdSuffix = "-sim" });

        await fleet.StartAsync(Ct);
        await fleet.WaitUntilConnectedAsync(Ct);

        Assert.Contains(broker.Accepted, a => a.ClientId == "sos-0001-sim" && a.UserName == "sos-0001");
    }

    [Fact]
    public async Task Device_WrongSecret_IsRefusedAndKeepsRetrying()
    {
        await using var broker = await TestBroker.StartAsync(SosButton);
        var impostor = SosButton with { Secret = "not-the-secret-at-all" };
        await using var fleet = new SimulatedFleet([impostor], OptionsFor(broker));

        await fleet.StartAsync(Ct);
        await Eventually.TrueAsync(() => fleet.GetCounters().ConnectFailures >= 2, "the device retried after being refused", Ct);

        Assert.Equal(0, fleet.ConnectedDevices);
        Assert.Contains(broker.Refused, r => r.UserName == "sos-0001");
        Assert.Empty(broker.Accepted);
    }

    [Fact]
    public async Task Fleet_SosInjected_ArrivesOnUpAfterCancelWindowWithExactPayload()
    {
        var time = new FakeTimeProvider(Noon);
        await using var broker = await TestBroker.StartAsync(SosButton);
        await using var observer = await broker.ConnectObserverAsync(Ct);
        await using var fleet = new SimulatedFleet([SosButton], OptionsFor(broker), time);
        await fleet.StartAsync(Ct);

        var device = fleet.GetDevice("sos-0001");
        var inject = fleet.InjectAsync("sos-0001", Scenario.Sos, Ct);
        time.Advance(TimeSpan.FromSeconds(4)); // inside the core's 5 s cancel window
        // Once the core has run through those 4 s, an SOS sent before its window ended would already have its number.
        await CaughtUpAsync(device, time);
        Assert.Equal(1u, device.LastSequence);
        Assert.False(inject.IsCompleted, "the SOS waits for the cancel window");
        var result = await AdvanceUntilAsync(time, inject, TimeSpan.FromMilliseconds(100));
        var message = await observer.WaitForAsync(m => m.Topic == "sc/v1/sos-0001/up", Ct);

        Assert.Equal(2u, result.Sequence); // 1 was the heartbeat on connect
        var bt = result.Timestamp.ToUnixTimeSeconds();
        Assert.Equal(Noon.AddSeconds(5).ToUnixTimeSeconds(), bt);
        // The record carries the press time: 5 s before the pack, when the window ran out.
        Assert.Equal($$"""[{"bn":"urn:dev:sc:sos-0001:","bt":{{bt}},"n":"seq","v":2},{"n":"sos","vb":true,"t":-5}]""", message.Text);
        Assert.Equal(result.Payload.ToArray(), message.Payload);
        Assert.Equal(MqttQualityOfServiceLevel.AtLeastOnce, message.Qos);
        Assert.False(message.Retain);
    }

    [Fact]
    public async Task Fleet_FallOnWearable_CoreDetectsTraceAndPublishesFallEvent()
    {
        var time = new FakeTimeProvider(Noon);
        await using var broker = await TestBroker.StartAsync(Wearable);
        await using var observer = await broker.ConnectObserverAsync(Ct);
        await using var fleet = new SimulatedFleet([Wearable], OptionsFor(broker) with { NodeSettings = new Dictionary<string, int> { ["fall_cancel_ms"] = 0 } }, time);
        await fleet.StartAsync(Ct);

        var result = await AdvanceUntilAsync(time, fleet.InjectAsync("wear-0001", Scenario.Fall, Ct), TimeSpan.FromSeconds(1));
        var message = await observer.WaitForAsync(m => m.Topic == "sc/v1/wear-0001/up", Ct);

        Assert.Matches("""\{"n":"fall","vb":true,"t":-\d+\}\]$""", message.Text);
        Assert.Equal(result.Payload.ToArray(), message.Payload);
    }

    [Fact]
    public async Task Fleet_CancelHeldDuringTheFallWindow_CallsItOffOnTheDeviceAndPublishesNoFall()
    {
        var time = new FakeTimeProvider(Noon);
        await using var broker = await TestBroker.StartAsync(Wearable);
        await using var observer = await broker.ConnectObserverAsync(Ct);
        await using var fleet = new SimulatedFleet([Wearable], OptionsFor(broker), time);
        await fleet.StartAsync(Ct);
        var device = fleet.GetDevice("wear-0001");

        var fall = fleet.InjectAsync("wear-0001", Scenario.Fall, Ct);
        // The fall is detected: the wearable blinks and chirps "pending" while its 20 s window runs.
        for (var i = 0; i < 60 && device.IndicatorPattern != SensorNode.Core.Indicator.Pending; i++)
        {
            time.Advance(TimeSpan.FromMilliseconds(500));
            await Task.Delay(20, Ct);
        }

        Assert.Equal(SensorNode.Core.Indicator.Pending, device.IndicatorPattern);
        var cancel = await AdvanceUntilAsync(time, fleet.InjectAsync("wear-0001", Scenario.Cancel, Ct), TimeSpan.FromMilliseconds(100));

        Assert.Null(cancel.Sequence);
        // Past the window and the inject timeout: the fall's record never came (the core called it off).
        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => AdvanceUntilAsync(time, fall, TimeSpan.FromSeconds(1)));
        Assert.Contains("'fall'", refused.Message, StringComparison.Ordinal);
        Assert.Equal(0, device.QueuedRecords);
        // The next heartbeat is the marker: the device publishes in order, so a fall sent before it would have reached the
        // broker first, and its sequence number (2, after the heartbeat on connect) says no pack was numbered in between.
        var seen = await AdvanceUntilAsync(time, observer.TakeUntilAsync(m => m.Topic == "sc/v1/wear-0001/status" && Sequence(m) > 1, Ct), TimeSpan.FromSeconds(10));
        Assert.DoesNotContain(seen, m => m.Topic == "sc/v1/wear-0001/up");
        Assert.Equal(2u, Sequence(seen[^1]));
    }

    private static uint Sequence(ObservedMessage m)
    {
        using var pack = JsonDocument.Parse(m.Payload);
        return pack.RootElement[0].TryGetProperty("v", out var v) ? v.GetUInt32() : 0;
    }

    [Fact]
    public async Task Fleet_CancelHeldDuringAHubPreAlarm_PublishesCancel()
    {
        var time = new FakeTimeProvider(Noon);
        await using var broker = await TestBroker.StartAsync(SosButton);
        await using var observer = await broker.ConnectObserverAsync(Ct);
        await using var fleet = new SimulatedFleet([SosButton], OptionsFor(broker), time);
        var received = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        fleet.MessageReceived += (_, m) => received.TrySetResult();
        await fleet.StartAsync(Ct);
        var command = new MqttApplicationMessageBuilder().WithTopic("sc/v1/sos-0001/down").WithPayload("""{"cmd":"pre-alarm","s":600}""")
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build();
        await broker.Server.InjectApplicationMessage(new InjectedMqttApplicationMessage(command) { SenderClientId = "hub" }, Ct);
        await received.Task.WaitAsync(TimeSpan.FromSeconds(15), Ct);
        var device = fleet.GetDevice("sos-0001");
        for (var i = 0; i < 40 && device.IndicatorPattern != SensorNode.Core.Indicator.PreAlarm; i++)
        {
            time.Advance(TimeSpan.FromMilliseconds(100));
            await Task.Delay(20, Ct);
        }

        var result = await AdvanceUntilAsync(time, fleet.InjectAsync("sos-0001", Scenario.Cancel, Ct), TimeSpan.FromMilliseconds(100));
        var message = await observer.WaitForAsync(m => m.Topic == "sc/v1/sos-0001/up", Ct);

        Assert.NotNull(result.Sequence);
        Assert.Contains("""{"n":"cancel","vb":true""", message.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("\"sos\"", message.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fleet_VisitGesture_PublishesVisitAndNoSos()
    {
        var time = new FakeTimeProvider(Noon);
        await using var broker = await TestBroker.StartAsync(SosButton);
        await using var observer = await broker.ConnectObserverAsync(Ct);
        await using var fleet = new SimulatedFleet([SosButton], OptionsFor(broker), time);
        await fleet.StartAsync(Ct);

        var result = await AdvanceUntilAsync(time, fleet.InjectAsync("sos-0001", Scenario.Visit, Ct), TimeSpan.FromMilliseconds(100));
        // The first pack on up: the SOS the first press opened (its window ends 5 s after it, before the visit at 5.5 s)
        // would have come first; the hold cancelled it.
        var message = await observer.WaitForAsync(m => m.Topic == "sc/v1/sos-0001/up", Ct);

        Assert.NotNull(result.Sequence);
        Assert.Matches("""\{"n":"visit","vb":true(,"t":-?[\d.]+)?\}\]$""", message.Text);
    }

    [Fact]
    public async Task Fleet_CoScenario_ReadingsRiseFromCleanAirPastTheHubsAlarm()
    {
        var co = new DeviceCredentials("co-0001", DeviceKind.Co, "co-secret-0001-long");
        var time = new FakeTimeProvider(Noon);
        await using var broker = await TestBroker.StartAsync(co);
        await using var observer = await broker.ConnectObserverAsync(Ct);
        await using var fleet = new SimulatedFleet([co], OptionsFor(broker), time);
        await fleet.StartAsync(Ct);
        var clean = await observer.WaitForAsync(m => m.Topic == "sc/v1/co-0001/up", Ct);
        Assert.InRange(CoPpm(clean.Text).Single(), 0, 5);

        var started = await fleet.InjectAsync("co-0001", Scenario.Co, Ct);
        Assert.Null(started.Sequence);
        var seen = new List<double>();
        for (var i = 0; i < 60 && !seen.Any(v => v >= 100); i++)
        {
            time.Advance(TimeSpan.FromSeconds(5));
            try
            {
                seen.AddRange(CoPpm((await observer.WaitForAsync(m => m.Topic == "sc/v1/co-0001/up", Ct, TimeSpan.FromMilliseconds(200))).Text));
            }
            catch (TimeoutException)
            {
                // Below the core's alarm level it reports only every 5 min.
            }
        }

        Assert.Contains(seen, v => v >= 100);
        // Every 10 s in alarm, rising: the hub's 100 ppm is crossed within two minutes of the flue blocking.
        Assert.True(time.GetUtcNow() - started.Timestamp <= TimeSpan.FromMinutes(2), $"crossed 100 ppm after {time.GetUtcNow() - started.Timestamp}");
        Assert.Equal(seen.Order(), seen);
    }

    private static IEnumerable<double> CoPpm(string pack) =>
        JsonDocument.Parse(pack).RootElement.EnumerateArray().Where(r => r.TryGetProperty("n", out var n) && n.GetString() == "co").Select(r => r.GetProperty("v").GetDouble());

    [Fact]
    public async Task Fleet_ScenarioForAnotherKind_IsRefusedWithoutPublishing()
    {
        await using var broker = await TestBroker.StartAsync(SosButton);
        await using var fleet = new SimulatedFleet([SosButton], OptionsFor(broker));
        await fleet.StartAsync(Ct);

        await Assert.ThrowsAsync<ArgumentException>(() => fleet.InjectAsync("sos-0001", Scenario.Fall, Ct));
        await Assert.ThrowsAsync<KeyNotFoundException>(() => fleet.InjectAsync("sos-9999", Scenario.Sos, Ct));
        Assert.Equal(1u, fleet.GetDevice("sos-0001").LastSequence);
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V500)]
    [InlineData(MqttProtocolVersion.V311)]
    public async Task Fleet_OfflineScenario_BrokerPublishesLastWill(MqttProtocolVersion version)
    {
        await using var broker = await TestBroker.StartAsync(SosButton);
        await using var fleet = new SimulatedFleet([SosButton], OptionsFor(broker) with { ProtocolVersion = version });
        await fleet.StartAsync(Ct);
        await using var observer = await broker.ConnectObserverAsync(Ct);
        await observer.WaitForAsync(m => m.Topic == "sc/v1/sos-0001/status" && m.Text.Contains("\"online\",\"vb\":true", StringComparison.Ordinal), Ct);

        await fleet.InjectAsync("sos-0001", Scenario.Offline, Ct);
        var will = await observer.WaitForAsync(m => m.Topic == "sc/v1/sos-0001/status", Ct);

        var expected = File.ReadAllBytes(Path.Combine(RepoPaths.Vectors, "last-will.payload"));
        Assert.Equal(Encoding.UTF8.GetString(expected), will.Text);
        Assert.False(fleet.GetDevice("sos-0001").IsConnected);
        await Eventually.GetAsync(
            async () => await broker.Server.GetRetainedMessageAsync("sc/v1/sos-0001/status") is { } r && r.Payload.ToArray().SequenceEqual(expected),
            retained => retained, what: "the last will retained on status");

        await fleet.InjectAsync("sos-0001", Scenario.Online, Ct);
        var back = await observer.WaitForAsync(m => m.Topic == "sc/v1/sos-0001/status", Ct);
        Assert.Contains("\"n\":\"seq\",\"v\":2}", back.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fleet_EventWhileHeldOffline_Throws()
    {
        await using var broker = await TestBroker.StartAsync(SosButton);
        await using var fleet = new SimulatedFleet([SosButton], OptionsFor(broker));
        await fleet.StartAsync(Ct);

        await fleet.InjectAsync("sos-0001", Scenario.Offline, Ct);

        await Assert.ThrowsAsync<InvalidOperationException>(() => fleet.InjectAsync("sos-0001", Scenario.Sos, Ct));
    }

    [Fact]
    public async Task Device_DownCommand_RaisesMessageReceived()
    {
        await using var broker = await TestBroker.StartAsync(SosButton);
        await using var fleet = new SimulatedFleet([SosButton], OptionsFor(broker));
        var received = new TaskCompletionSource<DownlinkMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        fleet.MessageReceived += (_, m) => received.TrySetResult(m);
        await fleet.StartAsync(Ct);

        var command = new MqttApplicationMessageBuilder().WithTopic("sc/v1/sos-0001/down").WithPayload("""{"cmd":"help-coming"}""")
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build();
        await broker.Server.InjectApplicationMessage(new InjectedMqttApplicationMessage(command) { SenderClientId = "hub" }, Ct);
        var message = await received.Task.WaitAsync(TimeSpan.FromSeconds(15), Ct);

        Assert.Equal("sos-0001", message.DeviceId);
        Assert.True(message.IsCommand);
        Assert.Equal("""{"cmd":"help-coming"}""", message.PayloadText);
    }

    [Fact]
    public async Task Device_RawPublishToForeignTopic_IsSentUnchangedWithoutSequence()
    {
        await using var broker = await TestBroker.StartAsync(SosButton);
        await using var observer = await broker.ConnectObserverAsync(Ct);
        await using var device = new SimulatedDevice(SosButton, OptionsFor(broker));
        await device.ConnectAsync(Ct);
        var malformed = """[{"bn":"urn:dev:sc:sos-0001:","bt":1795921200,"n":"seq","v":44},{"n":"sos","vb":true}"""u8.ToArray();

        var result = await device.PublishRawAsync("sc/v1/clim-0001/up", malformed, cancellationToken: Ct);
        var message = await observer.WaitForAsync(m => m.Topic == "sc/v1/clim-0001/up", Ct);

        Assert.True(result.IsSuccess);
        Assert.Equal(malformed, message.Payload);
        Assert.Equal(1u, device.LastSequence); // only the heartbeat used a sequence number
    }

    [Fact]
    public async Task Device_BrokerRestarts_ReconnectsAndSendsNextHeartbeat()
    {
        await using var broker = await TestBroker.StartAsync(SosButton);
        await using var fleet = new SimulatedFleet([SosButton], OptionsFor(broker));
        await fleet.StartAsync(Ct);
        var device = fleet.GetDevice("sos-0001");

        await broker.StopAsync();
        await Eventually.TrueAsync(() => !device.IsConnected, "the device noticed the broker is gone", Ct);
        await broker.RestartAsync();
        // A deadline for real sockets on a shared machine, not a timing assertion.
        await device.WaitUntilConnectedAsync(Ct).WaitAsync(TimeSpan.FromSeconds(60), Ct);

        var retained = (await Eventually.GetAsync(
            () => broker.Server.GetRetainedMessageAsync("sc/v1/sos-0001/status"), r => r is not null, what: "the reconnect heartbeat retained on the new broker"))!;
        Assert.Contains("\"n\":\"seq\",\"v\":2}", Encoding.UTF8.GetString(retained.Payload.ToArray()), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Device_WaitingForConnection_IsReleasedAfterRefusedAttempts()
    {
        // Deterministic form of the broker-restart race: a refused attempt (MQTTnet raises Disconnected
        // for it too) must not strand a caller already waiting for the connection.
        await using var broker = await TestBroker.StartAsync(SosButton);
        await broker.StopAsync();
        await using var device = new SimulatedDevice(SosButton, OptionsFor(broker));
        var connected = device.WaitUntilConnectedAsync(Ct);

        await Assert.ThrowsAsync<MQTTnet.Exceptions.MqttCommunicationException>(() => device.ConnectAsync(Ct));
        await broker.RestartAsync();
        await device.ConnectAsync(Ct);

        await connected.WaitAsync(TimeSpan.FromSeconds(15), Ct);
        Assert.True(device.IsConnected);
    }

    [Fact]
    public async Task Fleet_Stop_DisconnectsCleanlyAndAnnouncesOffline()
    {
        await using var broker = await TestBroker.StartAsync(SosButton);
        await using var fleet = new SimulatedFleet([SosButton], OptionsFor(broker));
        await fleet.StartAsync(Ct);

        await fleet.StopAsync();

        Assert.Equal(0, fleet.ConnectedDevices);
        var retained = await broker.Server.GetRetainedMessageAsync("sc/v1/sos-0001/status");
        Assert.Equal(File.ReadAllBytes(Path.Combine(RepoPaths.Vectors, "last-will.payload")), retained.Payload.ToArray());
    }

    /// <summary>
    /// Waits until the device's core has run up to the clock's now (its loop runs on the fake clock, on real threads):
    /// whatever was due by now has been made and numbered, so a test can then assert that something was not.
    /// </summary>
    internal static Task CaughtUpAsync(SimulatedDevice device, TimeProvider time) =>
        Eventually.TrueAsync(() =>
        {
            lock (device.Node.Lock)
            {
                return device.Node.RanUntil >= time.GetUtcNow();
            }
        }, "the device's core to catch up with the clock", Ct);

    /// <summary>Advances the fake clock a step at a time until <paramref name="task"/> completes (bounded in steps and real time).</summary>
    internal static async Task<T> AdvanceUntilAsync<T>(FakeTimeProvider time, Task<T> task, TimeSpan step, int maxSteps = 120)
    {
        for (var i = 0; i < maxSteps && !task.IsCompleted; i++)
        {
            time.Advance(step);
            // Let the device loop react to this step on real threads before the next one.
            await Task.WhenAny(task, Task.Delay(50, Ct));
        }

        return await task.WaitAsync(TimeSpan.FromSeconds(15), Ct);
    }

    internal static readonly DateTimeOffset Noon = new(2026, 11, 29, 12, 0, 0, TimeSpan.Zero);

    internal static SimulatorOptions OptionsFor(TestBroker broker) => new()
    {
        Host = "127.0.0.1",
        Port = broker.Port,
        Seed = 42,
        ReconnectDelayMin = TimeSpan.FromMilliseconds(50),
        ReconnectDelayMax = TimeSpan.FromMilliseconds(500),
        // An attempt that lands while the broker is half up must fail fast and retry, not hang for the default timeout.
        CommunicationTimeout = TimeSpan.FromSeconds(2),
    };
}
