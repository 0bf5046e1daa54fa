using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using SmartCommunity.Domain.Alerts;
using SmartCommunity.Domain.Escalation;
using SmartCommunity.Domain.Places;
using SmartCommunity.Hub.Contacts;
using SmartCommunity.Hub.Escalation;
using SmartCommunity.Hub.Hosting;
using SmartCommunity.Hub.Localization;
using SmartCommunity.Hub.Notifications;
using SmartCommunity.Hub.People;
using SmartCommunity.Hub.Persistence;
using SmartCommunity.Hub.Places;
using SmartCommunity.Hub.Privacy;

namespace SmartCommunity.Hub.Alerts;

public sealed record ResolveRequest(string Outcome, string? Note);
public sealed record AcknowledgeRequest(string? Note);
public sealed record DispatchRequest(string Assignee);
public sealed record CommentRequest(string Text);
public sealed record FeedbackRequest(int Rating, string? Comment);
public sealed record HandoffRequest(string Centre);

/// <summary>What the workflow endpoints need, bundled so handler signatures stay readable.</summary>
public sealed class AlertServices(HttpContext http, AlertService alerts, AccessScopeResolver scopes, HubDbContext db, PlaceNames names, TimeProvider time,
    EscalationService escalation, Downlink downlink, FamilyNotifications family, AlertAftermath aftermath)
{
    public HttpContext Http { get; } = http;
    public AlertService Alerts { get; } = alerts;
    public AccessScopeResolver Scopes { get; } = scopes;
    public HubDbContext Db { get; } = db;
    public PlaceNames Names { get; } = names;
    public TimeProvider Time { get; } = time;
    public EscalationService Escalation { get; } = escalation;
    public Downlink Downlink { get; } = downlink;
    public FamilyNotifications Family { get; } = family;
    public AlertAftermath Aftermath { get; } = aftermath;
    public DateTimeOffset Now => Time.GetUtcNow();
}

/// <summary>
/// The alert workflow: list and read; acknowledge, dispatch, on site, resolve, comment (responders with the place in
/// scope); the timeline; for the family of that resident only: cancelling an inferred alert's pre-alarm, "I am with
/// her" (recorded and shown; staff still resolve the alert) and rating a resolved alert.
/// Every change goes through <see cref="AlertService"/>, which persists, records the timeline and pushes AlertUpdated.
/// </summary>
public static class AlertsApi
{
    public static RouteGroupBuilder MapAlertsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/alerts").WithTags("Alerts").RequireAuthorization();
        group.MapGet("/", ListAsync).WithSummary("Alerts visible to the caller, newest first; status=open|resolved|all; residentId (with household=true also that household's shared devices)");
        group.MapAlertsExport();
        group.MapGet("/{id:long}", GetAsync);
        group.MapGet("/{id:long}/timeline", TimelineAsync);
        var staff = group.MapGroup("/{id:long}").RequireAuthorization(p => p.RequireRole(Roles.Admin, Roles.EmergencyStaff, Roles.GridWorker));
        staff.MapPost("/ack", AcknowledgeAsync);
        staff.MapPost("/dispatch", DispatchAsync);
        staff.MapPost("/on-site", OnSiteAsync);
        staff.MapPost("/resolve", ResolveAsync);
        staff.MapPost("/comments", CommentAsync);
        staff.MapPost("/handoff", HandOffAsync).WithSummary("Record that the caller handed the alert to an emergency centre (120, 110, 119); the handoff event carries the alert to the centre's channel");
        var family = group.MapGroup("/{id:long}").RequireAuthorization(p => p.RequireRole(Roles.Family));
        family.MapPost("/cancel", CancelAsync).WithSummary("Family calls off an inferred alert's pre-alarm before staff are paged (never a device's alert such as a fall)");
        family.MapPost("/with-resident", WithResidentAsync).WithSummary("Family reports being with the resident (\"I am with her\"): on the timeline and the board; the alert stays open for staff");
        family.MapPost("/feedback", FeedbackAsync).WithSummary("Family rates a resolved alert of their own relative (1–5)");
        return group;
    }

    private static async Task<Results<Ok<List<AlertDto>>, ValidationProblem>> ListAsync(
        HttpContext http, HubDbContext db, AccessScopeResolver scopes, PlaceNames names,
        string? status, int? residentId, bool? household, string? deviceId, DateTimeOffset? since, int? limit, CancellationToken ct)
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
                    return ApiProblem.Invalid("status", "status must be open, resolved, all or a lifecycle state");
                q = q.Where(a => a.Status == s);
                break;
        }
        if (residentId is { } rid)
        {
            // household=true: also the alerts of the resident's household's shared devices (those of no resident).
            var home = household == true ? await db.Residents.AsNoTracking().Where(r => r.Id == rid).Select(r => (int?)r.HouseholdId).SingleOrDefaultAsync(ct) : null;
            q = home is { } h ? q.Where(a => a.ResidentId == rid || (a.ResidentId == null && a.HouseholdId == h)) : q.Where(a => a.ResidentId == rid);
        }
        if (deviceId is not null) q = q.Where(a => a.DeviceId == deviceId);
        if (since is { } t) q = q.Where(a => a.LastSeenAt >= t);
        var take = Math.Clamp(limit ?? 200, 1, 1000);
        var alerts = await q.OrderByDescending(a => a.Id).Take(take).ToListAsync(ct);
        http.RecordPersonalDataRead("alerts", alerts.Select(a => a.ResidentId));
        var language = ReaderLanguage.Of(http, scope);
        return TypedResults.Ok(alerts.Select(a => AlertDto.From(a, names, language)).ToList());
    }

    private static async Task<Results<Ok<AlertDto>, NotFound>> GetAsync(long id, HttpContext http, HubDbContext db, AccessScopeResolver scopes, PlaceNames names, CancellationToken ct)
    {
        var scope = await scopes.ResolveAsync(http.User, ct);
        var alert = await db.Alerts.AsNoTracking().SingleOrDefaultAsync(a => a.Id == id, ct);
        // Not found and not yours look the same, so ids cannot be probed.
        if (alert is null || !scope.CanSee(alert))
            return TypedResults.NotFound();
        http.RecordPersonalDataRead("alert", alert.ResidentId);
        return TypedResults.Ok(AlertDto.From(alert, names, ReaderLanguage.Of(http, scope)));
    }

    private static async Task<Results<Ok<List<AlertEventDto>>, NotFound>> TimelineAsync(long id, HttpContext http, HubDbContext db, AccessScopeResolver scopes, PlaceNames names, CancellationToken ct)
    {
        var scope = await scopes.ResolveAsync(http.User, ct);
        var alert = await db.Alerts.AsNoTracking().SingleOrDefaultAsync(a => a.Id == id, ct);
        if (alert is null || !scope.CanSee(alert))
            return TypedResults.NotFound();
        var events = await db.AlertEvents.AsNoTracking().Where(e => e.AlertId == id).OrderBy(e => e.At).ThenBy(e => e.Id).ToListAsync(ct);
        http.RecordPersonalDataRead("alert timeline", alert.ResidentId);
        var language = ReaderLanguage.Of(http, scope);
        return TypedResults.Ok(events.Select(e => AlertEventDto.From(e, alert, language, names)).ToList());
    }

    private static Task<Results<Ok<AlertDto>, NotFound, ProblemHttpResult, ValidationProblem>> AcknowledgeAsync(long id, AcknowledgeRequest? body, [AsParameters] AlertServices s, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        var note = errors.CheckText(TextField.Note("note"), body?.Note);
        if (errors.Count > 0)
            return Task.FromResult<Results<Ok<AlertDto>, NotFound, ProblemHttpResult, ValidationProblem>>(ApiProblem.Invalid(errors));
        return ChangeAsync(id, s, Responder, (a, who) =>
        {
            a.Acknowledge(who, s.Now);
            if (note is not null)
                a.Comment(who, note, s.Now);
        }, ct);
    }

    private static async Task<Results<Ok<AlertDto>, NotFound, ProblemHttpResult, ValidationProblem>> DispatchAsync(long id, DispatchRequest body, [AsParameters] AlertServices s, UserManager<HubUser> users, CancellationToken ct)
    {
        var assignee = string.IsNullOrWhiteSpace(body.Assignee) ? null : await users.FindByIdAsync(body.Assignee) ?? await users.FindByEmailAsync(body.Assignee);
        if (assignee is null)
            return ApiProblem.Invalid("assignee", "assignee must be the id or email of a user");
        // Whoever is sent gets the resident's name and address: staff who may handle this alert, never a family or another grid.
        var current = await s.Db.Alerts.AsNoTracking().SingleOrDefaultAsync(a => a.Id == id, ct);
        if (current is not null && (await s.Scopes.ResolveAsync(s.Http.User, ct)).CanHandle(current)
            && !(await s.Scopes.ResolveUserAsync(assignee.Id, ct)).CanHandle(current))
            return ApiProblem.Invalid("assignee", "only staff who handle this alert's place can be dispatched: an admin, emergency staff of its community or a grid worker of its grid");
        return await ChangeAsync(id, s, Responder, (a, who) => a.Dispatch(who, assignee.UserName!, s.Now), ct);
    }

    private static Task<Results<Ok<AlertDto>, NotFound, ProblemHttpResult, ValidationProblem>> OnSiteAsync(long id, [AsParameters] AlertServices s, CancellationToken ct) =>
        ChangeAsync(id, s, Responder, (a, who) => a.ArriveOnSite(s.Now, who), ct);

    private static async Task<Results<Ok<AlertDto>, NotFound, ProblemHttpResult, ValidationProblem>> ResolveAsync(long id, ResolveRequest body, [AsParameters] AlertServices s, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (!AlertNames.TryParseOutcome(body.Outcome, out var outcome) || outcome == AlertOutcome.Recovered)
            errors["outcome"] = ["outcome must be real, false_alarm, device_fault or resident_cancelled"];
        var note = errors.CheckText(TextField.Note("note"), body.Note);
        if (errors.Count > 0)
            return ApiProblem.Invalid(errors);
        return await ChangeAsync(id, s, Responder, (a, who) => a.Resolve(who, outcome, note, s.Now), ct);
    }

    private static Task<Results<Ok<AlertDto>, NotFound, ProblemHttpResult, ValidationProblem>> CommentAsync(long id, CommentRequest body, [AsParameters] AlertServices s, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        var text = errors.CheckText(TextField.Note("text", required: true), body.Text);
        if (errors.Count > 0)
            return Task.FromResult<Results<Ok<AlertDto>, NotFound, ProblemHttpResult, ValidationProblem>>(ApiProblem.Invalid(errors));
        return ChangeAsync(id, s, Responder, (a, who) => a.Comment(who, text!, s.Now), ct);
    }

    private static async Task<Results<Ok<AlertDto>, NotFound, ProblemHttpResult, ValidationProblem>> HandOffAsync(long id, HandoffRequest body, [AsParameters] AlertServices s,
        WebhookChannel webhooks, CancellationToken ct)
    {
        if (!EmergencyCentres.Numbers.Contains(body.Centre))
            return ApiProblem.Invalid("centre", $"centre must be one of {string.Join(", ", EmergencyCentres.Numbers)}");
        var result = await ChangeAsync(id, s, Responder, (a, who) => a.HandOff(who, body.Centre, s.Now), ct);
        if (result.Result is Ok<AlertDto> { Value: { } handed })
        {
            // The centre gets what responders need on arrival: the resident's emergency profile, in full (it is a handoff).
            var profile = handed.ResidentId is { } rid
                ? EmergencyProfileDto.From(rid, handed.ResidentName, await s.Db.EmergencyProfiles.AsNoTracking().SingleOrDefaultAsync(p => p.ResidentId == rid, ct),
                    mask: false, s.Names.Person)
                : null;
            await webhooks.EnqueueAsync("alert.handoff", new { alert = handed, centre = body.Centre, by = handed.HandedOffBy, at = handed.HandedOffAt, profile },
                $"alert-{id}:handoff-{handed.Version}", id, ct);
        }
        return result;
    }

    private static Task<Results<Ok<AlertDto>, NotFound, ProblemHttpResult, ValidationProblem>> CancelAsync(long id, [AsParameters] AlertServices s, CancellationToken ct) =>
        ChangeAsync(id, s, Relative, (a, who) => a.CancelPreAlarm(who, s.Now), ct);

    private static Task<Results<Ok<AlertDto>, NotFound, ProblemHttpResult, ValidationProblem>> WithResidentAsync(long id, [AsParameters] AlertServices s, CancellationToken ct) =>
        ChangeAsync(id, s, Relative, (a, who) => a.ReportWithResident(who, s.Now), ct);

    private static Task<Results<Ok<AlertDto>, NotFound, ProblemHttpResult, ValidationProblem>> FeedbackAsync(long id, FeedbackRequest body, [AsParameters] AlertServices s, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (body.Rating is < 1 or > 5)
            errors["rating"] = ["rating is 1–5"];
        var comment = errors.CheckText(TextField.Note("comment"), body.Comment);
        if (errors.Count > 0)
            return Task.FromResult<Results<Ok<AlertDto>, NotFound, ProblemHttpResult, ValidationProblem>>(ApiProblem.Invalid(errors));
        return ChangeAsync(id, s, Relative, (a, who) => a.GiveFeedback(who, body.Rating, comment, s.Now), ct);
    }

    private static bool Responder(AccessScope scope, Alert a) => scope.CanHandle(a);

    // The object-level rule for families: alerts of a resident they are linked to, or of that resident's household's shared devices.
    private static bool Relative(AccessScope scope, Alert a) => scope.IsFamilyOf(a);

    private static async Task<Results<Ok<AlertDto>, NotFound, ProblemHttpResult, ValidationProblem>> ChangeAsync(
        long id, AlertServices s, Func<AccessScope, Alert, bool> allowed, Action<Alert, string> change, CancellationToken ct)
    {
        var scope = await s.Scopes.ResolveAsync(s.Http.User, ct);
        var current = await s.Db.Alerts.AsNoTracking().SingleOrDefaultAsync(a => a.Id == id, ct);
        if (current is null || !allowed(scope, current))
            return TypedResults.NotFound();
        Alert? changed;
        try
        {
            changed = await s.Alerts.ChangeAsync(id, a => change(a, scope.UserName), ct);
        }
        catch (AlertTransitionException ex)
        {
            return ApiProblem.Conflict(ex.Message);
        }
        if (changed is null)
            return TypedResults.NotFound();
        await s.Aftermath.AfterChangeAsync(current, changed, ct);
        return TypedResults.Ok(AlertDto.From(changed, s.Names, ReaderLanguage.Of(s.Http, scope)));
    }
}
