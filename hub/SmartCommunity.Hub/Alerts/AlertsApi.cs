using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using SmartCommunity.Domain.Alerts;
using SmartCommunity.Hub.People;
using SmartCommunity.Hub.Persistence;
using SmartCommunity.Hub.Places;

namespace SmartCommunity.Hub.Alerts;

public sealed record ResolveRequest(string Outcome, string? Note);
public sealed record AcknowledgeRequest(string? Note);

public static class AlertsApi
{
    public static RouteGroupBuilder MapAlertsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/alerts").WithTags("Alerts").RequireAuthorization();
        group.MapGet("/", ListAsync).WithSummary("Alerts visible to the caller, newest first; status=open|resolved|all");
        group.MapGet("/{id:long}", GetAsync);
        group.MapPost("/{id:long}/ack", AcknowledgeAsync).RequireAuthorization(p => p.RequireRole(Roles.Admin, Roles.EmergencyStaff, Roles.GridWorker));
        group.MapPost("/{id:long}/resolve", ResolveAsync).RequireAuthorization(p => p.RequireRole(Roles.Admin, Roles.EmergencyStaff, Roles.GridWorker));
        return group;
    }

    private static async Task<Results<Ok<List<AlertDto>>, BadRequest<string>>> ListAsync(
        HttpContext http, HubDbContext db, AccessScopeResolver scopes, PlaceNames names,
        string? status, int? residentId, string? deviceId, DateTimeOffset? since, int? limit, CancellationToken ct)
    {
        var scope = await scopes.ResolveAsync(http.User, ct);
        var q = scope.Filter(db.Alerts.AsNoTracking());
        switch (status ?? "all")
        {
            case "open": q = q.Where(a => a.Status != AlertStatus.Resolved); break;
            case "resolved": q = q.Where(a => a.Status == AlertStatus.Resolved); break;
            case "all": break;
            default:
                if (!AlertNames.TryParseStatus(status, out var s))
                    return TypedResults.BadRequest("status must be open, resolved, all or a lifecycle state");
                q = q.Where(a => a.Status == s);
                break;
        }
        if (residentId is { } rid) q = q.Where(a => a.ResidentId == rid);
        if (deviceId is not null) q = q.Where(a => a.DeviceId == deviceId);
        if (since is { } t) q = q.Where(a => a.LastSeenAt >= t);
        var take = Math.Clamp(limit ?? 200, 1, 1000);
        var alerts = await q.OrderByDescending(a => a.Id).Take(take).ToListAsync(ct);
        return TypedResults.Ok(alerts.Select(a => AlertDto.From(a, names)).ToList());
    }

    private static async Task<Results<Ok<AlertDto>, NotFound>> GetAsync(long id, HttpContext http, HubDbContext db, AccessScopeResolver scopes, PlaceNames names, CancellationToken ct)
    {
        var scope = await scopes.ResolveAsync(http.User, ct);
        var alert = await db.Alerts.AsNoTracking().SingleOrDefaultAsync(a => a.Id == id, ct);
        // Not found and not yours look the same, so ids cannot be probed.
        if (alert is null || !scope.CanSee(alert))
            return TypedResults.NotFound();
        return TypedResults.Ok(AlertDto.From(alert, names));
    }

    private static Task<Results<Ok<AlertDto>, NotFound, Conflict<string>>> AcknowledgeAsync(
        long id, AcknowledgeRequest? body, HttpContext http, AlertService alerts, AccessScopeResolver scopes, HubDbContext db, PlaceNames names, TimeProvider time, CancellationToken ct) =>
        ChangeAsync(id, http, alerts, scopes, db, names, (a, who) => a.Acknowledge(who, time.GetUtcNow()), ct);

    private static async Task<Results<Ok<AlertDto>, NotFound, Conflict<string>, BadRequest<string>>> ResolveAsync(
        long id, ResolveRequest body, HttpContext http, AlertService alerts, AccessScopeResolver scopes, HubDbContext db, PlaceNames names, TimeProvider time, CancellationToken ct)
    {
        if (!AlertNames.TryParseOutcome(body.Outcome, out var outcome) || outcome == AlertOutcome.Recovered)
            return TypedResults.BadRequest("outcome must be real, false_alarm, device_fault or resident_cancelled");
        if (body.Note is { Length: > 2000 })
            return TypedResults.BadRequest("note is longer than 2000 characters");
        var result = await ChangeAsync(id, http, alerts, scopes, db, names, (a, who) => a.Resolve(who, outcome, body.Note, time.GetUtcNow()), ct);
        return result.Result switch
        {
            Ok<AlertDto> ok => ok,
            NotFound nf => nf,
            Conflict<string> c => c,
            _ => throw new InvalidOperationException(),
        };
    }

    private static async Task<Results<Ok<AlertDto>, NotFound, Conflict<string>>> ChangeAsync(
        long id, HttpContext http, AlertService alerts, AccessScopeResolver scopes, HubDbContext db, PlaceNames names, Action<Alert, string> change, CancellationToken ct)
    {
        var scope = await scopes.ResolveAsync(http.User, ct);
        var current = await db.Alerts.AsNoTracking().SingleOrDefaultAsync(a => a.Id == id, ct);
        if (current is null || !scope.CanHandle(current))
            return TypedResults.NotFound();
        try
        {
            var changed = await alerts.ChangeAsync(id, a => change(a, scope.UserName), ct);
            return changed is null ? TypedResults.NotFound() : TypedResults.Ok(AlertDto.From(changed, names));
        }
        catch (AlertTransitionException ex)
        {
            return TypedResults.Conflict(ex.Message);
        }
    }
}
