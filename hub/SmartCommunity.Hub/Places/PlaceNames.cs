using System.Collections.Frozen;
using Microsoft.EntityFrameworkCore;
using SmartCommunity.Hub.Persistence;

namespace SmartCommunity.Hub.Places;

/// <summary>
/// Display names of residents, households and grids, and of the people who act on alerts, cached for alert pushes
/// (which must not wait on SQL joins). Alerts record who acted by user name (an e-mail); the board, the API and the
/// pushes show the person's display name instead ("Acknowledged by Li Wei"), never the e-mail.
/// </summary>
public sealed class PlaceNames
{
    private System.Collections.Concurrent.ConcurrentDictionary<string, string> _people = new(StringComparer.OrdinalIgnoreCase);
    private FrozenDictionary<int, string> _residents = FrozenDictionary<int, string>.Empty;
    private FrozenDictionary<int, string> _households = FrozenDictionary<int, string>.Empty;
    private FrozenDictionary<int, string> _grids = FrozenDictionary<int, string>.Empty;

    public string? Resident(int? id) => id is { } i ? _residents.GetValueOrDefault(i) : null;
    public string? Household(int? id) => id is { } i ? _households.GetValueOrDefault(i) : null;

    /// <summary>Whom a message about the alert names: the resident, else the household (a shared device), else the device.</summary>
    public string Subject(Domain.Alerts.Alert alert) => Resident(alert.ResidentId) ?? Household(alert.HouseholdId) ?? alert.DeviceId;
    public string? Grid(int? id) => id is { } i ? _grids.GetValueOrDefault(i) : null;

    /// <summary>
    /// The display name of whoever acted (a user name), or the actor as it is when it is not a person ("device:sos-0001",
    /// "system"). A user name unknown here (an account made on another instance since this one loaded, or deleted) shows
    /// as the part before the @, so an e-mail never reaches the board.
    /// </summary>
    public string? Person(string? userName)
    {
        if (string.IsNullOrEmpty(userName))
            return userName;
        // An emergency contact without an account who acknowledged by SMS or link: their name as the profile has it.
        if (userName.StartsWith(Domain.Alerts.Alert.ContactActorPrefix, StringComparison.Ordinal))
            return userName[Domain.Alerts.Alert.ContactActorPrefix.Length..];
        return _people.TryGetValue(userName, out var name) ? name : LocalPart(userName);
    }

    /// <summary>A person's name changed or they were created: later alert DTOs show it.</summary>
    public void SetPerson(string userName, string displayName) =>
        _people[userName] = Shown(userName, displayName);

    public async Task ReloadAsync(HubDbContext db, CancellationToken ct)
    {
        var people = await db.Users.AsNoTracking().Where(u => u.UserName != null).Select(u => new { u.UserName, u.DisplayName }).ToListAsync(ct);
        var map = new System.Collections.Concurrent.ConcurrentDictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var p in people)
            map[p.UserName!] = Shown(p.UserName!, p.DisplayName);
        _people = map;
        _residents = (await db.Residents.AsNoTracking().Select(r => new { r.Id, r.Name }).ToListAsync(ct)).ToFrozenDictionary(x => x.Id, x => x.Name);
        _households = (await db.Households.AsNoTracking().Select(h => new { h.Id, h.Address }).ToListAsync(ct)).ToFrozenDictionary(x => x.Id, x => x.Address);
        _grids = (await db.Grids.AsNoTracking().Select(g => new { g.Id, g.Name }).ToListAsync(ct)).ToFrozenDictionary(x => x.Id, x => x.Name);
    }

    // An account made without a display name got its e-mail as one: that is not shown either.
    private static string Shown(string userName, string displayName) =>
        string.IsNullOrWhiteSpace(displayName) || displayName.Contains('@', StringComparison.Ordinal) ? LocalPart(userName) : displayName;

    private static string LocalPart(string userName) => userName.IndexOf('@', StringComparison.Ordinal) is var at and > 0 ? userName[..at] : userName;
}
