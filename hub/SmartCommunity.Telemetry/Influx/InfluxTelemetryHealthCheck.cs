using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace SmartCommunity.Telemetry.Influx;

/// <summary>
/// Healthy when InfluxDB answers /ping and nothing is spooled; Degraded while points wait in the spool (no data is
/// lost, but dashboards lag); Unhealthy when the spool is nearly full and ingestion is about to be slowed down.
/// </summary>
public sealed class InfluxTelemetryHealthCheck(InfluxTelemetryStore store) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var spooled = store.SpooledPoints;
        try
        {
            await store.PingAsync(cancellationToken);
        }
        catch (InfluxTelemetryException ex)
        {
            return HealthCheckResult.Degraded($"{ex.Message}; {spooled} points spooled to disk");
        }
        return spooled == 0
            ? HealthCheckResult.Healthy($"InfluxDB {store.Options.Url} database {store.Options.Database}")
            : HealthCheckResult.Degraded($"InfluxDB is back; replaying {spooled} spooled points");
    }
}

/// <summary>
/// Start-up check: the database exists or is created. A missing database that may not be created, or bad credentials,
/// stop the start with the store's clear message; an unreachable server only warns (writes spool until it is back).
/// </summary>
internal sealed partial class InfluxTelemetryStartup(InfluxTelemetryStore store, ILogger<InfluxTelemetryStartup> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await store.EnsureDatabaseAsync(cancellationToken);
        }
        catch (InfluxTelemetryException ex) when (ex.Failure == InfluxFailure.Unreachable)
        {
            LogUnreachable(ex.Message);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Warning, Message = "InfluxDB is unreachable at start-up ({Reason}); readings are spooled to disk until it answers")]
    private partial void LogUnreachable(string reason);
}
