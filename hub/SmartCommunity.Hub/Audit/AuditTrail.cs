using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using SmartCommunity.Hub.Persistence;
using SmartCommunity.Hub.Privacy;

namespace SmartCommunity.Hub.Audit;

/// <summary>Who did what, when: one row per change a person made through the API, and per read of residents' personal data.</summary>
public sealed class AuditEntry
{
    public long Id { get; set; }
    public DateTimeOffset At { get; set; }
    public string? UserId { get; set; }
    public required string UserName { get; set; }
    /// <summary>"POST /api/alerts/12/ack"</summary>
    public required string Action { get; set; }
    public int Status { get; set; }
    /// <summary>What was read or changed, e.g. "resident details; devices".</summary>
    public string? Detail { get; set; }
    /// <summary>The residents whose data the request touched, ",3,17," (see <see cref="PersonalDataAccess.FormatResidentIds"/>); null if none.</summary>
    public string? ResidentIds { get; set; }
}

/// <summary>What a write did, in words for the audit log (e.g. an import's counts); set by the handler, never with secrets.</summary>
public sealed record AuditNote(string Text);

/// <summary>
/// Records every write a signed-in person makes (POST/PUT/PATCH/DELETE under /api), with the outcome status, and every
/// successful read that returned residents' personal data (handlers mark those with
/// <see cref="PersonalDataAccess.RecordPersonalDataRead(HttpContext, string, IEnumerable{int?})"/>): one row per request
/// either way. Writes are caught in one place so a new endpoint cannot forget them; other reads are not audited, they
/// would drown the rest.
/// </summary>
public sealed class AuditTrail(RequestDelegate next, IDbContextFactory<HubDbContext> dbFactory, TimeProvider time, ILogger<AuditTrail> logger)
{
    public async Task InvokeAsync(HttpContext http)
    {
        await next(http);
        var request = http.Request;
        if (!request.Path.StartsWithSegments("/api") || request.Path.StartsWithSegments("/api/auth"))
            return;
        var read = http.Features.Get<PersonalDataRead>();
        var isRead = HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || HttpMethods.IsOptions(request.Method);
        if (isRead && (read is null || http.Response.StatusCode >= 400))
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
                Detail = read is null ? (http.Features.Get<AuditNote>() is { } note ? Truncate(note.Text, 2000) : null) : Truncate(string.Join("; ", read.What), 2000),
                ResidentIds = read is null ? null : PersonalDataAccess.FormatResidentIds(read.ResidentIds),
            });
            await db.SaveChangesAsync(CancellationToken.None);
        }
        catch (Exception ex)
        {
            // The change itself already happened; a lost audit row is logged, never turned into a failed request.
            logger.LogError(ex, "Could not write the audit entry for {Method} {Path}", request.Method, request.Path);
        }
    }

    private static string Truncate(string s, int max) => s.Length <= max ? s : s[..max];
}
