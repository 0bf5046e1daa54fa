using Microsoft.Extensions.Options;

namespace SmartCommunity.Hub.EarlyWarning;

/// <summary>
/// Gives each new series its first model as soon as its stored history is long enough (about 80 readings), instead
/// of leaving it model-less until the nightly retrain. Series still too short are looked at again with a doubling
/// back-off (up to a day), so a flat or sparse series does not cost a history query every few minutes. Runs on the
/// hub's <see cref="TimeProvider"/>, so a test's fake clock drives it.
/// </summary>
public sealed class FirstTrainer(EarlyWarningWorker worker, SeriesTrainer trainer, TimeProvider time, IOptions<EarlyWarningOptions> options,
    ILogger<FirstTrainer> logger) : BackgroundService
{
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromDays(1);

    protected override async Task ExecuteAsync(CancellationToken ct)
    {
        if (!options.Value.Enabled)
            return;
        var interval = TimeSpan.FromMinutes(options.Value.FirstTrainCheckMinutes);
        var later = new Dictionary<string, (DateTimeOffset At, TimeSpan Backoff)>(StringComparer.Ordinal);
        try
        {
            while (!ct.IsCancellationRequested)
            {
                await Task.Delay(interval, time, ct);
                var now = time.GetUtcNow();
                var version = SeriesTrainer.VersionAt(now);
                foreach (var seriesId in worker.Untrained)
                {
                    if (later.TryGetValue(seriesId, out var wait) && now < wait.At)
                        continue;
                    try
                    {
                        var result = await trainer.TrainAsync(seriesId, now, version, ct);
                        if (result.Model is not null)
                        {
                            later.Remove(seriesId);
                            logger.LogInformation("First early-warning model for {Series}: version {Version} from {Points} readings, {Hours:0.0} h after its first reading",
                                seriesId, version, result.Points, (now - (result.FirstReading ?? now)).TotalHours);
                            continue;
                        }
                    }
                    catch (Exception e) when (e is not OperationCanceledException)
                    {
                        // A store outage only delays a first model; the detector works without one meanwhile.
                        logger.LogWarning(e, "First early-warning model for {Series} could not be trained yet", seriesId);
                    }
                    var backoff = wait.Backoff == TimeSpan.Zero ? interval : TimeSpan.FromTicks(Math.Min(wait.Backoff.Ticks * 2, MaxBackoff.Ticks));
                    later[seriesId] = (now + backoff, backoff);
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }
}
