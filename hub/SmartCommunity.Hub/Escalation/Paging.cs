using SmartCommunity.Domain.Alerts;
using SmartCommunity.Domain.Escalation;
using SmartCommunity.Hub.Alerts;
using SmartCommunity.Hub.Notifications;
using SmartCommunity.Hub.Places;

namespace SmartCommunity.Hub.Escalation;

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
