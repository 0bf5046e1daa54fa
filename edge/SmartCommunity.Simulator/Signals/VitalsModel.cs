namespace SmartCommunity.Simulator.Signals;

/// <summary>Battery and radio signal reported in heartbeats.</summary>
public sealed class VitalsModel(Random random)
{
    /// <summary>Battery drain in %EL per simulated day.</summary>
    public const double DrainPerDay = 0.5;

    private readonly double _startBattery = 70 + (random.NextDouble() * 30);
    private readonly double _meanRssi = -55 - (random.NextDouble() * 30);
    private readonly Lock _lock = new();
    private DateTimeOffset? _first;

    public (double Battery, double Rssi) Sample(DateTimeOffset localNow)
    {
        lock (_lock)
        {
            _first ??= localNow;
            var days = (localNow - _first.Value).TotalDays;
            var battery = Math.Clamp(Math.Round(_startBattery - (days * DrainPerDay)), 0, 100);
            var rssi = Math.Clamp(Math.Round(random.Gaussian(_meanRssi, 3)), -130, 0);
            return (battery, rssi);
        }
    }
}
