using Microsoft.EntityFrameworkCore;
using SmartCommunity.Domain.Alerts;
using SmartCommunity.Domain.Contacts;
using SmartCommunity.Domain.Escalation;
using SmartCommunity.Domain.Notifications;
using SmartCommunity.Hub.People;
using SmartCommunity.Hub.Persistence;

namespace SmartCommunity.Hub.Contacts;

public enum CascadeRole
{
    /// <summary>A grid worker of the alert's grid: nearest, and on the case first.</summary>
    GridWorker,
    /// <summary>A family member with an account (linked to the resident, or to the household for a shared device).</summary>
    Family,
    /// <summary>One of the resident's emergency contacts (no account), in the profile's order.</summary>
    EmergencyContact,
}

/// <summary>
/// One person to reach for an alert. <paramref name="UserId"/> is null for an emergency contact (no account);
/// <paramref name="Phone"/> E.164 or null; <paramref name="Language"/> "en", "zh-CN" or null (the hub's default).
/// </summary>
public sealed record CascadeContact(CascadeRole Role, string? UserId, string Name, string? Relation, string? Phone, ContactChannels Channels,
    string? Language, QuietHours? Quiet)
{
    /// <summary>Whether a message of this severity may reach them now (quiet hours hold all but critical ones).</summary>
    public bool ReachableNow(Severity severity, DateTimeOffset now, TimeZoneInfo zone) => Quiet is not { } q || !q.Silences(severity, now, zone);
}

public sealed record CascadeContactDto(string Role, string Name, string? Relation, string? Phone, bool Push, bool Sms, bool Voice, string? Language)
{
    public static CascadeContactDto From(CascadeContact c) => new(c.Role switch
        {
            CascadeRole.GridWorker => "grid_worker",
            CascadeRole.Family => "family",
            _ => "emergency_contact",
        },
        c.Name, c.Relation, c.Phone, c.Channels.HasFlag(ContactChannels.Push), c.Channels.HasFlag(ContactChannels.Sms), c.Channels.HasFlag(ContactChannels.Voice), c.Language);
}

/// <summary>The people to reach for one alert, in call order, and the community's zone their quiet hours are in.</summary>
public sealed record AlertCascade(IReadOnlyList<CascadeContact> Contacts, TimeZoneInfo Zone);

/// <summary>
/// Who is reached about an alert, in call order: the grid workers of its grid, then the family members who see it
/// (<see cref="AccessScopeResolver.FamilyMembersAsync"/>), then the resident's emergency contacts in the profile's
/// order (those marked "may call" only). Each with phone, channels, language and quiet hours; people without a phone
/// are still listed (push reaches them). Emergency staff and the emergency centre are the roster's (<see cref="Escalation.OnCall"/>).
/// </summary>
public sealed class ContactDirectory(IDbContextFactory<HubDbContext> dbFactory, AccessScopeResolver scopes)
{
    public async Task<AlertCascade> CascadeForAsync(Alert alert, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var community = alert.CommunityId is { } c ? await db.Communities.AsNoTracking().SingleOrDefaultAsync(x => x.Id == c, ct) : null;
        var zone = Roster.Zone(community?.TimeZone);
        var contacts = new List<CascadeContact>();

        if (alert.GridId is { } gridId)
        {
            var workers = await (from u in db.Users
                                 join ur in db.UserRoles on u.Id equals ur.UserId
                                 join r in db.Roles on ur.RoleId equals r.Id
                                 where r.Name == Roles.GridWorker && u.GridId == gridId
                                 orderby u.DisplayName, u.Id
                                 select u).AsNoTracking().ToListAsync(ct);
            contacts.AddRange(await PeopleAsync(db, CascadeRole.GridWorker, workers, null, ct));
        }

        var familyIds = await scopes.FamilyMembersAsync(new AlertPlace(alert.ResidentId, alert.HouseholdId, alert.GridId, alert.CommunityId), ct);
        if (familyIds.Count > 0)
        {
            var family = await db.Users.AsNoTracking().Where(u => familyIds.Contains(u.Id)).OrderBy(u => u.DisplayName).ThenBy(u => u.Id).ToListAsync(ct);
            var relations = alert.ResidentId is { } rid
                ? await db.FamilyLinks.AsNoTracking().Where(l => l.ResidentId == rid && l.Relation != null).ToDictionaryAsync(l => l.UserId, l => l.Relation, ct)
                : [];
            contacts.AddRange(await PeopleAsync(db, CascadeRole.Family, family, relations, ct));
        }

        if (alert.ResidentId is { } residentId
            && await db.EmergencyProfiles.AsNoTracking().SingleOrDefaultAsync(p => p.ResidentId == residentId, ct) is { } profile)
        {
            // No account, so no push: they are called or texted. No quiet hours either: they agreed to be called in an emergency.
            contacts.AddRange(profile.Contacts.Where(x => x.MayCall).Select(x =>
                new CascadeContact(CascadeRole.EmergencyContact, null, x.Name, x.Relation, x.Phone, ContactChannels.Sms | ContactChannels.Voice, x.Language, null)));
        }
        return new AlertCascade(contacts, zone);
    }

    private static async Task<IEnumerable<CascadeContact>> PeopleAsync(HubDbContext db, CascadeRole role, List<HubUser> users, Dictionary<string, string?>? relations, CancellationToken ct)
    {
        var ids = users.Select(u => u.Id).ToList();
        var prefs = await db.NotificationPreferences.AsNoTracking().Where(p => ids.Contains(p.UserId)).ToDictionaryAsync(p => p.UserId, ct);
        return users.Select(u =>
        {
            var p = prefs.GetValueOrDefault(u.Id);
            var channels = ContactChannels.None;
            if (p?.WebPush ?? true) channels |= ContactChannels.Push;
            if (u.PhoneNumber is not null && p?.Sms == true) channels |= ContactChannels.Sms;
            if (u.PhoneNumber is not null && p?.Voice == true) channels |= ContactChannels.Voice;
            QuietHours? quiet = p is { QuietStart: { } s, QuietEnd: { } e } ? new QuietHours(s, e) : null;
            return new CascadeContact(role, u.Id, u.DisplayName, relations?.GetValueOrDefault(u.Id), u.PhoneNumber, channels, u.Language, quiet);
        });
    }
}

public static class ContactsServices
{
    /// <summary>Contacts: people's phones and channels, residents' emergency profiles, the call order for an alert.</summary>
    public static void AddHubContacts(this WebApplicationBuilder builder) =>
        builder.Services.AddSingleton<ContactDirectory>();
}
