using System.ComponentModel.DataAnnotations;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Quartz;
using SmartCommunity.Domain.Alerts;
using SmartCommunity.Hub.Notifications;
using SmartCommunity.Hub.Persistence;

namespace SmartCommunity.Hub.Privacy;

/// <summary>
/// How long personal data is kept (Hub:Retention), in months; 0 keeps it forever. Readings have their own retention
/// (Telemetry:Retention, <c>AddTelemetryRetention</c>). The defaults keep a year of free text for follow-ups and
/// complaints, two years of visits (the monthly-coverage reports and a year-on-year comparison need them) and two
/// years of the audit log.
/// </summary>
public sealed class RetentionOptions
{
    public const string Section = "Hub:Retention";

    /// <summary>Resolution notes, comments and feedback text of alerts resolved longer ago; the alerts themselves stay.</summary>
    [Range(0, 1200)]
    public int AlertFreeTextMonths { get; set; } = 12;

    /// <summary>Visit records (with their notes).</summary>
    [Range(0, 1200)]
    public int VisitMonths { get; set; } = 24;

    /// <summary>Audit log rows, reads and writes.</summary>
    [Range(0, 1200)]
    public int AuditMonths { get; set; } = 24;

    /// <summary>Daily, community time (cron, Quartz syntax).</summary>
    [Required]
    public string Schedule { get; set; } = "0 40 3 * * ?";

    public static bool IsCron(string? expression)
    {
        try
        {
            _ = new CronExpression(expression!);
            return true;
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException)
        {
            return false;
        }
    }
}

public sealed record RetentionResult(int AlertsErased, int VisitsDeleted, int AuditRowsDeleted, int DeadLettersDeleted);

/// <summary>Applies <see cref="RetentionOptions"/>: one pass over each kind of personal data, oldest first, in batches.</summary>
public sealed class PersonalDataRetention(IDbContextFactory<HubDbContext> dbFactory, IOptions<RetentionOptions> options, ILogger<PersonalDataRetention> logger)
{
    private const int Batch = 500;

    public async Task<RetentionResult> RunAsync(DateTimeOffset now, CancellationToken ct)
    {
        var o = options.Value;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        int alerts = 0, visits = 0, audit = 0, deadLetters = 0;
        if (o.AlertFreeTextMonths > 0)
        {
            var cutoff = now.AddMonths(-o.AlertFreeTextMonths);
            while (true)
            {
                // Only alerts that still carry text, so a daily run does not walk every old alert again.
                var batch = await db.Alerts.Include(a => a.Timeline)
                    .Where(a => a.Status == AlertStatus.Resolved && a.ResolvedAt < cutoff
                        && (a.ResolutionNote != null || a.FeedbackComment != null
                            || db.AlertEvents.Any(e => e.AlertId == a.Id && e.Detail != null
                                && (e.Type == AlertEventType.Comment || (e.Type == AlertEventType.Resolved && e.Detail.Contains(": ")) || (e.Type == AlertEventType.Feedback && e.Detail.Contains(": "))))))
                    .OrderBy(a => a.Id).Take(Batch).ToListAsync(ct);
                if (batch.Count == 0)
                    break;
                foreach (var a in batch)
                    a.EraseFreeText();
                await db.SaveChangesAsync(ct);
                db.ChangeTracker.Clear();
                alerts += batch.Count;
            }
            // Delivered and dead deliveries hold alert texts too (a webhook's JSON, an SMS's arguments).
            deadLetters = await db.Outbox.Where(m => (m.State == OutboxState.Sent || m.State == OutboxState.Dead) && m.CreatedAt < cutoff).ExecuteDeleteAsync(ct);
        }
        if (o.VisitMonths > 0)
        {
            var cutoff = now.AddMonths(-o.VisitMonths);
            visits = await db.Visits.Where(v => v.At < cutoff).ExecuteDeleteAsync(ct);
        }
        if (o.AuditMonths > 0)
        {
            var cutoff = now.AddMonths(-o.AuditMonths);
            audit = await db.AuditLog.Where(a => a.At < cutoff).ExecuteDeleteAsync(ct);
        }
        var result = new RetentionResult(alerts, visits, audit, deadLetters);
        if (alerts + visits + audit + deadLetters > 0)
            logger.LogInformation("Retention: {Result}", result);
        return result;
    }
}

public static class RetentionServices
{
    /// <summary>Options (validated at start), the retention service and its daily Quartz trigger.</summary>
    public static void AddPersonalDataRetention(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<RetentionOptions>().BindConfiguration(RetentionOptions.Section).ValidateDataAnnotations()
            .Validate(o => RetentionOptions.IsCron(o.Schedule), "Hub:Retention:Schedule must be a Quartz cron expression")
            .ValidateOnStart();
        services.AddSingleton<PersonalDataRetention>();
        var schedule = configuration[$"{RetentionOptions.Section}:{nameof(RetentionOptions.Schedule)}"] ?? new RetentionOptions().Schedule;
        if (!RetentionOptions.IsCron(schedule))
            return; // ValidateOnStart reports it
        services.AddQuartz(q => q.ScheduleJob<RetentionJob>(
            t => t.WithIdentity(RetentionJob.TriggerName).WithCronSchedule(schedule, c => c.InTimeZone(Domain.Escalation.Roster.DefaultZone)),
            j => j.WithIdentity(RetentionJob.Key)));
    }
}

/// <summary>The daily retention pass on Quartz (persistent store: a run missed while the hub was down happens at start).</summary>
public sealed class RetentionJob(PersonalDataRetention retention, TimeProvider time) : IJob
{
    public static readonly JobKey Key = new("personal-data-retention", "privacy");
    public const string TriggerName = "personal-data-retention";

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default) =>
        await retention.RunAsync(time.GetUtcNow(), cancellationToken);
}
