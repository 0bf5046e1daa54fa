namespace SmartCommunity.SensorNode.Core;

/// <summary>
/// Turns the debounced button into gestures: a press (reported at once, so SOS is never slowed down)
/// and a long hold. Hold-to-cancel is deliberate: someone in distress presses again and again, and
/// repeated presses must never cancel their own alarm.
/// </summary>
public sealed class ButtonGesture
{
    public const int None = 0;
    public const int Press = 1;
    public const int LongHold = 2;
    /// <summary>Released before <see cref="HoldMs"/>: the press was a short one.</summary>
    public const int ShortRelease = 3;

    private readonly Debouncer _debouncer;
    private bool _holdReported;

    public ButtonGesture(int debounceMs, int holdMs)
    {
        _debouncer = new Debouncer(false, debounceMs);
        HoldMs = holdMs;
    }

    public int HoldMs { get; set; }

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
                return Press;
            }

            return _holdReported ? None : ShortRelease;
        }

        if (_debouncer.State && !_holdReported && nowMs - PressedAtMs >= HoldMs)
        {
            _holdReported = true;
            return LongHold;
        }

        return None;
    }
}
