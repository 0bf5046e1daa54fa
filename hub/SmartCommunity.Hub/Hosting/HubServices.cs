using System.Net;
using Microsoft.Extensions.Options;
using SmartCommunity.Hub.Audit;
using SmartCommunity.Hub.Broker;
using SmartCommunity.Hub.Dashboard;
using SmartCommunity.Hub.People;
using SmartCommunity.Hub.Security;

namespace SmartCommunity.Hub.Hosting;

/// <summary>
/// The hub's settings and Kestrel's endpoints, and the request pipeline. Each area registers itself
/// (<c>AddHubAlerts</c> in Alerts/AlertsServices.cs, and so on); Program.cs lists them in order.
/// </summary>
public static class HubServices
{
    public static void AddHubOptions(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<HubOptions>().BindConfiguration(HubOptions.Section).ValidateDataAnnotations()
            .Validate(o => IPAddress.TryParse(o.BindAddress, out _), "Hub:BindAddress must be an IP address")
            .Validate(o => o.MqttPort != o.HttpPort || o.HttpPort == 0, "Hub:MqttPort and Hub:HttpPort must differ")
            .Validate(o => o.DeviceSecretGracePeriod >= TimeSpan.Zero, "Hub:DeviceSecretGracePeriod must not be negative")
            .Validate(o => o.MqttMaxPacketBytes > o.MaxPayloadBytes, "Hub:MqttMaxPacketBytes must exceed Hub:MaxPayloadBytes")
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<HubOptions>>(sp => new TlsOptionsValidator(BrokerOptions.Read(sp.GetRequiredService<IConfiguration>()).IsExternal));
        builder.Services.TryAddTimeProvider();
    }

    /// <summary>Kestrel's listeners: the server's, not the command line's (create-admin builds the hub without them).</summary>
    public static void AddHubListeners(this WebApplicationBuilder builder) =>
        builder.WebHost.ConfigureKestrel((context, kestrel) =>
        {
            var o = HubOptions.Read(context.Configuration);
            var ip = IPAddress.TryParse(o.BindAddress, out var parsed) ? parsed : IPAddress.Loopback;
            // Plain HTTP and MQTT (unless Hub:Tls:RequireTls), HTTPS and MQTT over TLS when Hub:Tls:CertificatePath is set;
            // with an external broker the devices connect there and the hub opens no MQTT port. The frame guard sits in
            // front of MQTTnet (behind TLS; also on /mqtt): malformed, oversized, truncated or stalled packets end the connection.
            TlsSetup.Listen(kestrel, ip, o, mqtt: !BrokerOptions.Read(context.Configuration).IsExternal,
                mqttGuard: listen => listen.UseMqttFrameGuard(kestrel.ApplicationServices.GetRequiredService<MqttFrameGuard>()));
            kestrel.Limits.MaxRequestBodySize = 1024 * 1024;
        });

    private static void TryAddTimeProvider(this IServiceCollection services)
    {
        if (!services.Any(d => d.ServiceType == typeof(TimeProvider)))
            services.AddSingleton(TimeProvider.System);
    }

    public static void UseHubPipeline(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseSecurityHeaders();
        app.UseCors();
        app.UseWebSockets();
        app.UseDashboard();
        app.UseAuthentication();
        app.UseMiddleware<SessionCheck>();  // a signed-out session's cookie or token counts as no credential
        app.UseRateLimiter();       // after authentication: budgets are per person, anonymous callers per address
        app.UseAuthorization();
        app.UseCsrfCheck();         // after authorization: 401/403 come first
        app.UseMiddleware<AuditTrail>();
        app.UseHubBroker();         // the embedded broker's connection, subscription and publish events; MQTT over WebSockets
    }
}
