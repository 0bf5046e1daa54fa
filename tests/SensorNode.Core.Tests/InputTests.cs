namespace SmartCommunity.SensorNode.Core.Tests;

public class DebouncerTests
{
    [Fact]
    public void Update_Bounce_ChangesOnlyAfterStableTime()
    {
        var d = new Debouncer(false, 50);
        Assert.False(d.Update(true, 0));
        Assert.False(d.Update(false, 10));
        Assert.False(d.Update(true, 20));
        Assert.False(d.Update(true, 60));
        Assert.True(d.Update(true, 70));
        Assert.True(d.State);
        Assert.Equal(20, d.ChangedAt);
    }
}

public class HysteresisAlarmTests
{
    [Fact]
    public void Update_HoveringAroundThreshold_SwitchesOnceNoChatter()
    {
        var a = new HysteresisAlarm(300, 200, 0);
        var changes = 0;
        int[] values = [100, 299, 300, 250, 310, 201, 290, 199, 250, 199];
        for (var i = 0; i < values.Length; i++)
        {
            changes += a.Update(values[i], i) ? 1 : 0;
        }

        Assert.Equal(2, changes); // on at 300, off at the first value below 200
        Assert.False(a.Active);
    }

    [Fact]
    public void Update_SingleSpike_ShorterThanHold_NoAlarm()
    {
        var a = new HysteresisAlarm(300, 200, 3000);
        Assert.False(a.Update(5000, 0));
        Assert.False(a.Update(100, 1000));
        Assert.False(a.Update(400, 2000));
        Assert.False(a.Update(400, 4999));
        Assert.True(a.Update(400, 5000));
    }
}

public class PirCounterTests
{
    [Fact]
    public void Update_RetriggersWithinHoldoff_CountOnce()
    {
        var p = new PirCounter(60_000, 2000, 0);
        p.Update(true, 0);
        p.Update(false, 500);
        p.Update(true, 1000); // same person, still moving
        p.Update(false, 1500);
        p.Update(true, 5000);
        Assert.Equal(2, p.Count);
    }

    [Fact]
    public void TryCloseInterval_LateTick_StaysOnFixedGridAndResets()
    {
        var p = new PirCounter(1000, 0, 0);
        p.Update(true, 100);
        Assert.False(p.TryCloseInterval(999, out _));
        Assert.True(p.TryCloseInterval(2500, out var count));
        Assert.Equal(1, count);
        Assert.False(p.TryCloseInterval(2999, out _));
        Assert.True(p.TryCloseInterval(3000, out count));
        Assert.Equal(0, count);
    }
}

public class SamplingSchedulerTests
{
    [Fact]
    public void IsDue_PerSensorPeriods_FireAtTheirOwnRates()
    {
        var s = new SamplingScheduler();
        s.SetPeriod(SamplingScheduler.Accelerometer, 20, 0);
        s.SetPeriod(SamplingScheduler.Gas, 1000, 0);
        s.SetPeriod(SamplingScheduler.Climate, 0, 0);
        int accel = 0, gas = 0, climate = 0;
        for (long t = 0; t < 2000; t++)
        {
            accel += s.IsDue(SamplingScheduler.Accelerometer, t) ? 1 : 0;
            gas += s.IsDue(SamplingScheduler.Gas, t) ? 1 : 0;
            climate += s.IsDue(SamplingScheduler.Climate, t) ? 1 : 0;
        }

        Assert.Equal(100, accel);
        Assert.Equal(2, gas);
        Assert.Equal(0, climate);
    }

    [Fact]
    public void IsDue_LoopStalled_SkipsMissedSlotsInsteadOfBursting()
    {
        var s = new SamplingScheduler();
        for (var sensor = 0; sensor < SamplingScheduler.Count; sensor++)
        {
            s.SetPeriod(sensor, 0, 0);
        }

        s.SetPeriod(SamplingScheduler.Accelerometer, 20, 0);
        Assert.True(s.IsDue(SamplingScheduler.Accelerometer, 0));
        Assert.True(s.IsDue(SamplingScheduler.Accelerometer, 1000));
        Assert.False(s.IsDue(SamplingScheduler.Accelerometer, 1001));
        Assert.Equal(19, s.MsUntilNext(1001));
    }
}

public class NodeSensorTests
{
    [Fact]
    public void Door_ReedBounces_OneOpenRecordStampedAtFirstContact()
    {
        var node = Nodes.Provisioned("door", id: "door-0001");
        node.OnDoor(true, 1000);
        node.OnDoor(false, 1010);
        node.OnDoor(true, 1020);
        node.OnDoor(true, 1100);
        var pub = new FakePublisher();
        node.Flush(pub, 2000);
        Assert.Equal("[{\"bn\":\"urn:dev:sc:door-0001:\",\"bt\":1795921202,\"n\":\"seq\",\"v\":1},{\"n\":\"door\",\"vb\":true,\"t\":-1}]", pub.Up.Single());
    }

    [Fact]
    public void Gas_CrossesThreshold_SmokeAndGasInOnePackLikeTheVector()
    {
        var node = Nodes.Provisioned("smoke", id: "smk-0001", tweak: c => c.SetNumber(Setting.GasHoldMs, 0));
        node.OnGas(120, 0);
        node.OnGas(350, 0);
        var pub = new FakePublisher();
        node.Flush(pub, 0);
        Assert.Equal("[{\"bn\":\"urn:dev:sc:smk-0001:\",\"bt\":1795921200,\"n\":\"seq\",\"v\":1},{\"n\":\"smoke\",\"vb\":true},{\"n\":\"gas\",\"u\":\"ppm\",\"v\":350}]", pub.Up.Single());
    }

    [Fact]
    public void Pir_Interval_ReportsActivationCount()
    {
        var node = Nodes.Provisioned("pir", id: "pir-0001", tweak: c => c.SetNumber(Setting.PirHoldoffMs, 0));
        for (var i = 0; i < 12; i++)
        {
            node.OnPir(true, i * 1000);
            node.OnPir(false, i * 1000 + 500);
        }

        node.Tick(300_000);
        var pub = new FakePublisher();
        node.Flush(pub, 300_000);
        Assert.EndsWith("{\"n\":\"motion\",\"u\":\"count\",\"v\":12}]", pub.Up.Single(), StringComparison.Ordinal);
    }

    [Fact]
    public void Heartbeat_AfterConnect_PublishesRetainedStatusWithBatteryRssiFirmware()
    {
        var node = Nodes.Provisioned("sos");
        node.BatteryPercent = 87;
        node.RssiDbm = -61;
        var pub = new FakePublisher();
        node.OnConnected(0);
        node.Flush(pub, 0);
        var (topic, payload, retain) = pub.Messages.Single();
        Assert.Equal("sc/v1/sos-0001/status", topic);
        Assert.True(retain);
        Assert.Equal("[{\"bn\":\"urn:dev:sc:sos-0001:\",\"bt\":1795921200,\"n\":\"seq\",\"v\":1},{\"n\":\"online\",\"vb\":true},{\"n\":\"bat\",\"u\":\"%EL\",\"v\":87},{\"n\":\"rssi\",\"u\":\"dBm\",\"v\":-61},{\"n\":\"fw\",\"vs\":\"1.0.0\"}]", payload);
    }
}
