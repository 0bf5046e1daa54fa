using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using SmartCommunity.Domain.Alerts;
using SmartCommunity.Domain.Catalog;
using SmartCommunity.Domain.Contacts;
using SmartCommunity.Domain.Escalation;
using SmartCommunity.Hub.Alerts;
using SmartCommunity.Hub.Contacts;
using SmartCommunity.Hub.Notifications;
using SmartCommunity.Hub.People;
using SmartCommunity.Hub.Persistence;
using SmartCommunity.Hub.Places;

namespace SmartCommunity.Hub.Escalation.Cascade;

/// <summary>Hub:Cascade — how the call cascade reaches people outside the board and how they answer.</summary>
public sealed class CascadeOptions
{
    public const string Section = "Hub:Cascade";

    /// <summary>The address people open the acknowledgement link at (the hub as the internet sees it), e.g.
    /// https://sc.example.org. The link is left out of messages when unset.</summary>
    public string? PublicBaseUrl { get; set; }

    /// <summary>How long a link and a reply code stay valid.</summary>
    public TimeSpan LinkLifetime { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Twilio's auth token, to check the X-Twilio-Signature of inbound SMS (replies). Without it inbound SMS are
    /// refused. From the environment (Hub__Cascade__TwilioAuthToken), never from a file in the repository.</summary>
    public string? TwilioAuthToken { get; set; }
}

/// <summary>
/// The resident's people in call order, as the cascade needs them: the family members who see the alert, then the
/// emergency contacts marked "may call" (<see cref="ContactDirectory"/>), each on the channels they chose and not in
/// their quiet hours (a critical alert passes them). Grid workers are left out: the escalation chain pages them.
/// </summary>
public sealed class CascadeDirectory(ContactDirectory contacts, TimeProvider time)
{
    public async Task<IReadOnlyList<Domain.Escalation.CascadeContact>> InCallOrderAsync(Alert alert, CancellationToken ct)
    {
        var cascade = await contacts.CascadeForAsync(alert, ct);
        var now = time.GetUtcNow();
        var people = cascade.Contacts
            .Where(c => c.Role != CascadeRole.GridWorker && c.ReachableNow(alert.Severity, now, cascade.Zone))
            .Select((c, i) => new Domain.Escalation.CascadeContact(
                c.UserId is { } user ? "user:" + user : $"contact:{alert.ResidentId}:{i}", c.Name, c.Phone,
                TextCatalogues.Normalize(c.Language), c.UserId, Channels(c.Channels)));
        return CallCascade.Order(people);
    }

    private static List<ContactChannel> Channels(ContactChannels chosen) =>
    [
        .. chosen.HasFlag(ContactChannels.Sms) ? [ContactChannel.Sms] : Array.Empty<ContactChannel>(),
        .. chosen.HasFlag(ContactChannels.Voice) ? [ContactChannel.Voice] : Array.Empty<ContactChannel>(),
        .. chosen.HasFlag(ContactChannels.Push) ? [ContactChannel.Push] : Array.Empty<ContactChannel>(),
    ];
}

/// <summary>
/// Calls the resident's people while an alert stays unacknowledged (<see cref="CallCascade"/> decides who, at which
/// step): an SMS with a reply code and a link, a voice call where chosen, a Web Push to family members with the app;
/// each call is on the alert's timeline. Runs after the escalation step is recorded, so a step calls once.
/// </summary>
public sealed class CallCascadeService(CascadeDirectory directory, AckTokens tokens, AlertService alerts, WebhookChannel webhooks, WebPushSender push,
    INotificationOutbox outbox, SmsChannel sms, PlaceNames names, IOptions<CascadeOptions> options, TimeProvider time, ILogger<CallCascadeService> logger)
{
    public async Task CallAsync(Alert alert, EscalationPolicy policy, int step, CancellationToken ct)
    {
        if (CallCascade.FirstStep(policy) is not { } first || step < first)
            return;
        var contacts = await directory.InCallOrderAsync(alert, ct);
        if (CallCascade.CalledAt(policy, step, contacts) is not { } contact)
            return;
        var channels = CallCascade.Reachable(contact);
        var token = await tokens.IssueAsync(alert, contact, ct);
        var who = names.Subject(alert);
        var kind = CatalogTexts.Format(contact.Language, alert.Kind.Spec().LabelKey);
        var link = Link(token);
        // Keyed by (alert, step): a step run again (a timer recovered after a crash) sends nothing twice.
        var key = $"alert-{alert.Id}:cascade-{step}";
        var critical = alert.Severity >= Severity.Critical;
        var calls = new List<OutgoingNotification>();
        foreach (var channel in channels)
        {
            switch (channel)
            {
                case ContactChannel.Sms:
                    var text = CascadeTexts.Format(contact.Language, CascadeTexts.Sms, kind, who, token.Code, link).TrimEnd(' ', ':', '：');
                    await webhooks.EnqueueAsync("alert.cascade", new { alertId = alert.Id, channel = "sms", to = contact.Phone, name = contact.Name, language = contact.Language, text },
                        $"{key}:sms", alert.Id, ct);
                    if (sms.Enabled)
                        calls.Add(new OutgoingNotification(OutboxChannels.Sms, contact.Key, contact.Phone, CascadeTexts.Sms, new Dictionary<string, string>(), contact.Language,
                            $"sms:{contact.Phone}:{key}", alert.Id, critical, Body: text));
                    break;
                case ContactChannel.Voice:
                    var speech = CascadeTexts.Format(contact.Language, CascadeTexts.Voice, kind, who);
                    await webhooks.EnqueueAsync("alert.cascade", new { alertId = alert.Id, channel = "voice", to = contact.Phone, name = contact.Name, language = contact.Language, text = speech },
                        $"{key}:voice", alert.Id, ct);
                    if (sms.Enabled)
                        calls.Add(new OutgoingNotification(OutboxChannels.Voice, contact.Key, contact.Phone, CascadeTexts.Voice, new Dictionary<string, string>(), contact.Language,
                            $"voice:{contact.Phone}:{key}", alert.Id, critical, Body: speech));
                    break;
                case ContactChannel.Push:
                    await push.EnqueueAsync([contact.UserId!], alert.Severity, new PushPayload(CascadeTexts.Format(contact.Language, "cascade.ack.title"),
                        CascadeTexts.Format(contact.Language, "cascade.ack.question", kind, who), alert.Id, alert.Severity.ToWire(), $"/ack/{token.Token}", $"alert-{alert.Id}"),
                        $"{key}:push", ct);
                    break;
            }
        }
        if (calls.Count > 0)
            await outbox.EnqueueAsync(calls, ct);
        var called = string.Join("+", channels.Select(c => c.ToString().ToLowerInvariant()));
        await alerts.TryChangeAsync(alert.Id, a =>
        {
            if (!a.IsOpen || a.AcknowledgedAt is not null)
                return false;
            a.RecordCall(contact.Name, called, time.GetUtcNow());
            return true;
        }, ct);
        logger.LogInformation("Alert {AlertId}: cascade step {Step} called {Contact} ({Channels})", alert.Id, step, contact.Key, called);
    }

    private string Link(AlertAckToken token) =>
        options.Value.PublicBaseUrl is { Length: > 0 } baseUrl ? $"{baseUrl.TrimEnd('/')}/ack/{token.Token}" : "";
}
