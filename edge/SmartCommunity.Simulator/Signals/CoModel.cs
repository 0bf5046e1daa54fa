namespace SmartCommunity.Simulator.Signals;

/// <summary>
/// A CO detector's electrochemical cell in a home with a gas boiler: clean indoor air reads a steady 0–5 ppm (a slow
/// random walk around 2 ppm). A blocked flue (the <c>co</c> scenario) raises it from 20 ppm to 250 ppm over 90
/// (simulated) seconds, then it stays there: the detector's own alarm (<c>co_on_ppm</c>, 50 ppm) trips after about 12 s,
/// the hub's alert (100 ppm) after about 31 s, on the next 10 s reading. Faster than most real flues, so the demo shows it
/// within a minute; the rule sees the same readings either way.
/// </summary>
public sealed class CoModel(Random random)
{
    public const double Baseline = 2;
    public const double Min = 0;
    public const double Max = 5;
    public const double LeakStartPpm = 20;
    public const double LeakEndPpm = 250;
    public static readonly TimeSpan LeakRise = TimeSpan.FromSeconds(90);

    // The routine samples on the device's loop while a scenario starts the leak from another thread.
    private readonly Lock _lock = new();
    private double _level = Baseline;
    private DateTimeOffset? _leakStart;

    public bool Leaking
    {
        get
        {
            lock (_lock)
            {
                return _leakStart is not null;
            }
        }
    }

    /// <summary>The flue blocks at <paramref name="at"/>; later samples rise from 20 to 250 ppm over <see cref="LeakRise"/>.</summary>
    public void StartLeak(DateTimeOffset at)
    {
        lock (_lock)
        {
            _leakStart ??= at;
        }
    }

    /// <summary>The cell's reading (ppm) at <paramref name="at"/> (the node's simulated time).</summary>
    public double Sample(DateTimeOffset at)
    {
        lock (_lock)
        {
            if (_leakStart is { } start)
            {
                var progress = Math.Clamp((at - start) / LeakRise, 0, 1);
                return Math.Round(LeakStartPpm + ((LeakEndPpm - LeakStartPpm) * progress) + random.Gaussian(0, 1.5));
            }

            _level += (0.05 * (Baseline - _level)) + random.Gaussian(0, 0.3);
            _level = Math.Clamp(_level, Min, Max);
            return Math.Round(_level);
        }
    }
}
