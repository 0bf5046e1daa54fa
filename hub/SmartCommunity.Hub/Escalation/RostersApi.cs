using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using SmartCommunity.Domain.Alerts;
using SmartCommunity.Domain.Escalation;
using SmartCommunity.Hub.People;
using SmartCommunity.Hub.Persistence;

namespace SmartCommunity.Hub.Escalation;

public sealed record RosterShiftDto(int Id, int CommunityId, int? GridId, string UserId, string Role, string Start, string End, int Days);
public sealed record CreateShiftRequest(int CommunityId, int? GridId, string UserId, string Role, string Start, string End, int? Days);
public sealed record OnDutyDto(string Level, IReadOnlyList<Recipient> People);
/// <summary>A draft roster to check (the shifts as they would be), or, without <paramref name="Shifts"/>, the saved one.</summary>
public sealed record CoverageCheckRequest(int CommunityId, IReadOnlyList<DraftShift>? Shifts, IReadOnlyList<string>? Levels);
public sealed record DraftShift(int? GridId, string Role, string Start, string End, int? Days);
/// <summary><paramref name="Day"/>: 0 = Sunday … 6 = Saturday, community local time.</summary>
public sealed record CoverageGapDto(int GridId, string GridName, string Level, int Day, int StartHour, int Hours);
public sealed record CoverageCheckDto(bool Covered, IReadOnlyList<CoverageGapDto> Gaps);

/// <summary>On-call rosters per grid and per community, and who is on duty right now.</summary>
public static class RostersApi
{
    public static RouteGroupBuilder MapRostersApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/rosters").WithTags("Rosters").RequireAuthorization(p => p.RequireRole(Roles.Admin, Roles.EmergencyStaff, Roles.GridWorker));
        group.MapGet("/", ListAsync);
        group.MapPost("/", CreateAsync).RequireAuthorization(p => p.RequireRole(Roles.Admin, Roles.EmergencyStaff));
        group.MapDelete("/{id:int}", DeleteAsync).RequireAuthorization(p => p.RequireRole(Roles.Admin, Roles.EmergencyStaff));
        group.MapPost("/coverage-check", CoverageCheckAsync).RequireAuthorization(p => p.RequireRole(Roles.Admin, Roles.EmergencyStaff))
            .WithSummary("The hours of the week nobody is on call, per grid and level, for a draft roster (or the saved one without shifts)");
        group.MapGet("/on-duty", OnDutyAsync).WithSummary("Who would be paged now for an alert in this grid, per level");
        return group;
    }

    public static string ToWire(this EscalationLevel level) => level switch
    {
        EscalationLevel.GridWorker => "grid_worker",
        EscalationLevel.DutyOfficer => "duty_officer",
        EscalationLevel.EmergencyCentre => "emergency_centre",
        _ => throw new ArgumentOutOfRangeException(nameof(level)),
    };

    private static bool TryParseLevel(string? wire, out EscalationLevel level)
    {
        foreach (var l in Enum.GetValues<EscalationLevel>())
        {
            if (l.ToWire() == wire)
            {
                level = l;
                return true;
            }
        }
        level = default;
        return false;
    }

    private static RosterShiftDto ToDto(RosterShift s) => new(s.Id, s.CommunityId, s.GridId, s.UserId, s.Role.ToWire(), s.Start.ToString("HH:mm"), s.End.ToString("HH:mm"), (int)s.Days);

    private static async Task<Ok<List<RosterShiftDto>>> ListAsync(HttpContext http, AccessScopeResolver scopes, HubDbContext db, int? communityId, CancellationToken ct)
    {
        var scope = await scopes.ResolveAsync(http.User, ct);
        var q = scope.Filter(db.RosterShifts.AsNoTracking());
        if (communityId is { } c)
            q = q.Where(s => s.CommunityId == c);
        var rows = await q.OrderBy(s => s.CommunityId).ThenBy(s => s.GridId).ThenBy(s => s.Start).ToListAsync(ct);
        return TypedResults.Ok(rows.Select(ToDto).ToList());
    }

    private static async Task<Results<Created<RosterShiftDto>, ValidationProblem, NotFound>> CreateAsync(CreateShiftRequest req, HttpContext http, AccessScopeResolver scopes, HubDbContext db, CancellationToken ct)
    {
        var scope = await scopes.ResolveAsync(http.User, ct);
        if (!scope.CanHandleCommunity(req.CommunityId))
            return TypedResults.NotFound();
        var errors = new Dictionary<string, string[]>();
        if (!TryParseLevel(req.Role, out var role))
            errors["role"] = ["role must be grid_worker, duty_officer or emergency_centre"];
        if (!TimeOnly.TryParse(req.Start, System.Globalization.CultureInfo.InvariantCulture, out var start))
            errors["start"] = ["start must be HH:mm (community local time)"];
        if (!TimeOnly.TryParse(req.End, System.Globalization.CultureInfo.InvariantCulture, out var end))
            errors["end"] = ["end must be HH:mm (community local time)"];
        if (role == EscalationLevel.GridWorker && req.GridId is null)
            errors["gridId"] = ["a grid worker shift needs a gridId"];
        if (req.GridId is { } g && !await db.Grids.AnyAsync(x => x.Id == g && x.CommunityId == req.CommunityId, ct))
            errors["gridId"] = ["no such grid in this community"];
        if (!await db.Users.AnyAsync(u => u.Id == req.UserId, ct))
            errors["userId"] = ["no such user"];
        else if (!errors.ContainsKey("role") && (await scopes.ResolveUserAsync(req.UserId, ct)).PagingRefusal(role, req.CommunityId, req.GridId) is { } refusal)
            errors["userId"] = [refusal];
        if (req.Days is < 0 or > (int)WeekDays.All)
            errors["days"] = ["days is a bit mask, Sunday = 1 … Saturday = 64"];
        if (errors.Count > 0)
            return TypedResults.ValidationProblem(errors);
        var shift = new RosterShift { CommunityId = req.CommunityId, GridId = req.GridId, UserId = req.UserId, Role = role, Start = start, End = end, Days = (WeekDays)(req.Days ?? (int)WeekDays.All) };
        db.RosterShifts.Add(shift);
        await db.SaveChangesAsync(ct);
        return TypedResults.Created($"/api/rosters/{shift.Id}", ToDto(shift));
    }

    private static async Task<Results<Ok<CoverageCheckDto>, ValidationProblem, NotFound>> CoverageCheckAsync(CoverageCheckRequest req, HttpContext http, AccessScopeResolver scopes, HubDbContext db, CancellationToken ct)
    {
        var scope = await scopes.ResolveAsync(http.User, ct);
        if (!scope.CanHandleCommunity(req.CommunityId) || !await db.Communities.AnyAsync(c => c.Id == req.CommunityId, ct))
            return TypedResults.NotFound();
        var errors = new Dictionary<string, string[]>();
        var levels = new List<EscalationLevel>();
        foreach (var wire in req.Levels ?? [.. Enum.GetValues<EscalationLevel>().Select(l => l.ToWire())])
        {
            if (TryParseLevel(wire, out var l))
                levels.Add(l);
            else
                errors["levels"] = ["levels are grid_worker, duty_officer or emergency_centre"];
        }
        var grids = await db.Grids.AsNoTracking().Where(g => g.CommunityId == req.CommunityId).OrderBy(g => g.Id).Select(g => new { g.Id, g.Name }).ToListAsync(ct);
        List<RosterShift> shifts;
        if (req.Shifts is null)
        {
            shifts = await db.RosterShifts.AsNoTracking().Where(s => s.CommunityId == req.CommunityId).ToListAsync(ct);
        }
        else
        {
            shifts = [];
            for (var i = 0; i < req.Shifts.Count; i++)
            {
                var d = req.Shifts[i];
                var at = $"shifts[{i}]";
                if (!TryParseLevel(d.Role, out var role))
                    errors[at + ".role"] = ["role must be grid_worker, duty_officer or emergency_centre"];
                if (!TimeOnly.TryParse(d.Start, System.Globalization.CultureInfo.InvariantCulture, out var start))
                    errors[at + ".start"] = ["start must be HH:mm (community local time)"];
                if (!TimeOnly.TryParse(d.End, System.Globalization.CultureInfo.InvariantCulture, out var end))
                    errors[at + ".end"] = ["end must be HH:mm (community local time)"];
                if (d.GridId is { } g && grids.All(x => x.Id != g))
                    errors[at + ".gridId"] = ["no such grid in this community"];
                if (d.Days is < 0 or > (int)WeekDays.All)
                    errors[at + ".days"] = ["days is a bit mask, Sunday = 1 … Saturday = 64"];
                shifts.Add(new RosterShift { CommunityId = req.CommunityId, GridId = d.GridId, UserId = "-", Role = role, Start = start, End = end, Days = (WeekDays)(d.Days ?? (int)WeekDays.All) });
            }
        }
        if (errors.Count > 0)
            return TypedResults.ValidationProblem(errors);
        var names = grids.ToDictionary(g => g.Id, g => g.Name);
        var gaps = RosterCoverage.Gaps(shifts, req.CommunityId, names.Keys, levels)
            .Select(g => new CoverageGapDto(g.GridId, names[g.GridId], g.Level.ToWire(), (int)g.Day, g.StartHour, g.Hours)).ToList();
        return TypedResults.Ok(new CoverageCheckDto(gaps.Count == 0, gaps));
    }

    private static async Task<Results<NoContent, NotFound>> DeleteAsync(int id, HttpContext http, AccessScopeResolver scopes, HubDbContext db, CancellationToken ct)
    {
        var scope = await scopes.ResolveAsync(http.User, ct);
        var shift = await db.RosterShifts.SingleOrDefaultAsync(s => s.Id == id, ct);
        if (shift is null || !scope.CanHandleCommunity(shift.CommunityId))
            return TypedResults.NotFound();
        db.RosterShifts.Remove(shift);
        await db.SaveChangesAsync(ct);
        return TypedResults.NoContent();
    }

    private static async Task<Results<Ok<List<OnDutyDto>>, NotFound>> OnDutyAsync(int gridId, HttpContext http, AccessScopeResolver scopes, HubDbContext db, OnCall onCall, CancellationToken ct)
    {
        var scope = await scopes.ResolveAsync(http.User, ct);
        var grid = await db.Grids.AsNoTracking().SingleOrDefaultAsync(g => g.Id == gridId, ct);
        if (grid is null || !scope.CanHandle(grid.CommunityId, grid.Id))
            return TypedResults.NotFound();
        // A probe alert at this place: routing only needs where it is.
        var probe = Alert.Raise(new AlertSignal("-", AlertKind.Test, Severity.Critical, "", DateTimeOffset.UnixEpoch), new AlertPlace(null, null, grid.Id, grid.CommunityId), DateTimeOffset.UnixEpoch);
        var result = new List<OnDutyDto>();
        foreach (var level in Enum.GetValues<EscalationLevel>())
            result.Add(new OnDutyDto(level.ToWire(), await onCall.RecipientsAsync(probe, level, ct)));
        return TypedResults.Ok(result);
    }
}
