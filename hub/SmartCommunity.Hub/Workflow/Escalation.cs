using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Quartz;
using SmartCommunity.Domain.Alerts;
using SmartCommunity.Domain.Workflow;
using SmartCommunity.Hub.Alerts;
using SmartCommunity.Hub.Notifications;
using SmartCommunity.Hub.Persistence;

namespace SmartCommunity.Hub.Workflow;

/// <summary>
/// Walks the escalation chain of an unacknowledged alert. The decision (which level, when) is the pure
/// <see cref="Domain.Workflow.Escalation"/>; this adapter persists one Quartz trigger per step and, when it
/// fires, records the page on the alert first. <see cref="Alert.RecordPage"/> refuses a step that was already
/// sent, so a trigger recovered after a crash cannot page twice.
/// </summary>
public sealed class EscalationService(
    ISchedulerFactory schedulers, IDbContextFactory<HubDbContext> dbFactory, AlertService alerts, OnCall onCall, Paging paging,
    TimeProvider time, ILogger<EscalationService> logger) : IAlertRaisedHandler
{
    public const string TriggerGroup = "escalation";

    public static TriggerKey TriggerFor(long alertId, int step) => new($"alert-{alertId}-step-{step}", TriggerGroup);

    public Task OnRaisedAsync(Alert alert, CancellationToken ct) =>
        EscalationPolicy.For(alert.Severity) is null ? Task.CompletedTask : ScheduleAsync(alert.Id, 0, alert.PagingStartsAt, ct);

    public async Task ScheduleAsync(long alertId, int step, DateTimeOffset dueAt, CancellationToken ct)
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
        // Keep: scheduling the same step twice (a retried request) leaves the first trigger alone.
        await scheduler.ScheduleTrigger(trigger, TriggerConflict.Keep, ct);
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
        var page = Domain.Workflow.Escalation.Step(policy, current.PagingStartsAt, step);
        var recipients = await onCall.RecipientsAsync(current, page.Level, ct);
        var who = recipients.Count == 0 ? $"{page.Level.ToWire()}: nobody on call" : $"{page.Level.ToWire()}: {string.Join(", ", recipients.Select(r => r.Name))}";
        var recorded = false;
        var alert = await alerts.TryChangeAsync(alertId, a => recorded = a.RecordPage(step, (int)page.Level, who, time.GetUtcNow()), ct);
        if (!recorded || alert is null)
            return;
        logger.LogInformation("Alert {AlertId}: page {Step} to {Level} ({Count} people)", alertId, step, page.Level, recipients.Count);
        await paging.PageAsync(alert, page.Level, step, recipients, ct);
        if (Domain.Workflow.Escalation.Next(policy, alert, alert.PagingStartsAt, step) is { } next)
            await ScheduleAsync(alertId, next.Index, next.DueAt, ct);
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
