using SmartCommunity.Hub.Ingestion;

namespace SmartCommunity.Hub.Alerts;

public static class AlertsServices
{
    /// <summary>Rules → alerts (stored, then pushed over SignalR, with a Redis backplane when configured); device buttons.</summary>
    public static void AddHubAlerts(this WebApplicationBuilder builder)
    {
        var signalR = builder.Services.AddSignalR();
        // Hub:Redis:Configuration set: several instances share one backplane, so a board connected to instance B
        // sees what instance A pushes. The prefix keeps hub deployments sharing one Redis apart.
        if (builder.Configuration["Hub:Redis:Configuration"] is { Length: > 0 } redis)
        {
            var prefix = builder.Configuration["Hub:Redis:ChannelPrefix"] is { Length: > 0 } p ? p : "sc";
            signalR.AddStackExchangeRedis(r =>
            {
                r.Configuration = StackExchange.Redis.ConfigurationOptions.Parse(redis);
                // Start (and keep serving local clients) while Redis is unreachable; the client reconnects by itself.
                r.Configuration.AbortOnConnectFail = false;
                r.Configuration.ChannelPrefix = StackExchange.Redis.RedisChannel.Literal(prefix);
            });
        }
        builder.Services.AddSingleton<AlertNotifier>();
        builder.Services.AddSingleton<AlertService>();
        builder.Services.AddOptions<AlertTestingOptions>().BindConfiguration(AlertTestingOptions.Section);
        builder.Services.AddSingleton<IReadingObserver, DeviceButtons>();
    }

    /// <summary>The live board's SignalR hub.</summary>
    public static void MapAlertsHub(this WebApplication app) =>
        app.MapHub<AlertsHub>(AlertsHub.Path);
}
