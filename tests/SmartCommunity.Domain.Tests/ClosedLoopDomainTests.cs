using SmartCommunity.Domain.Alerts;
using SmartCommunity.Domain.Escalation;
using SmartCommunity.Domain.Notifications;
using SmartCommunity.Domain.Reports;
using SmartCommunity.Domain.Visits;

namespace SmartCommunity.Domain.Tests;

/// <summary>The pure closed-loop decisions: escalation steps, rosters across midnight, monthly visits in UTC+8, KPIs.</summary>
public sealed class ClosedLoopDomainTests
{
    private static readonly DateTimeOffset T = new(2026, 11, 29, 2, 0, 0, TimeSpan.Zero);
    private static readonly AlertPlace Place = new(1, 1, 1, 1);
    private static readonly TimeZoneInfo Shanghai = Roster.Zone("Asia/Shanghai");

    private static Alert Sos(DateTimeOffset at) => Alert.Raise(new AlertSignal("sos-1", AlertKind.Sos, Severity.Critical, "SOS", at), Place, at);

    [Fact]
    public void Escalation_CriticalUnacknowledged_WalksGridWorkerDutyOfficerEmergencyCentreEvery60s()
    {
        var policy = EscalationPolicy.For(Severity.Critical)!;

        var steps = Enumerable.Range(0, 6).Select(i => EscalationSchedule.Step(policy, T, i)).ToList();

        Assert.Equal([EscalationLevel.GridWorker, EscalationLevel.GridWorker, EscalationLevel.DutyOfficer, EscalationLevel.DutyOfficer, EscalationLevel.EmergencyCentre, EscalationLevel.EmergencyCentre],
            steps.Select(s => s.Level));
        Assert.Equal(T.AddSeconds(60), steps[2].DueAt);
        Assert.Equal(T.AddSeconds(120), steps[4].DueAt);
    }

    [Fact]
    public void Escalation_Acknowledged_HasNoNextStep()
    {
        var alert = Sos(T);
        var policy = EscalationPolicy.For(Severity.Critical)!;
        Assert.NotNull(EscalationSchedule.Next(policy, alert, T, 0));

        alert.Acknowledge("staff", T.AddSeconds(20));

        Assert.Null(EscalationSchedule.Next(policy, alert, T, 0));
    }

    [Fact]
    public void Escalation_DueByAfterDowntime_ListsEveryMissedStepInOrder()
    {
        var alert = Sos(T);
        var policy = EscalationPolicy.For(Severity.Critical)!;

        var due = EscalationSchedule.DueBy(policy, alert, T, done: 0, now: T.AddSeconds(95)).ToList();

        Assert.Equal([1, 2, 3], due.Select(s => s.Index));
    }

    [Fact]
    public void Pending_FromTheAlertAlone_IsTheStepAfterThePagesSentUntilAcknowledgedOrExhausted()
    {
        var alert = Sos(T);
        var policy = EscalationPolicy.For(Severity.Critical)!;

        Assert.Equal(new EscalationStep(0, EscalationLevel.GridWorker, T), EscalationSchedule.Pending(alert));
        alert.RecordPage(0, 0, "grid worker", T);
        Assert.Equal(new EscalationStep(1, EscalationLevel.GridWorker, T.AddSeconds(30)), EscalationSchedule.Pending(alert));
        for (var step = 1; step < EscalationSchedule.StepCount(policy); step++)
            Assert.True(alert.RecordPage(step, 0, "x", T));
        Assert.Null(EscalationSchedule.Pending(alert));

        var acknowledged = Sos(T);
        acknowledged.Acknowledge("staff", T.AddSeconds(5));
        Assert.Null(EscalationSchedule.Pending(acknowledged));
        Assert.Null(EscalationSchedule.Pending(Alert.Raise(new AlertSignal("t", AlertKind.Test, Severity.Info, "test", T), Place, T)));
    }

    [Theory]
    [InlineData(false, 0, EscalationRepair.Schedule)]      // no timer, not yet due: schedule at its time
    [InlineData(false, 300, EscalationRepair.Schedule)]    // no timer, long overdue: scheduled at its (past) time, fires at once
    [InlineData(true, 29, EscalationRepair.None)]          // timer waiting, within the grace: Quartz fires it
    [InlineData(true, 30, EscalationRepair.FireNow)]       // timer stuck past the grace
    public void Repair_TimerStateAndLateness_Decides(bool stored, int secondsLate, EscalationRepair expected)
    {
        var step = new EscalationStep(1, EscalationLevel.GridWorker, T);

        Assert.Equal(expected, EscalationSchedule.Repair(step, stored, T.AddSeconds(secondsLate), TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public void RecordPage_SameStepTwice_RecordsOnce()
    {
        var alert = Sos(T);

        Assert.True(alert.RecordPage(0, 0, "grid worker", T));
        Assert.False(alert.RecordPage(0, 0, "grid worker", T));

        Assert.Equal(1, alert.PagesSent);
        Assert.Single(alert.Timeline, e => e.Type == AlertEventType.Paged);
    }

    [Fact]
    public void Alert_Lifecycle_ProducesTimelineInOrder()
    {
        var alert = Sos(T);
        alert.Acknowledge("staff", T.AddSeconds(10));
        alert.Dispatch("staff", "worker", T.AddSeconds(20));
        alert.ArriveOnSite(T.AddMinutes(5), "worker");
        alert.Comment("worker", "Resident fine, pressed by mistake", T.AddMinutes(6));
        alert.Resolve("worker", AlertOutcome.FalseAlarm, null, T.AddMinutes(7));
        alert.GiveFeedback("family", 5, "Quick", T.AddHours(1));

        Assert.Equal([AlertEventType.Raised, AlertEventType.Acknowledged, AlertEventType.Dispatched, AlertEventType.OnSite, AlertEventType.Comment, AlertEventType.Resolved, AlertEventType.Feedback],
            alert.Timeline.Select(e => e.Type));
    }

    [Fact]
    public void GiveFeedback_OpenAlertOrTwice_Throws()
    {
        var alert = Sos(T);
        Assert.Throws<AlertTransitionException>(() => alert.GiveFeedback("family", 4, null, T));
        alert.Resolve("staff", AlertOutcome.Real, null, T.AddMinutes(1));
        alert.GiveFeedback("family", 4, null, T.AddMinutes(2));
        Assert.Throws<AlertTransitionException>(() => alert.GiveFeedback("family", 1, null, T.AddMinutes(3)));
    }

    private static Alert Inactivity(string device) =>
        Alert.Raise(new AlertSignal(device, AlertKind.Inactivity, Severity.Warning, "no movement", T), Place, T, PreAlarm.WindowFor(AlertKind.Inactivity));

    [Fact]
    public void CancelPreAlarm_InsideWindow_ResolvesAsResidentCancelled_AfterWindow_Throws()
    {
        var quiet = Inactivity("pir-1");
        var late = Inactivity("pir-2");

        quiet.CancelPreAlarm("device:sos-1", T.AddMinutes(5));

        Assert.Equal(AlertOutcome.ResidentCancelled, quiet.Outcome);
        Assert.Throws<AlertTransitionException>(() => late.CancelPreAlarm("device:sos-1", T.AddMinutes(10).AddSeconds(1)));
        Assert.Equal(T.AddMinutes(10), late.PagingStartsAt);
    }

    [Fact]
    public void Fall_HasNoHubPreAlarm_PagesAtOnceAndCannotBeCancelledRemotely()
    {
        var fall = Alert.Raise(new AlertSignal("w-1", AlertKind.Fall, Severity.Critical, "fall", T), Place, T, PreAlarm.WindowFor(AlertKind.Fall));

        Assert.Null(fall.PreAlarmUntil);
        Assert.Equal(T, fall.PagingStartsAt);
        Assert.False(fall.PreAlarmPending);
        Assert.Throws<AlertTransitionException>(() => fall.CancelPreAlarm("family", T.AddSeconds(5)));
        Assert.True(fall.IsOpen);
    }

    [Fact]
    public void CancelPreAlarm_FallRaisedWithAWindowBeforeTheUpgrade_IsStillRefused()
    {
        // A fall stored by an older hub with a 60 s pre-alarm: the rule is the kind's, not the row's.
        var old = Alert.Raise(new AlertSignal("w-1", AlertKind.Fall, Severity.Critical, "fall", T), Place, T, TimeSpan.FromSeconds(60));

        var refused = Assert.Throws<AlertTransitionException>(() => old.CancelPreAlarm("family", T.AddSeconds(5)));

        Assert.Contains("staff resolve it", refused.Message, StringComparison.Ordinal);
        Assert.True(old.IsOpen);
    }

    [Fact]
    public void PreAlarmPending_EndsWhenCalledOffAcknowledgedOrPaged()
    {
        var cancelled = Inactivity("pir-1");
        var acknowledged = Inactivity("pir-2");
        var paged = Inactivity("pir-3");
        Assert.True(cancelled.PreAlarmPending && acknowledged.PreAlarmPending && paged.PreAlarmPending);

        cancelled.CancelPreAlarm("device:sos-1", T.AddMinutes(1));
        acknowledged.Acknowledge("staff", T.AddMinutes(1));
        Assert.True(paged.PreAlarmPending, "its window ran out, but nobody has been paged yet");
        paged.RecordPage(0, 0, "grid_worker: Worker A", T.AddMinutes(10));

        Assert.False(cancelled.PreAlarmPending);
        Assert.False(acknowledged.PreAlarmPending);
        Assert.False(paged.PreAlarmPending);
    }

    [Fact]
    public void ReportWithResident_RecordsWhoAndWhen_AlertStaysOpenAndEscalating()
    {
        var fall = Alert.Raise(new AlertSignal("w-1", AlertKind.Fall, Severity.Critical, "fall", T), Place, T);
        var policy = EscalationPolicy.For(Severity.Critical)!;

        fall.ReportWithResident("daughter@example.org", T.AddSeconds(40));

        Assert.Equal(("daughter@example.org", T.AddSeconds(40)), (fall.WithResidentBy, fall.WithResidentAt));
        Assert.Equal(AlertStatus.Raised, fall.Status);
        Assert.NotNull(EscalationSchedule.Next(policy, fall, T, 0));
        var e = fall.Timeline[^1];
        Assert.Equal((AlertEventType.WithResident, "daughter@example.org", T.AddSeconds(40)), (e.Type, e.Actor, e.At));
        fall.Resolve("staff", AlertOutcome.Real, null, T.AddMinutes(5));
        Assert.Throws<AlertTransitionException>(() => fall.ReportWithResident("daughter@example.org", T.AddMinutes(6)));
    }

    [Fact]
    public void ErasePersonalData_FamilyWhoWasWithTheResident_BecomesFamily()
    {
        var fall = Alert.Raise(new AlertSignal("w-1", AlertKind.Fall, Severity.Critical, "fall", T), Place, T);
        fall.ReportWithResident("daughter@example.org", T.AddSeconds(40));

        fall.ErasePersonalData(["daughter@example.org"]);

        Assert.Equal(Alert.FamilyActor, fall.WithResidentBy);
        Assert.Equal(Alert.FamilyActor, fall.Timeline[^1].Actor);
    }

    [Theory]
    [InlineData("2026-11-29T15:59:59Z", "day")]   // 23:59:59 Shanghai
    [InlineData("2026-11-29T16:00:00Z", "night")] // 00:00 Shanghai: handover
    [InlineData("2026-11-29T23:59:59Z", "night")] // 07:59:59 Shanghai
    [InlineData("2026-11-30T00:00:00Z", "day")]   // 08:00 Shanghai
    public void Roster_HandoverAtMidnightShanghai_ExactlyOneShiftOnDuty(string utc, string expected)
    {
        var day = new RosterShift { Id = 1, CommunityId = 1, GridId = 1, UserId = "day", Role = EscalationLevel.GridWorker, Start = new(8, 0), End = new(0, 0) };
        var night = new RosterShift { Id = 2, CommunityId = 1, GridId = 1, UserId = "night", Role = EscalationLevel.GridWorker, Start = new(0, 0), End = new(8, 0) };

        var onDuty = Roster.OnDuty([day, night], EscalationLevel.GridWorker, 1, 1, DateTimeOffset.Parse(utc, System.Globalization.CultureInfo.InvariantCulture), Shanghai).ToList();

        Assert.Equal(expected, Assert.Single(onDuty).UserId);
    }

    [Fact]
    public void Roster_OvernightShiftStartedOnFriday_CoversSaturdayMorningOnly()
    {
        var friNight = new RosterShift { CommunityId = 1, UserId = "u", Role = EscalationLevel.DutyOfficer, Start = new(22, 0), End = new(6, 0), Days = WeekDays.Friday };
        // 2026-11-28 is a Saturday; 05:00 Shanghai = 21:00 UTC on Friday the 27th.
        Assert.True(Roster.Covers(friNight, new DateTimeOffset(2026, 11, 27, 21, 0, 0, TimeSpan.Zero), Shanghai));
        // Sunday 05:00 Shanghai: the shift did not start on Saturday.
        Assert.False(Roster.Covers(friNight, new DateTimeOffset(2026, 11, 28, 21, 0, 0, TimeSpan.Zero), Shanghai));
    }

    [Fact]
    public void VisitCoverage_VisitAtUtcMonthEndIsNextMonthInShanghai_CountsForNextMonth()
    {
        var residents = new List<ResidentToVisit> { new(1, "A", 10, 1), new(2, "B", 10, 1), new(3, "C", 11, 1) };
        var visits = new List<Visit>
        {
            // 2026-11-30 17:00 UTC is 2026-12-01 01:00 in Shanghai: a December visit.
            new() { ResidentId = 1, GridId = 10, CommunityId = 1, At = new DateTimeOffset(2026, 11, 30, 17, 0, 0, TimeSpan.Zero), By = "w", Source = "api" },
            // 2026-10-31 16:30 UTC is 2026-11-01 00:30 in Shanghai: a November visit.
            new() { ResidentId = 3, GridId = 11, CommunityId = 1, At = new DateTimeOffset(2026, 10, 31, 16, 30, 0, TimeSpan.Zero), By = "w", Source = "api" },
        };

        var november = VisitCoverage.ByGrid(residents, visits, new LocalMonth(2026, 11), Shanghai);
        var december = VisitCoverage.Total(residents, visits, new LocalMonth(2026, 12), Shanghai);

        Assert.Equal([(10, 2, 0), (11, 1, 1)], november.Select(r => (r.GridId!.Value, r.Required, r.Visited)));
        Assert.Equal((3, 1), (december.Required, december.Visited));
        Assert.Equal(new DateTimeOffset(2026, 11, 30, 16, 0, 0, TimeSpan.Zero), new LocalMonth(2026, 12).StartUtc(Shanghai));
        Assert.Equal([1, 2], VisitCoverage.Overdue(residents, visits, new LocalMonth(2026, 11), Shanghai).Select(o => o.ResidentId).Order());
    }

    [Fact]
    public void Kpi_MixedAlerts_ComputesShareMedianP90AndFalseAlarmRates()
    {
        var alerts = new List<Alert>();
        for (var i = 0; i < 10; i++)
        {
            var a = Sos(T.AddMinutes(i));
            a.Acknowledge("staff", a.RaisedAt.AddSeconds(10 * (i + 1)));   // 10 … 100 s
            a.Resolve("staff", i < 3 ? AlertOutcome.FalseAlarm : AlertOutcome.Real, null, a.RaisedAt.AddMinutes(10));
            if (i < 4)
                a.GiveFeedback("family", 4 + i % 2, null, a.RaisedAt.AddHours(1));
            alerts.Add(a);
        }

        var report = Kpi.Compute(T, T.AddDays(1), alerts, new VisitCoverageRow(null, 4, 3), []);

        Assert.Equal(10, report.Paged);
        Assert.Equal(0.6, report.ShareAcknowledgedWithin60s);
        Assert.Equal(TimeSpan.FromSeconds(50), report.MedianTimeToAcknowledge);
        Assert.Equal(TimeSpan.FromSeconds(90), report.P90TimeToAcknowledge);
        Assert.Equal(0.3, Assert.Single(report.FalseAlarmsByKind).Rate, 3);
        Assert.Equal(4.5, report.AverageRating);
        Assert.Equal(0.75, report.VisitCoverage.Coverage);
    }

    [Fact]
    public void QuietHours_OvernightWindow_SilencesWarningNotCritical()
    {
        var quiet = new QuietHours(new TimeOnly(22, 0), new TimeOnly(7, 0));
        var at = new DateTimeOffset(2026, 11, 29, 15, 0, 0, TimeSpan.Zero); // 23:00 Shanghai

        Assert.True(quiet.Silences(Severity.Warning, at, Shanghai));
        Assert.False(quiet.Silences(Severity.Critical, at, Shanghai));
        Assert.False(quiet.Silences(Severity.Warning, at.AddHours(9), Shanghai)); // 08:00
    }
}

public sealed class EscalationCountdownTests
{
    private static readonly DateTimeOffset T = new(2026, 11, 29, 3, 0, 0, TimeSpan.Zero);

    private static Alert Raise(Severity severity) =>
        Alert.Raise(new AlertSignal("sos-0001", AlertKind.Sos, severity, "SOS", T), new AlertPlace(1, 1, 1, 1), T);

    [Fact]
    public void NextLevel_CriticalJustRaised_IsDutyOfficerAfterSixtySeconds()
    {
        var next = EscalationSchedule.NextLevel(Raise(Severity.Critical));
        Assert.Equal((T.AddSeconds(60), SmartCommunity.Domain.Escalation.EscalationLevel.DutyOfficer), next);
    }

    [Fact]
    public void NextLevel_Acknowledged_IsNull()
    {
        var a = Raise(Severity.Critical);
        a.Acknowledge("officer", T.AddSeconds(10));
        Assert.Null(EscalationSchedule.NextLevel(a));
    }

    [Fact]
    public void NextLevel_InfoHasNoPolicy_IsNull() => Assert.Null(EscalationSchedule.NextLevel(Raise(Severity.Info)));
}
