using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using SmartCommunity.Domain.Devices;
using SmartCommunity.Simulator.Devices;
using SmartCommunity.Simulator.Engine;
using SmartCommunity.Simulator.Scenarios;
using SmartCommunity.Testing;

namespace SmartCommunity.Simulator.Tests.Mqtt;

/// <summary>
/// The device schedules run on the TimeProvider: with a FakeTimeProvider nothing routine happens
/// until the test advances time, however long the real test takes.
/// </summary>
public sealed class ScheduleTests
{
    private static readonly DateTimeOffset Noon = new(2026, 11, 29, 12, 0, 0, TimeSpan.Zero);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ClimateDevice_OneMinutePasses_PublishesTemperatureAndHumidity()
    {
        var climate = new DeviceCredentials("clim-0001", DeviceKind.Climate, "clim-secret-0001-long");
        var time = new FakeTimeProvider(Noon);
        await using var broker = await TestBroker.StartAsync(climate);
        await using var observer = await broker.ConnectObserverAsync(Ct);
        await using var fleet = new SimulatedFleet([climate], DeviceBrokerTests.OptionsFor(broker), time);
        await fleet.StartAsync(Ct);
        // The core reads the BME280 once at boot (seq 1), then the heartbeat goes out (seq 2).
        await observer.WaitForAsync(m => m.Topic == "sc/v1/clim-0001/up", Ct);

        time.Advance(TimeSpan.FromSeconds(60));
        var reading = await observer.WaitForAsync(m => m.Topic == "sc/v1/clim-0001/up", Ct);

        using var pack = JsonDocument.Parse(reading.Payload);
        var r = pack.RootElement;
        Assert.Equal(Noon.AddSeconds(60).ToUnixTimeSeconds(), r[0].GetProperty("bt").GetInt64());
        Assert.Equal(3u, r[0].GetProperty("v").GetUInt32());
        Assert.Equal("temp", r[1].GetProperty("n").GetString());
        Assert.InRange(r[1].GetProperty("v").GetDouble(), 20, 23);
        Assert.Equal("hum", r[2].GetProperty("n").GetString());
        Assert.InRange(r[2].GetProperty("v").GetDouble(), 35, 60);
    }

    [Fact]
    public async Task ClimateDevice_HeatingFailureThenAnHour_ReportsRoomCooling()
    {
        var climate = new DeviceCredentials("clim-0001", DeviceKind.Climate, "clim-secret-0001-long");
        var time = new FakeTimeProvider(Noon);
        await using var broker = await TestBroker.StartAsync(climate);
        await using var observer = await broker.ConnectObserverAsync(Ct);
        await using var fleet = new SimulatedFleet([climate], DeviceBrokerTests.OptionsFor(broker), time);
        await fleet.StartAsync(Ct);
        await observer.WaitForAsync(m => m.Topic == "sc/v1/clim-0001/up", Ct); // the reading at boot

        await fleet.InjectAsync("clim-0001", Scenario.HeatingFailure, Ct);
        double last = 0;
        for (var minute = 1; minute <= 60; minute++)
        {
            time.Advance(TimeSpan.FromMinutes(1));
            var reading = await observer.WaitForAsync(m => m.Topic == "sc/v1/clim-0001/up", Ct);
            using var pack = JsonDocument.Parse(reading.Payload);
            last = pack.RootElement[1].GetProperty("v").GetDouble();
        }

        Assert.InRange(last, 17.0, 19.5); // ~21.7 °C at noon, minus ~3 °C in an hour
    }

    [Fact]
    public async Task SosButton_HeartbeatIntervalPasses_PublishesNextHeartbeat()
    {
        var sos = new DeviceCredentials("sos-0001", DeviceKind.Sos, "sos-secret-0001-long");
        var time = new FakeTimeProvider(Noon);
        await using var broker = await TestBroker.StartAsync(sos);
        await using var fleet = new SimulatedFleet([sos], DeviceBrokerTests.OptionsFor(broker), time);
        await fleet.StartAsync(Ct);
        var device = fleet.GetDevice("sos-0001");

        time.Advance(TimeSpan.FromMinutes(4));
        // Once the core has run through those four minutes, a heartbeat due in them would already have its number.
        await DeviceBrokerTests.CaughtUpAsync(device, time);
        Assert.Equal(1u, device.LastSequence);

        time.Advance(TimeSpan.FromMinutes(1));
        await Eventually.TrueAsync(() => device.Published == 2, "the 5-minute heartbeat was acknowledged", Ct);
    }

    [Fact]
    public async Task Fleet_SpeedSixty_PirReportsEveryFiveSimulatedMinutes()
    {
        var pir = new DeviceCredentials("pir-0001", DeviceKind.Pir, "pir-secret-0001-long");
        var time = new FakeTimeProvider(Noon);
        await using var broker = await TestBroker.StartAsync(pir);
        await using var observer = await broker.ConnectObserverAsync(Ct);
        await using var fleet = new SimulatedFleet([pir], DeviceBrokerTests.OptionsFor(broker) with { Speed = 60 }, time);
        await fleet.StartAsync(Ct);

        time.Advance(TimeSpan.FromSeconds(5)); // 5 simulated minutes
        var reading = await observer.WaitForAsync(m => m.Topic == "sc/v1/pir-0001/up", Ct);

        Assert.Contains("{\"n\":\"motion\",\"u\":\"count\",\"v\":", reading.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fleet_BrokerRefuses_RetriesOnlyAfterBackoffElapses()
    {
        var sos = new DeviceCredentials("sos-0001", DeviceKind.Sos, "sos-secret-0001-long");
        var time = new SignalingTimeProvider(Noon);
        await using var broker = await TestBroker.StartAsync(sos);
        await using var fleet = new SimulatedFleet([sos with { Secret = "wrong-secret-0001-long" }], DeviceBrokerTests.OptionsFor(broker), time);

        await fleet.StartAsync(Ct);
        // After the refused attempt the device arms its sleep on the clock (a positive wait). Time stands still, so from
        // then on only a device that does not wait for its backoff could try again.
        await Eventually.TrueAsync(() => time.Changes.Any(due => due > TimeSpan.Zero), "the device to sleep until its backoff ends", Ct);
        Assert.Equal(1, fleet.GetCounters().ConnectAttempts);

        time.Advance(TimeSpan.FromSeconds(1)); // ≥ the maximum backoff of the test options
        await Eventually.TrueAsync(() => fleet.GetCounters().ConnectAttempts >= 2, "the device retried after its backoff", Ct);
    }
}
