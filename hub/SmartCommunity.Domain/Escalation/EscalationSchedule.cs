using System;
using System.Collections.Generic;
using SmartCommunity.Domain.Alerts;

namespace SmartCommunity.Domain.Escalation;

/// <summary>Who is paged, in order, while nobody acknowledges.</summary>
public enum EscalationLevel
{
    GridWorker = 0,
    DutyOfficer = 1,
    EmergencyCentre = 2,
}

/// <summary>
/// Per severity: how long each level has to acknowledge, how often the page repeats, and the chain.
/// Declared as data; the timers that walk it are adapters (Quartz in the hub).
/// </summary>
public sealed record EscalationPolicy(Severity Severity, TimeSpan AckWithin, TimeSpan RepeatEvery, IReadOnlyList<EscalationLevel> Chain, int RepeatsAtLastLevel)
{
    public static EscalationPolicy? For(Severity severity) => All.GetValueOrDefault(severity);

    // Critical follows the telecare anchor (acknowledge within 60 s); the last level keeps being paged for ~10 minutes.
    // Info (test alarms) pages nobody: it only appears on the board.
    public static readonly IReadOnlyDictionary<Severity, EscalationPolicy> All = new Dictionary<Severity, EscalationPolicy>
    {
        [Severity.Critical] = new(Severity.Critical, TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(30),
            [EscalationLevel.GridWorker, EscalationLevel.DutyOfficer, EscalationLevel.EmergencyCentre], 20),
        [Severity.High] = new(Severity.High, TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(2.5),
            [EscalationLevel.GridWorker, EscalationLevel.DutyOfficer], 6),
        [Severity.Warning] = new(Severity.Warning, TimeSpan.FromMinutes(30), TimeSpan.FromMinutes(30),
            [EscalationLevel.GridWorker], 2),
    };
}

/// <summary>What <see cref="EscalationSchedule.Repair"/> decides for an alert's pending step.</summary>
public enum EscalationRepair
{
    None,
    Schedule,
    FireNow,
}

/// <summary>One page: step n of an escalation, the level it goes to and when it is due.</summary>
public readonly record struct EscalationStep(int Index, EscalationLevel Level, DateTimeOffset DueAt);

/// <summary>
/// The pure escalation decision. Steps are numbered from 0 at <c>pagingStart</c> (raise time, or the end of
/// a pre-alarm window) and fall every <see cref="EscalationPolicy.RepeatEvery"/>; the level is how many
/// <see cref="EscalationPolicy.AckWithin"/> periods have passed, capped at the last level.
/// </summary>
public static class EscalationSchedule
{
    public static EscalationStep Step(EscalationPolicy policy, DateTimeOffset pagingStart, int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        var offset = policy.RepeatEvery * index;
        var level = Math.Min((int)(offset.Ticks / policy.AckWithin.Ticks), policy.Chain.Count - 1);
        return new EscalationStep(index, policy.Chain[level], pagingStart + offset);
    }

    /// <summary>The step after <paramref name="done"/> (-1 when none was done yet), or null when paging should stop:
    /// the alert was acknowledged or closed, or the last level has been paged often enough.</summary>
    public static EscalationStep? Next(EscalationPolicy policy, Alert alert, DateTimeOffset pagingStart, int done)
    {
        if (!alert.IsOpen || alert.AcknowledgedAt is not null)
            return null;
        var next = Step(policy, pagingStart, done + 1);
        if (next.Index >= StepCount(policy))
            return null;
        return next;
    }

    /// <summary>How many pages a policy sends at most to an alert nobody acknowledges.</summary>
    public static int StepCount(EscalationPolicy policy) => FirstIndexAtLastLevel(policy) + policy.RepeatsAtLastLevel;

    /// <summary>The step an alert is waiting for, derived from the alert alone (severity → policy, paging start, pages
    /// sent): what its escalation timer must be. Null when nothing more is to be paged.</summary>
    public static EscalationStep? Pending(Alert alert) =>
        EscalationPolicy.For(alert.Severity) is { } policy ? Next(policy, alert, alert.PagingStartsAt, alert.PagesSent - 1) : null;

    /// <summary>
    /// What to do about an alert's pending step when its timer is checked (at start-up and periodically): schedule it when
    /// no timer is stored (it then fires at once if already due); fire it now when a timer exists but the step is
    /// <paramref name="overdueAfter"/> past due and still not recorded (the timer is stuck); otherwise leave it.
    /// </summary>
    public static EscalationRepair Repair(EscalationStep pending, bool timerStored, DateTimeOffset now, TimeSpan overdueAfter) =>
        !timerStored ? EscalationRepair.Schedule
        : now - pending.DueAt >= overdueAfter ? EscalationRepair.FireNow
        : EscalationRepair.None;

    /// <summary>The steps that are due by <paramref name="now"/> and not yet done: what a clock-driven test or a
    /// catch-up after downtime would run.</summary>
    public static IEnumerable<EscalationStep> DueBy(EscalationPolicy policy, Alert alert, DateTimeOffset pagingStart, int done, DateTimeOffset now)
    {
        while (Next(policy, alert, pagingStart, done) is { } step && step.DueAt <= now)
        {
            yield return step;
            done = step.Index;
        }
    }

    /// <summary>When an unacknowledged alert moves up to the next level of the chain (what the board counts down to),
    /// or null when it is acknowledged, closed, has no policy, or already pages the last level.</summary>
    public static (DateTimeOffset At, EscalationLevel Level)? NextLevel(Alert alert)
    {
        if (!alert.IsOpen || alert.AcknowledgedAt is not null || EscalationPolicy.For(alert.Severity) is not { } policy)
            return null;
        // The level of the latest page (or of the first one, before any page went out).
        var offset = policy.RepeatEvery * Math.Max(0, alert.PagesSent - 1);
        var levelIndex = Math.Min((int)(offset.Ticks / policy.AckWithin.Ticks), policy.Chain.Count - 1);
        if (levelIndex + 1 >= policy.Chain.Count)
            return null;
        // Level k starts at the first step on or after k × AckWithin.
        var start = policy.AckWithin * (levelIndex + 1);
        var index = (int)Math.Ceiling(start.Ticks / (double)policy.RepeatEvery.Ticks);
        var step = Step(policy, alert.PagingStartsAt, index);
        return (step.DueAt, step.Level);
    }

    private static int FirstIndexAtLastLevel(EscalationPolicy policy)
    {
        var lastStart = policy.AckWithin * (policy.Chain.Count - 1);
        return (int)Math.Ceiling(lastStart.Ticks / (double)policy.RepeatEvery.Ticks);
    }
}
