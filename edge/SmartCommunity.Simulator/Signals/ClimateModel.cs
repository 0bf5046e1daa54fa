using SmartCommunity.SensorNode.Core;

namespace SmartCommunity.Simulator.Signals;

/// <summary>
/// Indoor climate of a heated home: temperature follows the day between 20 and 23 °C (coolest
/// around 05:00, warmest around 17:00), humidity between 35 and 60 %RH (highest in the morning).
/// A heating failure makes the room cool by about 1 °C per 20 minutes toward 10 °C; a demo may play it in time-lapse.
/// </summary>
public sealed class ClimateModel(Random random)
{
    public const double MinIndoorTemperature = 20.0;
    public const double MaxIndoorTemperature = 23.0;
    public const double MinHumidity = 35.0;
    public const double MaxHumidity = 60.0;
    public const double HeatingFailureFloor = 10.0;

    /// <summary>How fast a room cools without heating (°C per hour: 1 °C per 20 min).</summary>
    public const double HeatingFailureCoolingPerHour = 3.0;

    // Scenarios start a failure from another thread than the one sampling.
    private readonly Lock _lock = new();
    private DateTimeOffset? _failureStart;
    private double _failureStartTemperature;
    private double _failurePace = 1;

    public bool HeatingFailed
    {
        get
        {
            lock (_lock)
            {
                return _failureStart is not null;
            }
        }
    }

    /// <summary>The noise-free diurnal temperature at a local time of day.</summary>
    public static double DiurnalTemperature(TimeSpan timeOfDay) =>
        21.5 + (1.2 * Math.Sin(2 * Math.PI * (timeOfDay.TotalHours - 11) / 24));

    /// <summary>The noise-free diurnal humidity at a local time of day.</summary>
    public static double DiurnalHumidity(TimeSpan timeOfDay) =>
        47.5 + (7.0 * Math.Sin(2 * Math.PI * (timeOfDay.TotalHours - 3) / 24));

    /// <summary>The heating stops at <paramref name="localNow"/>; later samples cool toward 10 °C, <paramref name="pace"/> times
    /// faster than a real room (1: ~1 °C per 20 min; 240: ~1 °C per 5 s, the demo's time-lapse).</summary>
    public void StartHeatingFailure(DateTimeOffset localNow, double pace = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(pace, 1);
        lock (_lock)
        {
            if (_failureStart is null)
            {
                _failureStartTemperature = DiurnalTemperature(localNow.TimeOfDay);
                _failureStart = localNow;
                _failurePace = pace;
            }
        }
    }

    public void RestoreHeating()
    {
        lock (_lock)
        {
            _failureStart = null;
        }
    }

    /// <summary>Temperature (°C) and relative humidity (%RH) at a simulated local time.</summary>
    public (double Temperature, double Humidity) Sample(DateTimeOffset localNow)
    {
        lock (_lock)
        {
            return SampleLocked(localNow);
        }
    }

    private (double Temperature, double Humidity) SampleLocked(DateTimeOffset localNow)
    {
        var hum = Math.Clamp(DiurnalHumidity(localNow.TimeOfDay) + random.Gaussian(0, 1.5), MinHumidity, MaxHumidity);
        double temp;
        if (_failureStart is { } start)
        {
            var hours = Math.Max(0, (localNow - start).TotalHours) * _failurePace;
            var cooled = _failureStartTemperature - (hours * HeatingFailureCoolingPerHour);
            temp = Math.Max(HeatingFailureFloor, cooled + random.Gaussian(0, 0.05));
        }
        else
        {
            temp = Math.Clamp(DiurnalTemperature(localNow.TimeOfDay) + random.Gaussian(0, 0.15), MinIndoorTemperature, MaxIndoorTemperature);
        }

        // Round to the wire precision here (the BME280 adapter hands the core hundredths and tenths).
        return (Math.Round(temp, Measurement.Precision(Measurement.Temp)), Math.Round(hum, Measurement.Precision(Measurement.Hum)));
    }
}
