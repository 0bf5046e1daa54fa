using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using SmartCommunity.Domain.Escalation;
using SmartCommunity.Domain.Reports;
using SmartCommunity.Domain.Visits;
using SmartCommunity.Hub.Hosting;
using SmartCommunity.Hub.Localization;
using SmartCommunity.Hub.People;

namespace SmartCommunity.Hub.Reports;

public static class ReportsApi
{
    public static RouteGroupBuilder MapReportsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/reports").WithTags("Reports").RequireAuthorization(p => p.RequireRole(Roles.Admin, Roles.EmergencyStaff));
        group.MapGet("/kpi", KpiAsync).WithSummary("KPIs for a community; from/to default to the last 7 days");
        group.MapGet("/monthly/{communityId:int}/{month}.csv", MonthlyCsvAsync);
        group.MapGet("/monthly/{communityId:int}/{month}.html", MonthlyHtmlAsync);
        group.MapGet("/monthly/{communityId:int}/{month}.xlsx", MonthlyXlsxAsync).WithSummary("The CSV's rows as an Excel workbook, figures as numbers");
        return group;
    }

    private static async Task<bool> InScopeAsync(HttpContext http, AccessScopeResolver scopes, int communityId, CancellationToken ct)
    {
        var scope = await scopes.ResolveAsync(http.User, ct);
        return scope.CanHandleCommunity(communityId);
    }

    private static async Task<Results<Ok<KpiReport>, NotFound>> KpiAsync(int communityId, DateTimeOffset? from, DateTimeOffset? to, HttpContext http, AccessScopeResolver scopes, ReportService reports, TimeProvider time, CancellationToken ct)
    {
        if (!await InScopeAsync(http, scopes, communityId, ct))
            return TypedResults.NotFound();
        var end = to ?? time.GetUtcNow();
        var start = from ?? end.AddDays(-7);
        var r = await reports.ComputeAsync(communityId, start, end, LocalMonth.Of(end, Roster.DefaultZone), ct);
        return r is { } ok ? TypedResults.Ok(ok.Report) : TypedResults.NotFound();
    }

    private static async Task<Results<ContentHttpResult, NotFound, ValidationProblem>> MonthlyCsvAsync(int communityId, string month, HttpContext http, AccessScopeResolver scopes, ReportService reports, CancellationToken ct) =>
        await MonthlyAsync(communityId, month, http, scopes, reports, (name, m, r, language) => TypedResults.Text(ReportService.Csv(r, language), "text/csv"), ct);

    private static async Task<Results<ContentHttpResult, NotFound, ValidationProblem>> MonthlyHtmlAsync(int communityId, string month, HttpContext http, AccessScopeResolver scopes, ReportService reports, CancellationToken ct) =>
        await MonthlyAsync(communityId, month, http, scopes, reports, (name, m, r, language) => TypedResults.Text(ReportService.Html(name, m, r, language), "text/html"), ct);

    private static async Task<Results<FileContentHttpResult, NotFound, ValidationProblem>> MonthlyXlsxAsync(int communityId, string month, HttpContext http, AccessScopeResolver scopes, ReportService reports, CancellationToken ct)
    {
        if (!LocalMonth.TryParse(month, out var m))
            return ApiProblem.Invalid("month", "month is yyyy-MM");
        var scope = await scopes.ResolveAsync(http.User, ct);
        if (!scope.CanHandleCommunity(communityId) || await reports.MonthAsync(communityId, m, ct) is not { } r)
            return TypedResults.NotFound();
        return TypedResults.File(ReportService.Xlsx(r.Report, ReaderLanguage.Of(http, scope)), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", $"kpi-{communityId}-{m}.xlsx");
    }

    private static async Task<Results<ContentHttpResult, NotFound, ValidationProblem>> MonthlyAsync(int communityId, string month, HttpContext http, AccessScopeResolver scopes, ReportService reports,
        Func<string, string, KpiReport, string, ContentHttpResult> render, CancellationToken ct)
    {
        if (!LocalMonth.TryParse(month, out var m))
            return ApiProblem.Invalid("month", "month is yyyy-MM");
        var scope = await scopes.ResolveAsync(http.User, ct);
        if (!scope.CanHandleCommunity(communityId) || await reports.MonthAsync(communityId, m, ct) is not { } r)
            return TypedResults.NotFound();
        return render(r.Community, m.ToString(), r.Report, ReaderLanguage.Of(http, scope));
    }
}
