using Microsoft.Extensions.Options;

namespace SmartCommunity.Gateway.Alerts;

/// <summary>
/// Makes sure a life-safety message alarms someone within <see cref="GatewayOptions.LifeSafetyAckTimeout"/> of its
/// arrival: the hub (its PUBACK says it has the message and pages) or, failing that, the community's duty room.
/// A link that died silently keeps the uplink "connected" until the MQTT keep-alive gives up (30 s + 15 s); an SOS must
/// not wait for that. Every life-safety message is watched from its arrival; the first of three things settles it:
/// the hub answers it (<see cref="Answered"/>), the gateway learns the uplink is down (<see cref="RaiseNow"/>), or the
/// time runs out — then the local alert is raised and <see cref="Overdue"/> tells the forwarder to drop the connection,
/// so it reconnects and reports the local alert before the replay (the hub merges it with the forwarded pack, as after
/// any outage). Each message raises at most one local alert, whichever path wins.
/// </summary>
public sealed class LifeSafetyWatch(LocalAlerts alerts, GatewayStatus status, TimeProvider time, IOptions<GatewayOptions> options, ILogger<LifeSafetyWatch> logger)
{
    private readonly TimeSpan _timeout = options.Value.LifeSafetyAckTimeout;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, List<Pending>> _byDevice = new(StringComparer.Ordinal);

    /// <summary>A watched message: its device, when the gateway accepted it (the queue's received time), what it raises.</summary>
    public sealed class Pending(string deviceId, long receivedMs, IReadOnlyList<string> kinds, uint? seq, DateTimeOffset at)
    {
        public string DeviceId { get; } = deviceId;
        public long ReceivedMs { get; } = receivedMs;
        public IReadOnlyList<string> Kinds { get; } = kinds;
        public uint? Seq { get; } = seq;
        public DateTimeOffset At { get; } = at;
        internal ITimer? Timer;
    }

    /// <summary>Raised when a life-safety message went unanswered while the uplink seemed up: the link is taken for dead.</summary>
    public event Action<string>? Overdue;

    /// <summary>Messages being watched (at most a handful: life-safety messages are rare).</summary>
    public int Watching
    {
        get
        {
            lock (_lock)
                return _byDevice.Values.Sum(l => l.Count);
        }
    }

    /// <summary>Starts watching a life-safety message at its arrival, before it is stored (the forwarder may send it, and
    /// the hub answer it, before the store returns).</summary>
    public Pending Begin(string deviceId, long receivedMs, IReadOnlyList<string> kinds, uint? seq, DateTimeOffset at)
    {
        var pending = new Pending(deviceId, receivedMs, kinds, seq, at);
        lock (_lock)
        {
            if (!_byDevice.TryGetValue(deviceId, out var list))
                _byDevice[deviceId] = list = [];
            list.Add(pending);
            // Created under the lock, so an expiry (which takes it) finds the timer set.
            pending.Timer = time.CreateTimer(_ => Expire(pending), null, _timeout, Timeout.InfiniteTimeSpan);
        }
        return pending;
    }

    /// <summary>The hub answered the device's message received at <paramref name="receivedMs"/> (acknowledged or refused for good):
    /// it and every earlier one of that device (the queue keeps each device's order) need no local alert.</summary>
    public void Answered(string deviceId, long receivedMs)
    {
        lock (_lock)
        {
            if (!_byDevice.TryGetValue(deviceId, out var list))
                return;
            list.RemoveAll(p =>
            {
                if (p.ReceivedMs > receivedMs)
                    return false;
                p.Timer?.Dispose();
                return true;
            });
            if (list.Count == 0)
                _byDevice.Remove(deviceId);
        }
    }

    /// <summary>The uplink is down: nobody at the hub will see it, the duty room must, now.</summary>
    public void RaiseNow(Pending pending)
    {
        if (Settle(pending))
            Raise(pending);
    }

    /// <summary>Not stored (the device was not acknowledged and sends it again, which is watched anew).</summary>
    public void Forget(Pending pending) => Settle(pending);

    private void Expire(Pending pending)
    {
        if (!Settle(pending))
            return;
        var connected = status.UplinkConnected;
        if (connected)
            status.LifeSafetyOverdue();
        logger.LogError("Life-safety message of {DeviceId} (seq {Seq}) not acknowledged by the hub within {Timeout} ms{While}: local alert raised",
            pending.DeviceId, pending.Seq, _timeout.TotalMilliseconds, connected ? " while the uplink seemed up; the connection is dropped" : "");
        try
        {
            Raise(pending);
        }
        catch (Exception ex)
        {
            // A timer's thread: an exception here would end the process, and with it every other alarm.
            logger.LogCritical(ex, "Local alert for {DeviceId} (seq {Seq}) could not be raised", pending.DeviceId, pending.Seq);
        }
        // A local alert reaches the hub only as a connection begins: also one that came up while this was raised.
        if (connected || status.UplinkConnected)
            Overdue?.Invoke($"life-safety message of {pending.DeviceId} not acknowledged within {_timeout.TotalMilliseconds} ms");
    }

    private bool Settle(Pending pending)
    {
        lock (_lock)
        {
            if (!_byDevice.TryGetValue(pending.DeviceId, out var list) || !list.Remove(pending))
                return false;
            if (list.Count == 0)
                _byDevice.Remove(pending.DeviceId);
        }
        pending.Timer?.Dispose();
        return true;
    }

    private void Raise(Pending pending)
    {
        foreach (var kind in pending.Kinds)
            alerts.Raise(pending.DeviceId, kind, pending.Seq, pending.At);
    }
}
