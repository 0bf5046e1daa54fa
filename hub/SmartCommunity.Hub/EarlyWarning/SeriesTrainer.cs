using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using SmartCommunity.Domain.Alerts;
using SmartCommunity.Hub.Persistence;
using SmartCommunity.EarlyWarning.Ml;
using SmartCommunity.EarlyWarning.Streaming;
using SmartCommunity.Telemetry;

namespace SmartCommunity.Hub.EarlyWarning;

/// <summary>What training one series gave: the model (null when the history is still too short or flat), how many
/// stored points it saw and when the first of them was taken.</summary>
public sealed record TrainingResult(string SeriesId, PcaWindowModel? Model, int Points, DateTimeOffset? FirstReading);

/// <summary>Trains one series' ML.NET window model on its stored history, persists it and hands it to the worker,
/// which swaps it in between two readings. Shared by the first training and the nightly retrain. Episodes staff called
/// "real" on the series' device are left out, so the model does not learn an anomaly as normal.</summary>
public sealed class SeriesTrainer(EarlyWarningWorker worker, ITelemetryStore telemetry, ModelStore store, IDbContextFactory<HubDbContext> dbFactory,
    IOptions<EarlyWarningOptions> options)
{
    private const int MaxPoints = 50_000;

    public static string VersionAt(DateTimeOffset now) => now.ToString("yyyyMMddHHmmss", System.Globalization.CultureInfo.InvariantCulture);

    public async Task<TrainingResult> TrainAsync(string seriesId, DateTimeOffset now, string version, CancellationToken ct)
    {
        var slash = seriesId.LastIndexOf('/');
        if (slash <= 0)
            return new(seriesId, null, 0, null);
        var key = new SeriesKey(seriesId[..slash], seriesId[(slash + 1)..]);
        var from = now.AddDays(-options.Value.TrainingDays);
        var history = await telemetry.QueryRangeAsync(key, from, now, MaxPoints, ct);
        var real = await RealEpisodesAsync(key.DeviceId, from, ct);
        var model = store.Train(history.Where(p => !real.Any(e => p.Time >= e.From && p.Time <= e.To)).Select(p => p.Value), DetectorOptions.Default, version);
        if (model is not null)
        {
            store.Save(seriesId, model);
            worker.Swap(seriesId, model);
        }
        return new(seriesId, model, history.Count, history.Count > 0 ? history[0].Time : null);
    }

    /// <summary>Anomaly alerts of the device resolved as real: from when the excursion began (the evidence's "since", else an
    /// hour before the alert) to the resolution, at most a day after the alert (a verdict given days later must not cut
    /// out days of ordinary readings).</summary>
    private async Task<List<(DateTimeOffset From, DateTimeOffset To)>> RealEpisodesAsync(string deviceId, DateTimeOffset from, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var real = await db.Alerts.AsNoTracking()
            .Where(a => a.DeviceId == deviceId && a.Kind == AlertKind.Anomaly && a.Outcome == AlertOutcome.Real && a.ResolvedAt >= from)
            .Select(a => new { a.RaisedAt, a.ResolvedAt, a.Evidence }).ToListAsync(ct);
        return [.. real.Select(a => (AlertEvidence.Parse(a.Evidence)?.Since ?? a.RaisedAt.AddHours(-1), Min(a.ResolvedAt ?? a.RaisedAt, a.RaisedAt.AddDays(1))))];
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;
}
