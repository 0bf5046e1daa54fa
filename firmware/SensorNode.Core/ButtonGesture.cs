namespace SmartCommunity.SensorNode.Core;

/// <summary>
/// Turns the debounced button into gestures: a press (reported at once, so SOS is never slowed down),
/// a long hold, and the same hold continued to the visit time. Hold-to-cancel is deliberate: someone in
/// distress presses again and again, and repeated presses must never cancel their own alarm.
/// </summary>
public sealed class ButtonGesture
{
    public const int None = 0;
    public const int Press = 1;
    public const int LongHold = 2;
    /// <summary>Released before <see cref="HoldMs"/>: the press was a short one.</summary>
    public const int ShortRelease = 3;
    /// <summary>The press that reported <see cref="LongHold"/> is still down at <see cref="VisitHoldMs"/>.</summary>
    public const int VisitHold = 4;

    private readonly Debouncer _debouncer;
    private bool _holdReported;
    private bool _visitReported;

    public ButtonGesture(int debounceMs, int holdMs)
    {
        _debouncer = new Debouncer(false, debounceMs);
        HoldMs = holdMs;
    }

    public int HoldMs { get; set; }

    /// <summary>Reported after <see cref="LongHold"/>, never before it, whatever the two settings say.</summary>
    public int VisitHoldMs { get; set; }

    public int DebounceMs
    {
        get => _debouncer.StableMs;
        set => _debouncer.StableMs = value;
    }

    public bool IsDown => _debouncer.State;

    /// <summary>When the current (or last) press began.</summary>
    public long PressedAtMs { get; private set; }

    public int Update(bool rawDown, long nowMs)
    {
        if (_debouncer.Update(rawDown, nowMs))
        {
            if (_debouncer.State)
            {
                PressedAtMs = _debouncer.ChangedAt;
                _holdReported = false;
                _visitReported = false;
                return Press;
            }

            return _holdReported ? None : ShortRelease;
        }

        if (_debouncer.State && !_holdReported && nowMs - PressedAtMs >= HoldMs)
        {
            _holdReported = true;
            return LongHold;
        }

        if (_debouncer.State && _holdReported && !_visitReported && nowMs - PressedAtMs >= VisitHoldMs)
        {
            _visitReported = true;
            return VisitHold;
        }

        return None;
    }
}
