using SmartCommunity.Testing;

namespace SmartCommunity.Gateway.Tests;

/// <summary>The queue on disk: a kill -9 mid-replay and a long outage against the disk quota.</summary>
public sealed class DurabilityTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Kill9_DuringReplay_NothingLostNothingDuplicatedAtTheHub()
    {
        await using var hub = new FakeHub();
        var fleet = Enumerable.Range(1, 10).Select(i => TestDevice.Create($"clim-{i:D4}", "climate")).ToList();
        fleet.ForEach(hub.Register);
        var settings = GatewayProcess.Settings.Fresh();
        var first = await GatewayProcess.StartAsync(hub, settings, Ct);
        List<DeviceClient> devices = [];
        try
        {
            await Eventually.GetAsync(() => first.StatusAsync(Ct), s => s.GetProperty("registryDevices").GetInt32() == 10, what: "the registry synced");
            devices = await ForwardingTests.ConnectAllAsync(fleet, first.MqttPort);
            // The hub is down from the start: everything queues (acknowledged to the devices only once on disk).
            await ForwardingTests.PublishRoundsAsync(devices, 60);
            foreach (var d in devices)
                await d.DisposeAsync();
            devices.Clear();

            // The hub comes back and takes 200 messages; the 200th it records but does not acknowledge (a broker handles a
            // connection's packets in turn, so the rest of the gateway's window waits behind it) — and the gateway is
            // killed in the middle of that replay.
            hub.HoldAfter(200);
            await hub.StartBrokerAsync();
            await Eventually.TrueAsync(() => hub.Arrivals.Count >= 200, "the replay under way, a PUBACK held", Ct);
            first.Kill();
        }
        finally
        {
            await first.DisposeAsync();
        }
        Assert.True(hub.AcceptedCount < 600, "the kill came before the replay ended");
        hub.ReleaseHold();

        await using var second = await GatewayProcess.StartAsync(hub, settings, Ct);
        await Eventually.TrueAsync(() => hub.AcceptedCount == 600, "every queued reading reached the hub after the restart", Ct, TimeSpan.FromSeconds(60));
        foreach (var device in fleet)
            Assert.Equal(Enumerable.Range(1, 60).Select(i => (uint)i), hub.Accepted(device.Id));
        // Re-sent: only what was with the hub unacknowledged at the kill (at most one per device), dropped by its window.
        Assert.InRange(hub.Duplicates, 0, fleet.Count);
        await Eventually.GetAsync(() => second.StatusAsync(Ct), s => s.GetProperty("health").GetProperty("queueDepth").GetInt32() == 0, what: "the queue drained");
    }

    [Fact]
    public async Task Quota_ReachedDuringLongOutage_RoutineDroppedOldestFirstAndCountedLifeSafetyKept()
    {
        await using var hub = new FakeHub();
        var climate = TestDevice.Create("clim-0001", "climate");
        var pendant = TestDevice.Create("sos-0001", "sos");
        var smoke = TestDevice.Create("smk-0001", "smoke");
        hub.Register(climate);
        hub.Register(pendant);
        hub.Register(smoke);
        // ~150 bytes a record: a 16 KiB quota holds ~100 readings; 600 are sent.
        var settings = GatewayProcess.Settings.Fresh() with { DiskQuotaBytes = 16 * 1024, SegmentBytes = 2 * 1024 };
        await using var gateway = await GatewayProcess.StartAsync(hub, settings, Ct);
        await Eventually.GetAsync(() => gateway.StatusAsync(Ct), s => s.GetProperty("registryDevices").GetInt32() == 3, what: "the registry synced");
        await using var c = await DeviceClient.ConnectAsync(climate, gateway.MqttPort, Ct);
        await using var p = await DeviceClient.ConnectAsync(pendant, gateway.MqttPort, Ct);
        await using var s = await DeviceClient.ConnectAsync(smoke, gateway.MqttPort, Ct);

        var sos = new List<uint>();
        var smokeAlarms = new List<uint>();
        for (var round = 0; round < 600; round++)
        {
            await c.PublishAsync(DeviceClient.Temp, Ct);
            if (round % 50 == 10)
            {
                sos.Add(await p.PublishAsync(DeviceClient.Sos, Ct));
                smokeAlarms.Add(await s.PublishAsync("{\"n\":\"smoke\",\"vb\":true},{\"n\":\"gas\",\"u\":\"ppm\",\"v\":1500}", Ct));
            }
        }
        var full = await gateway.StatusAsync(Ct);
        var health = full.GetProperty("health");
        var dropped = health.GetProperty("droppedRoutine").GetInt64();
        Assert.True(dropped > 0, "the quota was reached");
        // The files follow the quota: dropped readings free whole routine segments.
        Assert.True(health.GetProperty("diskUsedBytes").GetInt64() <= settings.DiskQuotaBytes + 3 * settings.SegmentBytes,
            $"disk use {health.GetProperty("diskUsedBytes")} within the quota and a few segments");

        await hub.StartBrokerAsync();
        await Eventually.GetAsync(() => gateway.StatusAsync(Ct), st => st.GetProperty("health").GetProperty("queueDepth").GetInt32() == 0, what: "the queue drained");
        Assert.Equal(sos, hub.Accepted(pendant.Id));
        Assert.Equal(smokeAlarms, hub.Accepted(smoke.Id));
        var kept = hub.Accepted(climate.Id);
        // Oldest first: what reached the hub is the newest readings, an unbroken run up to the last one.
        Assert.Equal(600 - dropped, kept.Count);
        Assert.Equal(Enumerable.Range((int)dropped + 1, kept.Count).Select(i => (uint)i), kept);
    }
}
