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
        builder.Services.AddSingleton<AlertFollowUps>();
        builder.Services.AddSingleton<AlertAftermath>();
        // Before every hosted service registered so far or later (only the start-up tasks go first): they may raise alerts.
        builder.Services.Insert(0, ServiceDescriptor.Singleton<IHostedService, AlertFollowUpsSubscription>());
        builder.Services.AddOptions<AlertTestingOptions>().BindConfiguration(AlertTestingOptions.Section);
        builder.Services.AddSingleton<IReadingObserver, DeviceButtons>();
    }

    /// <summary>Declares <typeparamref name="T"/> (registered as a singleton) a listener on the alert-raised channel
    /// (<see cref="AlertFollowUps"/>); listeners run in the order they are declared.</summary>
    public static IServiceCollection AddAlertRaisedListener<T>(this IServiceCollection services) where T : class, IAlertRaisedListener =>
        services.AddSingleton<IAlertRaisedListener>(sp => sp.GetRequiredService<T>());

    /// <summary>Declares <typeparamref name="T"/> (registered as a singleton) a listener to the end of pre-alarms.</summary>
    public static IServiceCollection AddPreAlarmEndedListener<T>(this IServiceCollection services) where T : class, IPreAlarmEndedListener =>
        services.AddSingleton<IPreAlarmEndedListener>(sp => sp.GetRequiredService<T>());

    /// <summary>The live board's SignalR hub.</summary>
    public static void MapAlertsHub(this WebApplication app) =>
        app.MapHub<AlertsHub>(AlertsHub.Path);
}
