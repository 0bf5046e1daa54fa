using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using SmartCommunity.Hub.Hosting;
using SmartCommunity.Hub.People;
using SmartCommunity.Hub.Persistence;
using SmartCommunity.Hub.Places;
using SmartCommunity.Hub.Privacy;

namespace SmartCommunity.Hub.Contacts;

/// <summary>The profile on an alert: the resident's, and whom to call (<see cref="ContactDirectory"/>), with full numbers.</summary>
public sealed record AlertEmergencyDto(long AlertId, EmergencyProfileDto Profile, IReadOnlyList<CascadeContactDto> Call);

/// <summary>
/// Residents' emergency profiles. Read by those who handle the resident's place (admins, emergency staff of the
/// community, the grid worker of the grid) with numbers in full, and by the resident's own family with numbers masked
/// (to check it is right; they tell the desk what to change, they do not edit it); anyone else gets 404. Written by
/// those who handle the place. Every read is an audited personal-data read; the profile is never in an alert DTO or
/// a push, only behind these endpoints.
/// </summary>
public static class EmergencyProfilesApi
{
    public static void MapEmergencyProfilesApi(this IEndpointRouteBuilder app)
    {
        // Technicians never see residents' personal data: 403 for them, whoever the resident.
        var residents = app.MapGroup("/api/residents/{id:int}/emergency-profile").WithTags("Contacts")
            .RequireAuthorization(p => p.RequireRole(Roles.Admin, Roles.EmergencyStaff, Roles.GridWorker, Roles.Family));
        residents.MapGet("/", GetAsync).WithSummary("The resident's emergency profile: staff of the place in full, the resident's family with phone numbers masked");
        residents.MapPut("/", SetAsync).RequireAuthorization(p => p.RequireRole(Roles.Admin, Roles.EmergencyStaff, Roles.GridWorker))
            .WithSummary("Sets the profile; contacts in call order, phones E.164");
        app.MapGet("/api/alerts/{id:long}/emergency", ForAlertAsync).WithTags("Contacts")
            .RequireAuthorization(p => p.RequireRole(Roles.Admin, Roles.EmergencyStaff, Roles.GridWorker))
            .WithSummary("For staff handling the alert: the resident's emergency profile and whom to call, in order, with full numbers");
    }

    private sealed record Place(int ResidentId, string Name, int GridId, int CommunityId);

    private static Task<Place?> PlaceAsync(HubDbContext db, int residentId, CancellationToken ct) =>
        (from r in db.Residents join h in db.Households on r.HouseholdId equals h.Id join g in db.Grids on h.GridId equals g.Id
         where r.Id == residentId select new Place(r.Id, r.Name, g.Id, g.CommunityId)).AsNoTracking().SingleOrDefaultAsync(ct);

    private static async Task<Results<Ok<EmergencyProfileDto>, NotFound>> GetAsync(int id, HttpContext http, HubDbContext db, AccessScopeResolver scopes, PlaceNames names, CancellationToken ct)
    {
        var scope = await scopes.ResolveAsync(http.User, ct);
        var place = await PlaceAsync(db, id, ct);
        if (place is null)
            return TypedResults.NotFound();
        var handles = scope.CanHandle(place.CommunityId, place.GridId);
        // Not found and not yours look the same, so ids cannot be probed.
        if (!handles && !scope.ResidentIds.Contains(id))
            return TypedResults.NotFound();
        var profile = await db.EmergencyProfiles.AsNoTracking().SingleOrDefaultAsync(p => p.ResidentId == id, ct);
        http.RecordPersonalDataRead("emergency profile", id);
        return TypedResults.Ok(EmergencyProfileDto.From(id, place.Name, profile, mask: !handles, names.Person));
    }

    private static async Task<Results<Ok<EmergencyProfileDto>, NotFound, ValidationProblem>> SetAsync(int id, EmergencyProfileRequest req, HttpContext http, HubDbContext db,
        AccessScopeResolver scopes, PlaceNames names, TimeProvider time, CancellationToken ct)
    {
        var scope = await scopes.ResolveAsync(http.User, ct);
        var place = await PlaceAsync(db, id, ct);
        if (place is null || !scope.CanHandle(place.CommunityId, place.GridId))
            return TypedResults.NotFound();
        var errors = new Dictionary<string, string[]>();
        if (EmergencyProfileRules.Check(req, errors) is not { } checkedProfile)
            return ApiProblem.Invalid(errors);
        var profile = await db.EmergencyProfiles.SingleOrDefaultAsync(p => p.ResidentId == id, ct);
        if (profile is null)
            db.EmergencyProfiles.Add(profile = new EmergencyProfile { ResidentId = id });
        profile.Conditions = checkedProfile.Conditions;
        profile.Medication = checkedProfile.Medication;
        profile.Allergies = checkedProfile.Allergies;
        profile.Mobility = checkedProfile.Mobility;
        profile.KeyHolder = checkedProfile.KeyHolder;
        profile.AccessNotes = checkedProfile.AccessNotes;
        profile.Doctor = checkedProfile.Doctor;
        profile.Hospital = checkedProfile.Hospital;
        profile.Contacts = checkedProfile.Contacts;
        profile.UpdatedAt = time.GetUtcNow();
        profile.UpdatedBy = scope.UserName;
        await db.SaveChangesAsync(ct);
        return TypedResults.Ok(EmergencyProfileDto.From(id, place.Name, profile, mask: false, names.Person));
    }

    private static async Task<Results<Ok<AlertEmergencyDto>, NotFound>> ForAlertAsync(long id, HttpContext http, HubDbContext db, AccessScopeResolver scopes,
        ContactDirectory directory, PlaceNames names, CancellationToken ct)
    {
        var scope = await scopes.ResolveAsync(http.User, ct);
        var alert = await db.Alerts.AsNoTracking().SingleOrDefaultAsync(a => a.Id == id, ct);
        if (alert is null || !scope.CanHandle(alert) || alert.ResidentId is not { } residentId)
            return TypedResults.NotFound();
        var profile = await db.EmergencyProfiles.AsNoTracking().SingleOrDefaultAsync(p => p.ResidentId == residentId, ct);
        var cascade = await directory.CascadeForAsync(alert, ct);
        http.RecordPersonalDataRead("emergency profile", residentId);
        return TypedResults.Ok(new AlertEmergencyDto(id, EmergencyProfileDto.From(residentId, names.Resident(residentId), profile, mask: false, names.Person),
            cascade.Contacts.Select(CascadeContactDto.From).ToList()));
    }
}
