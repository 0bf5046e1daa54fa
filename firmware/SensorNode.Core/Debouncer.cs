namespace SmartCommunity.SensorNode.Core;

/// <summary>
/// A digital input that changes state only after the raw level has held for <see cref="StableMs"/>
/// (contact bounce on the reed switch and button, splashes on the leak probe).
/// </summary>
public sealed class Debouncer
{
    private bool _candidate;
    private long _candidateSince;

    public Debouncer(bool initial, int stableMs)
    {
        State = initial;
        _candidate = initial;
        StableMs = stableMs;
    }

    public bool State { get; private set; }

    public int StableMs { get; set; }

    /// <summary>Time the current <see cref="State"/> began (the first raw sample of the new level).</summary>
    public long ChangedAt { get; private set; }

    /// <returns>True when <see cref="State"/> changed with this sample.</returns>
    public bool Update(bool raw, long nowMs)
    {
        if (raw != _candidate)
        {
            _candidate = raw;
            _candidateSince = nowMs;
        }

        if (_candidate != State && nowMs - _candidateSince >= StableMs)
        {
            State = _candidate;
            ChangedAt = _candidateSince;
            return true;
        }

        return false;
    }
}
