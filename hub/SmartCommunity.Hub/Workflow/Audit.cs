using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using SmartCommunity.Hub.People;
using SmartCommunity.Hub.Persistence;

namespace SmartCommunity.Hub.Workflow;

/// <summary>Who did what, when: one row per change a person made through the API.</summary>
public sealed class AuditEntry
{
    public long Id { get; set; }
    public DateTimeOffset At { get; set; }
    public string? UserId { get; set; }
    public required string UserName { get; set; }
    /// <summary>"POST /api/alerts/12/ack"</summary>
    public required string Action { get; set; }
    public int Status { get; set; }
    public string? Detail { get; set; }
}

public sealed record AuditEntryDto(long Id, DateTimeOffset At, string? UserId, string UserName, string Action, int Status, string? Detail);

/// <summary>
/// Records every write a signed-in person makes (POST/PUT/PATCH/DELETE under /api), with the outcome status.
/// One place rather than a call in every handler, so a new endpoint cannot forget it. Reads are not audited:
/// they would drown the changes, and access to personal data is already limited by scope.
/// </summary>
public sealed class AuditTrail(RequestDelegate next, IDbContextFactory<HubDbContext> dbFactory, TimeProvider time, ILogger<AuditTrail> logger)
{
    public async Task InvokeAsync(HttpContext http)
    {
        await next(http);
        var request = http.Request;
        if (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || HttpMethods.IsOptions(request.Method)
            || !request.Path.StartsWithSegments("/api") || request.Path.StartsWithSegments("/api/auth"))
            return;
        var user = http.User;
        if (user.Identity?.IsAuthenticated != true)
            return;
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(CancellationToken.None);
            db.AuditLog.Add(new AuditEntry
            {
                At = time.GetUtcNow(),
                UserId = user.FindFirstValue(ClaimTypes.NameIdentifier),
                UserName = user.Identity.Name ?? "",
                Action = $"{request.Method} {request.Path}",
                Status = http.Response.StatusCode,
            });
            await db.SaveChangesAsync(CancellationToken.None);
        }
        catch (Exception ex)
        {
            // The change itself already happened; a lost audit row is logged, never turned into a failed request.
            logger.LogError(ex, "Could not write the audit entry for {Method} {Path}", request.Method, request.Path);
        }
    }
}

public static class AuditApi
{
    public static RouteGroupBuilder MapAuditApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/audit").WithTags("Audit").RequireAuthorization(p => p.RequireRole(Roles.Admin));
        group.MapGet("/", ListAsync).WithSummary("Newest first; user= filters by user name");
        return group;
    }

    private static async Task<Ok<List<AuditEntryDto>>> ListAsync(HubDbContext db, string? user, int? limit, CancellationToken ct)
    {
        var q = db.AuditLog.AsNoTracking();
        if (!string.IsNullOrEmpty(user))
            q = q.Where(a => a.UserName == user);
        var rows = await q.OrderByDescending(a => a.Id).Take(Math.Clamp(limit ?? 200, 1, 1000)).ToListAsync(ct);
        return TypedResults.Ok(rows.Select(a => new AuditEntryDto(a.Id, a.At, a.UserId, a.UserName, a.Action, a.Status, a.Detail)).ToList());
    }
}
