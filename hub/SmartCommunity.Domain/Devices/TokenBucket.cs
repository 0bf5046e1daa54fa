using System;

namespace SmartCommunity.Domain.Devices;

/// <summary>
/// A per-device message budget: <see cref="Capacity"/> messages at once, refilled at
/// <see cref="RatePerSecond"/>. A looping or hostile device exhausts only its own budget, so the
/// other devices' messages keep flowing. Not thread-safe; the caller holds the device's lock.
/// </summary>
public sealed class TokenBucket(double ratePerSecond, double capacity)
{
    private double _tokens = capacity;
    private long _lastTicks = long.MinValue;

    public double RatePerSecond { get; } = ratePerSecond;
    public double Capacity { get; } = capacity;

    /// <summary>Messages refused since the budget last had room; resets when one is accepted again.</summary>
    public long RefusedInARow { get; private set; }

    /// <summary>How long until one message fits the budget again (zero when it fits now).</summary>
    public TimeSpan TimeUntilAvailable => _tokens >= 1 ? TimeSpan.Zero : TimeSpan.FromSeconds((1 - _tokens) / RatePerSecond);

    public bool TryTake(DateTimeOffset now)
    {
        var ticks = now.UtcTicks;
        if (_lastTicks != long.MinValue && ticks > _lastTicks)
            _tokens = Math.Min(Capacity, _tokens + (ticks - _lastTicks) / (double)TimeSpan.TicksPerSecond * RatePerSecond);
        if (_lastTicks == long.MinValue || ticks > _lastTicks)
            _lastTicks = ticks;
        if (_tokens >= 1)
        {
            _tokens -= 1;
            RefusedInARow = 0;
            return true;
        }
        RefusedInARow++;
        return false;
    }
}
