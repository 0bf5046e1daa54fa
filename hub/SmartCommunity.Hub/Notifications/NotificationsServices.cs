using Microsoft.Extensions.Options;
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
        builder.AddOutbox();
        builder.Services.AddSingleton<WebPushSender>();
        builder.Services.AddSingleton<IOutboxChannel>(sp => sp.GetRequiredService<WebPushSender>());
        builder.Services.AddSingleton<WebhookChannel>();
        builder.Services.AddSingleton<IOutboxChannel>(sp => sp.GetRequiredService<WebhookChannel>());
        builder.Services.AddSingleton<Localization.UserLanguages>();
        builder.Services.AddSingleton<FamilyNotifications>();
        builder.Services.AddAlertRaisedListener<FamilyNotifications>();
    }

    /// <summary>The durable outbox and its dispatcher; SMS and voice through Twilio or a templated HTTP request.</summary>
    private static void AddOutbox(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<OutboxOptions>().BindConfiguration(OutboxOptions.Section)
            .Validate(o => o.MaxAttempts is >= 1 and <= 50, "Hub:Outbox:MaxAttempts is 1–50")
            .Validate(o => o.FirstRetryDelay > TimeSpan.Zero && o.MaxRetryDelay >= o.FirstRetryDelay, "Hub:Outbox:FirstRetryDelay is above 0 and at most MaxRetryDelay")
            .Validate(o => o.LeaseDuration >= TimeSpan.FromSeconds(1) && o.PollInterval > TimeSpan.Zero, "Hub:Outbox:LeaseDuration is at least 1 s, PollInterval above 0")
            .Validate(o => o.MaxConcurrency is >= 1 and <= 1024, "Hub:Outbox:MaxConcurrency is 1–1024")
            .ValidateOnStart();
        builder.Services.AddOptions<SmsOptions>().BindConfiguration(SmsOptions.Section)
            .Validate(o => !o.Problems().Any(), "Hub:Notifications:Sms is not complete: provider none|twilio|http, and for twilio AccountSid, AuthToken, From (E.164); for http an absolute Url, a BodyTemplate, Method GET|POST|PUT, Encoding json|form|raw")
            .ValidateOnStart();
        builder.Services.AddSingleton<OutboxSignal>();
        builder.Services.AddSingleton<NotificationOutbox>();
        builder.Services.AddSingleton<INotificationOutbox>(sp => sp.GetRequiredService<NotificationOutbox>());
        builder.Services.AddSingleton<OutboxDispatcher>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<OutboxDispatcher>());
        // No request logging on the providers' clients: URLs carry account ids and, for templated providers, perhaps keys.
        builder.Services.AddTransient<TwilioBaseUrlHandler>();
        builder.Services.AddHttpClient(TwilioGateway.HttpClientName, (sp, c) => c.Timeout = sp.GetRequiredService<IOptions<SmsOptions>>().Value.Twilio.Timeout)
            .AddHttpMessageHandler<TwilioBaseUrlHandler>().RemoveAllLoggers();
        builder.Services.AddHttpClient(HttpSmsGateway.HttpClientName, c => c.Timeout = Timeout.InfiniteTimeSpan).RemoveAllLoggers();
        builder.Services.AddSingleton<TwilioGateway>();
        builder.Services.AddSingleton<HttpSmsGateway>();
        builder.Services.AddSingleton<SmsChannel>();
        builder.Services.AddSingleton<IOutboxChannel>(sp => sp.GetRequiredService<SmsChannel>());
        builder.Services.AddSingleton<VoiceChannel>();
        builder.Services.AddSingleton<IOutboxChannel>(sp => sp.GetRequiredService<VoiceChannel>());
    }
}
