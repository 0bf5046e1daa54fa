namespace SmartCommunity.SensorNode.Core;

/// <summary>
/// LED and buzzer patterns as data, played from the tick time (no timers, no threads): the adapter
/// copies <see cref="LedOn"/> and <see cref="BuzzerOn"/> to the pins after each tick. A background pattern (the
/// pre-alarm's question) plays whenever no other pattern does, and comes back when one ends.
/// </summary>
public sealed class Indicator
{
    public const int Off = 0;
    /// <summary>An alert waits in its cancel window: fast blink, a chirp each second.</summary>
    public const int Pending = 1;
    /// <summary>The alert was handed to the outbox.</summary>
    public const int AlertSent = 2;
    /// <summary>"Help is coming": slow blink for a minute, three beeps at the start.</summary>
    public const int HelpComing = 3;
    /// <summary>Technician's test alarm.</summary>
    public const int TestAlarm = 4;
    /// <summary>The wearer cancelled an alert.</summary>
    public const int Cancelled = 5;
    /// <summary>The hub announced a pre-alarm: "are you OK?" — a short flash each second, a chirp every 5 s.</summary>
    public const int PreAlarm = 6;
    /// <summary>The grid worker's visit was recorded: LED on 1.5 s, two long beeps.</summary>
    public const int VisitRecorded = 7;

    // Per pattern: LED on ms, LED off ms, buzzer on ms, buzzer off ms, beeps (-1 = until stopped), duration ms (0 = until stopped).
    private static readonly int[] Table =
    {
        0, 1, 0, 1, 0, 0,
        100, 100, 50, 950, -1, 0,
        2000, 1, 300, 1, 1, 2000,
        500, 500, 200, 200, 3, 60000,
        250, 250, 1000, 1, 1, 3000,
        100, 200, 0, 1, 0, 600,
        200, 800, 150, 4850, -1, 0,
        1500, 1, 400, 200, 2, 1500,
    };

    private int _pattern;
    private int _background;
    private long _startedAt;

    public int Pattern => _pattern;

    /// <summary>What plays when nothing else does (<see cref="Off"/> or <see cref="PreAlarm"/>).</summary>
    public int Background => _background;

    public bool LedOn { get; private set; }

    public bool BuzzerOn { get; private set; }

    public void Play(int pattern, long nowMs)
    {
        _pattern = pattern;
        _startedAt = nowMs;
        Tick(nowMs);
    }

    /// <summary>Sets the background; it shows at once unless another pattern is playing.</summary>
    public void SetBackground(int pattern, long nowMs)
    {
        var showingBackground = _pattern == _background;
        _background = pattern;
        if (showingBackground)
        {
            Play(pattern, nowMs);
        }
    }

    public void Tick(long nowMs)
    {
        var duration = Table[_pattern * 6 + 5];
        if (_pattern == Off || (duration > 0 && nowMs - _startedAt >= duration))
        {
            if (_background == Off)
            {
                _pattern = Off;
                LedOn = false;
                BuzzerOn = false;
                return;
            }

            if (_pattern != _background)
            {
                _pattern = _background;
                _startedAt = nowMs;
            }
        }

        var b = _pattern * 6;
        var elapsed = nowMs - _startedAt;

        var ledOn = Table[b];
        LedOn = ledOn > 0 && elapsed % (ledOn + Table[b + 1]) < ledOn;
        var buzzOn = Table[b + 2];
        var buzzPeriod = buzzOn + Table[b + 3];
        var beeps = Table[b + 4];
        BuzzerOn = buzzOn > 0 && beeps != 0 && (beeps < 0 || elapsed / buzzPeriod < beeps) && elapsed % buzzPeriod < buzzOn;
    }
}
