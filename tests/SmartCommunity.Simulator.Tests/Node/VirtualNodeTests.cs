using Microsoft.Extensions.Time.Testing;
using SmartCommunity.Domain.Devices;
using SmartCommunity.SensorNode.Core;
using SmartCommunity.Simulator.Devices;
using SmartCommunity.Simulator.Node;
using SmartCommunity.Simulator.Signals;

namespace SmartCommunity.Simulator.Tests.Node;

/// <summary>The virtual node's button, CO sensor and downlinks, through the real firmware core.</summary>
public class VirtualNodeTests
{
    private const string Secret = "simulated-secret-0001";
    private static readonly Dictionary<string, int> NoSettings = [];

    private static (VirtualNode Node, FakeTimeProvider Time) Start(DeviceCredentials credentials, IStorage? storage = null)
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 29, 3, 0, 0, TimeSpan.Zero));
        var node = new VirtualNode(credentials, NoSettings, storage ?? new MemoryStorage(), new SimulatedClock(time, 1.0), new Random(1), routine: false);
        return (node, time);
    }

    private static void Advance(VirtualNode node, FakeTimeProvider time, TimeSpan by)
    {
        time.Advance(by);
        node.RunToNow();
    }

    private static List<string> Queued(VirtualNode node) =>
        [.. Enumerable.Range(0, node.Core.Queue.Count).Select(i => Measurement.Name(node.Core.Queue.MeasurementAt(i)))];

    [Fact]
    public void PressButton_HeldDuringAPreAlarmDownlink_CoreSendsCancelAndNoSos()
    {
        var (node, time) = Start(new DeviceCredentials("sos-0001", DeviceKind.Sos, Secret));
        node.EnqueueDownlink("""{"cmd":"pre-alarm","s":600}"""u8.ToArray());
        Advance(node, time, TimeSpan.FromSeconds(1));
        Assert.True(node.Core.PreAlarmPending);

        node.PressButton(TimeSpan.FromSeconds(2.5));
        Assert.True(node.Busy);
        Advance(node, time, TimeSpan.FromSeconds(30));

        Assert.Equal(["cancel"], Queued(node));
        Assert.False(node.Core.PreAlarmPending);
        Assert.False(node.Busy);
    }

    [Fact]
    public void PressButton_ShortThenFiveSecondHold_TheGridWorkersVisit()
    {
        var (node, time) = Start(new DeviceCredentials("wear-0001", DeviceKind.Wearable, Secret));
        node.PressButton(TimeSpan.FromMilliseconds(200));
        node.PressButton(TimeSpan.FromSeconds(5.5));
        Advance(node, time, TimeSpan.FromSeconds(30));
        Assert.Equal(["visit"], Queued(node));
    }

    [Fact]
    public void PressButton_Default_IsStillAnSos()
    {
        var (node, time) = Start(new DeviceCredentials("sos-0001", DeviceKind.Sos, Secret));
        node.PressButton();
        Advance(node, time, TimeSpan.FromSeconds(30));
        Assert.Equal(["sos"], Queued(node));
    }

    [Fact]
    public void CoProfile_CleanAir_FedToTheCoreAndReportedEveryReadingInterval()
    {
        var (node, time) = Start(new DeviceCredentials("co-0001", DeviceKind.Co, Secret));
        Assert.Equal(1000, node.Core.Scheduler.PeriodMs(SamplingScheduler.Co));
        Advance(node, time, TimeSpan.FromMinutes(10) + TimeSpan.FromSeconds(1));
        Assert.Equal(["co", "co", "co"], Queued(node)); // at boot, 5 and 10 min (reading_s 300)
        Assert.All(Enumerable.Range(0, 3), i => Assert.InRange(node.Core.Queue.ValueAt(i), 0, 5));

        node.CoPpm = 120;
        Advance(node, time, TimeSpan.FromSeconds(1));
        Assert.True(node.Core.CoAlarm);
        Assert.Equal(120, node.Core.Queue.ValueAt(node.Core.Queue.Count - 1));
    }

    [Fact]
    public void CoLeak_TheCoreAlarmsAtItsOwnLevelAndReportsEveryTenSeconds()
    {
        var (node, time) = Start(new DeviceCredentials("co-0001", DeviceKind.Co, Secret));
        Advance(node, time, TimeSpan.FromSeconds(1));
        var before = node.Core.Queue.Count;

        node.StartCoLeak();
        Advance(node, time, TimeSpan.FromSeconds(8));
        Assert.False(node.Core.CoAlarm);
        Advance(node, time, TimeSpan.FromSeconds(37));

        // co_on_ppm (50) crossed ~12 s in, then a report every co_alarm_reading_s (10 s), the last one (~42 s) near 127 ppm.
        Assert.True(node.Core.CoAlarm);
        var reports = Enumerable.Range(before, node.Core.Queue.Count - before).Select(i => node.Core.Queue.ValueAt(i)).ToList();
        Assert.InRange(reports.Count, 3, 5);
        Assert.InRange(reports[^1], 100, 145);
    }
}
