using Microsoft.AspNetCore.Http.HttpResults;
using SmartCommunity.Hub.Devices;
using SmartCommunity.Hub.People;

namespace SmartCommunity.Hub.Hosting;

public static class OperationsApi
{
    public static void MapOperationsApi(this WebApplication app)
    {
        app.MapHealthChecks("/health").AllowAnonymous();
        // Only the document there is: another name would get the OpenAPI handler's plain-text 404 instead of problem details.
        app.MapOpenApi("/openapi/{documentName:regex(^v1$)}.json").AllowAnonymous();
        app.MapGet("/api/stats", Stats).WithTags("Operations").RequireAuthorization(p => p.RequireRole(Roles.Admin, Roles.Technician, Roles.EmergencyStaff))
            .WithSummary("Counters since start: messages and readings accepted, rejections, alerts, queue depth, devices online");
    }

    private static Ok<StatsDto> Stats(HubMetrics metrics, DeviceDirectory devices) =>
        TypedResults.Ok(metrics.Snapshot(devices.Count, devices.All.Count(d => { lock (d.Sync) return d.Online; })));
}
