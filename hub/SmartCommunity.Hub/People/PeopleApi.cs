using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using SmartCommunity.Hub.Hosting;
using SmartCommunity.Hub.Persistence;
using SmartCommunity.Hub.Security;

namespace SmartCommunity.Hub.People;

public sealed record LoginRequest(string Email, string Password);
public sealed record RefreshRequest(string RefreshToken);

/// <summary><paramref name="FailedSignIns"/>: failed sign-ins to this account before this session's sign-in, if any.</summary>
public sealed record MeDto(string Id, string UserName, string DisplayName, IReadOnlyList<string> Roles, string? Language, int? CommunityId, int? GridId, IReadOnlyList<int> ResidentIds,
    SignInFailuresDto? FailedSignIns = null, string? DeskPhone = null);
public sealed record CreateUserRequest(string Email, string Password, string DisplayName, string Role, int? CommunityId, int? GridId, IReadOnlyList<int>? ResidentIds, string? Language);
/// <summary>For admins: <paramref name="Phone"/> in full (E.164).</summary>
public sealed record UserDto(string Id, string Email, string DisplayName, IReadOnlyList<string> Roles, int? CommunityId, int? GridId, IReadOnlyList<int> ResidentIds, string? Phone = null);
public sealed record LanguageRequest(string? Language);
/// <summary>Whether this browser has a session, and whose: <paramref name="Me"/> is null when not signed in.</summary>
public sealed record SessionDto(bool SignedIn, MeDto? Me);

/// <summary>
/// Sign-in (cookie for the browser, bearer token for API and SignalR clients), refresh and sign-out of a session, the
/// caller's profile, and user administration.
/// </summary>
public static class PeopleApi
{
    public static RouteGroupBuilder MapPeopleApi(this IEndpointRouteBuilder app)
    {
        var auth = app.MapGroup("/api/auth").WithTags("People");
        // Sign-in is the one anonymous write; no public self-registration: accounts are created by admins.
        auth.MapPost("/login", LoginAsync).AllowAnonymous().ProducesProblem(StatusCodes.Status429TooManyRequests)
            .WithSummary("useCookies=true sets a cookie; otherwise returns a bearer token and a refresh token. Failed sign-ins back off (429 with Retry-After)");
        auth.MapPost("/refresh", RefreshAsync).AllowAnonymous()
            .WithSummary("A new bearer token (and refresh token) for the refresh token of a session that is not signed out");
        auth.MapPost("/logout", LogoutAsync).RequireAuthorization()
            .WithSummary("Signs this session out on the server: its cookie, bearer and refresh tokens are refused from now on, its live connections closed");
        // The app asks this at every start: "not signed in" is an answer there, not an error (a 401 the browser logs).
        auth.MapGet("/session", SessionAsync).AllowAnonymous()
            .WithSummary("200 {signedIn:false} without a session; otherwise {signedIn:true, me} as /api/me");

        app.MapGet("/api/me", MeAsync).WithTags("People").RequireAuthorization();
        app.MapPut("/api/me/language", SetLanguageAsync).WithTags("People").RequireAuthorization();

        var users = app.MapGroup("/api/users").WithTags("People").RequireAuthorization(p => p.RequireRole(Roles.Admin));
        users.MapGet("/", ListUsersAsync);
        users.MapPost("/", CreateUserAsync);
        return users;
    }

    private static Task<Results<EmptyHttpResult, ProblemHttpResult>> LoginAsync(LoginRequest req, bool? useCookies, HttpContext http, PasswordSignIn signIn) =>
        signIn.SignInAsync(http, req, useCookies == true);

    /// <summary>Identity's refresh: a valid, unexpired refresh token whose user's security stamp is unchanged; here also a session not signed out.</summary>
    private static async Task<Results<SignInHttpResult, ProblemHttpResult>> RefreshAsync(RefreshRequest req, IOptionsMonitor<BearerTokenOptions> bearer,
        SignInManager<HubUser> signIn, SessionRevocations sessions, TimeProvider time, CancellationToken ct)
    {
        var ticket = bearer.Get(IdentityConstants.BearerScheme).RefreshTokenProtector.Unprotect(req.RefreshToken);
        if (ticket?.Properties.ExpiresUtc is not { } expires || time.GetUtcNow() >= expires
            || Sessions.Id(ticket.Principal) is not { } sid || await sessions.IsRevokedAsync(sid, ct)
            || await signIn.ValidateSecurityStampAsync(ticket.Principal) is not { } user)
            return TypedResults.Problem("the refresh token is invalid, expired or signed out; sign in again", statusCode: StatusCodes.Status401Unauthorized);
        var principal = await signIn.CreateUserPrincipalAsync(user);
        Sessions.CarryOver(ticket.Principal, principal);
        return TypedResults.SignIn(principal, authenticationScheme: IdentityConstants.BearerScheme);
    }

    private static async Task<Ok> LogoutAsync(ClaimsPrincipal principal, SignInManager<HubUser> signIn, SessionRevocations sessions, CancellationToken ct)
    {
        if (Sessions.Id(principal) is { } sid && principal.FindFirstValue(ClaimTypes.NameIdentifier) is { } userId)
            await sessions.RevokeAsync(userId, sid, ct);
        // Deletes the cookie, if the session had one.
        await signIn.SignOutAsync();
        return TypedResults.Ok();
    }

    private static async Task<Results<Ok<MeDto>, UnauthorizedHttpResult>> MeAsync(ClaimsPrincipal principal, UserManager<HubUser> users, AccessScopeResolver scopes,
        IOptions<HubOptions> hub, CancellationToken ct)
    {
        var user = await users.GetUserAsync(principal);
        if (user is null)
            return TypedResults.Unauthorized();
        var scope = await scopes.ResolveAsync(principal, ct);
        var roles = await users.GetRolesAsync(user);
        var failures = principal.FindFirstValue(Sessions.FailedSignInsClaim) is { } json ? JsonSerializer.Deserialize<SignInFailuresDto>(json) : null;
        return TypedResults.Ok(new MeDto(user.Id, user.UserName ?? "", user.DisplayName, roles.ToList(), user.Language, user.CommunityId, user.GridId, scope.ResidentIds, failures,
            string.IsNullOrEmpty(hub.Value.DeskPhone) ? null : hub.Value.DeskPhone));
    }

    private static async Task<Ok<SessionDto>> SessionAsync(ClaimsPrincipal principal, UserManager<HubUser> users, AccessScopeResolver scopes, IOptions<HubOptions> hub, CancellationToken ct)
    {
        if (principal.Identity?.IsAuthenticated != true)
            return TypedResults.Ok(new SessionDto(false, null));
        return await MeAsync(principal, users, scopes, hub, ct) is { Result: Ok<MeDto> me }
            ? TypedResults.Ok(new SessionDto(true, me.Value))
            : TypedResults.Ok(new SessionDto(false, null));
    }

    private static async Task<Results<NoContent, ValidationProblem, UnauthorizedHttpResult>> SetLanguageAsync(LanguageRequest req, ClaimsPrincipal principal, UserManager<HubUser> users)
    {
        if (req.Language is not (null or "en" or "zh-CN"))
            return ApiProblem.Invalid("language", "language must be en, zh-CN or null");
        var user = await users.GetUserAsync(principal);
        if (user is null)
            return TypedResults.Unauthorized();
        user.Language = req.Language;
        await users.UpdateAsync(user);
        return TypedResults.NoContent();
    }

    private static async Task<Ok<List<UserDto>>> ListUsersAsync(HubDbContext db, CancellationToken ct)
    {
        var users = await db.Users.AsNoTracking().OrderBy(u => u.Email).ToListAsync(ct);
        var roles = await (from ur in db.UserRoles join r in db.Roles on ur.RoleId equals r.Id select new { ur.UserId, r.Name }).ToListAsync(ct);
        var links = await db.FamilyLinks.AsNoTracking().ToListAsync(ct);
        return TypedResults.Ok(users.Select(u => new UserDto(u.Id, u.Email ?? "", u.DisplayName,
            roles.Where(r => r.UserId == u.Id).Select(r => r.Name!).ToList(), u.CommunityId, u.GridId,
            links.Where(l => l.UserId == u.Id).Select(l => l.ResidentId).ToList(), u.PhoneNumber)).ToList());
    }

    private static async Task<Results<Created<UserDto>, ValidationProblem>> CreateUserAsync(CreateUserRequest req, UserAdministration admin, CancellationToken ct)
    {
        var (user, errors) = await admin.CreateAsync(req, ct);
        if (user is null)
            return ApiProblem.Invalid(errors);
        return TypedResults.Created($"/api/users/{user.Id}", user);
    }
}
