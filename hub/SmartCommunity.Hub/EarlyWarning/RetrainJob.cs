using System.Diagnostics;
using Microsoft.Extensions.Options;
using Quartz;
using SmartCommunity.EarlyWarning.Streaming;
using SmartCommunity.Telemetry;

namespace SmartCommunity.Hub.EarlyWarning;

/// <summary>
/// Nightly: retrains each tracked series' ML.NET window model on its stored history, persists it as a new
/// version and hands it to the worker, which swaps it in between two readings — no restart.
/// </summary>
[DisallowConcurrentExecution]
public sealed class RetrainJob(EarlyWarningWorker worker, ITelemetryStore telemetry, ModelStore store, TimeProvider time,
    IOptions<EarlyWarningOptions> options, ILogger<RetrainJob> logger) : IJob
{
    private const int MaxPoints = 50_000;

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var version = now.ToString("yyyyMMddHHmmss", System.Globalization.CultureInfo.InvariantCulture);
        var trained = 0;
        var watch = Stopwatch.StartNew();
        foreach (var seriesId in worker.Series)
        {
            var slash = seriesId.LastIndexOf('/');
            if (slash <= 0)
                continue;
            var key = new SeriesKey(seriesId[..slash], seriesId[(slash + 1)..]);
            var history = await telemetry.QueryRangeAsync(key, now.AddDays(-options.Value.TrainingDays), now, MaxPoints, ct);
            var model = store.Train(history.Select(p => p.Value), DetectorOptions.Default, version);
            if (model is null)
                continue;
            store.Save(seriesId, model);
            worker.Swap(seriesId, model);
            trained++;
        }
        logger.LogInformation("Early-warning models retrained: {Trained} of {Series} series, version {Version}, {Seconds:0.0} s",
            trained, worker.Series.Count, version, watch.Elapsed.TotalSeconds);
    }
}
