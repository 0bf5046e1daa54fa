using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using SmartCommunity.Domain.Catalog;
using SmartCommunity.Hub.Localization;
using SmartCommunity.Hub.People;
using SmartCommunity.Hub.Places;

namespace SmartCommunity.Hub.Alerts;

/// <summary>What the hub pushes to browsers and apps.</summary>
public interface IAlertsClient
{
    Task AlertRaised(AlertDto alert);
    Task AlertUpdated(AlertDto alert);

    /// <summary>Sent only to the people paged for an alert (escalation), on every connection they have.</summary>
    Task Paged(PageDto page);

    /// <summary>A case (接诉即办) opened or changed, to everyone who may see its place (<see cref="Cases.CaseService"/>).</summary>
    Task CaseUpdated(Cases.CaseDto @case);

    /// <summary>
    /// The connection has joined its groups. SignalR completes a client's start at the handshake, before the hub's
    /// OnConnectedAsync has run, so a client that fetches the open alerts must do it after this (or again on it):
    /// an alert raised in between would otherwise be neither pushed nor listed.
    /// </summary>
    Task Subscribed();
}

/// <summary>
/// Live alerts. Thin: on connect it puts the connection into the groups its scope allows
/// (admin → all; staff → their community; grid worker → their grid; family → each linked resident, and the
/// shared devices of those residents' households).
/// Clients cannot join groups themselves, so a family member can never listen to another family's alerts. Each group is
/// joined in the connection's language (<see cref="ReaderLanguage"/>), so every push arrives rendered for its reader; a
/// language switch on the board reconnects.
/// </summary>
[Authorize]
public sealed class AlertsHub(AccessScopeResolver scopes, SessionConnections sessions, SessionRevocations revocations) : Hub<IAlertsClient>
{
    public const string Path = "/hubs/alerts";

    public override async Task OnConnectedAsync()
    {
        // Known by session, so signing out closes this connection; a sign-out racing this connect is caught here.
        sessions.Add(Context);
        if (Sessions.Id(Context.User) is not { } sid || revocations.IsKnownRevoked(sid))
        {
            Context.Abort();
            return;
        }
        var scope = await scopes.ResolveAsync(Context.User!, Context.ConnectionAborted);
        var language = ReaderLanguage.Of(Context.GetHttpContext(), scope);
        foreach (var group in AlertGroups.For(scope))
            await Groups.AddToGroupAsync(Context.ConnectionId, AlertGroups.InLanguage(group, language), Context.ConnectionAborted);
        await base.OnConnectedAsync();
        await Clients.Caller.Subscribed();
    }

    public override Task OnDisconnectedAsync(Exception? exception)
    {
        sessions.Remove(Context);
        return base.OnDisconnectedAsync(exception);
    }
}

public static class AlertGroups
{
    public const string All = "all";
    public static string Community(int id) => $"community:{id}";
    public static string Grid(int id) => $"grid:{id}";
    public static string Resident(int id) => $"resident:{id}";

    /// <summary>Alerts of a household's shared devices (no resident): the families of its residents.</summary>
    public static string Household(int id) => $"household:{id}";

    public static IEnumerable<string> For(AccessScope scope)
    {
        if (scope.All)
            yield return All;
        foreach (var c in scope.CommunityIds)
            yield return Community(c);
        foreach (var g in scope.GridIds)
            yield return Grid(g);
        foreach (var r in scope.ResidentIds)
            yield return Resident(r);
        foreach (var h in scope.HouseholdIds)
            yield return Household(h);
    }

    /// <summary>A group's members who read <paramref name="language"/>: the groups connections actually join.</summary>
    internal static string InLanguage(string group, string language) => $"{group}@{language}";

    /// <summary>A group in every language: what a message for all its members goes to.</summary>
    public static IReadOnlyList<string> InEveryLanguage(string group) => [.. TextCatalogues.Languages.Select(l => InLanguage(group, l))];

    /// <summary>Every group that may see an alert at this place (the same rule as <see cref="AccessScope.CanSee(Domain.Alerts.AlertPlace)"/>).</summary>
    public static List<string> Audience(Domain.Alerts.Alert a)
    {
        var groups = new List<string>(4) { All };
        if (a.CommunityId is { } c) groups.Add(Community(c));
        if (a.GridId is { } g) groups.Add(Grid(g));
        if (a.ResidentId is { } r) groups.Add(Resident(r));
        else if (a.HouseholdId is { } h) groups.Add(Household(h));
        return groups;
    }
}

/// <summary>Pushes alert changes through the hub context; the only way the server talks to alert clients. Each language's
/// groups get the alert rendered in that language.</summary>
public sealed class AlertNotifier(IHubContext<AlertsHub, IAlertsClient> hub, PlaceNames names)
{
    public Task RaisedAsync(Domain.Alerts.Alert alert) =>
        PerLanguageAsync(alert, (clients, dto) => clients.AlertRaised(dto));

    public Task UpdatedAsync(Domain.Alerts.Alert alert) =>
        PerLanguageAsync(alert, (clients, dto) => clients.AlertUpdated(dto));

    private async Task PerLanguageAsync(Domain.Alerts.Alert alert, Func<IAlertsClient, AlertDto, Task> send)
    {
        var audience = AlertGroups.Audience(alert);
        foreach (var language in TextCatalogues.Languages)
            await send(hub.Clients.Groups([.. audience.Select(g => AlertGroups.InLanguage(g, language))]), AlertDto.From(alert, names, language));
    }

    // SignalR's user id is the NameIdentifier claim, i.e. the hub user id: no per-user groups needed.
    public Task PagedAsync(IReadOnlyList<string> userIds, PageDto page) => userIds.Count == 0 ? Task.CompletedTask : hub.Clients.Users(userIds).Paged(page);
}
