using System.Globalization;
using SmartCommunity.Domain.Alerts;
using SmartCommunity.Domain.Catalog;

namespace SmartCommunity.EarlyWarning.Routines;

public sealed record RoutineOptions
{
    public TimeZoneInfo TimeZone { get; init; } = TimeZoneInfo.Utc;

    /// <summary>No routine alert before this many days were observed: a new resident has no "usual" yet.</summary>
    public int LearningDays { get; init; } = 14;

    /// <summary>Local hour at which a new "day" starts for the wake-up rule (night activity belongs to the day before).</summary>
    public int DayStartHour { get; init; } = 4;

    /// <summary>"Not up": later than the usual first activity by this many standard deviations, and at least the margin.</summary>
    public double WakeSigmas { get; init; } = 3;
    public TimeSpan MinWakeMargin { get; init; } = TimeSpan.FromMinutes(60);

    /// <summary>"Inactive too long": the silent hours together were this unlikely to be silent.</summary>
    public double InactivityProbability { get; init; } = 0.001;

    /// <summary>Night for the door rule, local hours [start, end).</summary>
    public int NightStartHour { get; init; } = 23;
    public int NightEndHour { get; init; } = 5;
    public double NightDoorProbability { get; init; } = 0.05;

    /// <summary>A pre-alarm the resident or family can cancel before it becomes an alert.</summary>
    public TimeSpan PreAlarmFor { get; init; } = TimeSpan.FromMinutes(20);
}

/// <summary>The learned routine of one resident; plain data so it can be stored as JSON and restored.</summary>
public sealed class RoutineState
{
    public double[] HourActive { get; set; } = new double[168];
    public int[] HourSeen { get; set; } = new int[168];
    public double[] HourDoor { get; set; } = new double[168];
    public double[] WakeMean { get; set; } = new double[2];
    public double[] WakeVar { get; set; } = new double[2];
    public int[] WakeDays { get; set; } = new int[2];
    public int DaysObserved { get; set; }
    /// <summary>Today's hours with activity / door openings, one bit per clock hour; folded into the profile
    /// when the day ends, so a silence in progress cannot teach itself as usual.</summary>
    public int ActiveHours { get; set; }
    public int DoorHours { get; set; }
    public DateOnly? Day { get; set; }
    public DateTimeOffset? FirstActivityToday { get; set; }
    public DateTimeOffset? LastActivity { get; set; }
    /// <summary>The last front-door opening: silence that begins with it is most likely the resident out.</summary>
    public DateTimeOffset? LastDoor { get; set; }
    /// <summary>The first movement of the day, until movement 15–60 min later shows the resident is up (a night-time
    /// visit to the bathroom after the day's start is not getting up).</summary>
    public DateTimeOffset? WakeCandidate { get; set; }
    public FindingKind? Pending { get; set; }
    public DateTimeOffset? PendingSince { get; set; }
    public bool Escalated { get; set; }
    public bool NotUpToday { get; set; }
    public bool InactivityEpisodeHandled { get; set; }
    /// <summary>When the resident finally got up on the last morning that raised "not up" (that day is not learned).</summary>
    public DateTimeOffset? LateWake { get; set; }

    // Staff's "false alarm" verdicts (RoutineMonitor.FalseAlarm), each until the given time; "real" takes them away.
    /// <summary>Minutes added to the "not up" limit, weekdays and weekends apart.</summary>
    public double[] WakeSlack { get; set; } = new double[2];
    public DateTimeOffset?[] WakeSlackUntil { get; set; } = new DateTimeOffset?[2];
    /// <summary>A silence at least this likely (log probability, 0 = none tolerated) raises no "inactive" alert.</summary>
    public double SilenceLogFloor { get; set; }
    public DateTimeOffset? SilenceUntil { get; set; }
    /// <summary>Local clock hours (one bit each) in which opening the front door at night raises nothing.</summary>
    public int NightDoorHours { get; set; }
    public DateTimeOffset? NightDoorUntil { get; set; }
}

/// <summary>
/// A resident's daily routine from PIR and door events: an hour-of-week activity profile and the usual time
/// of the first activity (weekdays and weekends apart, so a late Sunday is normal). Raises "not up by the
/// usual time", "no activity for longer than usual at this hour" (first as a cancellable pre-alarm) and
/// "door opened at night". Pure: events and clock ticks in, findings out.
/// </summary>
public sealed class RoutineMonitor(string residentId, RoutineOptions? options = null, RoutineState? state = null)
{
    private const double ProfileAlpha = 0.15;
    private readonly RoutineOptions _o = options ?? new RoutineOptions();

    public RoutineState State { get; } = state ?? new RoutineState();
    public string ResidentId => residentId;
    public bool Learning => State.DaysObserved < _o.LearningDays;

    /// <summary>Motion (or any sign of life): updates the profile and clears a pending pre-alarm.</summary>
    public void Activity(DateTimeOffset at)
    {
        Roll(at);
        var s = State;
        s.ActiveHours |= 1 << Local(at).Hour;
        var up = at;
        if (s.FirstActivityToday is null)
        {
            // The first movement counts as getting up once more movement follows 15 min later or more; if none follows
            // within the hour and it came well before the usual time, it was a night-time visit and the next one starts over.
            if (s.WakeCandidate is not { } candidate || (at - candidate > WakeWithin && !Plausible(candidate)))
            {
                s.WakeCandidate = at;
                up = DateTimeOffset.MinValue;
            }
            else if (at - candidate < WakeAfter)
                up = DateTimeOffset.MinValue;
            else
                up = candidate;
        }
        if (s.FirstActivityToday is null && up != DateTimeOffset.MinValue)
        {
            s.FirstActivityToday = up;
            // A day with a missed morning is not a sample of the usual wake-up time (unless staff call the alert false).
            if (s.NotUpToday)
                s.LateWake = up;
            else
            {
                var g = Group(up);
                var minutes = MinutesIntoDay(up);
                var n = ++s.WakeDays[g];
                var a = Math.Max(1.0 / n, ProfileAlpha);
                var d = minutes - s.WakeMean[g];
                s.WakeMean[g] += a * d;
                s.WakeVar[g] = (1 - a) * (s.WakeVar[g] + a * d * d);
            }
        }
        s.LastActivity = at;
        s.InactivityEpisodeHandled = false;
        s.Pending = null;
        s.PendingSince = null;
        s.Escalated = false;
    }

    /// <summary>The front door opened; at night and unlike the learned profile this is an alert at once.</summary>
    public Finding? DoorOpened(DateTimeOffset at)
    {
        Roll(at);
        var local = Local(at);
        var h = HourOfWeek(local);
        var night = local.Hour >= _o.NightStartHour || local.Hour < _o.NightEndHour;
        // Coming back in (no movement at home since the door last opened: the resident was out) is not leaving at night.
        var returning = State.LastDoor is { } door && State.LastActivity == door && at - door < AwayAtMost;
        var tolerated = State.NightDoorUntil > at && ((State.NightDoorHours >> local.Hour) & 1) == 1;
        var unusual = !Learning && night && !returning && !tolerated && State.HourDoor[h] < _o.NightDoorProbability;
        State.DoorHours |= 1 << local.Hour;
        Activity(at);
        State.LastDoor = at;
        if (!unusual)
            return null;
        return new Finding(residentId, FindingKind.DoorOpenAtNight, Severity.High,
            LocalizedText.Of("early.door_open_at_night", LocalizedText.Clock(local), _o.NightDoorProbability), at, at);
    }

    /// <summary>The learned chance of movement in the clock hour of <paramref name="at"/> (0–1).</summary>
    public double UsualActivity(DateTimeOffset at) => State.HourActive[HourOfWeek(Local(at))];

    /// <summary>The resident or family cancelled the pre-alarm ("I'm fine").</summary>
    public void Cancel()
    {
        State.Pending = null;
        State.PendingSince = null;
        State.InactivityEpisodeHandled = true;
    }

    /// <summary>Clock tick (every few minutes): checks the absence rules.</summary>
    public Finding? Tick(DateTimeOffset now)
    {
        Roll(now);
        var s = State;
        if (Learning)
            return null;
        if (s.Pending is { } pending && s.PendingSince is { } since)
        {
            if (!s.Escalated && now - since >= _o.PreAlarmFor)
            {
                s.Escalated = true;
                return new Finding(residentId, pending, Severity.High, LocalizedText.Of("early.pre_alarm_not_cancelled", Explain(pending, now)), since, now);
            }
            return null;
        }
        var kind = NotUp(now) ? FindingKind.NotUpAsUsual : InactiveTooLong(now) ? FindingKind.InactiveTooLong : (FindingKind?)null;
        if (kind is not { } k)
            return null;
        if (k == FindingKind.NotUpAsUsual)
            s.NotUpToday = true;
        else
            s.InactivityEpisodeHandled = true;
        s.Pending = k;
        s.PendingSince = now;
        return new Finding(residentId, k, Severity.Warning, LocalizedText.Of("early.pre_alarm_open", Explain(k, now)), s.LastActivity ?? now, now, IsPreAlarm: true);
    }

    private bool NotUp(DateTimeOffset now)
    {
        var s = State;
        if (s.FirstActivityToday is not null || s.NotUpToday)
            return false;
        var g = Group(now);
        if (s.WakeDays[g] < 2 || (s.WakeCandidate is { } c && (now - c <= WakeWithin || Plausible(c))))
            return false;
        var slack = s.WakeSlackUntil[g] > now ? s.WakeSlack[g] : 0;
        return MinutesIntoDay(now) > WakeLimit(g) + slack;
    }

    /// <summary>Minutes into the day after which the resident is "not up as usual" (before any tolerated slack).</summary>
    private double WakeLimit(int g) => State.WakeMean[g] + Math.Max(_o.WakeSigmas * Math.Sqrt(State.WakeVar[g]), _o.MinWakeMargin.TotalMinutes);

    /// <summary>How long staff's "false alarm" widens the routine: as the watches' tolerance (<see cref="FeedbackGate.TolerateFor"/>).</summary>
    public static readonly TimeSpan TolerateFor = FeedbackGate.TolerateFor;
    private const double Margin = 0.25;

    /// <summary>
    /// Staff called a routine alert raised at <paramref name="raisedAt"/> a false alarm. "Not up": the morning is part of the
    /// routine after all: its wake-up (when known: the resident got up after the alert) is learned into that day group's usual
    /// time, and the limit is widened so a morning as late again, plus a quarter of its lateness, raises nothing. "Inactive":
    /// a silence as unlikely as that one (from <paramref name="since"/>, the last movement), and a quarter more in log
    /// probability, raises nothing. "Door at night": opening the door in that clock hour raises nothing. Each for
    /// <see cref="TolerateFor"/>, from <paramref name="now"/>. Returns false for kinds a routine does not raise.
    /// </summary>
    public bool FalseAlarm(FindingKind kind, DateTimeOffset raisedAt, DateTimeOffset since, DateTimeOffset now)
    {
        var s = State;
        switch (kind)
        {
            case FindingKind.NotUpAsUsual:
            {
                var g = Group(raisedAt);
                var late = s.LateWake is { } w && w >= raisedAt && w - raisedAt < TimeSpan.FromHours(20) ? w : raisedAt;
                var minutes = MinutesIntoDay(late);
                var usual = s.WakeMean[g];
                if (s.LateWake == late)
                {
                    var n = ++s.WakeDays[g];
                    var a = Math.Max(1.0 / n, ProfileAlpha);
                    var d = minutes - s.WakeMean[g];
                    s.WakeMean[g] += a * d;
                    s.WakeVar[g] = (1 - a) * (s.WakeVar[g] + a * d * d);
                    s.LateWake = null;
                }
                var tolerated = minutes + Margin * Math.Max(minutes - usual, 0);
                var slack = Math.Max(tolerated - WakeLimit(g), 0);
                s.WakeSlack[g] = s.WakeSlackUntil[g] > now ? Math.Max(s.WakeSlack[g], slack) : slack;
                s.WakeSlackUntil[g] = now + TolerateFor;
                return true;
            }
            case FindingKind.InactiveTooLong:
            {
                var p = SilenceProbability(since, raisedAt, out _);
                var floor = (1 + Margin) * Math.Log(Math.Max(p, 1e-300));
                s.SilenceLogFloor = s.SilenceUntil > now ? Math.Min(s.SilenceLogFloor, floor) : floor;
                s.SilenceUntil = now + TolerateFor;
                return true;
            }
            case FindingKind.DoorOpenAtNight:
                s.NightDoorHours = (s.NightDoorUntil > now ? s.NightDoorHours : 0) | 1 << Local(raisedAt).Hour;
                s.NightDoorUntil = now + TolerateFor;
                return true;
            default:
                return false;
        }
    }

    /// <summary>Staff called a routine alert real: the tolerance of that kind ("not up": of that day group; "door at night":
    /// of that hour) is taken away, and a missed morning stays out of the usual wake-up time.</summary>
    public bool Real(FindingKind kind, DateTimeOffset raisedAt)
    {
        var s = State;
        switch (kind)
        {
            case FindingKind.NotUpAsUsual:
                var g = Group(raisedAt);
                s.WakeSlack[g] = 0;
                s.WakeSlackUntil[g] = null;
                return true;
            case FindingKind.InactiveTooLong:
                s.SilenceLogFloor = 0;
                s.SilenceUntil = null;
                return true;
            case FindingKind.DoorOpenAtNight:
                s.NightDoorHours &= ~(1 << Local(raisedAt).Hour);
                return true;
            default:
                return false;
        }
    }

    private bool InactiveTooLong(DateTimeOffset now)
    {
        var s = State;
        if (s.FirstActivityToday is null || s.LastActivity is not { } last || s.InactivityEpisodeHandled)
            return false;
        // The last sign of life was the front door: out, not silent at home.
        if (s.LastDoor == last && now - last < AwayAtMost)
            return false;
        var p = SilenceProbability(last, now, out _);
        if (s.SilenceUntil > now && Math.Log(Math.Max(p, 1e-300)) >= s.SilenceLogFloor)
            return false;
        return p < _o.InactivityProbability;
    }

    /// <summary>Probability that all whole hours between the last activity and now would be silent on a usual
    /// week; each hour is capped below certainty so one odd hour never decides alone.</summary>
    private double SilenceProbability(DateTimeOffset last, DateTimeOffset now, out int usuallyActive)
    {
        var p = 1.0;
        usuallyActive = 0;
        var hour = Local(last);
        hour = new DateTimeOffset(hour.Year, hour.Month, hour.Day, hour.Hour, 0, 0, hour.Offset).AddHours(1);
        var end = Local(now);
        for (var i = 0; i < 48 && hour.AddHours(1) <= end; i++, hour = hour.AddHours(1))
        {
            var active = Math.Min(State.HourActive[HourOfWeek(hour)], 0.95);
            p *= 1 - active;
            if (active >= 0.5)
                usuallyActive++;
        }
        return p;
    }

    private LocalizedText Explain(FindingKind kind, DateTimeOffset now)
    {
        var s = State;
        var last = s.LastActivity is { } l
            ? LocalizedText.Of("early.day_time", LocalizedText.Of($"weekday.{(int)Local(l).DayOfWeek}"), LocalizedText.Clock(Local(l)))
            : LocalizedText.Of("early.unknown");
        if (kind == FindingKind.NotUpAsUsual)
        {
            var g = Group(now);
            var usual = TimeSpan.FromMinutes(_o.DayStartHour * 60 + s.WakeMean[g]);
            return LocalizedText.Of("early.not_up", last, Invariant($"{usual:hh\\:mm}"), LocalizedText.Of(g == 1 ? "early.weekends" : "early.weekdays"));
        }
        SilenceProbability(s.LastActivity ?? now, now, out var usuallyActive);
        return LocalizedText.Of("early.inactive", last, usuallyActive);
    }

    /// <summary>Starts a new day at the day-start hour, folding the finished day into the hour-of-week profile.
    /// After an outage of several days only the last day is folded: a dead gateway is not a silent resident.</summary>
    private void Roll(DateTimeOffset at)
    {
        var s = State;
        var local = Local(at);
        var day = DateOnly.FromDateTime(local.AddHours(-_o.DayStartHour).DateTime);
        if (s.Day == day)
            return;
        if (s.Day is { } previous)
        {
            for (var i = 0; i < 24; i++)
            {
                var clock = (_o.DayStartHour + i) % 24;
                var date = _o.DayStartHour + i >= 24 ? previous.AddDays(1) : previous;
                var h = (int)date.DayOfWeek * 24 + clock;
                var a = Math.Max(1.0 / ++s.HourSeen[h], ProfileAlpha);
                s.HourActive[h] += a * (((s.ActiveHours >> clock) & 1) - s.HourActive[h]);
                s.HourDoor[h] += a * (((s.DoorHours >> clock) & 1) - s.HourDoor[h]);
            }
            s.DaysObserved++;
        }
        s.Day = day;
        s.ActiveHours = 0;
        s.DoorHours = 0;
        s.FirstActivityToday = null;
        s.WakeCandidate = null;
        s.NotUpToday = false;
    }

    private static readonly TimeSpan WakeAfter = TimeSpan.FromMinutes(15);
    private static readonly TimeSpan WakeWithin = TimeSpan.FromMinutes(60);

    /// <summary>Could a lone movement at this time be the resident getting up: not well before the usual time? While that
    /// is not known, no: the first mornings must not learn a night-time visit as the wake-up.</summary>
    private bool Plausible(DateTimeOffset at)
    {
        var s = State;
        var g = Group(at);
        return s.WakeDays[g] >= 2 && MinutesIntoDay(at) >= s.WakeMean[g] - Math.Max(_o.WakeSigmas * Math.Sqrt(s.WakeVar[g]), _o.MinWakeMargin.TotalMinutes);
    }

    /// <summary>Silence that began at a front-door opening less than this long ago is the resident out.</summary>
    private static readonly TimeSpan AwayAtMost = TimeSpan.FromHours(12);


    private DateTimeOffset Local(DateTimeOffset at) => TimeZoneInfo.ConvertTime(at, _o.TimeZone);

    private static int HourOfWeek(DateTimeOffset local) => (int)local.DayOfWeek * 24 + local.Hour;

    private double MinutesIntoDay(DateTimeOffset at) => ((Local(at).TimeOfDay.TotalMinutes - _o.DayStartHour * 60) % 1440 + 1440) % 1440;

    /// <summary>0 = weekday, 1 = weekend, by the day the morning belongs to.</summary>
    private int Group(DateTimeOffset at) => Local(at).AddHours(-_o.DayStartHour).DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday ? 1 : 0;

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
