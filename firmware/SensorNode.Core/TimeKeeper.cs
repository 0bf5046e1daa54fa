namespace SmartCommunity.SensorNode.Core;

/// <summary>
/// Wall-clock time from the monotonic millisecond clock plus an offset learned from a time sync
/// (the "time" downlink, or SNTP in the adapter). Until the first sync the node does not know the date,
/// and records keep monotonic stamps that are converted once it does.
/// </summary>
public sealed class TimeKeeper
{
    private long _offsetMs;

    public bool IsSynced { get; private set; }

    public void Sync(long unixSeconds, long nowMs)
    {
        _offsetMs = unixSeconds * 1000 - nowMs;
        IsSynced = true;
    }

    /// <summary>Unix seconds at monotonic time <paramref name="monotonicMs"/>; meaningful only when synced.</summary>
    public long UnixSeconds(long monotonicMs)
    {
        var ms = monotonicMs + _offsetMs;
        // Floor division, so a stamp never lands in the following second.
        return ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
    }
}
