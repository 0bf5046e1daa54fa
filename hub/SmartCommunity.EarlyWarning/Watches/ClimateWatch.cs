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
    /// <summary>The community's zone: the times in the explanation are its local time.</summary>
    public TimeZoneInfo Zone { get; init; } = TimeZoneInfo.Utc;

    /// <summary>The band the probe must keep (its location's, or the one a technician set for it); a new band forgets the
    /// usual daily low learned inside the old one.</summary>
    public TemperatureBand Band
    {
        get => _band;
        set
        {
            if (value == _band)
                return;
            _band = value;
            UsualLow = double.NaN;
        }
    }

    private TemperatureBand _band = band;

    // Warn when the trend says the band is left within this horizon and the room is already near its floor:
    // a thermostat's night set-back falls too, but levels off well above the floor.
    private static readonly TimeSpan Horizon = TimeSpan.FromHours(2);
    private static readonly TimeSpan UnknownHorizon = TimeSpan.FromHours(1);
    private const double NearFloor = 2.5;
    private const double MinFallPerHour = 0.4;
    // A room whose heating has stopped falls at 1–3 °C/h for hours; a heated room's day moves a few tenths per hour
    // and a thermostat's set-back well under 1 °C/h. A fall that fast, sustained, already below the home's usual
    // daily low and heading out of the band within the long horizon is a failure hours before the floor is reached.
    private static readonly TimeSpan LongHorizon = TimeSpan.FromHours(6);
    private static readonly TimeSpan FastFallSustained = TimeSpan.FromMinutes(30);
    private const double FastFallPerHour = 1.0;
    private const double MinDrop = 1.5;
    private const double BelowUsualLow = 0.5;

    // Until a whole day has been seen, "usual low" is this far above the floor: a heated home rarely sits lower.
    private const double UnknownUsualLowAboveFloor = 4.5;
    private const double HeatIndexWarning = 32;
    private const double HeatIndexHigh = 39;

    public Trend Temperature { get; } = new(TimeSpan.FromMinutes(20), TimeSpan.FromMinutes(60));
    public double? Humidity { get; set; }
    public bool HeatingArmed { get; set; } = true;
    public bool HeatArmed { get; set; } = true;
    public DateTimeOffset? FallingSince { get; set; }
    public double FallingFrom { get; set; }
    public DateTimeOffset? FastFallSince { get; set; }

    /// <summary>The home's usual daily low (a slow mean of the lows of 24-hour stretches that stayed in the band), NaN
    /// until the first 24 hours have been seen.</summary>
    public double UsualLow { get; set; } = double.NaN;
    public DateOnly? Day { get; set; }
    public DateTimeOffset DayFirst { get; set; }
    public double DayLow { get; set; } = double.PositiveInfinity;
    public bool DayHadFailure { get; set; }

    public void AddHumidity(double percent) => Humidity = percent;

    public Finding? AddTemperature(DateTimeOffset at, double celsius)
    {
        Temperature.Add(at, celsius);
        var t = Temperature.Level;
        var slope = Temperature.SlopePerHour;
        if (slope < -MinFallPerHour / 2)
        {
            if (FallingSince is null)
            {
                FallingSince = at;
                FallingFrom = t;
            }
        }
        else if (slope > 0)
        {
            FallingSince = null;
        }
        if (slope <= -FastFallPerHour)
            FastFallSince ??= at;
        else if (slope > -FastFallPerHour / 2)
            FastFallSince = null;
        LearnDay(at, t);

        // Heating failure: near or below the band's floor, falling fast enough to leave it soon; or falling fast
        // for half an hour, below the usual low and leaving the band within the long horizon.
        var observed = Temperature.Observed >= TimeSpan.FromMinutes(45);
        var usualLow = double.IsNaN(UsualLow) ? Band.Min + UnknownUsualLowAboveFloor : UsualLow;
        // A home whose nights usually go this low is on its set-back: near the floor only counts below the usual low.
        // Until it is known (the first night), only a fall that leaves the band within the hour counts this close.
        var nearHorizon = double.IsNaN(UsualLow) ? UnknownHorizon : Horizon;
        var nearFloor = slope <= -MinFallPerHour && t + slope * nearHorizon.TotalHours < Band.Min && t < Band.Min + NearFloor
                        && (double.IsNaN(UsualLow) || t < UsualLow - BelowUsualLow);
        // Until the home's usual low is known, a fast fall must also leave the band within the short horizon: a leaky home's
        // first night set-back falls 1–2 °C/h too, and only the days that follow say where it levels off.
        var fastHorizon = double.IsNaN(UsualLow) ? Horizon : LongHorizon;
        var fastFall = FastFallSince is { } fast && at - fast >= FastFallSustained && FallingFrom - t >= MinDrop
                       && t < usualLow - BelowUsualLow && t + slope * fastHorizon.TotalHours < Band.Min;
        if (observed && (nearFloor || fastFall))
        {
            DayHadFailure = true;
            if (HeatingArmed)
            {
                HeatingArmed = false;
                var hoursToFloor = Math.Max((t - Band.Min) / -slope, 0);
                var severity = t < Band.Min ? Severity.High : Severity.Warning;
                var fallingSince = LocalizedText.Clock(FallingSince ?? at, Zone);
                var explanation = t < Band.Min
                    ? LocalizedText.Of("early.heating_failure.below", t, Band.Min, -slope, fallingSince)
                    : LocalizedText.Of("early.heating_failure.falling", t, -slope, Band.Min, hoursToFloor, fallingSince);
                return new Finding(seriesId, FindingKind.HeatingFailure, severity, explanation, FallingSince ?? at, at, Band.Min, t);
            }
        }
        else if (t >= Band.Min + 1 && slope >= 0)
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

    private void LearnDay(DateTimeOffset at, double t)
    {
        // "Days" of 24 h from the sensor's first reading: every one holds exactly one night, and a new home's usual low is
        // known after its first night, not after its first whole calendar day (UTC: the second night, in Shanghai).
        if (Day is null || at - DayFirst >= TimeSpan.FromHours(24))
        {
            // Only ordinary days teach the usual low: one that left the band would pull it down. A day with a warning
            // that stayed in the band still teaches (a set-back warned about on a new home's first night).
            if (Day is not null && DayLow >= Band.Min)
                UsualLow = double.IsNaN(UsualLow) ? DayLow : UsualLow + 0.3 * (DayLow - UsualLow);
            Day = DateOnly.FromDateTime(at.UtcDateTime);
            DayFirst = at;
            DayLow = double.PositiveInfinity;
            DayHadFailure = false;
        }
        DayLow = Math.Min(DayLow, t);
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
/// Gas creeping up before the alarm threshold: a level well above the sensor's learned background that has kept
/// rising for half an hour. Fires once per episode with the projected time to the alarm threshold.
/// </summary>
/// <remarks>
/// The background is a slow mean (hours), not the lowest reading: an MQ-type sensor's reports scatter by tens of
/// ppm, so a minimum sits far below the usual level and ordinary noise looked like a leak. The level's scatter
/// around the background is learned too, so a noisier sensor needs a larger excess. Both stop learning while a
/// rise stands out, so a leak cannot teach itself as normal.
/// </remarks>
public sealed class GasWatch(string seriesId, double alarmPpm)
{
    /// <summary>The community's zone: the times in the explanation are its local time.</summary>
    public TimeZoneInfo Zone { get; init; } = TimeZoneInfo.Utc;

    private const double MinRisePerHour = 30;
    private const double NoiseMultiple = 6;
    private static readonly TimeSpan BackgroundTau = TimeSpan.FromHours(6);
    // 45 min, not 30: cooking lifts a kitchen MQ-2 by tens of ppm for 10–40 min (home yardstick, gas category).
    private static readonly TimeSpan Sustained = TimeSpan.FromMinutes(45);
    private static readonly TimeSpan Learning = TimeSpan.FromHours(2);

    public Trend Gas { get; } = new(TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(30));
    public double Background { get; set; } = double.NaN;

    /// <summary>Exponentially weighted mean square of level − background, and the weight it has gathered
    /// (divides out the start-up bias, as Adam's moment estimates do).</summary>
    public double Scatter { get; set; }
    public double ScatterWeight { get; set; }
    public bool Armed { get; set; } = true;
    public DateTimeOffset? RisingSince { get; set; }

    public double Noise => ScatterWeight > 0 ? Math.Sqrt(Scatter / ScatterWeight) : 0;

    public Finding? Add(DateTimeOffset at, double ppm)
    {
        var previous = Gas.Last;
        Gas.Add(at, ppm);
        var level = Gas.Level;
        var slope = Gas.SlopePerHour;
        if (slope >= MinRisePerHour / 2)
            RisingSince ??= at;
        else
            RisingSince = null;

        // Learning pauses only once a rise stands out from the scatter: pausing on every upswing would learn the
        // scatter from the downswings alone and set the bar too low.
        var suspicious = RisingSince is not null && level - Background > 2 * Math.Max(Noise, 10);
        if (double.IsNaN(Background))
            Background = level;
        else if (previous is { } last && at > last && !suspicious)
        {
            var a = 1 - Math.Exp(-(at - last).TotalHours / BackgroundTau.TotalHours);
            Background += a * (level - Background);
            Scatter += a * ((level - Background) * (level - Background) - Scatter);
            ScatterWeight += a * (1 - ScatterWeight);
        }

        var excess = level - Background;
        var needed = Math.Max(Math.Max(50, 0.05 * alarmPpm), NoiseMultiple * Noise);
        if (Armed && Gas.Observed >= Learning && RisingSince is { } since && at - since >= Sustained
            && excess >= needed && slope >= MinRisePerHour && level < alarmPpm)
        {
            Armed = false;
            var hours = (alarmPpm - level) / slope;
            var severity = hours < 1 ? Severity.High : Severity.Warning;
            var text = LocalizedText.Of("early.gas_rising", level, Background, slope, LocalizedText.Clock(since, Zone), alarmPpm, hours);
            return new Finding(seriesId, FindingKind.GasRising, severity, text, since, at, Background, level);
        }
        if (!Armed && excess < Math.Max(20, 2 * Noise) && slope <= 0)
            Armed = true;
        return null;
    }
}

/// <summary>A door (fridge, freezer, front door) left open for much longer than it usually is.</summary>
public sealed class DoorWatch(string seriesId)
{
    /// <summary>The community's zone: the times in the explanation are its local time.</summary>
    public TimeZoneInfo Zone { get; init; } = TimeZoneInfo.Utc;

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
        var text = LocalizedText.Of("early.door_left_open", (now - since).TotalMinutes, LocalizedText.Clock(since, Zone), Math.Max(TypicalOpenMinutes, 0.5));
        return new Finding(seriesId, FindingKind.DoorLeftOpen, Severity.Warning, text, since, now, TypicalOpenMinutes, (now - since).TotalMinutes);
    }
}
