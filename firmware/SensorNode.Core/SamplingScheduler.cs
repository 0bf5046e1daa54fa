namespace SmartCommunity.SensorNode.Core;

/// <summary>
/// When each sensor is read. The adapter's loop asks <see cref="IsDue"/> per sensor and sleeps
/// <see cref="MsUntilNext"/> in between, so a slow climate sensor and a 50 Hz accelerometer share one loop.
/// Due times advance on a fixed grid; a late loop skips missed slots instead of bursting to catch up.
/// </summary>
public sealed class SamplingScheduler
{
    public const int Accelerometer = 0;
    /// <summary>Button, PIR, reed switch and leak probe, polled together.</summary>
    public const int Inputs = 1;
    public const int Gas = 2;
    public const int Climate = 3;
    /// <summary>The electrochemical CO sensor: once a second (its own response takes tens of seconds).</summary>
    public const int Co = 4;
    public const int Count = 5;

    private readonly int[] _periodMs = new int[Count];
    private readonly long[] _next = new long[Count];

    public SamplingScheduler()
    {
        _periodMs[Accelerometer] = 20;
        _periodMs[Inputs] = 10;
        _periodMs[Gas] = 1000;
        _periodMs[Climate] = 60000;
        _periodMs[Co] = 1000;
    }

    /// <summary>Sets a sensor's period; 0 disables it (the profile has no such sensor).</summary>
    public void SetPeriod(int sensor, int periodMs, long nowMs)
    {
        _periodMs[sensor] = periodMs;
        _next[sensor] = nowMs;
    }

    public int PeriodMs(int sensor) => _periodMs[sensor];

    public bool IsDue(int sensor, long nowMs)
    {
        var period = _periodMs[sensor];
        if (period <= 0 || nowMs < _next[sensor])
        {
            return false;
        }

        _next[sensor] += period;
        if (_next[sensor] <= nowMs)
        {
            _next[sensor] = nowMs + period - (nowMs - _next[sensor]) % period;
        }

        return true;
    }

    public int MsUntilNext(long nowMs)
    {
        long best = 1000;
        for (var i = 0; i < Count; i++)
        {
            if (_periodMs[i] > 0 && _next[i] - nowMs < best)
            {
                best = _next[i] - nowMs;
            }
        }

        return best < 0 ? 0 : (int)best;
    }
}
