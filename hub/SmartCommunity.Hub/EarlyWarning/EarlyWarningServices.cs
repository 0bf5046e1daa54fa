using System.ComponentModel.DataAnnotations;
using System.Threading.Channels;
using Quartz;
using SmartCommunity.Domain.Places;
using SmartCommunity.Hub.Ingestion;

namespace SmartCommunity.Hub.EarlyWarning;

/// <summary>Early warning in the hub: an observer on ingestion, one worker that owns the detectors, a first training
/// as soon as a series has enough history, a nightly Quartz job that retrains the ML.NET models in an explicit time
/// zone, and state and models in the data directory.</summary>
public static class EarlyWarningServices
{
    public static void AddHubEarlyWarning(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<EarlyWarningOptions>().BindConfiguration(EarlyWarningOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        // Bounded: a burst of readings must never grow memory without limit; the oldest work is dropped and counted.
        services.AddSingleton(_ => Channel.CreateBounded<EarlyWarningWork>(new BoundedChannelOptions(EarlyWarningOptions.QueueCapacity)
        {
            FullMode = BoundedChannelFullMode.DropOldest,
            SingleReader = true,
        }));
        // In a cluster (external broker on PostgreSQL) one elected instance scores and reads the full stream itself.
        var elected = EarlyWarningLeadership.IsElected(builder.Configuration);
        services.AddSingleton<EarlyWarningLeadership>();
        services.AddHostedService(sp => sp.GetRequiredService<EarlyWarningLeadership>());
        services.AddSingleton<ModelStore>();
        services.AddSingleton<EvidenceBuilder>();
        services.AddSingleton<SeriesTrainer>();
        services.AddSingleton<EarlyWarningWorker>();
        services.AddHostedService(sp => sp.GetRequiredService<EarlyWarningWorker>());
        services.AddHostedService<FirstTrainer>();
        // The trigger is built before options are validated: an unknown zone falls back here and fails ValidateOnStart.
        var configured = builder.Configuration.GetSection(EarlyWarningOptions.Section).Get<EarlyWarningOptions>() ?? new();
        var zone = TimeZoneInfo.TryFindSystemTimeZoneById(configured.RetrainTimeZone, out var found) ? found : TimeZoneInfo.Utc;
        if (elected)
        {
            // Not the ingestion observer: this instance ingests only its share of each device's messages.
            services.AddSingleton<EarlyWarningStream>();
            services.AddHostedService(sp => sp.GetRequiredService<EarlyWarningStream>());
            return; // the nightly retrain runs on the elected instance (FirstTrainer), not on a clustered trigger
        }
        services.AddSingleton<IReadingObserver, EarlyWarningObserver>();
        services.AddQuartz(q =>
        {
            var key = new JobKey("early-warning-retrain");
            q.AddJob<RetrainJob>(j => j.WithIdentity(key));
            q.AddTrigger(t => t.ForJob(key).WithIdentity("early-warning-retrain-nightly").WithCronSchedule(EarlyWarningOptions.RetrainCron, c => c.InTimeZone(zone)));
        });
        services.AddQuartzHostedService(o => o.WaitForJobsToComplete = false);
    }
}

public sealed class EarlyWarningOptions : IValidatableObject
{
    public const string Section = "EarlyWarning";
    public const int QueueCapacity = 65_536;

    // 03:30 in RetrainTimeZone: after the day's readings are flushed and before residents wake (the routine rules'
    // busy hours). Without a zone Quartz would use the server's local time, which a container sets to UTC.
    public const string RetrainCron = "0 30 3 * * ?";

    /// <summary>The zone of the nightly retrain (IANA id), the communities' by default.</summary>
    [Required]
    public string RetrainTimeZone { get; set; } = Community.DefaultTimeZone;

    /// <summary>How often series without a model are looked at: each gets its first model as soon as its stored history
    /// is long enough, not at the next nightly run.</summary>
    [Range(1, 1440)]
    public int FirstTrainCheckMinutes { get; set; } = 10;

    /// <summary>In a cluster: how often an instance tries to become the scorer, and the scorer checks that it still is. A
    /// stopped or killed scorer is replaced within about this long (its lock ends with its database session).</summary>
    [Range(1, 60)]
    public int LeaderCheckSeconds { get; set; } = 3;

    /// <summary>The nightly retrain's schedule in <see cref="RetrainTimeZone"/>.</summary>
    public CronExpression RetrainSchedule() =>
        new(RetrainCron, TimeZoneInfo.TryFindSystemTimeZoneById(RetrainTimeZone, out var zone) ? zone : TimeZoneInfo.Utc);

    public bool Enabled { get; set; } = true;

    /// <summary>How much stored history a model is trained on.</summary>
    [System.ComponentModel.DataAnnotations.Range(1, 365)]
    public int TrainingDays { get; set; } = 28;

    [System.ComponentModel.DataAnnotations.Range(10, 3600)]
    public int TickSeconds { get; set; } = 60;

    [System.ComponentModel.DataAnnotations.Range(10, 86_400)]
    public int SaveEverySeconds { get; set; } = 300;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!TimeZoneInfo.TryFindSystemTimeZoneById(RetrainTimeZone, out _))
            yield return new ValidationResult($"EarlyWarning:RetrainTimeZone '{RetrainTimeZone}' is not a known time zone", [nameof(RetrainTimeZone)]);
    }
}
