using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using SmartCommunity.Telemetry;

namespace SmartCommunity.Testing;

/// <summary>
/// Fault injection around a hub's real telemetry store: writes wait at a closed gate (<see cref="GatedStore"/>) until
/// the test opens it, so a test can hold readings short of durable and watch what the hub does meanwhile.
/// </summary>
public static class GatedTelemetry
{
    /// <summary>Wraps the hub's <see cref="ITelemetryStore"/>, whichever backend it configured; <paramref name="created"/> receives the wrapper.</summary>
    public static Action<IWebHostBuilder> Install(Action<GatedStore> created) => builder =>
        builder.ConfigureTestServices(services =>
        {
            var original = services.Last(d => d.ServiceType == typeof(ITelemetryStore));
            services.Remove(original);
            services.AddSingleton<ITelemetryStore>(sp =>
            {
                var store = (ITelemetryStore)(original.ImplementationFactory?.Invoke(sp) ?? original.ImplementationInstance
                    ?? ActivatorUtilities.CreateInstance(sp, original.ImplementationType!));
                var gated = new GatedStore(store, startClosed: true);
                created(gated);
                return gated;
            });
        });
}
