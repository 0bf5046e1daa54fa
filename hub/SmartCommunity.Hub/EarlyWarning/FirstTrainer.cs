using Microsoft.Extensions.Options;

namespace SmartCommunity.Hub.EarlyWarning;

/// <summary>
/// Gives each new series its first model as soon as its stored history is long enough (about 80 readings), instead
/// of leaving it model-less until the nightly retrain. Series still too short are looked at again with a doubling
/// back-off (up to a day), so a flat or sparse series does not cost a history query every few minutes. Runs on the
/// hub's <see cref="TimeProvider"/>, so a test's fake clock drives it.
/// </summary>
/// <remarks>In a cluster it also runs the nightly retrain (<see cref="EarlyWarningOptions.RetrainCron"/> in the retrain zone) on the
/// elected scorer, the only instance that knows the series.</remarks>
public sealed class FirstTrainer(EarlyWarningWorker worker, SeriesTrainer trainer, EarlyWarningLeadership leadership, TimeProvider time, IOptions<EarlyWarningOptions> options,
    ILogger<FirstTrainer> logger) : BackgroundService
{
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromDays(1);

    protected override async Task ExecuteAsync(CancellationToken ct)
    {
        if (!options.Value.Enabled)
            return;
        var interval = TimeSpan.FromMinutes(options.Value.FirstTrainCheckMinutes);
        var later = new Dictionary<string, (DateTimeOffset At, TimeSpan Backoff)>(StringComparer.Ordinal);
        var nightly = leadership.Elected ? options.Value.RetrainSchedule() : null;
        var nextRetrain = nightly?.GetNextValidTimeAfter(time.GetUtcNow());
        try
        {
            while (!ct.IsCancellationRequested)
            {
                var wait = nextRetrain is { } due && due - time.GetUtcNow() < interval ? due - time.GetUtcNow() : interval;
                await Task.Delay(wait > TimeSpan.Zero ? wait : TimeSpan.Zero, time, ct);
                var now = time.GetUtcNow();
                if (nextRetrain is { } at && now >= at)
                {
                    nextRetrain = nightly!.GetNextValidTimeAfter(now);
                    if (leadership.IsScoring)
                    {
                        try
                        {
                            await RetrainJob.RetrainAllAsync(worker, trainer, now, logger, ct);
                        }
                        catch (Exception e) when (e is not OperationCanceledException)
                        {
                            logger.LogError(e, "Nightly early-warning retrain failed; the models in use stay");
                        }
                    }
                }
                var version = SeriesTrainer.VersionAt(now);
                foreach (var seriesId in worker.Untrained)
                {
                    if (later.TryGetValue(seriesId, out var backoffUntil) && now < backoffUntil.At)
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
                    var backoff = backoffUntil.Backoff == TimeSpan.Zero ? interval : TimeSpan.FromTicks(Math.Min(backoffUntil.Backoff.Ticks * 2, MaxBackoff.Ticks));
                    later[seriesId] = (now + backoff, backoff);
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }
}
