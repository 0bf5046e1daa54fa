namespace SmartCommunity.Simulator.Signals;

/// <summary>
/// The smoke detector's gas sensor: a slow random walk around 120 ppm kept within 50–300 ppm, and a
/// spike of 350–800 ppm when the detector alarms.
/// </summary>
public sealed class GasModel(Random random)
{
    public const double Baseline = 120;
    public const double Min = 50;
    public const double Max = 300;

    // The routine samples on the device's schedule while a smoke scenario asks for a spike from another thread.
    private readonly Lock _lock = new();
    private double _level = Baseline;

    public double Sample()
    {
        lock (_lock)
        {
            _level += (0.1 * (Baseline - _level)) + random.Gaussian(0, 15);
            _level = Math.Clamp(_level, Min, Max);
            return Math.Round(_level);
        }
    }

    public double AlarmSample()
    {
        lock (_lock)
        {
            return Math.Round(350 + (random.NextDouble() * 450));
        }
    }
}
