using System.Diagnostics;
using Quartz;

namespace SmartCommunity.Hub.EarlyWarning;

/// <summary>
/// Nightly: retrains each tracked series' ML.NET window model on its stored history, persists it as a new
/// version and hands it to the worker, which swaps it in between two readings — no restart. On a single hub a Quartz
/// trigger runs it; in a cluster the elected scorer runs it itself (<see cref="FirstTrainer"/>), since a clustered
/// trigger fires on any instance and only the scorer knows the series.
/// </summary>
[DisallowConcurrentExecution]
public sealed class RetrainJob(EarlyWarningWorker worker, SeriesTrainer trainer, EarlyWarningLeadership leadership, TimeProvider time, ILogger<RetrainJob> logger) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken ct)
    {
        if (!leadership.IsScoring)
        {
            logger.LogInformation("Early-warning retrain skipped on {Instance}: it is not the elected scorer", leadership.Instance);
            return;
        }
        await RetrainAllAsync(worker, trainer, time.GetUtcNow(), logger, ct);
    }

    public static async Task RetrainAllAsync(EarlyWarningWorker worker, SeriesTrainer trainer, DateTimeOffset now, ILogger logger, CancellationToken ct)
    {
        var version = SeriesTrainer.VersionAt(now);
        var trained = 0;
        var watch = Stopwatch.StartNew();
        var series = worker.Series;
        foreach (var seriesId in series)
        {
            if ((await trainer.TrainAsync(seriesId, now, version, ct)).Model is not null)
                trained++;
        }
        logger.LogInformation("Early-warning models retrained: {Trained} of {Series} series, version {Version}, {Seconds:0.0} s",
            trained, series.Count, version, watch.Elapsed.TotalSeconds);
    }
}
