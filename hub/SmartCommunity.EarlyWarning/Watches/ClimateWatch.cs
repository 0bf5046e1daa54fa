using System.Globalization;
using SmartCommunity.Domain.Alerts;
using SmartCommunity.Domain.Catalog;

namespace SmartCommunity.EarlyWarning.Watches;

/// <summary>
/// Early warnings from indoor temperature (and humidity when the sensor has it), ahead of the fixed safety
/// thresholds: a heating failure (falling towards the bottom of the safe band and still falling) and heat
/// stress (a heat index that strains an elderly body). One finding per episode; re-armed on recovery.
/// </summary>
public sealed class ClimateWatch(string seriesId, TemperatureBand band)
{
    // Warn when the trend says the band is left within this horizon and the room is already near its floor:
    // a thermostat's night set-back falls too, but levels off well above the floor.
    private static readonly TimeSpan Horizon = TimeSpan.FromHours(2);
    private const double NearFloor = 2.5;
    private const double MinFallPerHour = 0.4;
    private const double HeatIndexWarning = 32;
    private const double HeatIndexHigh = 39;

    public Trend Temperature { get; } = new(TimeSpan.FromMinutes(20), TimeSpan.FromMinutes(60));
    public double? Humidity { get; set; }
    public bool HeatingArmed { get; set; } = true;
    public bool HeatArmed { get; set; } = true;
    public DateTimeOffset? FallingSince { get; set; }

    public void AddHumidity(double percent) => Humidity = percent;

    public Finding? AddTemperature(DateTimeOffset at, double celsius)
    {
        Temperature.Add(at, celsius);
        var t = Temperature.Level;
        var slope = Temperature.SlopePerHour;
        if (slope < -MinFallPerHour / 2)
            FallingSince ??= at;
        else if (slope > 0)
            FallingSince = null;

        // Heating failure: near or below the band's floor, falling fast enough to leave it soon.
        if (Temperature.Observed >= TimeSpan.FromMinutes(45) && slope <= -MinFallPerHour && t + slope * Horizon.TotalHours < band.Min && t < band.Min + NearFloor)
        {
            if (HeatingArmed)
            {
                HeatingArmed = false;
                var hoursToFloor = Math.Max((t - band.Min) / -slope, 0);
                var severity = t < band.Min ? Severity.High : Severity.Warning;
                var fallingSince = LocalizedText.Clock(FallingSince ?? at);
                var explanation = t < band.Min
                    ? LocalizedText.Of("early.heating_failure.below", t, band.Min, -slope, fallingSince)
                    : LocalizedText.Of("early.heating_failure.falling", t, -slope, band.Min, hoursToFloor, fallingSince);
                return new Finding(seriesId, FindingKind.HeatingFailure, severity, explanation, FallingSince ?? at, at, band.Min, t);
            }
        }
        else if (t >= band.Min + 1 && slope >= 0)
        {
            HeatingArmed = true;
        }

        // Heat stress: the NOAA heat index when humidity is known, else the temperature itself.
        var index = Humidity is { } rh ? HeatIndex(t, rh) : t;
        if (index >= HeatIndexWarning && (slope > 0 || index >= HeatIndexHigh))
        {
            if (HeatArmed)
            {
                HeatArmed = false;
                var severity = index >= HeatIndexHigh ? Severity.High : Severity.Warning;
                var text = Humidity is { } h
                    ? LocalizedText.Of("early.heat_stress.humid", t, h, index, HeatIndexWarning)
                    : LocalizedText.Of("early.heat_stress.rising", t, HeatIndexWarning);
                return new Finding(seriesId, FindingKind.HeatStress, severity, text, at, at, HeatIndexWarning, index);
            }
        }
        else if (index < HeatIndexWarning - 2)
        {
            HeatArmed = true;
        }
        return null;
    }

    /// <summary>NOAA heat index (Rothfusz regression, converted to °C); below 27 °C it is the temperature.</summary>
    public static double HeatIndex(double celsius, double humidity)
    {
        if (celsius < 27)
            return celsius;
        var f = celsius * 9 / 5 + 32;
        var r = humidity;
        var hi = -42.379 + 2.04901523 * f + 10.14333127 * r - 0.22475541 * f * r - 6.83783e-3 * f * f - 5.481717e-2 * r * r
                 + 1.22874e-3 * f * f * r + 8.5282e-4 * f * r * r - 1.99e-6 * f * f * r * r;
        return (hi - 32) * 5 / 9;
    }

}

/// <summary>
/// Gas creeping up before the alarm threshold: a level well above the learned background that keeps rising.
/// Fires once per episode with the projected time to the alarm threshold.
/// </summary>
public sealed class GasWatch(string seriesId, double alarmPpm)
{
    private const double MinRisePerHour = 30;

    public Trend Gas { get; } = new(TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(30));
    public double Background { get; set; } = double.NaN;
    public bool Armed { get; set; } = true;
    public DateTimeOffset? RisingSince { get; set; }

    public Finding? Add(DateTimeOffset at, double ppm)
    {
        Gas.Add(at, ppm);
        // The background follows slowly and only downwards quickly, so a leak cannot teach itself as normal.
        Background = double.IsNaN(Background) ? ppm : ppm < Background ? ppm : Background + 0.002 * (ppm - Background);
        var level = Gas.Level;
        var slope = Gas.SlopePerHour;
        if (slope > MinRisePerHour / 2)
            RisingSince ??= at;
        else if (slope <= 0)
            RisingSince = null;
        var excess = level - Background;
        if (Armed && Gas.Observed >= TimeSpan.FromMinutes(20) && excess >= Math.Max(50, 0.05 * alarmPpm) && slope >= MinRisePerHour && level < alarmPpm)
        {
            Armed = false;
            var hours = (alarmPpm - level) / slope;
            var severity = hours < 1 ? Severity.High : Severity.Warning;
            var text = LocalizedText.Of("early.gas_rising", level, Background, slope, LocalizedText.Clock(RisingSince ?? at), alarmPpm, hours);
            return new Finding(seriesId, FindingKind.GasRising, severity, text, RisingSince ?? at, at, Background, level);
        }
        if (!Armed && excess < 20 && slope <= 0)
            Armed = true;
        return null;
    }
}

/// <summary>A door (fridge, freezer, front door) left open for much longer than it usually is.</summary>
public sealed class DoorWatch(string seriesId)
{
    private static readonly TimeSpan MinOpen = TimeSpan.FromMinutes(3);

    public DateTimeOffset? OpenSince { get; set; }
    public double TypicalOpenMinutes { get; set; } = 1;
    public int Openings { get; set; }
    public bool Reported { get; set; }

    public void Set(DateTimeOffset at, bool open)
    {
        if (open)
        {
            OpenSince ??= at;
            return;
        }
        if (OpenSince is { } since && !Reported)
        {
            // Learn from ordinary openings only; the long one that was reported is not "usual".
            var minutes = (at - since).TotalMinutes;
            Openings++;
            TypicalOpenMinutes += Math.Max(1.0 / Openings, 0.1) * (minutes - TypicalOpenMinutes);
        }
        OpenSince = null;
        Reported = false;
    }

    public Finding? Tick(DateTimeOffset now)
    {
        if (OpenSince is not { } since || Reported)
            return null;
        var limit = TimeSpan.FromMinutes(Math.Max(MinOpen.TotalMinutes, 4 * TypicalOpenMinutes));
        if (now - since < limit)
            return null;
        Reported = true;
        var text = LocalizedText.Of("early.door_left_open", (now - since).TotalMinutes, LocalizedText.Clock(since), Math.Max(TypicalOpenMinutes, 0.5));
        return new Finding(seriesId, FindingKind.DoorLeftOpen, Severity.Warning, text, since, now, TypicalOpenMinutes, (now - since).TotalMinutes);
    }
}
