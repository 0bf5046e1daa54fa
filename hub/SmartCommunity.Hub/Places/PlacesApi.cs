using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using SmartCommunity.Domain.Places;
using SmartCommunity.Hub.Devices;
using SmartCommunity.Hub.Hosting;
using SmartCommunity.Hub.People;
using SmartCommunity.Hub.Persistence;
using SmartCommunity.Hub.Privacy;

namespace SmartCommunity.Hub.Places;

public sealed record GridDto(int Id, int CommunityId, string Name);
public sealed record CommunityDto(int Id, string Name, string TimeZone, IReadOnlyList<GridDto> Grids);
public sealed record HouseholdDto(int Id, int GridId, string Address);
public sealed record ResidentDto(int Id, string Name, int? BirthYear, bool SpecialDifficulty, int HouseholdId, string? HouseholdAddress, int? GridId, string? GridName, int? CommunityId);
public sealed record ResidentDetailDto(ResidentDto Resident, IReadOnlyList<DeviceDto> Devices);

public sealed record CreateCommunityRequest(string Name, string? TimeZone);
public sealed record CreateGridRequest(int CommunityId, string Name);
public sealed record CreateHouseholdRequest(int GridId, string Address);
public sealed record CreateResidentRequest(int HouseholdId, string Name, int? BirthYear, bool SpecialDifficulty);

/// <summary>Communities → grids → households → residents. Reads are scoped to the caller; changes are for admins.</summary>
public static class PlacesApi
{

    public static RouteGroupBuilder MapPlacesApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api").WithTags("Places").RequireAuthorization();
        group.MapGet("/communities", CommunitiesAsync).RequireAuthorization(p => p.RequireRole(Roles.Admin, Roles.EmergencyStaff, Roles.GridWorker, Roles.Technician));
        group.MapGet("/residents", ResidentsAsync).RequireAuthorization(p => p.RequireRole(Roles.Admin, Roles.EmergencyStaff, Roles.GridWorker, Roles.Family));
        group.MapGet("/residents/{id:int}", ResidentAsync).RequireAuthorization(p => p.RequireRole(Roles.Admin, Roles.EmergencyStaff, Roles.GridWorker, Roles.Family));

        var admin = app.MapGroup("/api").WithTags("Places").RequireAuthorization(p => p.RequireRole(Roles.Admin));
        admin.MapPost("/communities", CreateCommunityAsync);
        admin.MapPost("/grids", CreateGridAsync);
        admin.MapPost("/households", CreateHouseholdAsync);
        admin.MapPost("/residents", CreateResidentAsync);
        admin.MapPut("/communities/{id:int}", UpdateCommunityAsync);
        admin.MapPut("/grids/{id:int}", UpdateGridAsync);
        admin.MapPut("/households/{id:int}", UpdateHouseholdAsync).WithSummary("A new address, or a move to another grid of the same community");
        admin.MapPut("/residents/{id:int}", UpdateResidentAsync).WithSummary("Corrected details, or a move to another household");
        return group;
    }

    private static async Task<Ok<List<CommunityDto>>> CommunitiesAsync(HttpContext http, HubDbContext db, AccessScopeResolver scopes, CancellationToken ct)
    {
        var scope = await scopes.ResolveAsync(http.User, ct);
        var grids = await db.Grids.AsNoTracking().OrderBy(g => g.Id).ToListAsync(ct);
        var communities = await db.Communities.AsNoTracking().OrderBy(c => c.Id).ToListAsync(ct);
        // Admins and technicians (who register devices anywhere) see every community; staff and grid workers only their own.
        if (!scope.Devices)
            communities = communities.Where(c => scope.CanHandleSomewhereIn(c.Id, grids.Where(g => g.CommunityId == c.Id).Select(g => g.Id))).ToList();
        return TypedResults.Ok(communities.Select(c => new CommunityDto(c.Id, c.Name, c.TimeZone,
            grids.Where(g => g.CommunityId == c.Id).Select(g => new GridDto(g.Id, g.CommunityId, g.Name)).ToList())).ToList());
    }

    private static async Task<List<ResidentDto>> ResidentRowsAsync(HubDbContext db, int? residentId, CancellationToken ct)
    {
        var rows = await (
            from r in db.Residents.AsNoTracking()
            join h in db.Households on r.HouseholdId equals h.Id
            join g in db.Grids on h.GridId equals g.Id
            where residentId == null || r.Id == residentId
            orderby r.Id
            select new { r.Id, r.Name, r.BirthYear, r.SpecialDifficulty, HouseholdId = h.Id, h.Address, GridId = g.Id, GridName = g.Name, g.CommunityId }).ToListAsync(ct);
        return rows.Select(x => new ResidentDto(x.Id, x.Name, x.BirthYear, x.SpecialDifficulty, x.HouseholdId, x.Address, x.GridId, x.GridName, x.CommunityId)).ToList();
    }

    private static async Task<Ok<List<ResidentDto>>> ResidentsAsync(HttpContext http, HubDbContext db, AccessScopeResolver scopes, CancellationToken ct)
    {
        var scope = await scopes.ResolveAsync(http.User, ct);
        var rows = (await ResidentRowsAsync(db, null, ct)).Where(r => scope.CanSeeResident(r.Id, r.GridId, r.CommunityId)).ToList();
        http.RecordPersonalDataRead("resident list", rows.Select(r => (int?)r.Id));
        return TypedResults.Ok(rows);
    }

    private static async Task<Results<Ok<ResidentDetailDto>, NotFound>> ResidentAsync(int id, HttpContext http, HubDbContext db, AccessScopeResolver scopes,
        DeviceDirectory directory, RejectionLog rejections, CancellationToken ct)
    {
        var scope = await scopes.ResolveAsync(http.User, ct);
        var row = (await ResidentRowsAsync(db, id, ct)).SingleOrDefault();
        if (row is null || !scope.CanSeeResident(row.Id, row.GridId, row.CommunityId))
            return TypedResults.NotFound();
        // The resident's own devices and the household's shared ones (no resident); not a housemate's.
        var devices = await db.Devices.AsNoTracking().Where(d => d.ResidentId == id || (d.ResidentId == null && d.HouseholdId == row.HouseholdId)).OrderBy(d => d.Id).ToListAsync(ct);
        http.RecordPersonalDataRead("resident details", id);
        return TypedResults.Ok(new ResidentDetailDto(row, devices.Select(d => DevicesApi.ToDto(d, directory.Find(d.Id), rejections)).ToList()));
    }

    private static async Task<Results<Created<CommunityDto>, ValidationProblem>> CreateCommunityAsync(CreateCommunityRequest req, HubDbContext db, PlaceNames names, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        var name = errors.CheckText(TextField.CommunityName, req.Name);
        var zone = string.IsNullOrWhiteSpace(req.TimeZone) ? Community.DefaultTimeZone : req.TimeZone.Trim();
        // Unknown zones would quietly become UTC+8 wherever the community's local time is computed.
        if (zone != Community.DefaultTimeZone && (zone.Length > 64 || !TimeZoneInfo.TryFindSystemTimeZoneById(zone, out _)))
            errors["timeZone"] = ["timeZone must be an IANA time zone such as Asia/Shanghai"];
        if (errors.Count > 0)
            return ApiProblem.Invalid(errors);
        var c = Community.Create(name!, zone);
        db.Communities.Add(c);
        await db.SaveChangesAsync(ct);
        return TypedResults.Created($"/api/communities/{c.Id}", new CommunityDto(c.Id, c.Name, c.TimeZone, []));
    }

    private static async Task<Results<Ok<CommunityDto>, ValidationProblem, NotFound>> UpdateCommunityAsync(int id, CreateCommunityRequest req, HubDbContext db, CancellationToken ct)
    {
        var c = await db.Communities.SingleOrDefaultAsync(x => x.Id == id, ct);
        if (c is null)
            return TypedResults.NotFound();
        var errors = new Dictionary<string, string[]>();
        var name = errors.CheckText(TextField.CommunityName, req.Name);
        var zone = string.IsNullOrWhiteSpace(req.TimeZone) ? c.TimeZone : req.TimeZone.Trim();
        if (zone != Community.DefaultTimeZone && (zone.Length > 64 || !TimeZoneInfo.TryFindSystemTimeZoneById(zone, out _)))
            errors["timeZone"] = ["timeZone must be an IANA time zone such as Asia/Shanghai"];
        if (errors.Count > 0)
            return ApiProblem.Invalid(errors);
        c.Change(name!, zone);
        await db.SaveChangesAsync(ct);
        var grids = await db.Grids.AsNoTracking().Where(g => g.CommunityId == id).OrderBy(g => g.Id).Select(g => new GridDto(g.Id, g.CommunityId, g.Name)).ToListAsync(ct);
        return TypedResults.Ok(new CommunityDto(c.Id, c.Name, c.TimeZone, grids));
    }

    private static async Task<Results<Ok<GridDto>, ValidationProblem, NotFound>> UpdateGridAsync(int id, CreateGridRequest req, HubDbContext db, PlaceNames names, CancellationToken ct)
    {
        var g = await db.Grids.SingleOrDefaultAsync(x => x.Id == id, ct);
        if (g is null)
            return TypedResults.NotFound();
        var errors = new Dictionary<string, string[]>();
        var name = errors.CheckText(TextField.GridName, req.Name);
        // A grid's households, rosters and workers are in its community: moving it would strand them.
        if (req.CommunityId != g.CommunityId)
            errors["communityId"] = ["a grid stays in its community"];
        if (errors.Count > 0)
            return ApiProblem.Invalid(errors);
        g.Rename(name!);
        await db.SaveChangesAsync(ct);
        await names.ReloadAsync(db, ct);
        return TypedResults.Ok(new GridDto(g.Id, g.CommunityId, g.Name));
    }

    private static async Task<Results<Ok<HouseholdDto>, ValidationProblem, NotFound>> UpdateHouseholdAsync(int id, CreateHouseholdRequest req, HubDbContext db, PlaceNames names,
        DeviceDirectory directory, CancellationToken ct)
    {
        var h = await db.Households.SingleOrDefaultAsync(x => x.Id == id, ct);
        if (h is null)
            return TypedResults.NotFound();
        var errors = new Dictionary<string, string[]>();
        var address = errors.CheckText(TextField.Address, req.Address);
        var from = await db.Grids.AsNoTracking().SingleAsync(g => g.Id == h.GridId, ct);
        if (!await db.Grids.AnyAsync(g => g.Id == req.GridId && g.CommunityId == from.CommunityId, ct))
            errors["gridId"] = ["no such grid in this household's community"];
        if (errors.Count > 0)
            return ApiProblem.Invalid(errors);
        h.Change(req.GridId, address!);
        await db.SaveChangesAsync(ct);
        await names.ReloadAsync(db, ct);
        // Devices carry their place in the directory: a household moved to another grid pages that grid from now on.
        await directory.RefreshPlacesAsync(ct);
        return TypedResults.Ok(new HouseholdDto(h.Id, h.GridId, h.Address));
    }

    private static async Task<Results<Ok<ResidentDto>, ValidationProblem, NotFound>> UpdateResidentAsync(int id, CreateResidentRequest req, HubDbContext db, PlaceNames names,
        DeviceDirectory directory, CancellationToken ct)
    {
        var r = await db.Residents.SingleOrDefaultAsync(x => x.Id == id, ct);
        if (r is null)
            return TypedResults.NotFound();
        var errors = new Dictionary<string, string[]>();
        var name = errors.CheckText(TextField.ResidentName, req.Name);
        if (!await db.Households.AnyAsync(h => h.Id == req.HouseholdId, ct))
            errors["householdId"] = ["no such household"];
        if (req.BirthYear is < 1880 or > 2100)
            errors["birthYear"] = ["birthYear must be a year such as 1942"];
        if (errors.Count > 0)
            return ApiProblem.Invalid(errors);
        r.Change(req.HouseholdId, name!, req.BirthYear, req.SpecialDifficulty);
        await db.SaveChangesAsync(ct);
        await names.ReloadAsync(db, ct);
        await directory.RefreshPlacesAsync(ct);
        return TypedResults.Ok((await ResidentRowsAsync(db, r.Id, ct)).Single());
    }

    private static async Task<Results<Created<GridDto>, ValidationProblem>> CreateGridAsync(CreateGridRequest req, HubDbContext db, PlaceNames names, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        var name = errors.CheckText(TextField.GridName, req.Name);
        if (!await db.Communities.AnyAsync(c => c.Id == req.CommunityId, ct))
            errors["communityId"] = ["no such community"];
        if (errors.Count > 0)
            return ApiProblem.Invalid(errors);
        var g = Grid.Create(req.CommunityId, name!);
        db.Grids.Add(g);
        await db.SaveChangesAsync(ct);
        await names.ReloadAsync(db, ct);
        return TypedResults.Created($"/api/grids/{g.Id}", new GridDto(g.Id, g.CommunityId, g.Name));
    }

    private static async Task<Results<Created<HouseholdDto>, ValidationProblem>> CreateHouseholdAsync(CreateHouseholdRequest req, HubDbContext db, PlaceNames names, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        var address = errors.CheckText(TextField.Address, req.Address);
        if (!await db.Grids.AnyAsync(g => g.Id == req.GridId, ct))
            errors["gridId"] = ["no such grid"];
        if (errors.Count > 0)
            return ApiProblem.Invalid(errors);
        var h = Household.Create(req.GridId, address!);
        db.Households.Add(h);
        await db.SaveChangesAsync(ct);
        await names.ReloadAsync(db, ct);
        return TypedResults.Created($"/api/households/{h.Id}", new HouseholdDto(h.Id, h.GridId, h.Address));
    }

    private static async Task<Results<Created<ResidentDto>, ValidationProblem>> CreateResidentAsync(CreateResidentRequest req, HubDbContext db, PlaceNames names,
        DeviceDirectory directory, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        var name = errors.CheckText(TextField.ResidentName, req.Name);
        if (!await db.Households.AnyAsync(h => h.Id == req.HouseholdId, ct))
            errors["householdId"] = ["no such household"];
        if (errors.Count > 0)
            return ApiProblem.Invalid(errors);
        var r = Resident.Register(req.HouseholdId, name!, req.BirthYear, req.SpecialDifficulty);
        db.Residents.Add(r);
        await db.SaveChangesAsync(ct);
        await names.ReloadAsync(db, ct);
        // Household devices without a named wearer belong to a household's only resident.
        await directory.RefreshPlacesAsync(ct);
        var row = (await ResidentRowsAsync(db, r.Id, ct)).Single();
        return TypedResults.Created($"/api/residents/{r.Id}", row);
    }
}
