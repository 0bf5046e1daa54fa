using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using SmartCommunity.Domain.Cases;
using SmartCommunity.Domain.Catalog;
using SmartCommunity.Domain.Places;
using SmartCommunity.Hub.Hosting;
using SmartCommunity.Hub.People;
using SmartCommunity.Hub.Persistence;
using SmartCommunity.Hub.Places;
using SmartCommunity.Hub.Privacy;

namespace SmartCommunity.Hub.Cases;

public sealed record OpenCaseRequest(string Category, string Description, string? Channel = null, int? ResidentId = null, int? HouseholdId = null, int? GridId = null, int? CommunityId = null);
public sealed record AssignCaseRequest(string? Assignee);
public sealed record ResolveCaseRequest(string Outcome, string? Note);
public sealed record RateRequest(int Rating, string? Comment);

public sealed record CaseDto(long Id, string Category, string Channel, string Status, int CommunityId, int? GridId, int? HouseholdId, int? ResidentId,
    string Description, string OpenedBy, DateTimeOffset OpenedAt, string? AssignedTo, DateTimeOffset? AssignedAt, DateTimeOffset? OnSiteAt,
    string? ResolvedBy, DateTimeOffset? ResolvedAt, string? Outcome, string? ResolutionNote, DateTimeOffset RespondBy, DateTimeOffset ResolveBy,
    int Escalations, int? Rating, string? RatingComment, bool HasPhoto, int Version, string? ResidentName = null)
{
    /// <summary>People by display name, as on alerts (the case records user names, which are e-mails).</summary>
    public static CaseDto From(Case c, PlaceNames names) => new(c.Id, WireName.Of(c.Category), WireName.Of(c.Channel), WireName.Of(c.Status),
        c.CommunityId, c.GridId, c.HouseholdId, c.ResidentId, c.Description, names.Person(c.OpenedBy) ?? c.OpenedBy, c.OpenedAt, names.Person(c.AssignedTo), c.AssignedAt, c.OnSiteAt,
        names.Person(c.ResolvedBy), c.ResolvedAt, c.Outcome is { } o ? WireName.Of(o) : null, c.ResolutionNote, c.RespondBy, c.ResolveBy,
        c.Escalations, c.Rating, c.RatingComment, c.PhotoContentType is not null, c.Version, names.Resident(c.ResidentId));
}

/// <summary>Hub:Cases — limits of the case photo.</summary>
public sealed class CaseOptions
{
    public const string Section = "Hub:Cases";

    /// <summary>A phone photo resized by the app is well under this; a raw 48 MP frame is refused.</summary>
    public int MaxPhotoBytes { get; set; } = 2 * 1024 * 1024;
}

/// <summary>
/// Cases (接诉即办): a family member opens one for their own relative or household, responders (desk staff taking a phone
/// call, a grid worker on a round) for a place they handle; responders assign, arrive on site and resolve with an outcome;
/// the family (or the desk, calling the resident back) rates it. Another's case is "not found", as for alerts.
/// </summary>
public static class CasesApi
{
    public static readonly IReadOnlyDictionary<string, string> PhotoTypes = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["image/jpeg"] = "image/jpeg", ["image/png"] = "image/png", ["image/webp"] = "image/webp",
    };

    public static RouteGroupBuilder MapCasesApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/cases").WithTags("Cases").RequireAuthorization(p => p.RequireRole(Roles.Admin, Roles.EmergencyStaff, Roles.GridWorker, Roles.Family));
        group.MapPost("/", OpenAsync).WithSummary("Open a case: category, description and a place (residentId, householdId, gridId or communityId); family only for their own");
        group.MapGet("/", ListAsync).WithSummary("Cases visible to the caller, newest first; status=open|resolved|all, communityId, residentId");
        group.MapGet("/{id:long}", GetAsync);
        group.MapPut("/{id:long}/photo", PutPhotoAsync).WithSummary("The case's photo as the request body (image/jpeg, image/png or image/webp; Hub:Cases:MaxPhotoBytes)");
        group.MapGet("/{id:long}/photo", GetPhotoAsync);
        group.MapPost("/{id:long}/rating", RateAsync).WithSummary("好差评: 1–5 and a comment on a resolved case, once; the family of its place or the community's desk calling back");
        var staff = group.MapGroup("/{id:long}").RequireAuthorization(p => p.RequireRole(Roles.Admin, Roles.EmergencyStaff, Roles.GridWorker));
        staff.MapPost("/assign", AssignAsync).WithSummary("Take the case (no assignee) or give it to someone who handles its place");
        staff.MapPost("/on-site", OnSiteAsync);
        staff.MapPost("/resolve", ResolveAsync).WithSummary("outcome: fixed, referred, no_action_needed or withdrawn");
        return group;
    }

    private static async Task<Results<Created<CaseDto>, NotFound, ValidationProblem>> OpenAsync(OpenCaseRequest req, HttpContext http, AccessScopeResolver scopes, HubDbContext db,
        CaseService cases, PlaceNames names, TimeProvider time, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (!WireName.TryParse<CaseCategory>(req.Category, out var category))
            errors["category"] = [$"category must be one of {string.Join(", ", WireName.All<CaseCategory>())}"];
        CaseChannel? channel = null;
        if (req.Channel is not null)
        {
            if (WireName.TryParse<CaseChannel>(req.Channel, out var ch))
                channel = ch;
            else
                errors["channel"] = [$"channel must be one of {string.Join(", ", WireName.All<CaseChannel>())}"];
        }
        var description = errors.CheckText(TextField.Note("description", required: true), req.Description);
        if (req.ResidentId is null && req.HouseholdId is null && req.GridId is null && req.CommunityId is null)
            errors["place"] = ["give residentId, householdId, gridId or communityId"];
        if (errors.Count > 0)
            return ApiProblem.Invalid(errors);
        var scope = await scopes.ResolveAsync(http.User, ct);
        if (await PlaceAsync(db, req, ct) is not { } place)
            return TypedResults.NotFound();
        bool allowed;
        if (scope.IsResponder)
            // A case at community level (no grid) is the community's staff's; a grid's, also its grid worker's.
            allowed = place.GridId is { } g ? scope.CanHandle(place.CommunityId, g) : scope.CanHandleCommunity(place.CommunityId);
        else
            // Families only for a linked resident, or their household (not a grid or the community at large).
            allowed = scope.IsFamilyOf(new Domain.Alerts.AlertPlace(place.ResidentId, place.HouseholdId, place.GridId, place.CommunityId)) && place.HouseholdId is not null;
        if (!allowed)
            return TypedResults.NotFound();
        // A family member's case is always theirs ("family"); responders say how it came in, the desk's default being a phone call.
        var how = !scope.IsResponder ? CaseChannel.Family
            : channel ?? (scope.GridIds.Count > 0 && scope.CommunityIds.Count == 0 && !scope.All ? CaseChannel.GridWorker : CaseChannel.DeskPhone);
        var c = Case.Open(category, how, place.CommunityId, place.GridId, place.HouseholdId, place.ResidentId, description!, scope.UserName, time.GetUtcNow());
        await cases.OpenAsync(c, ct);
        http.RecordPersonalDataRead("case", c.ResidentId);
        return TypedResults.Created($"/api/cases/{c.Id}", CaseDto.From(c, names));
    }

    private sealed record CasePlace(int CommunityId, int? GridId, int? HouseholdId, int? ResidentId);

    /// <summary>The most precise place the request names, completed upwards from the database (a resident's household, grid and community).</summary>
    private static async Task<CasePlace?> PlaceAsync(HubDbContext db, OpenCaseRequest req, CancellationToken ct)
    {
        if (req.ResidentId is { } r)
            return await (from x in db.Residents join h in db.Households on x.HouseholdId equals h.Id join g in db.Grids on h.GridId equals g.Id
                          where x.Id == r select new CasePlace(g.CommunityId, g.Id, h.Id, x.Id)).SingleOrDefaultAsync(ct);
        if (req.HouseholdId is { } hh)
            return await (from h in db.Households join g in db.Grids on h.GridId equals g.Id
                          where h.Id == hh select new CasePlace(g.CommunityId, g.Id, h.Id, null)).SingleOrDefaultAsync(ct);
        if (req.GridId is { } gg)
            return await db.Grids.Where(g => g.Id == gg).Select(g => new CasePlace(g.CommunityId, g.Id, null, null)).SingleOrDefaultAsync(ct);
        return await db.Communities.Where(c => c.Id == req.CommunityId).Select(c => new CasePlace(c.Id, null, null, null)).SingleOrDefaultAsync(ct);
    }

    /// <summary>Cases at the places this person sees (<see cref="AccessScope.CanSee(Domain.Alerts.AlertPlace)"/>, as a query).</summary>
    public static IQueryable<Case> Filter(AccessScope scope, IQueryable<Case> cases)
    {
        if (scope.All)
            return cases;
        var communities = scope.CommunityIds;
        var grids = scope.GridIds;
        var residents = scope.ResidentIds;
        var households = scope.HouseholdIds;
        return cases.Where(c =>
            communities.Contains(c.CommunityId)
            || (c.GridId != null && grids.Contains(c.GridId.Value))
            || (c.ResidentId != null && residents.Contains(c.ResidentId.Value))
            || (c.ResidentId == null && c.HouseholdId != null && households.Contains(c.HouseholdId.Value)));
    }

    private static bool CanSee(AccessScope scope, Case c) => scope.CanSee(Place(c));
    private static bool CanHandle(AccessScope scope, Case c) => scope.CanHandle(c.CommunityId, c.GridId);
    private static Domain.Alerts.AlertPlace Place(Case c) => new(c.ResidentId, c.HouseholdId, c.GridId, c.CommunityId);

    private static async Task<Results<Ok<List<CaseDto>>, ValidationProblem>> ListAsync(string? status, int? communityId, int? residentId, int? limit,
        HttpContext http, AccessScopeResolver scopes, HubDbContext db, PlaceNames names, CancellationToken ct)
    {
        var scope = await scopes.ResolveAsync(http.User, ct);
        var q = Filter(scope, db.Cases.AsNoTracking());
        switch (status ?? "all")
        {
            case "open": q = q.Where(c => c.Status != CaseStatus.Resolved); break;
            case "resolved": q = q.Where(c => c.Status == CaseStatus.Resolved); break;
            case "all": break;
            default: return ApiProblem.Invalid("status", "status must be open, resolved or all");
        }
        if (communityId is { } cid) q = q.Where(c => c.CommunityId == cid);
        if (residentId is { } rid) q = q.Where(c => c.ResidentId == rid);
        var rows = await q.OrderByDescending(c => c.Id).Take(Math.Clamp(limit ?? 200, 1, 1000)).ToListAsync(ct);
        http.RecordPersonalDataRead("cases", rows.Select(c => c.ResidentId));
        return TypedResults.Ok(rows.Select(c => CaseDto.From(c, names)).ToList());
    }

    private static async Task<Results<Ok<CaseDto>, NotFound>> GetAsync(long id, HttpContext http, AccessScopeResolver scopes, HubDbContext db, PlaceNames names, CancellationToken ct)
    {
        var scope = await scopes.ResolveAsync(http.User, ct);
        var c = await db.Cases.AsNoTracking().SingleOrDefaultAsync(x => x.Id == id, ct);
        if (c is null || !CanSee(scope, c))
            return TypedResults.NotFound();
        http.RecordPersonalDataRead("case", c.ResidentId);
        return TypedResults.Ok(CaseDto.From(c, names));
    }

    private static async Task<Results<Ok<CaseDto>, NotFound, ProblemHttpResult, ValidationProblem>> AssignAsync(long id, AssignCaseRequest? body, HttpContext http,
        AccessScopeResolver scopes, HubDbContext db, CaseService cases, PlaceNames names, UserManager<HubUser> users, TimeProvider time, CancellationToken ct)
    {
        var scope = await scopes.ResolveAsync(http.User, ct);
        var current = await db.Cases.AsNoTracking().SingleOrDefaultAsync(x => x.Id == id, ct);
        if (current is null || !CanHandle(scope, current))
            return TypedResults.NotFound();
        var assignee = scope.UserName;
        if (!string.IsNullOrWhiteSpace(body?.Assignee))
        {
            var user = await users.FindByIdAsync(body.Assignee) ?? await users.FindByEmailAsync(body.Assignee);
            if (user is null)
                return ApiProblem.Invalid("assignee", "assignee must be the id or email of a user");
            // The assignee gets the resident's name and address: only staff who handle this place.
            if (!CanHandle(await scopes.ResolveUserAsync(user.Id, ct), current))
                return ApiProblem.Invalid("assignee", "only staff who handle this case's place can be assigned: an admin, emergency staff of its community or a grid worker of its grid");
            assignee = user.UserName!;
        }
        return await ChangeAsync(id, cases, names, c => c.Assign(scope.UserName, assignee, time.GetUtcNow()), ct);
    }

    private static async Task<Results<Ok<CaseDto>, NotFound, ProblemHttpResult, ValidationProblem>> OnSiteAsync(long id, HttpContext http, AccessScopeResolver scopes, HubDbContext db,
        CaseService cases, PlaceNames names, TimeProvider time, CancellationToken ct)
    {
        var scope = await scopes.ResolveAsync(http.User, ct);
        var current = await db.Cases.AsNoTracking().SingleOrDefaultAsync(x => x.Id == id, ct);
        if (current is null || !CanHandle(scope, current))
            return TypedResults.NotFound();
        return await ChangeAsync(id, cases, names, c => c.ArriveOnSite(scope.UserName, time.GetUtcNow()), ct);
    }

    private static async Task<Results<Ok<CaseDto>, NotFound, ProblemHttpResult, ValidationProblem>> ResolveAsync(long id, ResolveCaseRequest body, HttpContext http,
        AccessScopeResolver scopes, HubDbContext db, CaseService cases, PlaceNames names, TimeProvider time, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (!WireName.TryParse<CaseOutcome>(body.Outcome, out var outcome))
            errors["outcome"] = [$"outcome must be one of {string.Join(", ", WireName.All<CaseOutcome>())}"];
        var note = errors.CheckText(TextField.Note("note"), body.Note);
        if (errors.Count > 0)
            return ApiProblem.Invalid(errors);
        var scope = await scopes.ResolveAsync(http.User, ct);
        var current = await db.Cases.AsNoTracking().SingleOrDefaultAsync(x => x.Id == id, ct);
        if (current is null || !CanHandle(scope, current))
            return TypedResults.NotFound();
        return await ChangeAsync(id, cases, names, c => c.Resolve(scope.UserName, outcome, note, time.GetUtcNow()), ct);
    }

    private static async Task<Results<Ok<CaseDto>, NotFound, ProblemHttpResult, ValidationProblem>> RateAsync(long id, RateRequest body, HttpContext http,
        AccessScopeResolver scopes, HubDbContext db, CaseService cases, PlaceNames names, TimeProvider time, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (body.Rating is < 1 or > 5)
            errors["rating"] = ["rating is 1–5"];
        var comment = errors.CheckText(TextField.Note("comment"), body.Comment);
        if (errors.Count > 0)
            return ApiProblem.Invalid(errors);
        var scope = await scopes.ResolveAsync(http.User, ct);
        var current = await db.Cases.AsNoTracking().SingleOrDefaultAsync(x => x.Id == id, ct);
        // The family of the place rates; so may the community's desk, recording the resident's answer when calling back.
        // Never the grid worker who handled it: a worker does not grade their own work.
        if (current is null || !(scope.IsFamilyOf(Place(current)) || scope.CanHandleCommunity(current.CommunityId)))
            return TypedResults.NotFound();
        return await ChangeAsync(id, cases, names, c => c.Rate(scope.UserName, body.Rating, comment, time.GetUtcNow()), ct);
    }

    private static async Task<Results<NoContent, NotFound, ProblemHttpResult>> PutPhotoAsync(long id, HttpContext http, AccessScopeResolver scopes, HubDbContext db,
        CaseService cases, IOptions<CaseOptions> options, CaseMetrics metrics, TimeProvider time, ILoggerFactory loggers, CancellationToken ct)
    {
        var scope = await scopes.ResolveAsync(http.User, ct);
        var current = await db.Cases.AsNoTracking().SingleOrDefaultAsync(x => x.Id == id, ct);
        if (current is null || !CanSee(scope, current))
            return TypedResults.NotFound();
        var log = loggers.CreateLogger(typeof(CasesApi));
        var type = http.Request.ContentType?.Split(';')[0].Trim() ?? "";
        if (!PhotoTypes.TryGetValue(type, out var contentType))
            return Refuse(StatusCodes.Status415UnsupportedMediaType, $"a case photo is image/jpeg, image/png or image/webp, not '{type}'");
        var max = options.Value.MaxPhotoBytes;
        // The hub's request limit (1 MB) is for JSON; a photo has its own. One byte over, so the check below answers, not Kestrel.
        if (http.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            limit.MaxRequestBodySize = max + 1L;
        if (http.Request.ContentLength is { } declared && declared > max)
            return Refuse(StatusCodes.Status413PayloadTooLarge, $"a case photo is at most {max} bytes; this one is {declared}");
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await http.Request.Body.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > max)
                return Refuse(StatusCodes.Status413PayloadTooLarge, $"a case photo is at most {max} bytes");
            buffer.Write(chunk, 0, read);
        }
        var bytes = buffer.ToArray();
        if (!LooksLike(contentType, bytes))
            return Refuse(StatusCodes.Status400BadRequest, $"the body is not a {contentType} image");
        var photo = await db.CasePhotos.SingleOrDefaultAsync(p => p.CaseId == id, ct);
        if (photo is null)
            db.CasePhotos.Add(new CasePhoto { CaseId = id, ContentType = contentType, Bytes = bytes, UploadedBy = scope.UserName, At = time.GetUtcNow() });
        else
        {
            photo.ContentType = contentType;
            photo.Bytes = bytes;
            photo.UploadedBy = scope.UserName;
            photo.At = time.GetUtcNow();
        }
        await db.SaveChangesAsync(ct);
        await cases.ChangeAsync(id, c => c.AttachPhoto(contentType), ct);
        return TypedResults.NoContent();

        ProblemHttpResult Refuse(int status, string detail)
        {
            metrics.PhotoRefused(status);
            // The rest of the body may be unread (too large, wrong type) and Kestrel then drops the connection: say so, or the
            // client sends its next request on a connection about to close and sees it end without an answer.
            http.Response.Headers.Connection = "close";
            log.LogWarning("Case {CaseId}: photo refused ({Status}): {Detail}", id, status, detail);
            return TypedResults.Problem(detail, statusCode: status);
        }
    }

    /// <summary>The file's magic bytes agree with its declared type: a renamed document or script is not stored as a photo.</summary>
    public static bool LooksLike(string contentType, ReadOnlySpan<byte> b) => contentType switch
    {
        "image/jpeg" => b.Length > 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF,
        "image/png" => b.Length > 8 && b[..8].SequenceEqual((ReadOnlySpan<byte>)[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]),
        "image/webp" => b.Length > 12 && b[..4].SequenceEqual("RIFF"u8) && b[8..12].SequenceEqual("WEBP"u8),
        _ => false,
    };

    private static async Task<Results<FileContentHttpResult, NotFound>> GetPhotoAsync(long id, HttpContext http, AccessScopeResolver scopes, HubDbContext db, CancellationToken ct)
    {
        var scope = await scopes.ResolveAsync(http.User, ct);
        var current = await db.Cases.AsNoTracking().SingleOrDefaultAsync(x => x.Id == id, ct);
        if (current is null || !CanSee(scope, current))
            return TypedResults.NotFound();
        var photo = await db.CasePhotos.AsNoTracking().SingleOrDefaultAsync(p => p.CaseId == id, ct);
        if (photo is null)
            return TypedResults.NotFound();
        http.RecordPersonalDataRead("case photo", current.ResidentId);
        return TypedResults.File(photo.Bytes, photo.ContentType);
    }

    private static async Task<Results<Ok<CaseDto>, NotFound, ProblemHttpResult, ValidationProblem>> ChangeAsync(long id, CaseService cases, PlaceNames names, Action<Case> change, CancellationToken ct)
    {
        Case? changed;
        try
        {
            changed = await cases.ChangeAsync(id, change, ct);
        }
        catch (CaseTransitionException ex)
        {
            return ApiProblem.Conflict(ex.Message);
        }
        return changed is null ? TypedResults.NotFound() : TypedResults.Ok(CaseDto.From(changed, names));
    }
}
