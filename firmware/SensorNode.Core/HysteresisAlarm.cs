namespace SmartCommunity.SensorNode.Core;

/// <summary>
/// A threshold alarm that switches on at or above <see cref="OnAt"/> and off only below <see cref="OffAt"/>,
/// each only after the value stayed on that side for <see cref="HoldMs"/>: a gas reading hovering at the
/// threshold, or one spike, produces no alarm and no chatter.
/// </summary>
public sealed class HysteresisAlarm
{
    private long _pendingSince = -1;

    public HysteresisAlarm(int onAt, int offAt, int holdMs)
    {
        Configure(onAt, offAt, holdMs);
    }

    public int OnAt { get; private set; }

    public int OffAt { get; private set; }

    public int HoldMs { get; private set; }

    public bool Active { get; private set; }

    public void Configure(int onAt, int offAt, int holdMs)
    {
        OnAt = onAt;
        OffAt = offAt;
        HoldMs = holdMs;
    }

    /// <returns>True when <see cref="Active"/> changed with this sample.</returns>
    public bool Update(int value, long nowMs)
    {
        var wantsChange = Active ? value < OffAt : value >= OnAt;
        if (!wantsChange)
        {
            _pendingSince = -1;
            return false;
        }

        if (_pendingSince < 0)
        {
            _pendingSince = nowMs;
        }

        if (nowMs - _pendingSince >= HoldMs)
        {
            Active = !Active;
            _pendingSince = -1;
            return true;
        }

        return false;
    }
}
