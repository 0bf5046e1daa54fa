namespace SmartCommunity.SensorNode.Core.Tests;

/// <summary>The CO detector's driver: periodic reports, at once on crossing co_on_ppm/co_off_ppm, faster while above.</summary>
public class CoSensorTests
{
    private static NodeCore Node() => Nodes.Provisioned("co", id: "co-0001", tweak: c =>
    {
        c.SetNumber(Setting.ReadingSeconds, 300);
        c.SetNumber(Setting.CoAlarmReadingSeconds, 10);
    });

    /// <summary>Feeds one sample a second, as the scheduler does, from <paramref name="fromS"/> to <paramref name="toS"/> (exclusive).</summary>
    private static void Feed(NodeCore node, int ppm, int fromS, int toS)
    {
        for (var s = fromS; s < toS; s++)
        {
            node.OnCo(ppm, s * 1000L);
            node.Tick(s * 1000L);
        }
    }

    private static List<(long T, int Ppm)> Reports(NodeCore node) =>
        Enumerable.Range(0, node.Queue.Count).Select(i => (node.Queue.TimeAt(i) - Nodes.T0, node.Queue.ValueAt(i))).ToList();

    [Fact]
    public void Co_CleanAir_FirstSampleAtOnceThenEveryReadingSeconds()
    {
        var node = Node();
        Feed(node, 3, 0, 901);
        Assert.Equal([(0L, 3), (300L, 3), (600L, 3), (900L, 3)], Reports(node));
    }

    [Fact]
    public void Co_CrossesOnThreshold_ReportedAtOnceThenEveryAlarmInterval()
    {
        var node = Node();
        Feed(node, 5, 0, 100);
        Feed(node, 49, 100, 120);
        Assert.False(node.CoAlarm);
        Feed(node, 50, 120, 145);
        Assert.True(node.CoAlarm);
        Assert.Equal([(0L, 5), (120L, 50), (130L, 50), (140L, 50)], Reports(node));
    }

    [Fact]
    public void Co_Hysteresis_StaysInAlarmAboveOffThenReportsTheFallAtOnce()
    {
        var node = Node();
        Feed(node, 120, 0, 1);
        Assert.True(node.CoAlarm);
        Feed(node, 31, 1, 25); // below co_on, not below co_off: still the alarm's pace
        Assert.True(node.CoAlarm);
        Feed(node, 29, 25, 400);
        Assert.False(node.CoAlarm);
        Assert.Equal([(0L, 120), (10L, 31), (20L, 31), (25L, 29), (325L, 29)], Reports(node));
    }

    [Fact]
    public void Co_NoChatter_AroundTheOnThreshold()
    {
        var node = Node();
        for (var s = 0; s < 100; s++)
        {
            node.OnCo(s % 2 == 0 ? 52 : 45, s * 1000L);
        }

        // One crossing (at 0), then the alarm's 10 s pace: 45 ppm is not below co_off_ppm.
        Assert.Equal(10, node.Queue.Count);
    }

    [Theory]
    [InlineData(20_000, 10_000)]
    [InlineData(-5, 0)]
    public void Co_OutOfTheCataloguesRange_Clamped(int ppm, int reported)
    {
        var node = Node();
        node.OnCo(ppm, 0);
        Assert.Equal(reported, node.Queue.ValueAt(0));
    }

    [Fact]
    public void Co_OutboxFullOfReadings_KeepsTheFreshestAndStillTakesAnAlarm()
    {
        // An event, not a critical record: a long outage drops the oldest CO readings for newer ones instead of refusing them.
        Assert.Equal(Measurement.PriorityEvent, Measurement.Priority(Measurement.Co));
        var node = Node();
        for (var i = 0; i < NodeCore.QueueCapacity + 10; i++)
        {
            node.OnCo(i % 2 == 0 ? 120 : 121, i * 10_000L);
        }

        Assert.Equal(NodeCore.QueueCapacity, node.Queue.Count);
        Assert.Equal(0, node.Queue.RefusedCritical);
        Assert.True(node.Queue.DroppedEvents > 0);
        Assert.Equal(Measurement.Co, node.Queue.MeasurementAt(node.Queue.Count - 1));
    }

    [Theory]
    [InlineData("co", 1000, 0)]
    [InlineData("smoke", 0, 1000)]
    [InlineData("sos", 0, 0)]
    public void Scheduler_CoSlot_OnlyOnTheCoProfile(string profile, int coPeriod, int gasPeriod)
    {
        var node = Nodes.Provisioned(profile, id: "node-0001");
        Assert.Equal(coPeriod, node.Scheduler.PeriodMs(SamplingScheduler.Co));
        Assert.Equal(gasPeriod, node.Scheduler.PeriodMs(SamplingScheduler.Gas));
    }

    [Theory]
    [InlineData("{\"cmd\":\"config\",\"co_on_ppm\":50,\"co_off_ppm\":50}")]
    [InlineData("{\"cmd\":\"config\",\"co_on_ppm\":30}")]
    public void Config_CoOffNotBelowOn_Inconsistent(string json)
    {
        var node = Node();
        var b = Nodes.Ascii(json);
        Assert.Equal(ErrorCode.Inconsistent, node.OnDownlink(b, b.Length, 0));
        Assert.Equal(50, node.Config.Get(Setting.CoAlarmOnPpm));
    }

    [Fact]
    public void Config_CoThresholds_TakeEffect()
    {
        var node = Node();
        var b = Nodes.Ascii("{\"cmd\":\"config\",\"co_on_ppm\":150,\"co_off_ppm\":100}");
        Assert.Equal(ErrorCode.None, node.OnDownlink(b, b.Length, 0));
        Feed(node, 120, 0, 30);
        Assert.False(node.CoAlarm);
        Assert.Equal(1, node.Queue.Count);
    }
}
