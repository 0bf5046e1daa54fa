using Microsoft.EntityFrameworkCore;
using SmartCommunity.Domain.Alerts;
using SmartCommunity.Domain.Catalog;
using SmartCommunity.Domain.Notifications;
using SmartCommunity.Hub.Alerts;
using SmartCommunity.Hub.Localization;
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
    public Task OnRaisedAsync(Alert alert, CancellationToken ct) =>
        NotifyAsync(alert, alert.PreAlarmPending ? "pre_alarm" : "raised", ct);

    public Task ResolvedAsync(Alert alert, CancellationToken ct) => NotifyAsync(alert, "resolved", ct);

    /// <summary>The push text for one language (tests read it too); <paramref name="key"/> is raised, pre_alarm or
    /// resolved (<see cref="PushTexts"/>), <paramref name="who"/> a proper name (null: "your relative").</summary>
    public static string Text(string language, string key, Alert alert, string? who, DateTimeOffset now)
    {
        var minutes = alert.PreAlarmUntil is { } until ? Math.Max(1, (int)Math.Ceiling((until - now).TotalMinutes)) : 0;
        return TextCatalogues.Format(language, "push.family." + key,
            [LocalizedText.Of(alert.Kind.Spec().LabelKey), who ?? TextCatalogues.Format(language, "push.family.your_relative", []), minutes]);
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
        var who = dto.ResidentName ?? dto.HouseholdLabel;
        var now = time.GetUtcNow();
        foreach (var group in people.GroupBy(p => ReaderLanguage.Of(null, p.Language)))
        {
            await push.EnqueueAsync([.. group.Select(p => p.Id)], alert.Severity,
                new PushPayload(TextCatalogues.Format(group.Key, "push.app_name", []), Text(group.Key, key, alert, who, now), alert.Id, dto.Severity,
                    $"/alerts/{alert.Id}", $"alert-{alert.Id}"),
                $"alert-{alert.Id}:family-{key}", ct);
        }
    }
}
