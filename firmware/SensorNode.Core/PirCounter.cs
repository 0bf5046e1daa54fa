namespace SmartCommunity.SensorNode.Core;

/// <summary>
/// Counts PIR activations per reporting interval (docs/protocol.md: counts, not one message per trigger).
/// A PIR module holds its output high for a few seconds and re-triggers while someone moves, so a
/// rising edge within <see cref="HoldoffMs"/> of the previous counted one is the same activation.
/// </summary>
public sealed class PirCounter
{
    private bool _level;
    private long _lastCounted = long.MinValue / 2;
    private long _intervalStart;

    public PirCounter(int intervalMs, int holdoffMs, long startMs)
    {
        IntervalMs = intervalMs;
        HoldoffMs = holdoffMs;
        _intervalStart = startMs;
    }

    public int IntervalMs { get; set; }

    public int HoldoffMs { get; set; }

    public int Count { get; private set; }

    public void Update(bool level, long nowMs)
    {
        if (level && !_level && nowMs - _lastCounted >= HoldoffMs)
        {
            if (Count < 10000)
            {
                Count++;
            }

            _lastCounted = nowMs;
        }

        _level = level;
    }

    /// <summary>When the interval is over, hands out its count and starts the next interval.</summary>
    public bool TryCloseInterval(long nowMs, out int count)
    {
        if (nowMs - _intervalStart < IntervalMs)
        {
            count = 0;
            return false;
        }

        count = Count;
        Count = 0;
        // Advance by whole intervals so reports stay on a fixed grid even when ticks come late.
        while (nowMs - _intervalStart >= IntervalMs)
        {
            _intervalStart += IntervalMs;
        }

        return true;
    }
}
