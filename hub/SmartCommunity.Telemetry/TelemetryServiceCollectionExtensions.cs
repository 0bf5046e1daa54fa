using System.Diagnostics.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Quartz;
using SmartCommunity.Telemetry.Influx;

namespace SmartCommunity.Telemetry;

public static class TelemetryServiceCollectionExtensions
{
    /// <summary>
    /// Registers the embedded SQLite time-series store as <see cref="ITelemetryStore"/> and the
    /// <see cref="TelemetryWriter"/> as a hosted service; options come from code defaults, then the
    /// "Telemetry" configuration section, then <paramref name="configure"/>, and are validated on start.
    /// </summary>
    public static IServiceCollection AddSqliteTelemetry(this IServiceCollection services, Action<TelemetryOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);

        var options = services.AddOptions<TelemetryOptions>().BindConfiguration(TelemetryOptions.SectionName);
        if (configure is not null)
        {
            options.Configure(configure);
        }
        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TelemetryOptions>, TelemetryOptionsValidator>());

        services.TryAddSingleton(sp => new SqliteTelemetryStore(sp.GetRequiredService<IOptions<TelemetryOptions>>().Value, sp.GetService<IMeterFactory>()));
        services.TryAddSingleton<ITelemetryStore>(sp => sp.GetRequiredService<SqliteTelemetryStore>());
        AddWriter(services);
        return services;
    }

    /// <summary>
    /// Registers the InfluxDB store as <see cref="ITelemetryStore"/>, the <see cref="TelemetryWriter"/> in front of it,
    /// a start-up check (database exists or is created) and the store itself for the health check. Writer options come
    /// from section "Telemetry", the store's from "Telemetry:Influx", then the callbacks; both are validated on start.
    /// An <see cref="ITelemetryTagResolver"/> registered by the host adds kind/community/grid tags.
    /// </summary>
    public static IServiceCollection AddInfluxTelemetry(
        this IServiceCollection services, Action<InfluxTelemetryOptions>? configure = null, Action<TelemetryOptions>? configureWriter = null)
    {
        ArgumentNullException.ThrowIfNull(services);

        var writer = services.AddOptions<TelemetryOptions>().BindConfiguration(TelemetryOptions.SectionName);
        if (configureWriter is not null)
        {
            writer.Configure(configureWriter);
        }
        writer.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TelemetryOptions>, TelemetryOptionsValidator>());

        var influx = services.AddOptions<InfluxTelemetryOptions>().BindConfiguration(InfluxTelemetryOptions.SectionName);
        if (configure is not null)
        {
            influx.Configure(configure);
        }
        influx.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<InfluxTelemetryOptions>, InfluxTelemetryOptionsValidator>());

        services.TryAddSingleton(sp => new InfluxTelemetryStore(
            sp.GetRequiredService<IOptions<InfluxTelemetryOptions>>().Value,
            sp.GetService<ITelemetryTagResolver>(),
            sp.GetService<TimeProvider>(),
            sp.GetService<ILogger<InfluxTelemetryStore>>()));
        services.TryAddSingleton<ITelemetryStore>(sp => sp.GetRequiredService<InfluxTelemetryStore>());
        // Before the writer: a database that cannot be created stops the start before any point is accepted.
        services.AddHostedService<InfluxTelemetryStartup>();
        AddWriter(services);
        return services;
    }

    /// <summary>
    /// Schedules <see cref="TelemetryRetentionJob"/> with Quartz (in-memory store: the job is idempotent, so a missed
    /// run is simply done by the next one). Settings from "Telemetry:Retention"; the schedule is read from
    /// <paramref name="configuration"/> now because Quartz triggers are built at registration.
    /// </summary>
    public static IServiceCollection AddTelemetryRetention(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);

        var section = configuration.GetSection(TelemetryRetentionOptions.SectionName);
        services.AddOptions<TelemetryRetentionOptions>().Bind(section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TelemetryRetentionOptions>, TelemetryRetentionOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<TelemetryRetention>();
        services.TryAddSingleton<TelemetryHistory>();

        var settings = new TelemetryRetentionOptions();
        section.Bind(settings);
        if (!settings.Enabled)
        {
            return services;
        }
        services.AddQuartz(q =>
        {
            q.AddJob<TelemetryRetentionJob>(j => j.WithIdentity(TelemetryRetentionJob.Key).StoreDurably());
            q.AddTrigger(t => t.ForJob(TelemetryRetentionJob.Key).WithIdentity("telemetry-retention-hourly", "telemetry")
                .WithCronSchedule(settings.Schedule, c => c.InTimeZone(TimeZoneInfo.Utc)));
        });
        services.AddQuartzHostedService(o => o.WaitForJobsToComplete = true);
        return services;
    }

    private static void AddWriter(IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new TelemetryWriter(
            sp.GetRequiredService<ITelemetryStore>(),
            sp.GetRequiredService<IOptions<TelemetryOptions>>().Value,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<ILogger<TelemetryWriter>>(),
            sp.GetService<IMeterFactory>()));
        // Hosted services stop before the container disposes singletons, so the queue drains into a still-open store.
        services.AddHostedService(sp => sp.GetRequiredService<TelemetryWriter>());
    }
}
