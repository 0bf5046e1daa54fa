using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;
using SmartCommunity.Domain.Alerts;
using SmartCommunity.Domain.Catalog;
using SmartCommunity.Gateway.Alerts;

namespace SmartCommunity.Gateway.Board;

/// <summary>
/// The duty room's local board is the dashboard (dashboard/dist, served by <see cref="DashboardFiles"/>) talking to the
/// gateway instead of the hub, through the subset of the hub's API the board uses, on the same paths and in the same
/// shapes: the session (which also says "this is a gateway"), the open alerts, acknowledge, the catalogue, and the
/// live feed <c>/hubs/alerts</c> (SignalR: <c>Subscribed</c>, <c>AlertRaised</c>, <c>AlertUpdated</c>). The open
/// alerts are the local ones the hub does not have yet; once published to the hub they leave this board (the hub's
/// board has them). Everything but the session and the catalogue needs a signed-in duty-room session.
/// </summary>
public static class BoardApi
{
    /// <summary>The role the dashboard gives its duty room's board (acknowledge; no resolve: the hub's staff close alerts).</summary>
    private static readonly string[] DutyRoles = ["EmergencyStaff"];

    public static void MapBoardApi(this WebApplication app)
    {
        // The old address of the board (bookmarks in duty rooms).
        app.MapGet("/board", () => Results.Redirect("/#/board"));

        app.MapGet("/api/auth/session", (ClaimsPrincipal user, IOptions<GatewayOptions> options) => Results.Json(new SessionDto(
            user.Identity?.IsAuthenticated == true, user.Identity?.IsAuthenticated == true ? Me(user) : null,
            new GatewayDto(options.Value.Id, !string.IsNullOrEmpty(options.Value.BoardPassword)))));

        var api = app.MapGroup("/api").RequireAuthorization();
        api.MapGet("/me", (ClaimsPrincipal user) => Results.Json(Me(user)));
        // The language is remembered by the browser (the gateway keeps no profiles).
        api.MapPut("/me/language", () => Results.NoContent()).AddEndpointFilter(BoardAuth.RequireSameSiteToken);
        api.MapGet("/gateway/info", (IOptions<GatewayOptions> options, GatewayStatus status, LocalAlerts alerts) =>
            Results.Json(new GatewayInfoDto(options.Value.Id, status.UplinkConnected, options.Value.HubUrl?.ToString(), alerts.Open.Count)));
        api.MapGet("/alerts", (LocalAlerts alerts) => Results.Json(alerts.Open.Select(ToDto).ToList()));
        api.MapPost("/alerts/{id:long}/ack", (long id, ClaimsPrincipal user, LocalAlerts alerts) =>
        {
            var name = user.Identity?.Name ?? "";
            if (alerts.AcknowledgeOpen(id, name) is { } acked)
                return Results.Json(ToDto(acked));
            return alerts.Open.Any(a => a.Number == id)
                ? Results.Problem(statusCode: 409, title: "Already acknowledged")
                : Results.Problem(statusCode: 404, title: "No such local alert (or the hub has it now)");
        }).AddEndpointFilter(BoardAuth.RequireSameSiteToken);

        app.MapHub<BoardHub>("/hubs/alerts");
    }

    private static MeDto Me(ClaimsPrincipal user)
    {
        var name = user.Identity?.Name ?? "";
        return new MeDto("duty:" + name, name, name, DutyRoles, null);
    }

    /// <summary>A local alert in the shape of the hub's alert (dashboard/src/api/types.ts, AlertDto).</summary>
    public static LocalAlertDto ToDto(LocalAlert a)
    {
        // The local alerts are life-safety ones (critical); the catalogue says so per kind.
        var severity = WireName.TryParse<AlertKind>(a.Kind, out var kind) ? WireName.Of(SensorCatalog.Alert(kind).Severity) : "critical";
        var status = a.Reported ? "resolved" : a.AckAt is null ? "raised" : "acknowledged";
        // Raised 1, acknowledged 2, handed to the hub 3: the dashboard keeps the higher version of an alert.
        var version = a.Reported ? 3 : a.AckAt is null ? 1 : 2;
        return new LocalAlertDto(a.Number, a.Kind, severity, status, a.DeviceId, a.RaisedAt, a.RaisedAt, 1, a.AckBy, a.AckAt,
            a.Reported ? "handed_over" : null, version, a.LocalId);
    }

    public sealed record SessionDto(bool SignedIn, MeDto? Me, GatewayDto Gateway);

    public sealed record GatewayDto(string Id, bool Board);

    public sealed record MeDto(string Id, string UserName, string DisplayName, IReadOnlyList<string> Roles, string? Language);

    public sealed record GatewayInfoDto(string Id, bool UplinkConnected, string? HubUrl, int OpenAlerts);

    public sealed record LocalAlertDto(long Id, string Kind, string Severity, string Status, string DeviceId, DateTimeOffset RaisedAt,
        DateTimeOffset LastSeenAt, int Occurrences, string? AcknowledgedBy, DateTimeOffset? AcknowledgedAt, string? Outcome, int Version,
        string LocalId)
    {
        // No residents, households or places at the gateway: the registry knows devices only.
        public long? ResidentId => null;
        public string? ResidentName => null;
        public string? HouseholdLabel => null;
        public long? GridId => null;
        public string? GridName => null;
        public long? CommunityId => null;
        public string Message => "";
        public string? ResolvedBy => null;
        public DateTimeOffset? ResolvedAt => null;
    }
}

/// <summary>The live feed of the duty room's board, on the hub's path and with the hub's message names.</summary>
[Authorize]
public sealed class BoardHub : Microsoft.AspNetCore.SignalR.Hub
{
    // The dashboard fetches the open list only after this: nothing raised in between is missed.
    public override Task OnConnectedAsync() => Clients.Caller.SendAsync("Subscribed");
}

/// <summary>Pushes every change of a local alert to the signed-in boards at once.</summary>
public sealed class BoardPush(LocalAlerts alerts, IHubContext<BoardHub> hub, ILogger<BoardPush> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        alerts.Changed += OnChanged;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        alerts.Changed -= OnChanged;
        return Task.CompletedTask;
    }

    private void OnChanged(LocalAlert alert, LocalAlertChange change) => _ = PushAsync(alert, change);

    private async Task PushAsync(LocalAlert alert, LocalAlertChange change)
    {
        try
        {
            await hub.Clients.All.SendAsync(change == LocalAlertChange.Raised ? "AlertRaised" : "AlertUpdated", BoardApi.ToDto(alert));
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // A board that missed it catches up on its next (re)connect, which fetches the open list.
            logger.LogWarning(ex, "Local alert {LocalId} not pushed to the boards", alert.LocalId);
        }
    }
}
