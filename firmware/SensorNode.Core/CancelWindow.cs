namespace SmartCommunity.SensorNode.Core;

/// <summary>
/// An alert that waits <see cref="DurationMs"/> before it is sent, so the wearer can cancel an accidental
/// press or a false fall. It remembers when the event happened, which becomes the record's time.
/// </summary>
public sealed class CancelWindow
{
    private long _deadline;

    public bool Pending { get; private set; }

    /// <summary>When the triggering event happened (press, impact), in monotonic ms.</summary>
    public long EventAtMs { get; private set; }

    public int DurationMs { get; set; }

    public int Cancelled { get; private set; }

    public CancelWindow(int durationMs)
    {
        DurationMs = durationMs;
    }

    /// <summary>Starts the window; a second trigger while pending keeps the first one's time and deadline.</summary>
    public void Arm(long eventAtMs, long nowMs)
    {
        if (Pending)
        {
            return;
        }

        Pending = true;
        EventAtMs = eventAtMs;
        _deadline = nowMs + DurationMs;
    }

    public bool Cancel()
    {
        if (!Pending)
        {
            return false;
        }

        Pending = false;
        Cancelled++;
        return true;
    }

    /// <summary>Sends now, skipping the rest of the window (e.g. the wearer pressed SOS after a fall).</summary>
    public bool Expedite()
    {
        if (!Pending)
        {
            return false;
        }

        _deadline = long.MinValue;
        return true;
    }

    /// <returns>True once, when the window ran out without a cancel: the alert must be sent.</returns>
    public bool Tick(long nowMs)
    {
        if (Pending && nowMs >= _deadline)
        {
            Pending = false;
            return true;
        }

        return false;
    }
}
