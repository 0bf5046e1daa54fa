using System.Globalization;
using Microsoft.EntityFrameworkCore;
using SmartCommunity.Domain.Alerts;
using SmartCommunity.Domain.Catalog;
using SmartCommunity.Hub.Alerts;
using SmartCommunity.Hub.People;
using SmartCommunity.Hub.Persistence;
using SmartCommunity.Hub.Places;

namespace SmartCommunity.Hub.Notifications;

/// <summary>
/// Families hear about their relative: at once when an alert is raised, and when it is resolved, with an invitation to
/// rate how it was handled. During an inferred alert's pre-alarm they may still call it off; a device's alert (an SOS,
/// a fall) is for staff to resolve, and the family may say "I am with her". Each member reads it in their own language
/// (the profile's, English by default).
/// </summary>
public sealed class FamilyNotifications(AccessScopeResolver scopes, IDbContextFactory<HubDbContext> dbFactory, WebPushSender push, PlaceNames names, TimeProvider time)
    : IAlertRaisedListener
{
    // {0} the alert kind's label, {1} the resident (or household), {2} the minutes left to cancel.
    private static readonly Dictionary<string, Dictionary<string, string>> Texts = new(StringComparer.Ordinal)
    {
        [CatalogTexts.English] = new(StringComparer.Ordinal)
        {
            ["raised"] = "{0}: {1}. Staff have been called. If you are with {1}, tell them in the app.",
            ["pre_alarm"] = "{0}: {1}? If all is well, cancel it in the app within {2} min; otherwise staff will be called.",
            ["resolved"] = "{0} for {1} was resolved. How did we do? Rate it in the app.",
        },
        [CatalogTexts.Chinese] = new(StringComparer.Ordinal)
        {
            ["raised"] = "{1}：{0}。已通知工作人员。如您在老人身边，请在应用中告知。",
            ["pre_alarm"] = "{1}：{0}？如一切正常，请在 {2} 分钟内在应用中取消，否则将通知工作人员。",
            ["resolved"] = "{1}的{0}已处理完毕。请在应用中评价我们的服务。",
        },
    };

    public Task OnRaisedAsync(Alert alert, CancellationToken ct) =>
        NotifyAsync(alert, alert.PreAlarmPending ? "pre_alarm" : "raised", ct);

    public Task ResolvedAsync(Alert alert, CancellationToken ct) => NotifyAsync(alert, "resolved", ct);

    /// <summary>The push text for one language (tests read it too).</summary>
    public static string Text(string language, string key, Alert alert, string who, DateTimeOffset now)
    {
        var lang = CatalogTexts.For(language) == CatalogTexts.ZhCn ? CatalogTexts.Chinese : CatalogTexts.English;
        var minutes = alert.PreAlarmUntil is { } until ? Math.Max(1, (int)Math.Ceiling((until - now).TotalMinutes)) : 0;
        return string.Format(CultureInfo.InvariantCulture, Texts[lang][key], CatalogTexts.Format(lang, alert.Kind.Spec().LabelKey), who, minutes);
    }

    private async Task NotifyAsync(Alert alert, string key, CancellationToken ct)
    {
        // Device-health alerts are for technicians, not families.
        if (!alert.Kind.Spec().ForFamily)
            return;
        // The resident's family, or for a shared device of the household (no resident) the families of all its residents.
        var family = await scopes.FamilyMembersAsync(new AlertPlace(alert.ResidentId, alert.HouseholdId, alert.GridId, alert.CommunityId), ct);
        if (family.Count == 0)
            return;
        List<(string Id, string? Language)> people;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            people = (await db.Users.AsNoTracking().Where(u => family.Contains(u.Id)).Select(u => new { u.Id, u.Language }).ToListAsync(ct))
                .Select(u => (u.Id, u.Language)).ToList();
        }
        var dto = AlertDto.From(alert, names);
        var who = dto.ResidentName ?? dto.HouseholdLabel ?? "your relative";
        var now = time.GetUtcNow();
        foreach (var group in people.GroupBy(p => p.Language ?? CatalogTexts.English))
        {
            await push.EnqueueAsync([.. group.Select(p => p.Id)], alert.Severity,
                new PushPayload("SmartCommunity", Text(group.Key, key, alert, who, now), alert.Id, dto.Severity, $"/alerts/{alert.Id}", $"alert-{alert.Id}"),
                $"alert-{alert.Id}:family-{key}", ct);
        }
    }
}
