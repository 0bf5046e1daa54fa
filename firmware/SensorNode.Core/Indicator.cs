namespace SmartCommunity.SensorNode.Core;

/// <summary>
/// LED and buzzer patterns as data, played from the tick time (no timers, no threads): the adapter
/// copies <see cref="LedOn"/> and <see cref="BuzzerOn"/> to the pins after each tick.
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

    // Per pattern: LED on ms, LED off ms, buzzer on ms, buzzer off ms, beeps (-1 = until stopped), duration ms (0 = until stopped).
    private static readonly int[] Table =
    {
        0, 1, 0, 1, 0, 0,
        100, 100, 50, 950, -1, 0,
        2000, 1, 300, 1, 1, 2000,
        500, 500, 200, 200, 3, 60000,
        250, 250, 1000, 1, 1, 3000,
        100, 200, 0, 1, 0, 600,
    };

    private int _pattern;
    private long _startedAt;

    public int Pattern => _pattern;

    public bool LedOn { get; private set; }

    public bool BuzzerOn { get; private set; }

    public void Play(int pattern, long nowMs)
    {
        _pattern = pattern;
        _startedAt = nowMs;
        Tick(nowMs);
    }

    public void Tick(long nowMs)
    {
        var b = _pattern * 6;
        var elapsed = nowMs - _startedAt;
        var duration = Table[b + 5];
        if (_pattern == Off || (duration > 0 && elapsed >= duration))
        {
            _pattern = Off;
            LedOn = false;
            BuzzerOn = false;
            return;
        }

        var ledOn = Table[b];
        LedOn = ledOn > 0 && elapsed % (ledOn + Table[b + 1]) < ledOn;
        var buzzOn = Table[b + 2];
        var buzzPeriod = buzzOn + Table[b + 3];
        var beeps = Table[b + 4];
        BuzzerOn = buzzOn > 0 && beeps != 0 && (beeps < 0 || elapsed / buzzPeriod < beeps) && elapsed % buzzPeriod < buzzOn;
    }
}
