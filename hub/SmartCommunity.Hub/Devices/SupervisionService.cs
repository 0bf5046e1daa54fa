using Microsoft.Extensions.Options;
using SmartCommunity.Domain.Rules;
using SmartCommunity.Hub.Alerts;

namespace SmartCommunity.Hub.Devices;

/// <summary>Raises "device offline" for devices whose heartbeats stopped without a last will (power cut at the router, broker restart).</summary>
public sealed class SupervisionService(DeviceDirectory devices, AlertService alerts, IOptions<HubOptions> options, TimeProvider time, ILogger<SupervisionService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.SupervisionInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await CheckAsync(stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    logger.LogError(ex, "Supervision sweep failed; will retry");
                }
            }
        }
        catch (OperationCanceledException) { }
    }

    public async Task CheckAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow();
        foreach (var entry in devices.All)
        {
            Domain.Alerts.AlertSignal? signal;
            lock (entry.Sync)
            {
                signal = Supervision.Check(entry.Id, entry.Kind, entry.LastSeenAt, alreadyReported: entry.OfflineReported, now);
                if (signal is not null)
                {
                    entry.OfflineReported = true;
                    entry.Online = false;
                    entry.Dirty = true;
                }
            }
            if (signal is { } s)
                await alerts.RaiseAsync(s, entry.Place, ct);
        }
    }
}
