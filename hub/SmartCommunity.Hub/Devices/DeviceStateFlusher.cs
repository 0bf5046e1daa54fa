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
        await PeriodicSweep.RunAsync(options.Value.DeviceStateFlushInterval, time, FlushAsync, logger, "Could not write device state", stoppingToken);
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
            // Several instances share a device's messages and its row: the newest sighting wins, and a sequence mark of a
            // secret replaced meanwhile is dropped.
            d.RecordHealth(c.Seen, c.Online, c.Bat, c.Rssi, c.Fw);
            d.RecordSequence(c.Seq, c.SecretHash);
        }
        await db.SaveChangesAsync(ct);
    }
}
