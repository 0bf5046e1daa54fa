using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;
using SmartCommunity.Domain.Ingestion;
using SmartCommunity.Hub.Hosting;
using SmartCommunity.Hub.Persistence;

namespace SmartCommunity.Hub.Devices;

/// <summary>Per device and reason: how many messages were refused, and the latest example.</summary>
public sealed class RejectionCount
{
    public required string DeviceId { get; set; }
    public required string Reason { get; set; }
    public long Count { get; set; }
    public DateTimeOffset LastAt { get; set; }
    public string? LastDetail { get; set; }
}

/// <summary>One refused message, kept for technicians (the newest <see cref="RejectionLog.KeepEntries"/>).</summary>
public sealed class RejectionEntry
{
    public long Id { get; set; }
    public required string DeviceId { get; set; }
    public required string Reason { get; set; }
    public string? Detail { get; set; }
    public string? Topic { get; set; }
    public DateTimeOffset At { get; set; }
}

public sealed record RejectionDto(string DeviceId, string Reason, string? Detail, string? Topic, DateTimeOffset At);
public sealed record RejectionCountDto(string DeviceId, string Reason, long Count, DateTimeOffset LastAt, string? LastDetail);

/// <summary>
/// Records refused messages without slowing ingestion: counts are kept in memory (exact, visible at
/// once) and written to the database in the background, so a flood of garbage cannot stall the
/// broker on database writes. The counts survive restarts.
/// </summary>
public sealed class RejectionLog(IDbContextFactory<HubDbContext> dbFactory, HubMetrics metrics, TimeProvider time, ILogger<RejectionLog> logger) : BackgroundService
{
    public const int KeepEntries = 5000;
    private readonly ConcurrentDictionary<(string DeviceId, string Reason), RejectionCount> _counts = new();
    // Bounded: under a flood the newest examples are kept and older ones dropped; counts stay exact.
    private readonly Channel<RejectionEntry> _pending = Channel.CreateBounded<RejectionEntry>(
        new BoundedChannelOptions(10_000) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
    private readonly HashSet<(string, string)> _dirty = [];
    // A flooding device must not flood the log too: one line per device and reason per interval, with a count.
    private static readonly TimeSpan LogInterval = TimeSpan.FromSeconds(10);
    private readonly ConcurrentDictionary<(string, string), (long LastTicks, long Suppressed)> _logged = new();
    private readonly Lock _dirtyLock = new();

    public void Record(string deviceId, RejectReason reason, string detail, string? topic)
    {
        var code = reason.ToCode();
        var now = time.GetUtcNow();
        // Details quote what devices sent (user names, client ids, topics): escaped here, before the log and the database.
        detail = LogText.Printable(detail, 300);
        topic = topic is null ? null : LogText.Printable(topic, 200);
        var key = (deviceId, code);
        var c = _counts.GetOrAdd(key, k => new RejectionCount { DeviceId = k.DeviceId, Reason = k.Reason });
        lock (c)
        {
            c.Count++;
            c.LastAt = now;
            c.LastDetail = Truncate(detail, 300);
        }
        lock (_dirtyLock)
            _dirty.Add(key);
        metrics.Rejected(code);
        _pending.Writer.TryWrite(new RejectionEntry { DeviceId = deviceId, Reason = code, Detail = Truncate(detail, 300), Topic = Truncate(topic, 200), At = now });
        if (reason == RejectReason.Duplicate)
        {
            logger.LogDebug("Dropped duplicate from {DeviceId}: {Detail}", deviceId, detail);
            return;
        }
        var previous = _logged.GetValueOrDefault(key);
        if (now.UtcTicks - previous.LastTicks < LogInterval.Ticks)
        {
            _logged[key] = previous with { Suppressed = previous.Suppressed + 1 };
            return;
        }
        _logged[key] = (now.UtcTicks, 0);
        logger.LogWarning("Rejected message from {DeviceId} on {Topic}: {Reason} ({Detail}); {Suppressed} more like it not logged",
            deviceId, topic, code, detail, previous.Suppressed);
    }

    public IReadOnlyList<RejectionCountDto> Counts(string? deviceId = null) =>
        _counts.Values
            .Where(c => deviceId is null || c.DeviceId == deviceId)
            .Select(c => { lock (c) return new RejectionCountDto(c.DeviceId, c.Reason, c.Count, c.LastAt, c.LastDetail); })
            .OrderBy(c => c.DeviceId, StringComparer.Ordinal).ThenBy(c => c.Reason, StringComparer.Ordinal)
            .ToList();

    public long Total(string deviceId) => _counts.Values.Where(c => c.DeviceId == deviceId).Sum(c => { lock (c) return c.Count; });

    public async Task LoadAsync(CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        foreach (var c in await db.RejectionCounts.AsNoTracking().ToListAsync(ct))
            _counts[(c.DeviceId, c.Reason)] = c;
    }

    public async Task<IReadOnlyList<RejectionDto>> RecentAsync(string? deviceId, int limit, CancellationToken ct)
    {
        await FlushAsync(ct);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var q = db.Rejections.AsNoTracking();
        if (deviceId is not null)
            q = q.Where(r => r.DeviceId == deviceId);
        return await q.OrderByDescending(r => r.Id).Take(limit)
            .Select(r => new RejectionDto(r.DeviceId, r.Reason, r.Detail, r.Topic, r.At)).ToListAsync(ct);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await FlushAsync(stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    logger.LogError(ex, "Could not persist rejection counts; will retry");
                }
            }
        }
        catch (OperationCanceledException) { }
        await FlushAsync(CancellationToken.None);
    }

    private readonly SemaphoreSlim _flushGate = new(1, 1);

    public async Task FlushAsync(CancellationToken ct)
    {
        await _flushGate.WaitAsync(ct);
        try
        {
            List<(string, string)> dirty;
            lock (_dirtyLock)
            {
                dirty = [.. _dirty];
                _dirty.Clear();
            }
            var entries = new List<RejectionEntry>();
            while (_pending.Reader.TryRead(out var e))
                entries.Add(e);
            if (dirty.Count == 0 && entries.Count == 0)
                return;
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            foreach (var key in dirty)
            {
                var c = _counts[key];
                RejectionCount snapshot;
                lock (c)
                    snapshot = new RejectionCount { DeviceId = c.DeviceId, Reason = c.Reason, Count = c.Count, LastAt = c.LastAt, LastDetail = c.LastDetail };
                var row = await db.RejectionCounts.FindAsync([snapshot.DeviceId, snapshot.Reason], ct);
                if (row is null)
                    db.RejectionCounts.Add(snapshot);
                else
                {
                    row.Count = snapshot.Count;
                    row.LastAt = snapshot.LastAt;
                    row.LastDetail = snapshot.LastDetail;
                }
            }
            db.Rejections.AddRange(entries);
            await db.SaveChangesAsync(ct);
            if (entries.Count > 0)
            {
                var cutoffId = await db.Rejections.OrderByDescending(r => r.Id).Skip(KeepEntries).Select(r => r.Id).FirstOrDefaultAsync(ct);
                if (cutoffId > 0)
                    await db.Rejections.Where(r => r.Id <= cutoffId).ExecuteDeleteAsync(ct);
            }
        }
        finally
        {
            _flushGate.Release();
        }
    }

    private static string? Truncate(string? s, int max) => s is null || s.Length <= max ? s : s[..max];

    public override void Dispose()
    {
        _flushGate.Dispose();
        base.Dispose();
    }
}
