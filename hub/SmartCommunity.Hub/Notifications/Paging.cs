using SmartCommunity.Domain.Alerts;
using SmartCommunity.Domain.Workflow;
using SmartCommunity.Hub.Alerts;
using SmartCommunity.Hub.People;
using SmartCommunity.Hub.Places;
using SmartCommunity.Hub.Realtime;
using SmartCommunity.Hub.Workflow;

namespace SmartCommunity.Hub.Notifications;

/// <summary>One page, every channel: SignalR to the people's open boards, Web Push to their phones, and the webhook
/// for SMS/voice gateways (which is how the emergency centre, outside the hub, is reached).</summary>
public sealed class Paging(AlertNotifier board, WebPushSender push, WebhookChannel webhooks, PlaceNames names)
{
    public async Task PageAsync(Alert alert, EscalationLevel level, int step, IReadOnlyList<Recipient> recipients, CancellationToken ct)
    {
        var dto = AlertDto.From(alert, names);
        var userIds = recipients.Select(r => r.UserId).ToList();
        await board.PagedAsync(userIds, new PageDto(dto, level.ToWire(), step));
        push.Enqueue(userIds, alert.Severity, new PushPayload(
            $"{dto.Severity.ToUpperInvariant()}: {dto.Kind.Replace('_', ' ')}", $"{dto.ResidentName ?? dto.HouseholdLabel ?? dto.DeviceId}: {dto.Message}",
            alert.Id, dto.Severity, $"/alerts/{alert.Id}", $"alert-{alert.Id}"));
        webhooks.Enqueue("alert.paged", new
        {
            alert = dto,
            level = level.ToWire(),
            step,
            recipients = recipients.Select(r => new { r.UserId, r.Name, r.Phone }),
        });
        _ = ct;
    }
}

/// <summary>
/// Families hear about their relative: at once when an alert is raised (during a pre-alarm they can still cancel it),
/// and when it is resolved, with an invitation to rate how it was handled.
/// </summary>
public sealed class FamilyNotifications(AccessScopeResolver scopes, WebPushSender push, PlaceNames names) : IAlertRaisedHandler
{
    public Task OnRaisedAsync(Alert alert, CancellationToken ct) =>
        NotifyAsync(alert, alert.PreAlarmUntil is not null
            ? "Possible {0} for {1}. If all is well, cancel within the minute."
            : "{0} for {1}: staff are on it.", ct);

    public Task ResolvedAsync(Alert alert, CancellationToken ct) =>
        NotifyAsync(alert, "{0} for {1} was resolved. How did we do? Rate it in the app.", ct);

    private async Task NotifyAsync(Alert alert, string template, CancellationToken ct)
    {
        // Device-health alerts are for technicians, not families.
        if (!alert.Kind.Spec().ForFamily)
            return;
        // The resident's family, or for a shared device of the household (no resident) the families of all its residents.
        var family = await scopes.FamilyMembersAsync(new AlertPlace(alert.ResidentId, alert.HouseholdId, alert.GridId, alert.CommunityId), ct);
        if (family.Count == 0)
            return;
        var dto = AlertDto.From(alert, names);
        var body = string.Format(System.Globalization.CultureInfo.InvariantCulture, template, dto.Kind.Replace('_', ' '), dto.ResidentName ?? dto.HouseholdLabel ?? "your relative");
        push.Enqueue(family, alert.Severity, new PushPayload("SmartCommunity", body, alert.Id, dto.Severity, $"/alerts/{alert.Id}", $"alert-{alert.Id}"));
    }
}
