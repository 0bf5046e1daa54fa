using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using SmartCommunity.Hub.Hosting;
using SmartCommunity.Telemetry;
using SmartCommunity.Telemetry.Influx;

namespace SmartCommunity.Hub.Readings;

public static class ReadingsServices
{
    /// <summary>Time series behind <see cref="ITelemetryStore"/>: the embedded SQLite store (default) or InfluxDB, a batching writer, retention.</summary>
    public static void AddHubReadings(this WebApplicationBuilder builder)
    {
        var o = HubOptions.Read(builder.Configuration);
        // Telemetry:Backend picks the store: the embedded SQLite file (default) or InfluxDB for a city deployment.
        var backend = builder.Configuration["Telemetry:Backend"] ?? "sqlite";
        if (string.Equals(backend, "influxdb", StringComparison.OrdinalIgnoreCase))
        {
            // The spool sits in the data directory unless configured elsewhere, so an outage survives a restart.
            var spool = builder.Configuration["Telemetry:Influx:SpoolDirectory"] ?? o.DataPath("influx-spool");
            builder.Services.AddSingleton<ITelemetryTagResolver, DeviceTelemetryTags>();
            builder.Services.AddInfluxTelemetry(i => i.SpoolDirectory = spool);
            builder.Services.AddHealthChecks().AddCheck<InfluxTelemetryHealthCheck>("influxdb");
        }
        else if (string.Equals(backend, "sqlite", StringComparison.OrdinalIgnoreCase))
        {
            builder.Services.AddSqliteTelemetry(t => t.Path = o.DataPath("telemetry.db"));
        }
        else
        {
            throw new InvalidOperationException($"Telemetry:Backend '{backend}' is unknown; use 'sqlite' or 'influxdb'.");
        }
        builder.Services.AddTelemetryRetention(builder.Configuration);
        builder.Services.AddHealthChecks().AddCheck<TelemetryHealthCheck>("telemetry");
    }
}

public sealed class TelemetryHealthCheck(TelemetryWriter writer, IOptions<TelemetryOptions> options) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var depth = writer.QueueDepth;
        var capacity = options.Value.QueueCapacity;
        // A queue that stays nearly full means the store cannot keep up and devices are being slowed down.
        return Task.FromResult(depth < capacity * 0.9
            ? HealthCheckResult.Healthy($"queue {depth}/{capacity}")
            : HealthCheckResult.Degraded($"telemetry queue {depth}/{capacity}: the store is not keeping up"));
    }
}
