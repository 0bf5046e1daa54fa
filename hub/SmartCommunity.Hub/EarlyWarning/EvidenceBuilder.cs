using SmartCommunity.Domain.Alerts;
using SmartCommunity.Domain.Ingestion;
using SmartCommunity.EarlyWarning;
using SmartCommunity.Telemetry;

namespace SmartCommunity.Hub.EarlyWarning;

/// <summary>
/// The evidence an early-warning alert carries (<see cref="AlertEvidence"/>): for a sensor's series the last
/// <see cref="Window"/> of it in at most 96 points, each with the band that series usually keeps at that time of day
/// (lowest and highest of the same 7.5 minutes on the previous <see cref="HistoryDays"/> days, where at least two are
/// known: what the detector's time-of-day baseline learns); for a routine the resident's last 24 hours hour by hour (1 =
/// movement or the door seen) against the learned chance of movement in each hour. Read from the telemetry store, with
/// the pack just observed laid over it (the store is written behind ingestion and may not have it yet).
/// </summary>
public sealed class EvidenceBuilder(ITelemetryStore telemetry, ILogger<EvidenceBuilder> logger)
{
    public static readonly TimeSpan Window = TimeSpan.FromHours(12);
    public static readonly TimeSpan RoutineWindow = TimeSpan.FromHours(24);
    public const int HistoryDays = 7;
    private const int Buckets = 96;

    public async Task<AlertEvidence?> BuildAsync(Finding f, string deviceId, IReadOnlyList<DecodedRecord>? fresh, EarlyWarningEngine engine, CancellationToken ct)
    {
        try
        {
            if (f.SeriesId.StartsWith("resident:", StringComparison.Ordinal))
                return int.TryParse(f.SeriesId.AsSpan("resident:".Length), out var resident) ? await RoutineAsync(f, resident, deviceId, fresh, engine, ct) : null;
            var slash = f.SeriesId.LastIndexOf('/');
            return slash > 0 ? await SeriesAsync(f, new SeriesKey(f.SeriesId[..slash], f.SeriesId[(slash + 1)..]), fresh, ct) : null;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Evidence helps the reader; an alert without it is still raised.
            logger.LogWarning(e, "Evidence for {Series} could not be read; the alert is raised without it", f.SeriesId);
            return null;
        }
    }

    private async Task<AlertEvidence> SeriesAsync(Finding f, SeriesKey key, IReadOnlyList<DecodedRecord>? fresh, CancellationToken ct)
    {
        var latest = fresh?.Where(r => r.Name == key.Name).Select(r => r.Time).DefaultIfEmpty(f.At).Max() ?? f.At;
        var to = (latest > f.At ? latest : f.At).AddSeconds(1);
        var from = to - Window;
        var interval = Window / Buckets;
        var stored = await telemetry.AggregateAsync(key, from.AddDays(-HistoryDays), to, interval, ct);
        var byStart = stored.ToDictionary(b => b.Start.UtcTicks, b => b.Mean);
        var firstFresh = fresh?.Where(r => r.Name == key.Name).Select(r => r.Time).DefaultIfEmpty(DateTimeOffset.MaxValue).Min() ?? DateTimeOffset.MaxValue;
        var points = stored.Where(b => b.Start >= from - interval && b.Start + interval <= firstFresh)
            .Select(b => new EvidencePoint(b.Start + interval / 2, b.Mean))
            .Concat(fresh?.Where(r => r.Name == key.Name).Select(r => new EvidencePoint(r.Time, r.Value)) ?? []);
        var series = AlertEvidence.Downsample(points, from, to, Buckets).Select(p => WithBand(p, byStart, interval)).ToList();
        return new AlertEvidence(key.Name, UnitOf(key.Name), f.Since, f.At, f.Expected, f.Seen, series);
    }

    /// <summary>The lowest and highest of the same slot on the previous days, once two of them are known.</summary>
    private static EvidencePoint WithBand(EvidencePoint p, Dictionary<long, double> byStart, TimeSpan interval)
    {
        double lo = double.PositiveInfinity, hi = double.NegativeInfinity;
        var days = 0;
        var slot = p.T.UtcTicks - p.T.UtcTicks % interval.Ticks;
        for (var d = 1; d <= HistoryDays; d++)
        {
            if (!byStart.TryGetValue(slot - d * TimeSpan.TicksPerDay, out var mean))
                continue;
            days++;
            lo = Math.Min(lo, mean);
            hi = Math.Max(hi, mean);
        }
        return days >= 2 ? p with { Lo = lo, Hi = hi } : p;
    }

    private async Task<AlertEvidence> RoutineAsync(Finding f, int resident, string deviceId, IReadOnlyList<DecodedRecord>? fresh, EarlyWarningEngine engine, CancellationToken ct)
    {
        var hour = TimeSpan.FromHours(1);
        var to = new DateTimeOffset(f.At.UtcTicks - f.At.UtcTicks % hour.Ticks, TimeSpan.Zero) + hour;
        var from = to - RoutineWindow;
        var active = new HashSet<long>();
        foreach (var name in (string[])["motion", "door"])
        {
            foreach (var b in await telemetry.AggregateAsync(new SeriesKey(deviceId, name), from, to, hour, ct))
            {
                if (b.Max > 0)
                    active.Add(b.Start.UtcTicks);
            }
        }
        foreach (var r in fresh ?? [])
        {
            if (r.Name is "motion" or "door" && r.Value > 0)
                active.Add(r.Time.UtcTicks - r.Time.UtcTicks % hour.Ticks);
        }
        var points = new List<EvidencePoint>(24);
        for (var h = from; h < to; h += hour)
        {
            var usual = engine.UsualActivity(resident, h);
            points.Add(new EvidencePoint(h + hour / 2, active.Contains(h.UtcTicks) ? 1 : 0, usual is null ? null : 0, usual));
        }
        return new AlertEvidence("activity", "", f.Since, f.At, f.Expected, f.Seen, points);
    }

    /// <summary>The highest (or lowest) reading of a series in [<paramref name="from"/>, <paramref name="to"/>], null without
    /// readings: how far an episode went, for a "false alarm" verdict on it.</summary>
    public async Task<double?> ExtremeAsync(SeriesKey key, DateTimeOffset from, DateTimeOffset to, bool highest, CancellationToken ct)
    {
        if (to <= from)
            return null;
        var buckets = await telemetry.AggregateAsync(key, from, to.AddMilliseconds(1), to - from + TimeSpan.FromMilliseconds(1), ct);
        var inRange = buckets.Where(b => b.Count > 0).ToList();
        if (inRange.Count == 0)
            return null;
        return highest ? inRange.Max(b => b.Max) : inRange.Min(b => b.Min);
    }

    private static string UnitOf(string measurement) => measurement switch
    {
        "temp" => "°C",
        "hum" => "%",
        "gas" => "ppm",
        _ => "",
    };
}
