using Microsoft.Extensions.Options;
using SmartCommunity.Domain.Alerts;
using SmartCommunity.Domain.Catalog;
using SmartCommunity.Domain.Gateways;
using SmartCommunity.Hub.Alerts;
using SmartCommunity.Hub.Hosting;

namespace SmartCommunity.Hub.Gateways;

/// <summary>
/// Raises <c>gateway_silent</c> for the duty staff of a gateway's community when no health arrived for three health
/// intervals or its last will said it went offline (a community whose devices may be alarming into a box the hub cannot
/// hear); resolved as recovered when its health says online again.
/// </summary>
public sealed class GatewaySupervision(
    GatewayDirectory gateways, AlertService alerts, IOptions<GatewayOptions> options, TimeProvider time, IHostApplicationLifetime lifetime,
    ILogger<GatewaySupervision> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, lifetime.ApplicationStopping);
        await PeriodicSweep.RunAsync(options.Value.SupervisionInterval, time, CheckAsync, logger, "Gateway supervision sweep failed", stopping.Token);
    }

    public async Task CheckAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow();
        foreach (var gateway in await gateways.ActiveAsync(ct))
        {
            var live = gateways.Live(gateway.Id);
            DateTimeOffset lastHeard;
            bool saidOffline;
            lock (live.Sync)
            {
                // A gateway registered after the hub started is given its three intervals from its registration.
                var heard = live.LastHeard > gateway.RegisteredAt ? live.LastHeard : gateway.RegisteredAt;
                if (live.SilentReported || !GatewaySilence.IsSilent(heard, live.SaidOffline, now, options.Value.HealthInterval))
                    continue;
                live.SilentReported = true;
                (lastHeard, saidOffline) = (live.LastHeard, live.SaidOffline);
            }
            await RaiseAsync(gateway, lastHeard, saidOffline, now, ct);
        }
    }

    /// <summary>A health message: offline (its will) raises at once, online resolves an open silence.</summary>
    public async Task HealthAsync(string gatewayId, GatewayHealth health, CancellationToken ct)
    {
        var live = gateways.Live(gatewayId);
        if (health.Online)
        {
            lock (live.Sync)
            {
                if (!live.SilentReported)
                    return;
                live.SilentReported = false;
            }
            await alerts.ResolveRecoveredAsync(gatewayId, AlertKind.GatewaySilent, "Gateway health is back", ct);
            logger.LogInformation("Gateway {GatewayId} is back", gatewayId);
            return;
        }
        // A hub that stops closes the gateway's connection itself, and the broker then publishes its will: not a silence.
        if (lifetime.ApplicationStopping.IsCancellationRequested)
            return;
        DateTimeOffset lastHeard;
        lock (live.Sync)
        {
            if (live.SilentReported)
                return;
            live.SilentReported = true;
            lastHeard = live.LastHeard;
        }
        if (await gateways.FindAsync(gatewayId, ct) is { Revoked: false } gateway)
            await RaiseAsync(gateway, lastHeard, saidOffline: true, time.GetUtcNow(), ct);
    }

    private async Task RaiseAsync(Gateway gateway, DateTimeOffset lastHeard, bool saidOffline, DateTimeOffset now, CancellationToken ct)
    {
        var text = saidOffline
            ? LocalizedText.Of("gateway.offline", gateway.Name, gateway.Id)
            : LocalizedText.Of("gateway.silent", gateway.Name, gateway.Id, (long)(now - lastHeard).TotalSeconds);
        logger.LogWarning("Gateway {GatewayId} of community {CommunityId} is silent: {Text}", gateway.Id, gateway.CommunityId, text.English);
        await alerts.RaiseAsync(AlertSignal.Of(gateway.Id, AlertKind.GatewaySilent, AlertKind.GatewaySilent.Spec().Severity, text, now),
            new AlertPlace(null, null, null, gateway.CommunityId), ct);
    }
}
