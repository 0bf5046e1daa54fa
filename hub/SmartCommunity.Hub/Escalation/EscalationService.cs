using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Quartz;
using SmartCommunity.Domain.Alerts;
using SmartCommunity.Domain.Escalation;
using SmartCommunity.Hub.Alerts;
using SmartCommunity.Hub.Escalation.Cascade;
using SmartCommunity.Hub.Hosting;
using SmartCommunity.Hub.Persistence;

namespace SmartCommunity.Hub.Escalation;

/// <summary>
/// Walks the escalation chain of an unacknowledged alert. The decision (which level, when) is the pure
/// <see cref="EscalationSchedule"/>; this adapter persists one Quartz trigger per step and, when it
/// fires, records the page on the alert first. <see cref="Alert.RecordPage"/> refuses a step that was already
/// sent, so a trigger recovered after a crash, or fired twice, cannot page twice. The alert row is the truth: its
/// pending step (<see cref="EscalationSchedule.Pending"/>) names the trigger and its time, so a trigger lost
/// between the alert's commit and the scheduler's own (another store) is derived again by <see cref="EscalationReconciler"/>.
/// </summary>
public sealed class EscalationService(
    ISchedulerFactory schedulers, IDbContextFactory<HubDbContext> dbFactory, AlertService alerts, OnCall onCall, Paging paging, CallCascadeService cascade,
    TimeProvider time, IHostApplicationLifetime lifetime, ILogger<EscalationService> logger) : IAlertRaisedListener
{
    public const string TriggerGroup = "escalation";

    public static TriggerKey TriggerFor(long alertId, int step) => new($"alert-{alertId}-step-{step}", TriggerGroup);

    public Task OnRaisedAsync(Alert alert, CancellationToken ct) => ScheduleNextAsync(alert, ct);

    /// <summary>Schedules the alert's pending step, if any, at its due time; a trigger already waiting for it is kept.</summary>
    public async Task ScheduleNextAsync(Alert alert, CancellationToken ct)
    {
        if (EscalationSchedule.Pending(alert) is { } step)
            await ScheduleAsync(alert.Id, step.Index, step.DueAt, TriggerConflict.Keep, ct);
    }

    public async Task ScheduleAsync(long alertId, int step, DateTimeOffset dueAt, TriggerConflict conflict, CancellationToken ct)
    {
        try
        {
            await ScheduleTriggerAsync(alertId, step, dueAt, conflict, ct);
        }
        catch (SchedulerException) when (lifetime.ApplicationStopping.IsCancellationRequested)
        {
            // A step that ran while the hub stops finds the scheduler shut down. The alert row keeps its pending step, and
            // the reconciler schedules it at the next start (or another instance's within its interval): nothing is lost.
            logger.LogDebug("Alert {AlertId}: escalation step {Step} is left to the next start; the scheduler has shut down", alertId, step);
        }
    }

    private async Task ScheduleTriggerAsync(long alertId, int step, DateTimeOffset dueAt, TriggerConflict conflict, CancellationToken ct)
    {
        var scheduler = await schedulers.GetScheduler(ct);
        var trigger = TriggerBuilder.Create(time)
            .WithIdentity(TriggerFor(alertId, step))
            .ForJob(EscalationJob.Key)
            .UsingJobData(EscalationJob.AlertId, alertId.ToString(CultureInfo.InvariantCulture))
            .UsingJobData(EscalationJob.Step, step.ToString(CultureInfo.InvariantCulture))
            .StartAt(dueAt)
            // Late (the hub was down): page at once rather than skip; a late page beats none.
            .WithSchedule(SimpleScheduleBuilder.Create().WithMisfireInstruction(SimpleTriggerMisfireInstruction.FireNow))
            .Build();
        // Keep: scheduling the same step twice (a retried request, the reconciler on several instances) leaves the
        // first trigger alone; a trigger that already fired has nothing pending, so Keep stores this one instead.
        await scheduler.ScheduleTrigger(trigger, conflict, ct);
    }

    /// <summary>Drops the pending step of an alert that was acknowledged or closed; the guard in <see cref="RunStepAsync"/> covers a race.</summary>
    public async Task StopAsync(Alert alert, CancellationToken ct)
    {
        var scheduler = await schedulers.GetScheduler(ct);
        await scheduler.UnscheduleJob(TriggerFor(alert.Id, alert.PagesSent), ct);
    }

    public async Task RunStepAsync(long alertId, int step, CancellationToken ct)
    {
        Alert? current;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
            current = await db.Alerts.AsNoTracking().SingleOrDefaultAsync(a => a.Id == alertId, ct);
        if (current is null || EscalationPolicy.For(current.Severity) is not { } policy)
            return;
        var page = EscalationSchedule.Step(policy, current.PagingStartsAt, step);
        var recipients = await onCall.RecipientsAsync(current, page.Level, ct);
        var who = recipients.Count == 0 ? $"{page.Level.ToWire()}: nobody on call" : $"{page.Level.ToWire()}: {string.Join(", ", recipients.Select(r => r.Name))}";
        var recorded = false;
        var alert = await alerts.TryChangeAsync(alertId, a => recorded = a.RecordPage(step, (int)page.Level, who, time.GetUtcNow()), ct);
        if (!recorded || alert is null)
            return;
        logger.LogInformation("Alert {AlertId}: page {Step} to {Level} ({Count} people)", alertId, step, page.Level, recipients.Count);
        await paging.PageAsync(alert, page.Level, step, recipients, ct);
        await cascade.CallAsync(alert, policy, step, ct);
        await ScheduleNextAsync(alert, ct);
    }
}

/// <summary>The Quartz side of escalation: one durable job, one trigger per step carrying (alert, step).</summary>
public sealed class EscalationJob(EscalationService escalation) : IJob
{
    public static readonly JobKey Key = new("escalation", "workflow");
    public const string AlertId = "alertId";
    public const string Step = "step";

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default)
    {
        var data = context.MergedJobDataMap;
        var alertId = long.Parse(Convert.ToString(data[AlertId], CultureInfo.InvariantCulture)!, CultureInfo.InvariantCulture);
        var step = int.Parse(Convert.ToString(data[Step], CultureInfo.InvariantCulture)!, CultureInfo.InvariantCulture);
        await escalation.RunStepAsync(alertId, step, cancellationToken);
    }
}

/// <summary>Hub:Escalation — how the escalation timers are checked against the alerts.</summary>
public sealed class EscalationOptions
{
    public const string Section = "Hub:Escalation";

    /// <summary>How often every open, unacknowledged alert's pending step is checked for a missing or stuck timer (also
    /// once at start-up). In a cluster every instance checks, so the orphan of a crashed instance is taken over within this.</summary>
    public TimeSpan ReconcileInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>A step this long past due with its timer stored but not recorded on the alert is fired at once (its timer is
    /// stuck). Longer than the clustered scheduler takes to recover a dead instance's triggers itself.</summary>
    public TimeSpan OverdueAfter { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// Makes the escalation timers follow the alerts. An alert is committed to the hub database; its timer to the scheduler's
/// store (scheduler.db, or Quartz's tables), after it. A process killed in between, or a trigger that fired on an instance
/// killed before it recorded the page, leaves an open alert with no timer, which nothing would ever page. At start-up and
/// every <see cref="EscalationOptions.ReconcileInterval"/>, this derives each open, unacknowledged alert's pending step
/// from the row and schedules it when its trigger is missing (at its due time: at once when that has passed), or fires it
/// now when it is <see cref="EscalationOptions.OverdueAfter"/> overdue. Scheduling is idempotent (Keep) and a step is
/// recorded once (<see cref="Alert.RecordPage"/>), so instances doing this at the same time page nobody twice.
/// </summary>
public sealed class EscalationReconciler(
    IDbContextFactory<HubDbContext> dbFactory, ISchedulerFactory schedulers, EscalationService escalation, IOptions<EscalationOptions> options,
    HubMetrics metrics, TimeProvider time, IHostApplicationLifetime lifetime, ILogger<EscalationReconciler> logger) : BackgroundService
{
    private long _passes;

    /// <summary>Passes finished, each with the wait for the next one already started (diagnostics; tests drive the clock by it).</summary>
    public long Passes => Interlocked.Read(ref _passes);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Stopping starts before the scheduler shuts down; a pass cut short by it is not an error.
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, lifetime.ApplicationStopping);
        var ct = stopping.Token;
        // After start-up: migrations are done, and the scheduler has started and recovered its own store.
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        using (ct.Register(() => started.TrySetCanceled(ct)))
        {
            try
            {
                await started.Task;
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await ReconcileAsync(ct);
            }
            catch (Exception ex) when (!ct.IsCancellationRequested)
            {
                logger.LogError(ex, "Escalation timers could not be checked; next try in {Interval}", options.Value.ReconcileInterval);
            }
            catch when (ct.IsCancellationRequested)
            {
                return;
            }
            var next = Task.Delay(options.Value.ReconcileInterval, time, ct);
            Interlocked.Increment(ref _passes);
            try
            {
                await next;
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>One pass over the open, unacknowledged alerts; returns how many steps it scheduled or fired.</summary>
    public async Task<int> ReconcileAsync(CancellationToken ct)
    {
        var waiting = new List<Alert>();
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            // Raised is open and unacknowledged (acknowledging or resolving leaves it); the (Status, RaisedAt) index serves it.
            foreach (var policy in EscalationPolicy.All.Values)
            {
                var steps = EscalationSchedule.StepCount(policy);
                waiting.AddRange(await db.Alerts.AsNoTracking()
                    .Where(a => a.Status == AlertStatus.Raised && a.AcknowledgedAt == null && a.Severity == policy.Severity && a.PagesSent < steps)
                    .ToListAsync(ct));
            }
        }
        if (waiting.Count == 0)
            return 0;
        var scheduler = await schedulers.GetScheduler(ct);
        var now = time.GetUtcNow();
        var repaired = 0;
        foreach (var alert in waiting)
        {
            if (EscalationSchedule.Pending(alert) is not { } step)
                continue;
            var state = await scheduler.GetTriggerState(EscalationService.TriggerFor(alert.Id, step.Index), ct);
            // A trigger that fired and is running shows as Complete until its job ends; one whose instance died while running
            // it stays so until Quartz's recovery removes it, and is then missing (or, failing that, overdue).
            var repair = EscalationSchedule.Repair(step, state != TriggerState.None, now, options.Value.OverdueAfter);
            // The row was read before the trigger: a step that ran meanwhile recorded its page before Quartz removed its trigger,
            // so the alert read again after the trigger tells a lost step (still pending) from one just done.
            if (repair != EscalationRepair.None && !await StillPendingAsync(alert.Id, step.Index, ct))
                continue;
            switch (repair)
            {
                case EscalationRepair.Schedule:
                    logger.LogWarning("Alert {AlertId}: escalation step {Step} (due {DueAt:O}) had no timer; scheduled", alert.Id, step.Index, step.DueAt);
                    await escalation.ScheduleAsync(alert.Id, step.Index, step.DueAt, TriggerConflict.Keep, ct);
                    metrics.EscalationRepaired("missing");
                    repaired++;
                    break;
                case EscalationRepair.FireNow:
                    logger.LogWarning("Alert {AlertId}: escalation step {Step} was due {DueAt:O} and has not fired ({State}); firing now", alert.Id, step.Index, step.DueAt, state);
                    await escalation.ScheduleAsync(alert.Id, step.Index, now, TriggerConflict.Replace, ct);
                    metrics.EscalationRepaired("overdue");
                    repaired++;
                    break;
            }
        }
        return repaired;
    }

    private async Task<bool> StillPendingAsync(long alertId, int step, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var alert = await db.Alerts.AsNoTracking().SingleOrDefaultAsync(a => a.Id == alertId, ct);
        return alert is not null && EscalationSchedule.Pending(alert)?.Index == step;
    }
}
