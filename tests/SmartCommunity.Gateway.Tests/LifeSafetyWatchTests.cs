using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using SmartCommunity.Gateway.Alerts;

namespace SmartCommunity.Gateway.Tests;

/// <summary>The ack timeout of life-safety messages on a virtual clock: each message raises at most one local alert, by
/// whichever comes first — the time running out, or the uplink found down — and none when the hub answers in time.</summary>
public sealed class LifeSafetyWatchTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "sc-gw-watch-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 7, 10, 0, 0, TimeSpan.Zero));
    private readonly GatewayStatus _status = new() { UplinkConnected = true };
    private readonly LocalAlerts _alerts;
    private readonly LifeSafetyWatch _watch;
    private readonly List<string> _dropped = [];

    public LifeSafetyWatchTests()
    {
        Directory.CreateDirectory(_directory);
        var options = Options.Create(new GatewayOptions { DataDirectory = _directory, LifeSafetyAckTimeout = TimeSpan.FromSeconds(1) });
        _alerts = new LocalAlerts(options, _time, NullLogger<LocalAlerts>.Instance);
        _watch = new LifeSafetyWatch(_alerts, _status, _time, options, NullLogger<LifeSafetyWatch>.Instance);
        _watch.Overdue += _dropped.Add;
    }

    private LifeSafetyWatch.Pending Sos(string device = "sos-0001", uint seq = 7) =>
        _watch.Begin(device, _time.GetUtcNow().ToUnixTimeMilliseconds(), ["sos"], seq, _time.GetUtcNow());

    [Fact]
    public void Watch_NoAnswerWithinTimeout_RaisesOnceAndDropsTheLink()
    {
        var pressedAt = _time.GetUtcNow();
        var pending = Sos();
        _time.Advance(TimeSpan.FromMilliseconds(999));
        Assert.Empty(_alerts.All);
        _time.Advance(TimeSpan.FromMilliseconds(1));
        var alert = Assert.Single(_alerts.All);
        Assert.Equal(("sos-0001", "sos", (uint?)7, pressedAt), (alert.DeviceId, alert.Kind, alert.Seq, alert.RaisedAt));
        Assert.Single(_dropped);
        Assert.Equal(1, _status.LifeSafetyOverdueCount);

        // The uplink then found down, a late PUBACK, more time: still one alert.
        _watch.RaiseNow(pending);
        _watch.Answered("sos-0001", long.MaxValue);
        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.Single(_alerts.All);
        Assert.Equal(0, _watch.Watching);
    }

    [Fact]
    public void Watch_AnsweredInTime_RaisesNothing()
    {
        var first = Sos();
        _time.Advance(TimeSpan.FromMilliseconds(10));
        var second = Sos();
        var other = Sos("sos-0002");
        // The hub's answer to the device's later message covers its earlier one (each device's messages go in order).
        _watch.Answered("sos-0001", second.ReceivedMs);
        Assert.Equal(1, _watch.Watching);
        _watch.Answered("sos-0002", other.ReceivedMs);
        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.Empty(_alerts.All);
        Assert.Empty(_dropped);
        Assert.Equal(0, _status.LifeSafetyOverdueCount);
        Assert.NotSame(first, second);
    }

    [Fact]
    public void Watch_UplinkDownAtArrival_RaisedAtOnceNotAgainAtTimeout()
    {
        _status.UplinkConnected = false;
        var pending = Sos();
        _watch.RaiseNow(pending);
        Assert.Single(_alerts.All);
        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.Single(_alerts.All);
        Assert.Empty(_dropped);
    }

    [Fact]
    public void Watch_TimeoutWhileUplinkKnownDown_RaisesWithoutDroppingOrCounting()
    {
        _status.UplinkConnected = false;
        _ = Sos();
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Single(_alerts.All);
        Assert.Empty(_dropped);
        Assert.Equal(0, _status.LifeSafetyOverdueCount);
    }

    [Fact]
    public void Watch_MessageNotStored_Forgotten()
    {
        var pending = Sos();
        _watch.Forget(pending);
        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.Empty(_alerts.All);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
