using Microsoft.EntityFrameworkCore;
using SmartCommunity.Hub.Hosting;
using SmartCommunity.Hub.Persistence;

namespace SmartCommunity.Hub.Devices;

/// <summary>Writes live device health (last seen, online, battery, RSSI, firmware, sequence high-water mark) back to the database.</summary>
public sealed class DeviceStateFlusher(DeviceDirectory directory, IDbContextFactory<HubDbContext> dbFactory, Microsoft.Extensions.Options.IOptions<HubOptions> options,
    TimeProvider time, ILogger<DeviceStateFlusher> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.DeviceStateFlushInterval, time);
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
                    logger.LogError(ex, "Could not write device state; will retry");
                }
            }
        }
        catch (OperationCanceledException) { }
        await FlushAsync(CancellationToken.None);
    }

    public async Task FlushAsync(CancellationToken ct)
    {
        var changed = new List<(string Id, DateTimeOffset? Seen, bool Online, double? Bat, double? Rssi, string? Fw, long Seq, string SecretHash)>();
        foreach (var e in directory.All)
        {
            lock (e.Sync)
            {
                if (!e.Dirty)
                    continue;
                e.Dirty = false;
                changed.Add((e.Id, e.LastSeenAt, e.Online, e.Battery, e.Rssi, e.Firmware, e.Window.IsEmpty ? -1 : e.Window.Highest, e.SecretHash));
            }
        }
        if (changed.Count == 0)
            return;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var ids = changed.Select(c => c.Id).ToList();
        var rows = await db.Devices.Where(d => ids.Contains(d.Id)).ToDictionaryAsync(d => d.Id, ct);
        foreach (var c in changed)
        {
            if (!rows.TryGetValue(c.Id, out var d))
                continue;
            // Several instances share a device's messages: the newest sighting wins, never the last writer.
            if (c.Seen is null || d.LastSeenAt is not { } stored || stored <= c.Seen)
            {
                d.LastSeenAt = c.Seen;
                d.Online = c.Online;
                d.Battery = c.Bat;
                d.Rssi = c.Rssi;
                d.Firmware = c.Fw;
            }
            // The sequence belongs to one secret: after a rotation (possibly through another instance) the device starts
            // again, and a stale high-water mark written back here would make its new messages look like duplicates.
            if (d.SecretHash == c.SecretHash)
                d.LastSeq = c.Seq;
        }
        await db.SaveChangesAsync(ct);
    }
}
