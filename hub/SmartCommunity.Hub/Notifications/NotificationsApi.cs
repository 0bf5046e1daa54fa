using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using SmartCommunity.Hub.Hosting;
using SmartCommunity.Hub.People;
using SmartCommunity.Hub.Persistence;

namespace SmartCommunity.Hub.Notifications;

/// <summary>A delivery that failed every attempt, on any channel. <c>EventType</c> is the webhook event or the text's key;
/// <c>Payload</c> the webhook's body (null for SMS, voice and push, whose content is rendered when sent).</summary>
public sealed record DeadLetterDto(long Id, string Channel, string Recipient, string EventType, string? Payload, int Attempts, string? LastError,
    DateTimeOffset FailedAt, long? AlertId, string IdempotencyKey);
public sealed record SubscribeRequest(string Endpoint, SubscriptionKeys Keys);
public sealed record SubscriptionKeys(string P256dh, string Auth);
public sealed record PreferencesDto(string? QuietStart, string? QuietEnd, bool WebPush);

/// <summary>Web Push subscriptions and preferences for the caller; the outbox's dead letters (every channel) for admins, who may send one again.</summary>
public static class NotificationsApi
{
    public static RouteGroupBuilder MapNotificationsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/notifications").WithTags("Notifications").RequireAuthorization();
        group.MapGet("/vapid-public-key", (VapidKeys keys) => TypedResults.Ok(new { publicKey = keys.PublicKey }));
        group.MapPost("/subscriptions", SubscribeAsync);
        group.MapDelete("/subscriptions", UnsubscribeAsync);
        group.MapGet("/preferences", GetPreferencesAsync);
        group.MapPut("/preferences", SetPreferencesAsync);
        var admin = group.MapGroup("/dead-letters").RequireAuthorization(p => p.RequireRole(Roles.Admin));
        admin.MapGet("/", DeadLettersAsync);
        admin.MapPost("/{id:long}/retry", RetryAsync);
        return group;
    }

    private static async Task<Results<NoContent, ValidationProblem>> SubscribeAsync(SubscribeRequest req, HttpContext http, AccessScopeResolver scopes, PushEndpointPolicy policy,
        HubDbContext db, TimeProvider time, ILogger<PushEndpointPolicy> logger, CancellationToken ct)
    {
        // The hub will POST to this URL: only push services (https, public hosts; Hub:WebPush), never its own network.
        if (policy.Refuse(req.Endpoint) is { } refusal)
        {
            policy.SubscriptionRefused();
            logger.LogWarning("Push subscription refused: {Reason}", refusal);
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["endpoint"] = [refusal] }, detail: refusal, title: "This push endpoint is not accepted");
        }
        if (req.Keys is null || string.IsNullOrEmpty(req.Keys.P256dh) || string.IsNullOrEmpty(req.Keys.Auth) || req.Keys.P256dh.Length > 200 || req.Keys.Auth.Length > 100)
            return ApiProblem.Invalid("keys", "keys.p256dh and keys.auth are required");
        var scope = await scopes.ResolveAsync(http.User, ct);
        // One row per endpoint: a browser that subscribes again (or another user on the same browser) takes it over.
        var existing = await db.PushSubscriptions.SingleOrDefaultAsync(s => s.Endpoint == req.Endpoint, ct);
        if (existing is not null)
            db.PushSubscriptions.Remove(existing);
        db.PushSubscriptions.Add(new PushSubscriptionRecord { UserId = scope.UserId, Endpoint = req.Endpoint, P256dh = req.Keys.P256dh, Auth = req.Keys.Auth, CreatedAt = time.GetUtcNow() });
        await db.SaveChangesAsync(ct);
        return TypedResults.NoContent();
    }

    private static async Task<NoContent> UnsubscribeAsync(string endpoint, HttpContext http, AccessScopeResolver scopes, HubDbContext db, CancellationToken ct)
    {
        var scope = await scopes.ResolveAsync(http.User, ct);
        await db.PushSubscriptions.Where(s => s.Endpoint == endpoint && s.UserId == scope.UserId).ExecuteDeleteAsync(ct);
        return TypedResults.NoContent();
    }

    private static async Task<Ok<PreferencesDto>> GetPreferencesAsync(HttpContext http, AccessScopeResolver scopes, HubDbContext db, CancellationToken ct)
    {
        var scope = await scopes.ResolveAsync(http.User, ct);
        var p = await db.NotificationPreferences.AsNoTracking().SingleOrDefaultAsync(x => x.UserId == scope.UserId, ct);
        return TypedResults.Ok(new PreferencesDto(p?.QuietStart?.ToString("HH:mm", CultureInfo.InvariantCulture), p?.QuietEnd?.ToString("HH:mm", CultureInfo.InvariantCulture), p?.WebPush ?? true));
    }

    private static async Task<Results<NoContent, ValidationProblem>> SetPreferencesAsync(PreferencesDto req, HttpContext http, AccessScopeResolver scopes, HubDbContext db, CancellationToken ct)
    {
        TimeOnly? start = null, end = null;
        if (req.QuietStart is not null || req.QuietEnd is not null)
        {
            if (!TimeOnly.TryParse(req.QuietStart, CultureInfo.InvariantCulture, out var s) || !TimeOnly.TryParse(req.QuietEnd, CultureInfo.InvariantCulture, out var e))
                return ApiProblem.Invalid("quietStart", "quietStart and quietEnd are both HH:mm (community time), or both null");
            (start, end) = (s, e);
        }
        var scope = await scopes.ResolveAsync(http.User, ct);
        var p = await db.NotificationPreferences.SingleOrDefaultAsync(x => x.UserId == scope.UserId, ct);
        if (p is null)
            db.NotificationPreferences.Add(p = new NotificationPreference { UserId = scope.UserId });
        p.QuietStart = start;
        p.QuietEnd = end;
        p.WebPush = req.WebPush;
        await db.SaveChangesAsync(ct);
        return TypedResults.NoContent();
    }

    private static async Task<Ok<List<DeadLetterDto>>> DeadLettersAsync(HubDbContext db, CancellationToken ct)
    {
        var rows = await db.Outbox.AsNoTracking().Where(m => m.State == OutboxState.Dead).OrderByDescending(d => d.Id).Take(500).ToListAsync(ct);
        return TypedResults.Ok(rows.Select(d => new DeadLetterDto(d.Id, d.Channel, d.Recipient, d.TemplateKey, d.Channel == OutboxChannels.Webhook ? d.Body : null,
            d.Attempts, d.LastError, d.NextAttemptAt, d.AlertId, d.IdempotencyKey)).ToList());
    }

    private static async Task<Results<Accepted, NotFound>> RetryAsync(long id, OutboxDispatcher outbox, CancellationToken ct) =>
        await outbox.RetryAsync(id, ct) ? TypedResults.Accepted((string?)null) : TypedResults.NotFound();
}
