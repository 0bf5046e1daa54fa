using System.Text.Json;

namespace SmartCommunity.SensorNode.Core.Tests;

public class OutageReplayTests
{
    [Fact]
    public void BrokerDown_ReadingsQueued_ReplayedInOrderAfterReconnect()
    {
        var node = Nodes.Provisioned("climate", id: "clim-0001");
        var pub = new FakePublisher { IsConnected = false };
        for (var i = 0; i < 20; i++)
        {
            node.OnClimate(2000 + i, 400 + i, i * 5000L);
            node.Tick(i * 5000L);
            Assert.Equal(0, node.Flush(pub, i * 5000L));
        }

        pub.IsConnected = true;
        node.Flush(pub, 100_000);

        var temps = pub.Up.SelectMany(Records).Where(r => r.Name == "temp").ToList();
        Assert.Equal(Enumerable.Range(0, 20).Select(i => (2000 + i) / 100.0), temps.Select(r => r.Value));
        Assert.Equal(Enumerable.Range(0, 20).Select(i => Nodes.T0 + i * 5L), temps.Select(r => r.Time));
        Assert.Equal(0, node.Queue.Count);
    }

    [Fact]
    public void LostPuback_Resend_ReusesSeqSoHubDeduplicates()
    {
        var storage = new MemoryStorage();
        var node = Nodes.Provisioned("door", storage, "door-0001");
        node.OnDoor(true, 0);
        node.OnDoor(true, 100);
        var pub = new FakePublisher { LoseAcks = true };
        node.Flush(pub, 1000);

        // Reboot before the PUBACK: the resend must carry the same seq and the same record.
        var rebooted = new NodeCore(storage, 0);
        rebooted.Clock.Sync(Nodes.T0 + 5, 0);
        pub.LoseAcks = false;
        rebooted.Flush(pub, 0);

        var ups = pub.Up.ToList();
        Assert.Equal(2, ups.Count);
        Assert.Equal(Seq(ups[0]), Seq(ups[1]));
        Assert.Equal(Records(ups[0]).Single().Time, Records(ups[1]).Single().Time);
    }

    [Fact]
    public void UnsyncedClock_RecordsWaitThenCarryTheirRealTime()
    {
        var storage = new MemoryStorage();
        var node = Nodes.Provisioned("door", storage, "door-0001");
        var fresh = new NodeCore(storage, 0); // rebooted, clock unknown
        fresh.OnDoor(true, 10_000);
        fresh.OnDoor(true, 10_100);
        var pub = new FakePublisher();
        Assert.Equal(0, fresh.Flush(pub, 20_000));
        fresh.Clock.Sync(Nodes.T0, 30_000);
        fresh.Flush(pub, 30_000);
        Assert.Equal(Nodes.T0 - 20, Records(pub.Up.Single()).Single().Time);
    }

    private static long Seq(string pack) => JsonDocument.Parse(pack).RootElement[0].GetProperty("v").GetInt64();

    private static IEnumerable<(string Name, double Value, long Time)> Records(string pack)
    {
        var root = JsonDocument.Parse(pack).RootElement;
        var bt = root[0].GetProperty("bt").GetInt64();
        foreach (var r in root.EnumerateArray().Skip(1))
        {
            var t = r.TryGetProperty("t", out var tt) ? tt.GetInt64() : 0;
            var v = r.TryGetProperty("v", out var vv) ? vv.GetDouble() : 0;
            yield return (r.GetProperty("n").GetString()!, v, bt + t);
        }
    }
}

public class AllocationTests
{
    [Fact]
    public void SamplingLoop_WarmWearable_AllocatesNothingPerSample()
    {
        var node = Nodes.Provisioned("wearable", id: "wear-0001");
        var trace = Firmware.FallEval.SyntheticTraces.NonFall("walking", 1);
        // Warm up: JIT, first-time static initialisation, first heartbeat.
        Loop(node, trace, 0);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var round = 1; round <= 20; round++)
        {
            Loop(node, trace, round * 100_000L);
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void SamplingLoop_EventsIntoQueueWithMemoryStorage_AllocatesNothing()
    {
        var node = Nodes.Provisioned("door", id: "door-0001");
        var pub = new FakePublisher { IsConnected = false };
        for (var i = 0; i < 300; i++)
        {
            Toggle(node, i);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 300; i < 3000; i++)
        {
            Toggle(node, i);
            node.Flush(pub, i * 1000L);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(NodeCore.QueueCapacity, node.Queue.Count);
    }

    [Fact]
    public void SamplingLoop_CoDetectorThroughAlarms_AllocatesNothing()
    {
        var node = Nodes.Provisioned("co", id: "co-0001");
        var pub = new FakePublisher { IsConnected = false };
        // Warm up until the outbox is full, so MemoryStorage has grown its blob to the largest size.
        CoLoop(node, pub, 0, 10_000);
        Assert.Equal(NodeCore.QueueCapacity, node.Queue.Count);
        var before = GC.GetAllocatedBytesForCurrentThread();
        CoLoop(node, pub, 10_000, 30_000);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.True(node.Queue.DroppedEvents > 0); // the full-queue path ran too
    }

    [Fact]
    public void SamplingLoop_PendantGesturesAndPreAlarms_AllocatesNothing()
    {
        var node = Nodes.Provisioned("sos");
        var pub = new FakePublisher { IsConnected = false };
        var preAlarm = Nodes.Ascii("{\"cmd\":\"pre-alarm\",\"s\":600}");
        var end = Nodes.Ascii("{\"cmd\":\"pre-alarm-end\"}");
        var rig = new Rig(node);
        void Round()
        {
            node.OnDownlink(preAlarm, preAlarm.Length, rig.Now);
            rig.Up(100).Down(2100).Up(500);                      // cancel
            node.OnDownlink(preAlarm, preAlarm.Length, rig.Now);
            rig.Up(100).Press(200).Up(300).Down(5100).Up(500);   // help, then visit
            node.OnDownlink(end, end.Length, rig.Now);
            rig.Press(200).Up(6000);                             // SOS
            node.Flush(pub, rig.Now);
        }

        // Warm up until the outbox is full (four records a round), so MemoryStorage has grown its blob to the largest size.
        for (var i = 0; i < 40; i++)
        {
            Round();
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 50; i++)
        {
            Round();
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(NodeCore.QueueCapacity, node.Queue.Count);
    }

    private static void CoLoop(NodeCore node, FakePublisher pub, int fromS, int toS)
    {
        for (var s = fromS; s < toS; s++)
        {
            // A slow wave from 0 to 200 ppm and back every 10 min: crosses co_on and co_off each period.
            var phase = s % 600;
            node.OnCo(phase < 300 ? phase * 2 / 3 : (600 - phase) * 2 / 3, s * 1000L);
            node.Tick(s * 1000L);
            node.Flush(pub, s * 1000L);
        }
    }

    private static void Toggle(NodeCore node, int i)
    {
        var open = i % 2 == 0;
        node.OnDoor(open, i * 1000L);
        node.OnDoor(open, i * 1000L + 100);
        node.OnButton(false, i * 1000L);
        node.OnPir(false, i * 1000L);
        node.Tick(i * 1000L + 100);
    }

    private static void Loop(NodeCore node, Firmware.FallEval.AccelTrace trace, long offset)
    {
        for (var i = 0; i < trace.Count; i++)
        {
            var t = offset + trace.TimeAt(i);
            node.OnAccelerometer(trace.XAt(i), trace.YAt(i), trace.ZAt(i), t);
            node.OnButton(false, t);
            node.Tick(t);
        }
    }
}
