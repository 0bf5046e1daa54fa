using SmartCommunity.Domain.Alerts;
using SmartCommunity.Domain.Catalog;
using SmartCommunity.Domain.Escalation;
using SmartCommunity.Hub.Alerts;
using SmartCommunity.Hub.Localization;
using SmartCommunity.Hub.Notifications;
using SmartCommunity.Hub.Places;

namespace SmartCommunity.Hub.Escalation;

/// <summary>One page, every channel: SignalR to the people's open boards, Web Push to their phones, and the webhook
/// for SMS/voice gateways (which is how the emergency centre, outside the hub, is reached). Each person reads it in
/// their profile's language; the webhook carries the texts in every language.</summary>
public sealed class Paging(AlertNotifier board, WebPushSender push, WebhookChannel webhooks, PlaceNames names, UserLanguages languages)
{
    public async Task PageAsync(Alert alert, EscalationLevel level, int step, IReadOnlyList<Recipient> recipients, CancellationToken ct)
    {
        var userIds = recipients.Select(r => r.UserId).ToList();
        var byUser = await languages.OfAsync(userIds, ct);
        foreach (var group in userIds.GroupBy(id => byUser[id]))
        {
            var dto = AlertDto.From(alert, names, group.Key);
            var ids = group.ToList();
            await board.PagedAsync(ids, new PageDto(dto, level.ToWire(), step));
            var (title, body) = Texts(alert, dto, group.Key);
            push.Enqueue(ids, alert.Severity, new PushPayload(title, body, alert.Id, dto.Severity, $"/alerts/{alert.Id}", $"alert-{alert.Id}"));
        }
        webhooks.Enqueue("alert.paged", new
        {
            alert = AlertDto.From(alert, names),
            level = level.ToWire(),
            step,
            recipients = recipients.Select(r => new { r.UserId, r.Name, r.Phone, language = byUser[r.UserId] }),
            texts = TextCatalogues.Languages.ToDictionary(l => l, l =>
            {
                var (title, body) = Texts(alert, AlertDto.From(alert, names, l), l);
                return new { title, body };
            }),
        });
    }

    /// <summary>A page's push title ("Critical: SOS call") and body ("王淑芬: SOS button pressed"), in one language.</summary>
    public static (string Title, string Body) Texts(Alert alert, AlertDto dto, string language) => (
        TextCatalogues.Format(language, "push.page.title", [LocalizedText.Of("severity." + alert.Severity.ToWire()), LocalizedText.Of(alert.Kind.Spec().LabelKey)]),
        TextCatalogues.Format(language, "push.page.body", [dto.ResidentName ?? dto.HouseholdLabel ?? dto.DeviceId, dto.Message]));
}
