namespace SmartCommunity.Simulator.Signals;

/// <summary>
/// The simulation's clock: it starts at the real time and runs <see cref="Speed"/> times faster, so a
/// demo shows a day's routine in minutes. Pack timestamps always use the real time (the hub checks
/// clock skew); only the signal models (time of day, heating failure) read this clock.
/// </summary>
public sealed class SimulatedClock
{
    private readonly TimeProvider _time;
    private readonly DateTimeOffset _start;

    public SimulatedClock(TimeProvider time, double speed)
    {
        ArgumentNullException.ThrowIfNull(time);
        if (!double.IsFinite(speed) || speed <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(speed), speed, "Speed must be a positive number.");
        }

        _time = time;
        Speed = speed;
        _start = time.GetUtcNow();
    }

    public double Speed { get; }

    /// <summary>Simulated now, in the time provider's local time zone (the routine is local).</summary>
    public DateTimeOffset LocalNow
    {
        get
        {
            var elapsed = _time.GetUtcNow() - _start;
            return TimeZoneInfo.ConvertTime(_start + (elapsed * Speed), _time.LocalTimeZone);
        }
    }

    /// <summary>Simulated time since the clock started (what a virtual node's monotonic millisecond clock shows).</summary>
    public TimeSpan Elapsed => (_time.GetUtcNow() - _start) * Speed;

    /// <summary>Simulated time passed by the real instant <paramref name="real"/> (what <see cref="Elapsed"/> shows then).</summary>
    public TimeSpan ElapsedAt(DateTimeOffset real) => (real - _start) * Speed;

    /// <summary>The real (UTC) time at which <paramref name="elapsed"/> of simulated time had passed.</summary>
    public DateTimeOffset RealAt(TimeSpan elapsed) => _start + (elapsed / Speed);

    /// <summary>The simulated local time after <paramref name="elapsed"/> of simulated time.</summary>
    public DateTimeOffset LocalAt(TimeSpan elapsed) => TimeZoneInfo.ConvertTime(_start + elapsed, _time.LocalTimeZone);

    /// <summary>How long a simulated interval lasts in real time.</summary>
    public TimeSpan ToReal(TimeSpan simulated) => simulated / Speed;
}
