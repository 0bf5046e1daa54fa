using Microsoft.EntityFrameworkCore;
using SmartCommunity.Domain.Alerts;
using SmartCommunity.Domain.Catalog;
using SmartCommunity.Domain.Escalation;
using SmartCommunity.Domain.Notifications;
using SmartCommunity.Hub.Alerts;
using SmartCommunity.Hub.Notifications;
using SmartCommunity.Hub.Persistence;
using SmartCommunity.Hub.Places;

namespace SmartCommunity.Hub.Escalation;

/// <summary>One page, every channel: SignalR to the people's open boards, Web Push to their phones, an SMS to those with a
/// phone number (when an SMS provider is configured), and the webhook for SMS/voice gateways (which is how the emergency
/// centre, outside the hub, is reached). Everything but the board goes through the outbox, keyed by (alert, step), so a
/// step run twice sends nothing twice.</summary>
public sealed class Paging(AlertNotifier board, WebPushSender push, WebhookChannel webhooks, SmsChannel sms, INotificationOutbox outbox,
    IDbContextFactory<HubDbContext> dbFactory, PlaceNames names)
{
    public async Task PageAsync(Alert alert, EscalationLevel level, int step, IReadOnlyList<Recipient> recipients, CancellationToken ct)
    {
        var dto = AlertDto.From(alert, names);
        var userIds = recipients.Select(r => r.UserId).ToList();
        await board.PagedAsync(userIds, new PageDto(dto, level.ToWire(), step));
        var key = $"alert-{alert.Id}:page-{step}";
        await push.EnqueueAsync(userIds, alert.Severity, new PushPayload(
            $"{dto.Severity.ToUpperInvariant()}: {dto.Kind.Replace('_', ' ')}", $"{dto.ResidentName ?? dto.HouseholdLabel ?? dto.DeviceId}: {dto.Message}",
            alert.Id, dto.Severity, $"/alerts/{alert.Id}", $"alert-{alert.Id}"), key, ct);
        await webhooks.EnqueueAsync("alert.paged", new
        {
            alert = dto,
            level = level.ToWire(),
            step,
            recipients = recipients.Select(r => new { r.UserId, r.Name, r.Phone }),
        }, key, alert.Id, ct);
        await SmsAsync(alert, step, recipients.Where(r => r.Phone is not null).Select(r => (r.UserId, r.Phone!)).ToList(), ct);
    }

    /// <summary>The page's SMS to each (person, phone), in the person's language, with the alert's reply code.</summary>
    public async Task SmsAsync(Alert alert, int step, IReadOnlyList<(string UserId, string Phone)> phones, CancellationToken ct)
    {
        var valid = phones.Where(p => SmsOptions.IsE164(p.Phone)).ToList();
        if (!sms.Enabled || valid.Count == 0)
            return;
        var ids = valid.Select(p => p.UserId).ToList();
        Dictionary<string, string?> languages;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
            languages = await db.Users.AsNoTracking().Where(u => ids.Contains(u.Id)).ToDictionaryAsync(u => u.Id, u => u.Language, ct);
        var dto = AlertDto.From(alert, names);
        var items = valid.Select(p =>
        {
            var language = CatalogTexts.For(languages.GetValueOrDefault(p.UserId) ?? CatalogTexts.English) == CatalogTexts.ZhCn ? CatalogTexts.Chinese : CatalogTexts.English;
            var args = new Dictionary<string, string>
            {
                ["kind"] = CatalogTexts.Format(language, alert.Kind.Spec().LabelKey),
                ["who"] = dto.ResidentName ?? dto.HouseholdLabel ?? dto.DeviceId,
                ["place"] = dto.HouseholdLabel ?? "",
                ["code"] = NotificationTexts.ReplyCode(alert.Id),
            };
            return new OutgoingNotification(OutboxChannels.Sms, p.UserId, p.Phone, NotificationTexts.SmsPage, args, language,
                $"sms:{p.Phone}:alert-{alert.Id}:page-{step}", alert.Id, alert.Severity >= Severity.Critical);
        }).ToList();
        await outbox.EnqueueAsync(items, ct);
    }
}
