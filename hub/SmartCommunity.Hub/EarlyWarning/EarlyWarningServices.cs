using System.Threading.Channels;
using Quartz;
using SmartCommunity.Hub.Ingestion;

namespace SmartCommunity.Hub.EarlyWarning;

/// <summary>Early warning in the hub: an observer on ingestion, one worker that owns the detectors, a nightly
/// Quartz job that retrains the ML.NET models, and state and models in the data directory.</summary>
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
        services.AddSingleton<ModelStore>();
        services.AddSingleton<EarlyWarningWorker>();
        services.AddHostedService(sp => sp.GetRequiredService<EarlyWarningWorker>());
        services.AddSingleton<IReadingObserver, EarlyWarningObserver>();
        services.AddQuartz(q =>
        {
            var key = new JobKey("early-warning-retrain");
            q.AddJob<RetrainJob>(j => j.WithIdentity(key));
            q.AddTrigger(t => t.ForJob(key).WithIdentity("early-warning-retrain-nightly").WithCronSchedule(EarlyWarningOptions.RetrainCron));
        });
        services.AddQuartzHostedService(o => o.WaitForJobsToComplete = false);
    }
}

public sealed class EarlyWarningOptions
{
    public const string Section = "EarlyWarning";
    public const int QueueCapacity = 65_536;

    // 03:30 local: after the day's readings are flushed and before residents wake (the routine rules' busy hours).
    public const string RetrainCron = "0 30 3 * * ?";

    public bool Enabled { get; set; } = true;

    /// <summary>How much stored history a model is trained on.</summary>
    [System.ComponentModel.DataAnnotations.Range(1, 365)]
    public int TrainingDays { get; set; } = 28;

    [System.ComponentModel.DataAnnotations.Range(10, 3600)]
    public int TickSeconds { get; set; } = 60;

    [System.ComponentModel.DataAnnotations.Range(10, 86_400)]
    public int SaveEverySeconds { get; set; } = 300;
}
