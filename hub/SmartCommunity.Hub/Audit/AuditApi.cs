using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using SmartCommunity.Hub.People;
using SmartCommunity.Hub.Persistence;
using SmartCommunity.Hub.Privacy;

namespace SmartCommunity.Hub.Audit;

public sealed record AuditEntryDto(long Id, DateTimeOffset At, string? UserId, string UserName, string Action, int Status, string? Detail, IReadOnlyList<int> ResidentIds);

public static class AuditApi
{
    public static RouteGroupBuilder MapAuditApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/audit").WithTags("Audit").RequireAuthorization(p => p.RequireRole(Roles.Admin));
        group.MapGet("/", ListAsync).WithSummary("Newest first; user= filters by user name, residentId= to whose data was read or changed, reads=true to reads of personal data only, from=/to= a time range (to exclusive)");
        return group;
    }

    private static async Task<Results<Ok<List<AuditEntryDto>>, ValidationProblem>> ListAsync(HubDbContext db, string? user, int? residentId, bool? reads, DateTimeOffset? from, DateTimeOffset? to,
        int? limit, CancellationToken ct)
    {
        if (from is { } f && to is { } t && t <= f)
            return Hosting.ApiProblem.Invalid("to", "to must be after from");
        var q = db.AuditLog.AsNoTracking();
        if (from is { } since)
            q = q.Where(a => a.At >= since);
        if (to is { } until)
            q = q.Where(a => a.At < until);
        if (!string.IsNullOrEmpty(user))
            q = q.Where(a => a.UserName == user);
        if (residentId is { } r)
        {
            var marker = PersonalDataAccess.FormatResidentIds([r]);
            q = q.Where(a => a.ResidentIds != null && a.ResidentIds.Contains(marker));
        }
        if (reads == true)
            q = q.Where(a => a.ResidentIds != null && a.Action.StartsWith("GET "));
        var rows = await q.OrderByDescending(a => a.Id).Take(Math.Clamp(limit ?? 200, 1, 1000)).ToListAsync(ct);
        return TypedResults.Ok(rows.Select(a => new AuditEntryDto(a.Id, a.At, a.UserId, a.UserName, a.Action, a.Status, a.Detail, PersonalDataAccess.ParseResidentIds(a.ResidentIds))).ToList());
    }
}
