namespace SmartCommunity.Hub.Notifications;

/// <summary>A browser's Web Push subscription (endpoint + the keys the payload is encrypted to, RFC 8291).</summary>
public sealed class PushSubscriptionRecord
{
    public long Id { get; set; }
    public required string UserId { get; set; }
    public required string Endpoint { get; set; }
    public required string P256dh { get; set; }
    public required string Auth { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>Per-person notification settings. Quiet hours are in the community's local time; critical alerts ignore them.</summary>
public sealed class NotificationPreference
{
    public required string UserId { get; set; }
    public TimeOnly? QuietStart { get; set; }
    public TimeOnly? QuietEnd { get; set; }
    public bool WebPush { get; set; } = true;

    /// <summary>SMS and voice calls to the person's phone (<see cref="People.HubUser"/>'s PhoneNumber); off until they or an admin turn them on.</summary>
    public bool Sms { get; set; }
    public bool Voice { get; set; }
}

/// <summary>Webhook endpoints for SMS/voice gateways (Hub:Webhooks). Secrets come from the environment.</summary>
public sealed class WebhookOptions
{
    public const string Section = "Hub:Webhooks";

    public List<WebhookEndpoint> Endpoints { get; set; } = [];

    /// <summary>Attempts before a delivery goes to the dead-letter list.</summary>
    public int MaxAttempts { get; set; } = 5;

    /// <summary>First retry delay; doubled each attempt (2 s, 4 s, 8 s, 16 s by default).</summary>
    public TimeSpan FirstRetryDelay { get; set; } = TimeSpan.FromSeconds(2);

    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);
}

public sealed class WebhookEndpoint
{
    public string Name { get; set; } = "gateway";
    public string Url { get; set; } = "";
    public string Secret { get; set; } = "";
}

/// <summary>What a phone shows: title, body, and where tapping it leads.</summary>
public sealed record PushPayload(string Title, string Body, long AlertId, string Severity, string Url, string Tag);
