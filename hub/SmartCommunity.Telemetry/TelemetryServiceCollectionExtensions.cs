using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

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

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new SqliteTelemetryStore(sp.GetRequiredService<IOptions<TelemetryOptions>>().Value));
        services.TryAddSingleton<ITelemetryStore>(sp => sp.GetRequiredService<SqliteTelemetryStore>());
        services.TryAddSingleton(sp => new TelemetryWriter(
            sp.GetRequiredService<ITelemetryStore>(),
            sp.GetRequiredService<IOptions<TelemetryOptions>>().Value,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<ILogger<TelemetryWriter>>(),
            sp.GetService<IMeterFactory>()));
        // Hosted services stop before the container disposes singletons, so the queue drains into a still-open store.
        services.AddHostedService(sp => sp.GetRequiredService<TelemetryWriter>());
        return services;
    }
}
