using SmartCommunity.Hub.Alerts;

namespace SmartCommunity.Hub.Notifications;

public static class NotificationsServices
{
    /// <summary>Web Push (VAPID) to people's browsers, signed webhooks for SMS/voice gateways, families' notifications.</summary>
    public static void AddHubNotifications(this WebApplicationBuilder builder)
    {
        builder.Services.AddHttpClient();
        builder.Services.AddOptions<WebhookOptions>().BindConfiguration(WebhookOptions.Section)
            .Validate(o => o.Endpoints.All(e => Uri.TryCreate(e.Url, UriKind.Absolute, out _) && e.Secret.Length >= 16), "Hub:Webhooks:Endpoints need an absolute Url and a Secret of at least 16 characters")
            .Validate(o => o.MaxAttempts is >= 1 and <= 20, "Hub:Webhooks:MaxAttempts is 1–20")
            .ValidateOnStart();
        builder.Services.AddOptions<WebPushOptions>().BindConfiguration(WebPushOptions.Section)
            .Validate(o => o.Timeout > TimeSpan.Zero && o.Timeout <= TimeSpan.FromMinutes(5), "Hub:WebPush:Timeout is above 0 and at most 5 minutes")
            .Validate(o => o.MaxConcurrency is >= 1 and <= 256, "Hub:WebPush:MaxConcurrency is 1–256")
            .Validate(o => o.AllowedHosts.All(WebPushOptions.IsHostPattern), "Hub:WebPush:AllowedHosts are host names, \"*.\" and a name, or \"*\"")
            .Validate(o => o.AllowedEndpoints.All(WebPushOptions.IsEndpointPrefix), "Hub:WebPush:AllowedEndpoints are absolute http(s) URLs")
            .ValidateOnStart();
        builder.Services.AddSingleton<PushEndpointPolicy>();
        // The push client connects only to public addresses (or the operator's AllowedEndpoints); each request's
        // timeout is the sender's (Hub:WebPush:Timeout, on the hub's clock), not HttpClient's. No request logging:
        // it would write each endpoint URL, a capability, to the log.
        builder.Services.AddHttpClient(WebPushSender.HttpClientName, c => c.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(sp => sp.GetRequiredService<PushEndpointPolicy>().CreateHandler())
            .RemoveAllLoggers();
        builder.Services.AddSingleton<VapidKeys>();
        builder.Services.AddSingleton<WebPushSender>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<WebPushSender>());
        builder.Services.AddSingleton<WebhookChannel>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<WebhookChannel>());
        builder.Services.AddSingleton<Localization.UserLanguages>();
        builder.Services.AddSingleton<FamilyNotifications>();
        builder.Services.AddAlertRaisedListener<FamilyNotifications>();
    }
}
