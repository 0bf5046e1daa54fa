using Microsoft.AspNetCore.Http.HttpResults;
using SmartCommunity.Hub.People;

namespace SmartCommunity.Hub.Privacy;

/// <summary>A resident's data on request: export (subject access) and erasure. Admins only; both are audit-logged.</summary>
public static class PrivacyApi
{
    public static RouteGroupBuilder MapPrivacyApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/residents/{id:int}").WithTags("Privacy").RequireAuthorization(p => p.RequireRole(Roles.Admin));
        group.MapGet("/export", ExportAsync).WithSummary("Everything the hub holds about the resident: profile, family contacts, devices, alerts with timelines, visits, readings, who accessed their data");
        group.MapDelete("/data", EraseAsync).WithSummary("Erases the resident's personal data and readings; their alerts stay, anonymised, for statistics");
        return group;
    }

    private static async Task<Results<FileContentHttpResult, NotFound>> ExportAsync(int id, HttpContext http, ResidentData data, CancellationToken ct)
    {
        var export = await data.ExportAsync(id, ct);
        if (export is null)
            return TypedResults.NotFound();
        http.RecordPersonalDataRead("export", id);
        // A download, not a page: the browser saves it instead of rendering (or caching) it.
        var json = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(export, System.Text.Json.JsonSerializerOptions.Web);
        http.Response.Headers.CacheControl = "no-store";
        return TypedResults.File(json, "application/json", $"resident-{id}-export.json");
    }

    private static async Task<Results<Ok<ErasureResult>, NotFound>> EraseAsync(int id, HttpContext http, ResidentData data, CancellationToken ct)
    {
        var result = await data.EraseAsync(id, ct);
        if (result is null)
            return TypedResults.NotFound();
        // The audit row names the resident by id only and says what was done, in counts.
        http.RecordPersonalDataRead($"erasure: {result.AlertsAnonymised} alerts anonymised, {result.VisitsDeleted} visits, {result.ReadingsDeleted} readings deleted", id);
        return TypedResults.Ok(result);
    }
}
