using SmartCommunity.Domain.Alerts;
using SmartCommunity.Domain.Catalog;
using SmartCommunity.Domain.Escalation;
using SmartCommunity.Domain.Notifications;
using SmartCommunity.Hub.Alerts;
using SmartCommunity.Hub.Localization;
using SmartCommunity.Hub.Notifications;
using SmartCommunity.Hub.Places;

namespace SmartCommunity.Hub.Escalation;

/// <summary>One page, every channel: SignalR to the people's open boards, Web Push to their phones, an SMS to those with a
/// phone number (when an SMS provider is configured), and the webhook for SMS/voice gateways (which is how the emergency
/// centre, outside the hub, is reached). Each person reads it in their profile's language; the webhook carries the texts
/// in every language. Everything but the board goes through the outbox, keyed by (alert, step), so a step run twice
/// sends nothing twice.</summary>
public sealed class Paging(AlertNotifier board, WebPushSender push, WebhookChannel webhooks, SmsChannel sms, INotificationOutbox outbox,
    PlaceNames names, UserLanguages languages)
{
    public async Task PageAsync(Alert alert, EscalationLevel level, int step, IReadOnlyList<Recipient> recipients, CancellationToken ct)
    {
        var userIds = recipients.Select(r => r.UserId).ToList();
        var byUser = await languages.OfAsync(userIds, ct);
        var key = $"alert-{alert.Id}:page-{step}";
        foreach (var group in userIds.GroupBy(id => byUser[id]))
        {
            var dto = AlertDto.From(alert, names, group.Key);
            var ids = group.ToList();
            await board.PagedAsync(ids, new PageDto(dto, level.ToWire(), step));
            var (title, body) = Texts(alert, dto, group.Key);
            await push.EnqueueAsync(ids, alert.Severity, new PushPayload(title, body, alert.Id, dto.Severity, $"/alerts/{alert.Id}", $"alert-{alert.Id}"), key, ct);
        }
        await webhooks.EnqueueAsync("alert.paged", new
        {
            alert = AlertDto.From(alert, names) with { Evidence = null }, // the readings stay with staff and family
            level = level.ToWire(),
            step,
            recipients = recipients.Select(r => new { r.UserId, r.Name, r.Phone, language = byUser[r.UserId] }),
            texts = TextCatalogues.Languages.ToDictionary(l => l, l =>
            {
                var (title, body) = Texts(alert, AlertDto.From(alert, names, l), l);
                return new { title, body };
            }),
        }, key, alert.Id, ct);
        await SmsAsync(alert, step, [.. recipients.Where(r => r.Phone is not null).Select(r => (r.UserId, r.Phone!, byUser[r.UserId]))], ct);
    }

    /// <summary>The page's SMS to each (person, phone, language), with the alert's reply code.</summary>
    public async Task SmsAsync(Alert alert, int step, IReadOnlyList<(string UserId, string Phone, string Language)> phones, CancellationToken ct)
    {
        var valid = phones.Where(p => SmsOptions.IsE164(p.Phone)).ToList();
        if (!sms.Enabled || valid.Count == 0)
            return;
        var items = valid.Select(p =>
        {
            var language = CatalogTexts.For(p.Language) == CatalogTexts.ZhCn ? CatalogTexts.Chinese : CatalogTexts.English;
            var dto = AlertDto.From(alert, names, language);
            var args = new Dictionary<string, string>
            {
                ["kind"] = CatalogTexts.Format(language, alert.Kind.Spec().LabelKey),
                ["who"] = names.Subject(alert),
                ["place"] = dto.HouseholdLabel ?? "",
                ["code"] = NotificationTexts.ReplyCode(alert.Id),
            };
            return new OutgoingNotification(OutboxChannels.Sms, p.UserId, p.Phone, NotificationTexts.SmsPage, args, language,
                $"sms:{p.Phone}:alert-{alert.Id}:page-{step}", alert.Id, alert.Severity >= Severity.Critical);
        }).ToList();
        await outbox.EnqueueAsync(items, ct);
    }

    /// <summary>A page's push title ("Critical: SOS call") and body ("王淑芬: SOS button pressed"), in one language.</summary>
    public static (string Title, string Body) Texts(Alert alert, AlertDto dto, string language) => (
        TextCatalogues.Format(language, "push.page.title", [LocalizedText.Of("severity." + alert.Severity.ToWire()), LocalizedText.Of(alert.Kind.Spec().LabelKey)]),
        TextCatalogues.Format(language, "push.page.body", [dto.ResidentName ?? dto.HouseholdLabel ?? dto.DeviceId, dto.Message]));
}
