using System.Diagnostics;
using Quartz;

namespace SmartCommunity.Hub.EarlyWarning;

/// <summary>
/// Nightly: retrains each tracked series' ML.NET window model on its stored history, persists it as a new
/// version and hands it to the worker, which swaps it in between two readings — no restart.
/// </summary>
[DisallowConcurrentExecution]
public sealed class RetrainJob(EarlyWarningWorker worker, SeriesTrainer trainer, TimeProvider time, ILogger<RetrainJob> logger) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var version = SeriesTrainer.VersionAt(now);
        var trained = 0;
        var watch = Stopwatch.StartNew();
        foreach (var seriesId in worker.Series)
        {
            if ((await trainer.TrainAsync(seriesId, now, version, ct)).Model is not null)
                trained++;
        }
        logger.LogInformation("Early-warning models retrained: {Trained} of {Series} series, version {Version}, {Seconds:0.0} s",
            trained, worker.Series.Count, version, watch.Elapsed.TotalSeconds);
    }
}
