using Microsoft.Extensions.Options;
using SmartCommunity.EarlyWarning.Ml;
using SmartCommunity.EarlyWarning.Streaming;
using SmartCommunity.Telemetry;

namespace SmartCommunity.Hub.EarlyWarning;

/// <summary>What training one series gave: the model (null when the history is still too short or flat), how many
/// stored points it saw and when the first of them was taken.</summary>
public sealed record TrainingResult(string SeriesId, PcaWindowModel? Model, int Points, DateTimeOffset? FirstReading);

/// <summary>Trains one series' ML.NET window model on its stored history, persists it and hands it to the worker,
/// which swaps it in between two readings. Shared by the first training and the nightly retrain.</summary>
public sealed class SeriesTrainer(EarlyWarningWorker worker, ITelemetryStore telemetry, ModelStore store, IOptions<EarlyWarningOptions> options)
{
    private const int MaxPoints = 50_000;

    public static string VersionAt(DateTimeOffset now) => now.ToString("yyyyMMddHHmmss", System.Globalization.CultureInfo.InvariantCulture);

    public async Task<TrainingResult> TrainAsync(string seriesId, DateTimeOffset now, string version, CancellationToken ct)
    {
        var slash = seriesId.LastIndexOf('/');
        if (slash <= 0)
            return new(seriesId, null, 0, null);
        var key = new SeriesKey(seriesId[..slash], seriesId[(slash + 1)..]);
        var history = await telemetry.QueryRangeAsync(key, now.AddDays(-options.Value.TrainingDays), now, MaxPoints, ct);
        var model = store.Train(history.Select(p => p.Value), DetectorOptions.Default, version);
        if (model is not null)
        {
            store.Save(seriesId, model);
            worker.Swap(seriesId, model);
        }
        return new(seriesId, model, history.Count, history.Count > 0 ? history[0].Time : null);
    }
}
