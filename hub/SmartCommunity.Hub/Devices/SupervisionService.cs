using Microsoft.Extensions.Options;
using SmartCommunity.Domain.Devices;
using SmartCommunity.Hub.Alerts;
using SmartCommunity.Hub.Hosting;

namespace SmartCommunity.Hub.Devices;

/// <summary>Raises "device offline" for devices whose heartbeats stopped without a last will (power cut at the router, broker restart),
/// "missed heartbeat" for connected devices that skip one, and "low battery"; each closes itself when the device recovers.</summary>
public sealed class SupervisionService(
    DeviceDirectory devices, AlertService alerts, IOptions<HubOptions> options, TimeProvider time, IHostApplicationLifetime lifetime, ILogger<SupervisionService> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // A hub that is stopping takes its devices' connections down with it: no sweep judges them from then on (this
        // service's own token comes later, once the services registered after it have stopped).
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, lifetime.ApplicationStopping);
        await PeriodicSweep.RunAsync(options.Value.SupervisionInterval, time, CheckAsync, logger, "Supervision sweep failed", stopping.Token);
    }

    public async Task CheckAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow();
        foreach (var entry in devices.All)
        {
            Domain.Alerts.AlertSignal? signal, missed, battery;
            bool heartbeatBack, batteryBack;
            lock (entry.Sync)
            {
                signal = Supervision.Check(entry.Id, entry.Kind, entry.LastSeenAt, alreadyReported: entry.OfflineReported, now);
                if (signal is not null)
                {
                    entry.Liveness.ReportedOffline();
                    entry.Dirty = true;
                }
                missed = Supervision.CheckMissedHeartbeat(entry.Id, entry.Kind, entry.LastSeenAt, entry.Online, entry.MissedHeartbeatReported, now);
                if (missed is not null)
                    entry.MissedHeartbeatReported = true;
                heartbeatBack = entry.MissedHeartbeatReported && missed is null && Supervision.HeartbeatRecovered(entry.Kind, entry.LastSeenAt, now);
                if (heartbeatBack)
                    entry.MissedHeartbeatReported = false;
                battery = Supervision.CheckBattery(entry.Id, entry.Kind, entry.Battery, entry.LowBatteryReported, now);
                if (battery is not null)
                    entry.LowBatteryReported = true;
                batteryBack = entry.LowBatteryReported && battery is null && Supervision.BatteryRecovered(entry.Kind, entry.Battery);
                if (batteryBack)
                    entry.LowBatteryReported = false;
            }
            if (signal is { } s)
                await alerts.RaiseAsync(s, entry.Place, ct);
            if (missed is { } m)
                await alerts.RaiseAsync(m, entry.Place, ct);
            if (battery is { } b)
                await alerts.RaiseAsync(b, entry.Place, ct);
            if (heartbeatBack)
                await alerts.ResolveRecoveredAsync(entry.Id, Domain.Alerts.AlertKind.MissedHeartbeat, "Heartbeats are back", ct);
            if (batteryBack)
                await alerts.ResolveRecoveredAsync(entry.Id, Domain.Alerts.AlertKind.LowBattery, "Battery replaced", ct);
        }
    }
}
