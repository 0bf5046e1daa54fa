using Microsoft.Extensions.Time.Testing;
using SmartCommunity.Domain.Alerts;
using SmartCommunity.EarlyWarning.Routines;

namespace SmartCommunity.EarlyWarning.Tests;

public class RoutineScenarioTests
{
    /// <summary>
    /// An elderly resident's weeks: up around 07:00 on weekdays and 08:30 at weekends (±15 min), movement
    /// every 10-30 min until about 22:30, a bathroom visit some nights. <paramref name="wake"/> can override
    /// a day's wake-up time or (null) make the resident not get up at all.
    /// </summary>
    private static List<Finding> Live(RoutineMonitor routine, FakeTimeProvider time, int days, Func<int, TimeSpan?, TimeSpan?>? wake = null, int seed = 21, int from = 0)
    {
        var rng = new Random(seed + from);
        var findings = new List<Finding>();
        for (var day = from; day < days; day++)
        {
            var date = Synthetic.Start.AddDays(day);
            var weekend = date.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday;
            TimeSpan? usual = TimeSpan.FromHours(weekend ? 8.5 : 7) + TimeSpan.FromMinutes(rng.Next(-15, 16));
            var up = wake is null ? usual : wake(day, usual);
            var bed = TimeSpan.FromHours(22.5) + TimeSpan.FromMinutes(rng.Next(-20, 20));
            var events = new List<TimeSpan>();
            if (rng.NextDouble() < 0.3)
                events.Add(TimeSpan.FromHours(2) + TimeSpan.FromMinutes(rng.Next(0, 60)));
            if (up is { } u)
            {
                for (var t = u; t < bed; t += TimeSpan.FromMinutes(rng.Next(10, 31)))
                    events.Add(t);
            }
            var next = 0;
            // Tick every 5 minutes, as the hub does; events in between are delivered in time order.
            for (var tick = TimeSpan.Zero; tick < TimeSpan.FromDays(1); tick += TimeSpan.FromMinutes(5))
            {
                while (next < events.Count && events[next] <= tick)
                {
                    time.SetUtcNow(date + events[next++]);
                    routine.Activity(time.GetUtcNow());
                }
                time.SetUtcNow(date + tick);
                if (routine.Tick(time.GetUtcNow()) is { } f)
                    findings.Add(f);
            }
        }
        return findings;
    }

    [Fact]
    public void Routine_FiveOrdinaryWeeksWithWeekendsAndALateSunday_RaisesNothing()
    {
        var time = new FakeTimeProvider(Synthetic.Start);
        var routine = new RoutineMonitor("resident:1");
        // Day 34 is a Sunday: up at 09:20, later than any morning before.
        var findings = Live(routine, time, 35, (day, usual) => day == 34 ? TimeSpan.FromHours(9) + TimeSpan.FromMinutes(20) : usual);

        Assert.False(routine.Learning);
        Assert.Empty(findings);
    }

    [Fact]
    public void Routine_MissedWeekdayMorning_PreAlarmsEarlyThenEscalates()
    {
        var time = new FakeTimeProvider(Synthetic.Start);
        var routine = new RoutineMonitor("resident:1");
        // Day 22 is a Wednesday: the resident does not get up.
        var findings = Live(routine, time, 23, (day, usual) => day == 22 ? null : usual);

        Assert.Equal(2, findings.Count);
        var pre = findings[0];
        Assert.Equal(FindingKind.NotUpAsUsual, pre.Kind);
        Assert.True(pre.IsPreAlarm);
        Assert.Equal(Severity.Warning, pre.Severity);
        var day = Synthetic.Start.AddDays(22);
        Assert.InRange(pre.At, day.AddHours(7.5), day.AddHours(9));
        Assert.Contains("usually up by 07:", pre.Explanation, StringComparison.Ordinal);
        var alert = findings[1];
        Assert.False(alert.IsPreAlarm);
        Assert.Equal(Severity.High, alert.Severity);
        Assert.Equal(pre.At + new RoutineOptions().PreAlarmFor, alert.At);
    }

    [Fact]
    public void Routine_NotUpFalseAlarm_AsLateAMorningQuiet_RealKeepsAlerting()
    {
        TimeSpan? Late(int day, TimeSpan? usual) => day is 22 or 23 ? TimeSpan.FromHours(10.5) : usual;
        var time = new FakeTimeProvider(Synthetic.Start);
        var judgedFalse = new RoutineMonitor("resident:1");
        var judgedReal = new RoutineMonitor("resident:2");
        // Day 22 is a Wednesday: both residents get up at 10:30, hours after their usual 07:00.
        var otherTime = new FakeTimeProvider(Synthetic.Start);
        var first = Live(judgedFalse, time, 23, Late);
        Assert.Equal(first.Select(f => (f.Kind, f.At)), Live(judgedReal, otherTime, 23, Late).Select(f => (f.Kind, f.At)));
        var pre = first[0];
        Assert.Equal(FindingKind.NotUpAsUsual, pre.Kind);
        var verdictAt = Synthetic.Start.AddDays(22).AddHours(12);
        Assert.True(judgedFalse.FalseAlarm(FindingKind.NotUpAsUsual, pre.At, pre.Since, verdictAt));
        Assert.True(judgedReal.Real(FindingKind.NotUpAsUsual, pre.At));

        // Thursday, the same late morning: quiet for the one called a false alarm, alerted again for the other.
        Assert.Empty(Live(judgedFalse, time, 24, Late, from: 23));
        Assert.Equal([FindingKind.NotUpAsUsual, FindingKind.NotUpAsUsual], Live(judgedReal, otherTime, 24, Late, from: 23).Select(f => f.Kind));
        // Not blind: a morning with nobody up at all still alerts on the tolerant one.
        Assert.Contains(Live(judgedFalse, time, 25, (day, usual) => null, from: 24), f => f.Kind == FindingKind.NotUpAsUsual);
    }

    [Fact]
    public void Routine_InactiveFalseAlarm_SameSilenceQuiet_LongerSilenceAlerts()
    {
        var time = new FakeTimeProvider(Synthetic.Start);
        var routine = new RoutineMonitor("resident:1");
        Live(routine, time, 21);
        // Day 21 (a Monday): up at 07:00, then silent from 12:00 to 18:00.
        var day = Synthetic.Start.AddDays(21);
        List<Finding> Silent(DateTimeOffset date, double until)
        {
            var found = new List<Finding>();
            for (var t = TimeSpan.FromHours(7); t < TimeSpan.FromHours(22); t += TimeSpan.FromMinutes(5))
            {
                time.SetUtcNow(date + t);
                if ((t < TimeSpan.FromHours(12) || t >= TimeSpan.FromHours(until)) && t.Minutes % 20 == 0)
                    routine.Activity(time.GetUtcNow());
                if (routine.Tick(time.GetUtcNow()) is { } f)
                    found.Add(f);
            }
            return found;
        }
        var first = Silent(day, 18);
        var pre = Assert.Single(first, f => f.Kind == FindingKind.InactiveTooLong && f.IsPreAlarm);
        Assert.True(routine.FalseAlarm(FindingKind.InactiveTooLong, pre.At, pre.Since, day.AddHours(20)));

        // The next Monday the same silence raises nothing; the one after, a silence until bedtime still alerts.
        Assert.Empty(Silent(day.AddDays(7), 18));
        Assert.Contains(Silent(day.AddDays(14), 21.9), f => f.Kind == FindingKind.InactiveTooLong);
    }

    [Fact]
    public void DoorOpenedAtNight_FalseAlarm_SameHourQuiet_RealAlertsAgain()
    {
        var time = new FakeTimeProvider(Synthetic.Start);
        var routine = new RoutineMonitor("resident:1");
        Live(routine, time, 20);
        var night = Synthetic.Start.AddDays(20).AddHours(3);
        var f = routine.DoorOpened(night);
        Assert.NotNull(f);
        Assert.True(routine.FalseAlarm(FindingKind.DoorOpenAtNight, f.At, f.Since, night.AddHours(6)));
        Assert.Null(routine.DoorOpened(night.AddDays(1).AddMinutes(10)));
        Assert.NotNull(routine.DoorOpened(night.AddDays(2).AddHours(-2))); // another hour of the night still alerts
        Assert.True(routine.Real(FindingKind.DoorOpenAtNight, night));
        Assert.NotNull(routine.DoorOpened(night.AddDays(3)));
    }

    [Fact]
    public void Routine_PreAlarmCancelledByResident_DoesNotEscalate()
    {
        var time = new FakeTimeProvider(Synthetic.Start);
        var routine = new RoutineMonitor("resident:1");
        Live(routine, time, 22);
        var day = Synthetic.Start.AddDays(22);
        Finding? pre = null;
        for (var t = day; t < day.AddHours(9) && pre is null; t += TimeSpan.FromMinutes(5))
            pre = routine.Tick(t);
        Assert.NotNull(pre);

        routine.Cancel();
        var later = Enumerable.Range(1, 12).Select(i => routine.Tick(pre.At.AddMinutes(5 * i))).Where(f => f is not null).ToList();

        Assert.Empty(later);
    }

    [Fact]
    public void Routine_SilentAfternoonAfterGettingUp_ReportsInactivity()
    {
        var time = new FakeTimeProvider(Synthetic.Start);
        var routine = new RoutineMonitor("resident:1");
        Live(routine, time, 22);
        var day = Synthetic.Start.AddDays(22);
        routine.Activity(day.AddHours(7));
        routine.Activity(day.AddHours(11).AddMinutes(40));

        var findings = Enumerable.Range(0, 12 * 8).Select(i => routine.Tick(day.AddHours(11.75).AddMinutes(5 * i))).OfType<Finding>().ToList();

        var first = Assert.IsType<Finding>(findings.FirstOrDefault());
        Assert.Equal(FindingKind.InactiveTooLong, first.Kind);
        Assert.True(first.IsPreAlarm);
        Assert.InRange(first.At, day.AddHours(13), day.AddHours(15));
        Assert.Contains("No movement since", first.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void Routine_DuringLearningPhase_RaisesNothingEvenOnAMissedMorning()
    {
        var time = new FakeTimeProvider(Synthetic.Start);
        var routine = new RoutineMonitor("resident:1");

        var findings = Live(routine, time, 10, (day, usual) => day == 9 ? null : usual);

        Assert.True(routine.Learning);
        Assert.Empty(findings);
    }

    [Fact]
    public void DoorOpened_AtThreeInTheMorningAfterLearning_IsAnAlertAtOnce()
    {
        var time = new FakeTimeProvider(Synthetic.Start);
        var routine = new RoutineMonitor("resident:1");
        Live(routine, time, 21);
        var day = Synthetic.Start.AddDays(21);

        var daytime = routine.DoorOpened(day.AddHours(10));
        var night = routine.DoorOpened(day.AddDays(1).AddHours(3));

        Assert.Null(daytime);
        Assert.NotNull(night);
        Assert.Equal(FindingKind.DoorOpenAtNight, night.Kind);
        Assert.Equal(Severity.High, night.Severity);
    }

    [Fact]
    public void State_SerialisedAsJsonAndRestored_KeepsTheLearnedRoutine()
    {
        var time = new FakeTimeProvider(Synthetic.Start);
        var engine = new EarlyWarningEngine();
        var routine = new RoutineMonitor("resident:1");
        Live(routine, time, 20);
        var json = System.Text.Json.JsonSerializer.Serialize(routine.State);

        var restored = new RoutineMonitor("resident:1", null, System.Text.Json.JsonSerializer.Deserialize<RoutineState>(json));

        Assert.False(restored.Learning);
        Assert.Equal(routine.State.WakeMean, restored.State.WakeMean);
        Assert.Equal(routine.State.HourActive, restored.State.HourActive);
        _ = engine;
    }
}
