using SmartCommunity.Domain.Alerts;
using SmartCommunity.Domain.Devices;
using SmartCommunity.Domain.Ingestion;
using SmartCommunity.Simulator.Signals;

namespace SmartCommunity.EarlyWarning.Yard;

/// <summary>One reading as the hub's ingestion hands it to early warning: the device and the record.</summary>
public readonly record struct HomeReading(Source Source, DecodedRecord Record);

/// <summary>A labelled event: <see cref="Start"/>–<see cref="End"/> is the NAB window (an alert there is a detection);
/// <see cref="Over"/> is when the event's after-effects are over (a repaired boiler reheating the home, a leak aired
/// out): a later alert inside that span is counted as late, not as a false alarm.</summary>
public readonly record struct HomeWindow(DateTimeOffset Start, DateTimeOffset End, DateTimeOffset Over, string What);

/// <summary>One home's series for a number of days, its readings in time order and its labelled windows (empty for a
/// normal file). The labels are for scoring only; the runner never hands them to a detector.</summary>
public sealed record HomeFile(string Category, string Name, DateTimeOffset Start, int Days, IReadOnlyList<HomeReading> Readings,
    IReadOnlyList<HomeWindow> Windows)
{
    public DateTimeOffset End => Start.AddDays(Days);
}

/// <summary>
/// Seeded generator of labelled, realistic home series (docs/early-warning.md, "Home yardstick"): readings every
/// 5 minutes (PIR and door: as events) over four winter weeks in the communities' zone (Asia/Shanghai), anomalies only
/// after the 14-day learning of the routines. Categories: heating (thermostat schedules, heating failure cooling the
/// home toward outdoors), freezer (compressor cycles and defrosts, compressor failure), gas (the simulator's MQ-2 model
/// with drift and cooking, slow leaks), bathroom (showers, humidity that stays high), wake-up (residents with different
/// routines, missed mornings), quiet-day (a day that falls silent), night-door (the front door opened at night).
/// Each category has files with events and normal files without any.
/// </summary>
public static class HomeScenarios
{
    public const string Zone = "Asia/Shanghai";
    public static readonly TimeSpan Step = TimeSpan.FromMinutes(5);
    public static readonly TimeSpan Offset = TimeSpan.FromHours(8);

    /// <summary>Monday 5 January 2026, 00:00 in Shanghai: winter.</summary>
    public static readonly DateTimeOffset Start = new(2026, 1, 5, 0, 0, 0, Offset);

    public static readonly string[] Categories = ["heating", "freezer", "gas", "bathroom", "wake-up", "quiet-day", "night-door"];

    private static readonly Measurement Temp = Measurement.Find("temp")!;
    private static readonly Measurement Hum = Measurement.Find("hum")!;
    private static readonly Measurement Gas = Measurement.Find("gas")!;
    private static readonly Measurement Motion = Measurement.Find("motion")!;
    private static readonly Measurement Door = Measurement.Find("door")!;

    /// <summary>The whole corpus: <paramref name="perCategory"/> files per category, the first <paramref name="normal"/>
    /// of them without events. Same seed, same corpus.</summary>
    public static IReadOnlyList<HomeFile> Corpus(int perCategory = 16, int normal = 4, int days = 28, int seed = 21)
    {
        var files = new List<HomeFile>();
        foreach (var category in Categories)
        {
            for (var i = 0; i < perCategory; i++)
                files.Add(Generate(category, i, i >= normal, days, seed));
        }
        return files;
    }

    public static HomeFile Generate(string category, int index, bool withEvent, int days, int seed)
    {
        var rng = new Random(unchecked(seed * 1_000_003 + index * 7919 + StableHash(category)) & 0x7fffffff);
        var name = $"{category}-{index:00}{(withEvent ? "" : "-normal")}";
        return category switch
        {
            "heating" => Heating(name, rng, withEvent, days),
            "freezer" => Freezer(name, rng, withEvent, days),
            "gas" => GasLeak(name, rng, withEvent, days),
            "bathroom" => Bathroom(name, rng, withEvent, days),
            "wake-up" or "quiet-day" or "night-door" => Routine(category, name, index, rng, withEvent, days),
            _ => throw new ArgumentException($"Unknown category {category}", nameof(category)),
        };
    }

    /// <summary>When an event happens: a random day after the routines' learning (and NAB's probation), a random time.</summary>
    private static DateTimeOffset EventTime(Random rng, int days, double fromHour = 0, double toHour = 24)
    {
        var day = Math.Max(16, days - 12) + rng.Next(Math.Min(10, days - 17));
        return Start.AddDays(day).AddHours(U(rng, fromHour, toHour));
    }

    // ---- heating ------------------------------------------------------------------------------------------------

    /// <summary>A heated home in winter, simulated per minute: the room loses heat toward the outdoor temperature (time
    /// constant 12–36 h), a thermostat with ±0.25 °C hysteresis heats to a day setpoint from wake-up to bedtime and to a
    /// set-back at night (most homes), sun in the afternoon, the windows opened for airing some mornings. A heating
    /// failure stops the boiler until it is repaired 18–36 h later; the window runs to 16 °C (the band's floor) or 12 h.</summary>
    private static HomeFile Heating(string name, Random rng, bool withEvent, int days)
    {
        var id = $"clim-{name}";
        var source = new Source(id, DeviceKind.Climate, new RuleContext(id, DeviceKind.Climate, DeviceLocation.Home), 1);
        var tau = U(rng, 12, 36);
        var power = U(rng, 2.5, 4.5);
        var comfort = U(rng, 20.5, 22.5);
        var setback = rng.NextDouble() < 0.7 ? comfort - U(rng, 1.5, 4) : comfort;
        var wake = U(rng, 6, 7.5);
        var bed = U(rng, 21.5, 23.5);
        var airs = rng.NextDouble() < 0.6;
        var humBase = U(rng, 35, 50);
        var outdoor = new Outdoor(rng, U(rng, -6, 6), U(rng, 2, 5));
        DateTimeOffset? failure = withEvent ? EventTime(rng, days) : null;
        var repaired = failure?.AddHours(U(rng, 18, 36));
        DateTimeOffset? reachedFloor = null;

        var readings = new List<HomeReading>(days * 288 * 2);
        var t = comfort;
        var on = false;
        var sunny = false;
        var airingFrom = DateTimeOffset.MinValue;
        var airingTo = DateTimeOffset.MinValue;
        for (var m = 0; m < days * 1440; m++)
        {
            var at = Start.AddMinutes(m);
            var hour = at.TimeOfDay.TotalHours;
            if (m % 1440 == 0)
            {
                sunny = rng.NextDouble() < 0.5;
                if (airs && rng.NextDouble() < 0.4)
                {
                    airingFrom = at.AddHours(wake + U(rng, 0.5, 2));
                    airingTo = airingFrom.AddMinutes(U(rng, 5, 15));
                }
            }
            var weekend = at.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday;
            var awake = hour >= wake + (weekend ? 1 : 0) && hour < bed;
            var setpoint = awake ? comfort : setback;
            if (t < setpoint - 0.25)
                on = true;
            else if (t > setpoint + 0.25)
                on = false;
            var broken = failure is { } f && at >= f && at < repaired;
            var tOut = outdoor.At(at);
            var dTdH = (tOut - t) / tau + (on && !broken ? power : 0) + (sunny && hour is > 11 and < 15 ? 0.25 : 0);
            if (at >= airingFrom && at < airingTo)
                dTdH += (tOut - t) / 2.5;
            t += dTdH / 60;
            if (broken && t <= 16)
                reachedFloor ??= at;
            if (m % 5 == 0)
            {
                var rh = Math.Clamp(humBase + 4 * Math.Sin(2 * Math.PI * (hour - 8) / 24) + 2.5 * (comfort - t) + Gaussian(rng, 0, 1), 15, 95);
                readings.Add(new(source, new DecodedRecord(Temp, at, Math.Round(t + Gaussian(rng, 0, 0.05), 2))));
                readings.Add(new(source, new DecodedRecord(Hum, at, Math.Round(rh, 1))));
            }
        }
        var windows = new List<HomeWindow>();
        if (failure is { } start)
        {
            var end = Clamp(reachedFloor ?? start.AddHours(12), start.AddHours(3), start.AddHours(12));
            windows.Add(new(start, end, repaired!.Value.AddHours(6), "heating failure"));
        }
        return new("heating", name, Start, days, readings, windows);
    }

    /// <summary>Outdoor temperature: a daily mean drifting from day to day (a winter's cold spells and thaws) and a
    /// daily swing, coldest at 03:00 and warmest at 15:00.</summary>
    private sealed class Outdoor(Random rng, double mean, double swing)
    {
        private readonly Dictionary<int, double> _days = [];

        public double At(DateTimeOffset at)
        {
            var day = (int)(at - Start).TotalDays;
            if (!_days.TryGetValue(day, out var m))
            {
                m = day == 0 ? mean : Math.Clamp(At(at.AddDays(-1).AddHours(-at.TimeOfDay.TotalHours + 12)) + Gaussian(rng, 0, 2), -12, 12);
                _days[day] = m;
            }
            return m + swing * Math.Sin(2 * Math.PI * (at.TimeOfDay.TotalHours - 9) / 24);
        }
    }

    // ---- freezer ------------------------------------------------------------------------------------------------

    /// <summary>A freezer probe (band −30…−10 °C, set on the device): the compressor cycles ±1–1.5 °C around −20…−16 °C,
    /// door openings let warm air in, frost-free models defrost every 8–12 h. A compressor failure warms it toward the
    /// kitchen (1–3 °C/h at first); the window runs to −10 °C or 12 h.</summary>
    private static HomeFile Freezer(string name, Random rng, bool withEvent, int days)
    {
        var id = $"frz-{name}";
        var rules = new RuleContext(id, DeviceKind.Climate, DeviceLocation.Kitchen, new TemperatureBand(-30, -10));
        var source = new Source(id, DeviceKind.Climate, rules, 1);
        var setpoint = U(rng, -20, -16);
        var hysteresis = U(rng, 1, 1.5);
        var cooling = U(rng, 3, 6);
        var warming = U(rng, 0.6, 1.2);
        var defrostEvery = rng.NextDouble() < 0.5 ? U(rng, 8, 12) : 0;
        var failRate = U(rng, 1, 3);
        DateTimeOffset? failure = withEvent ? EventTime(rng, days) : null;
        DateTimeOffset? reachedLimit = null;

        var readings = new List<HomeReading>(days * 288);
        var t = setpoint;
        var on = false;
        var nextDefrost = Start.AddHours(defrostEvery > 0 ? U(rng, 1, defrostEvery) : 1e6);
        var defrostUntil = DateTimeOffset.MinValue;
        for (var m = 0; m < days * 1440; m++)
        {
            var at = Start.AddMinutes(m);
            var hour = at.TimeOfDay.TotalHours;
            if (failure is { } f && at >= f)
            {
                t += failRate * (22 - t) / (22 - setpoint) / 60;
                if (t >= -10)
                    reachedLimit ??= at;
            }
            else if (at >= nextDefrost && at < defrostUntil.AddHours(1))
            {
                if (defrostUntil < nextDefrost)
                    defrostUntil = at.AddMinutes(U(rng, 20, 30));
                if (at < defrostUntil)
                    t += 15.0 / 60;
                else
                {
                    on = true;
                    nextDefrost = at.AddHours(defrostEvery);
                }
            }
            else
            {
                if (t > setpoint + hysteresis)
                    on = true;
                else if (t < setpoint - hysteresis)
                    on = false;
                t += (on ? -cooling : warming) / 60;
                // Door openings: a few a day, by day.
                if (hour is > 7 and < 21 && rng.NextDouble() < 4.0 / (14 * 60))
                    t += U(rng, 0.5, 2);
            }
            if (m % 5 == 0)
                readings.Add(new(source, new DecodedRecord(Temp, at, Math.Round(t + Gaussian(rng, 0, 0.1), 2))));
        }
        var windows = new List<HomeWindow>();
        if (failure is { } start)
            windows.Add(new(start, Clamp(reachedLimit ?? start.AddHours(12), start.AddHours(2), start.AddHours(12)), Start.AddDays(days), "compressor failure"));
        return new("freezer", name, Start, days, readings, windows);
    }

    // ---- gas ----------------------------------------------------------------------------------------------------

    /// <summary>A kitchen smoke detector's MQ-2, sampled as the firmware does (every second, the latest reported every
    /// 5 min) from the simulator's <see cref="GasModel"/>, plus a sensor drift over days, a daily swing with room
    /// temperature and humidity, and cooking at mealtimes in most homes. A slow leak approaches a plateau of 300–1,500 ppm
    /// over 2–6 h until it is found and aired 8–14 h later; the window runs to the alarm level (1,000 ppm) or 2 time
    /// constants.</summary>
    private static HomeFile GasLeak(string name, Random rng, bool withEvent, int days)
    {
        var id = $"smoke-{name}";
        var source = new Source(id, DeviceKind.Smoke, new RuleContext(id, DeviceKind.Smoke, DeviceLocation.Kitchen), 1);
        var model = new GasModel(new Random(rng.Next()));
        var swing = U(rng, 5, 20);
        var cooks = rng.NextDouble() < 0.6;
        var plateau = U(rng, 300, 1500);
        var tauLeak = U(rng, 2, 6);
        DateTimeOffset? leak = withEvent ? EventTime(rng, days) : null;
        var found = leak?.AddHours(U(rng, 8, 14));
        DateTimeOffset? alarm = null;

        var readings = new List<HomeReading>(days * 288);
        var drift = 0.0;
        var cooking = 0.0;
        var cookPeak = 0.0;
        var cookEnds = DateTimeOffset.MinValue;
        var leakLevel = 0.0;
        for (var r = 0; r < days * 288; r++)
        {
            var at = Start + Step * r;
            var hour = at.TimeOfDay.TotalHours;
            var ppm = 0.0;
            for (var s = 0; s < 300; s++)
                ppm = model.Sample();
            drift = Math.Clamp(drift * 0.999 + Gaussian(rng, 0, 0.8), -40, 40);
            if (cooks && (Math.Abs(hour - 7) < 0.04 || Math.Abs(hour - 11.75) < 0.04 || Math.Abs(hour - 18) < 0.04) && rng.NextDouble() < 0.7)
            {
                cookEnds = at.AddMinutes(U(rng, 10, 40));
                cookPeak = U(rng, 20, 80);
            }
            cooking = at < cookEnds ? cooking + (cookPeak - cooking) * 0.5 : cooking * Math.Exp(-5.0 / 20);
            if (leak is { } l && at >= l && at < found)
                leakLevel = plateau * (1 - Math.Exp(-(at - l).TotalHours / tauLeak));
            else
                leakLevel *= Math.Exp(-5.0 / 30);
            var value = Math.Round(Math.Max(0, ppm + drift + swing * Math.Sin(2 * Math.PI * (hour - 14) / 24) + cooking + leakLevel));
            if (leak is not null && value >= SafetyRules.DefaultGasAlarmPpm)
                alarm ??= at;
            readings.Add(new(source, new DecodedRecord(Gas, at, value)));
        }
        var windows = new List<HomeWindow>();
        if (leak is { } start)
            windows.Add(new(start, Clamp(alarm ?? start.AddHours(2 * tauLeak), start.AddHours(2), start.AddHours(12)), found!.Value.AddHours(3), "gas leak"));
        return new("gas", name, Start, days, readings, windows);
    }

    // ---- bathroom -----------------------------------------------------------------------------------------------

    /// <summary>A bathroom climate node: humidity 45–60 % with a shower most mornings (and some evenings) that drives it
    /// to 85–97 % and is aired out in 15–45 min; temperature 21.5–24 °C with a bump per shower. The event: humidity that
    /// stays high (a fan that stopped after a shower, or water leaking), for 8–24 h; the window is its first 6 h.</summary>
    private static HomeFile Bathroom(string name, Random rng, bool withEvent, int days)
    {
        var id = $"bath-{name}";
        var source = new Source(id, DeviceKind.Climate, new RuleContext(id, DeviceKind.Climate, DeviceLocation.Bathroom), 1);
        var baseHum = U(rng, 45, 60);
        var baseTemp = U(rng, 21.5, 24);
        var wake = U(rng, 6, 8.5);
        var airOut = U(rng, 15, 45);
        DateTimeOffset? stuck = withEvent ? EventTime(rng, days, 6, 20) : null;
        var stuckFor = TimeSpan.FromHours(U(rng, 8, 24));
        var stuckLevel = U(rng, 80, 95);

        var readings = new List<HomeReading>(days * 288 * 2);
        var hum = baseHum;
        var temp = baseTemp;
        var showers = new List<(DateTimeOffset From, DateTimeOffset To, double Peak)>();
        for (var d = 0; d < days; d++)
        {
            var day = Start.AddDays(d);
            if (rng.NextDouble() < 0.8)
            {
                var from = day.AddHours(wake + U(rng, 0, 1));
                showers.Add((from, from.AddMinutes(U(rng, 8, 15)), U(rng, 85, 97)));
            }
            if (rng.NextDouble() < 0.3)
            {
                var from = day.AddHours(U(rng, 19, 22));
                showers.Add((from, from.AddMinutes(U(rng, 8, 25)), U(rng, 85, 97)));
            }
        }
        var next = 0;
        for (var m = 0; m < days * 1440; m++)
        {
            var at = Start.AddMinutes(m);
            var hour = at.TimeOfDay.TotalHours;
            while (next < showers.Count && showers[next].To < at)
                next++;
            var showering = next < showers.Count && at >= showers[next].From;
            var target = baseHum + 3 * Math.Sin(2 * Math.PI * (hour - 6) / 24);
            if (stuck is { } s && at >= s && at < s + stuckFor)
                hum += (stuckLevel - hum) / 30;
            else if (showering)
                hum += (showers[next].Peak - hum) / 3;
            else
                hum += (target - hum) / airOut;
            temp += ((showering ? baseTemp + 2 : baseTemp + 0.5 * Math.Sin(2 * Math.PI * (hour - 11) / 24)) - temp) / (showering ? 10 : 40);
            if (m % 5 == 0)
            {
                readings.Add(new(source, new DecodedRecord(Temp, at, Math.Round(temp + Gaussian(rng, 0, 0.05), 2))));
                readings.Add(new(source, new DecodedRecord(Hum, at, Math.Round(Math.Clamp(hum + Gaussian(rng, 0, 1), 0, 100), 1))));
            }
        }
        var windows = new List<HomeWindow>();
        if (stuck is { } start)
            windows.Add(new(start, start.AddHours(6), start + stuckFor + TimeSpan.FromHours(2), "humidity stays high"));
        return new("bathroom", name, Start, days, readings, windows);
    }

    // ---- routines -----------------------------------------------------------------------------------------------

    private sealed record Person(string Kind, double Wake, double WakeSd, double Bed, double WeekendShift, bool Naps, bool Visitors, double Outings);

    /// <summary>Early riser, regular, late riser, night owl (by file index); some nap, some have family visiting at
    /// weekends (and take them out for the afternoon), most go out shopping some days.</summary>
    private static Person PersonFor(int index, Random rng) => (index % 4) switch
    {
        0 => new("early riser", U(rng, 5.5, 6.25), U(rng, 0.2, 0.35), U(rng, 21, 22), U(rng, 0, 0.5), rng.NextDouble() < 0.6, rng.NextDouble() < 0.5, U(rng, 0.2, 0.5)),
        1 => new("regular", U(rng, 6.75, 7.5), U(rng, 0.25, 0.5), U(rng, 22, 23), U(rng, 0.25, 1), rng.NextDouble() < 0.5, rng.NextDouble() < 0.5, U(rng, 0.2, 0.5)),
        2 => new("late riser", U(rng, 8.5, 9.5), U(rng, 0.4, 0.7), U(rng, 23, 24), U(rng, 0, 0.5), rng.NextDouble() < 0.3, rng.NextDouble() < 0.5, U(rng, 0.1, 0.4)),
        _ => new("night owl", U(rng, 10, 11), U(rng, 0.5, 0.8), U(rng, 25, 26), U(rng, 0, 0.5), rng.NextDouble() < 0.2, rng.NextDouble() < 0.5, U(rng, 0.1, 0.3)),
    };

    /// <summary>A resident's PIR (motion events) and front door (open/closed), day by day: wake-up around their usual
    /// time, motion at a few events per hour while awake (fewer during a nap), night-time bathroom visits, outings with
    /// the door and a silent home, weekend visitors. Events of the category after day 15: a missed morning (up 3–5 h
    /// late: the window is the usual wake-up time + 4 h), a day that falls silent for 5–9 h (window 6 h), the door opened
    /// at night (window 1 h).</summary>
    private static HomeFile Routine(string category, string name, int index, Random rng, bool withEvent, int days)
    {
        var person = PersonFor(index, rng);
        var pirId = $"pir-{name}";
        var doorId = $"door-{name}";
        var pir = new Source(pirId, DeviceKind.Pir, new RuleContext(pirId, DeviceKind.Pir, DeviceLocation.Home), 1);
        var door = new Source(doorId, DeviceKind.Door, new RuleContext(doorId, DeviceKind.Door, DeviceLocation.Home), 1);
        var eventDay = withEvent ? Math.Max(16, days - 12) + rng.Next(Math.Min(10, days - 17)) : -1;
        var readings = new List<HomeReading>();
        var windows = new List<HomeWindow>();

        void MotionBurst(DateTimeOffset from, DateTimeOffset to, double perHour)
        {
            for (var at = from.AddMinutes(Exp(rng, 60 / perHour)); at < to; at = at.AddMinutes(Math.Max(1, Exp(rng, 60 / perHour))))
                readings.Add(new(pir, new DecodedRecord(Motion, at, 1)));
        }

        void DoorOpen(DateTimeOffset at, double minutes)
        {
            readings.Add(new(door, new DecodedRecord(Door, at, 1)));
            readings.Add(new(door, new DecodedRecord(Door, at.AddMinutes(minutes), 0)));
        }

        for (var d = 0; d < days; d++)
        {
            var day = Start.AddDays(d);
            var weekend = day.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday;
            var wake = day.AddHours(person.Wake + (weekend ? person.WeekendShift : 0) + Gaussian(rng, 0, person.WakeSd));
            var bed = day.AddHours(person.Bed + Gaussian(rng, 0, 0.3));
            var usualWake = day.AddHours(person.Wake + (weekend ? person.WeekendShift : 0));
            DateTimeOffset? silentFrom = null;
            var silentTo = DateTimeOffset.MinValue;
            if (d == eventDay)
            {
                switch (category)
                {
                    case "wake-up":
                        wake = usualWake.AddHours(U(rng, 3, 5));
                        windows.Add(new(usualWake, usualWake.AddHours(4), wake.AddHours(1), "missed morning"));
                        break;
                    case "quiet-day":
                        silentFrom = wake.AddHours(U(rng, 2, Math.Max(2.5, (bed - wake).TotalHours - 7)));
                        silentTo = silentFrom.Value.AddHours(U(rng, 5, 9));
                        windows.Add(new(silentFrom.Value, silentFrom.Value.AddHours(6), silentTo.AddHours(1), "quiet day"));
                        break;
                    case "night-door":
                        var at = day.AddHours(person.Bed > 24.5 ? U(rng, 27.5, 28.5) : U(rng, 25, 28));
                        MotionBurst(at.AddMinutes(-3), at, 40);
                        DoorOpen(at, U(rng, 2, 10));
                        MotionBurst(at.AddMinutes(12), at.AddMinutes(20), 30);
                        windows.Add(new(at, at.AddHours(1), at.AddHours(1), "door opened at night"));
                        break;
                }
            }

            // The day's busy stretches, minus a nap and outings; a missed morning moves the wake-up itself.
            var quiet = new List<(DateTimeOffset From, DateTimeOffset To)>();
            if (person.Naps && rng.NextDouble() < 0.7)
            {
                var nap = day.AddHours(U(rng, 13, 14));
                quiet.Add((nap, nap.AddHours(U(rng, 0.75, 1.75))));
            }
            var visitors = person.Visitors && weekend && rng.NextDouble() < 0.6;
            if (rng.NextDouble() < person.Outings || (visitors && rng.NextDouble() < 0.4))
            {
                var leave = wake.AddHours(U(rng, 1.5, Math.Max(2, (bed - wake).TotalHours - 4)));
                var back = leave.AddHours(visitors ? U(rng, 3, 6) : U(rng, 1, 2.5));
                quiet.Add((leave, back));
                DoorOpen(leave, U(rng, 0.3, 1.5));
                DoorOpen(back, U(rng, 0.3, 1.5));
            }
            if (silentFrom is { } sf)
                quiet.Add((sf, silentTo));
            var cursor = wake;
            foreach (var (from, to) in quiet.OrderBy(q => q.From))
            {
                if (from > cursor)
                    Awake(cursor, Min(from, bed));
                cursor = Max(cursor, to);
            }
            if (cursor < bed)
                Awake(cursor, bed);
            if (silentTo > bed)
                bed = silentTo;

            // Night: 0–2 bathroom visits the PIR sees most of the time.
            var nextWake = day.AddDays(1).AddHours(person.Wake);
            for (var v = rng.Next(3); v > 0; v--)
            {
                var at = bed.AddHours(U(rng, 1, Math.Max(1.5, (nextWake - bed).TotalHours - 1)));
                if (rng.NextDouble() < 0.7 && !(d + 1 == eventDay && category == "wake-up"))
                    MotionBurst(at, at.AddMinutes(5), 30);
            }

            void Awake(DateTimeOffset from, DateTimeOffset to)
            {
                for (var h = from; h < to; h = h.AddHours(1))
                {
                    var end = Min(h.AddHours(1), to);
                    var clock = h.TimeOfDay.TotalHours;
                    var rate = (h - wake).TotalHours < 1.5 ? 14 : visitors && clock is > 10 and < 17 ? 16 : clock >= 18 ? 9 : 6;
                    MotionBurst(h, end, rate);
                }
            }
        }
        readings.Sort((a, b) => a.Record.Time.CompareTo(b.Record.Time));
        readings.RemoveAll(r => r.Record.Time >= Start.AddDays(days));
        return new(category, $"{name}-{person.Kind.Replace(' ', '-')}", Start, days, readings, windows);
    }

    // ---- helpers ------------------------------------------------------------------------------------------------

    private static double U(Random rng, double from, double to) => from + rng.NextDouble() * (to - from);

    private static double Exp(Random rng, double mean) => -mean * Math.Log(1 - rng.NextDouble());

    private static double Gaussian(Random rng, double mean, double sd) =>
        mean + sd * Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());

    private static DateTimeOffset Clamp(DateTimeOffset x, DateTimeOffset lo, DateTimeOffset hi) => x < lo ? lo : x > hi ? hi : x;

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    private static int StableHash(string text)
    {
        unchecked
        {
            var hash = (int)2166136261;
            foreach (var c in text)
                hash = (hash ^ c) * 16777619;
            return hash;
        }
    }
}
