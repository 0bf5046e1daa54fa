using System.Globalization;
using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using SmartCommunity.Hub.Audit;
using SmartCommunity.Hub.Persistence;
using SmartCommunity.Hub.Security;

namespace SmartCommunity.Hub.People;

/// <summary>
/// Password sign-in: the throttle first (<see cref="SignInThrottle"/>), then the password, then a new session
/// (<see cref="Sessions"/>) as a cookie or a bearer token. An unknown name costs the same password hashing as a known
/// one and gets the same answer, so neither the status, the body nor the time tells which accounts exist. Identity's
/// account lockout is not used: it let anyone lock anyone out.
/// </summary>
public sealed class PasswordSignIn(
    SignInManager<HubUser> signIn,
    UserManager<HubUser> users,
    IPasswordHasher<HubUser> hasher,
    SignInThrottle throttle,
    KnownDevices devices,
    IDbContextFactory<HubDbContext> dbFactory,
    TimeProvider time,
    ILogger<PasswordSignIn> logger)
{
    public const string WrongPassword = "wrong email or password";
    public const string TooManyFailures = "too many failed sign-ins; try again later";

    // Made with this hub's hasher, so checking a password against it costs what checking a real one costs.
    private static string? s_unknownAccountHash;

    public async Task<Results<EmptyHttpResult, ProblemHttpResult>> SignInAsync(HttpContext http, LoginRequest request, bool useCookies)
    {
        var name = request.Email ?? "";
        var password = request.Password ?? "";
        var account = SignInThrottle.AccountKey(name);
        var device = devices.Read(http);
        var attempt = throttle.Begin(account, SignInThrottle.ClientKey(http), devices.IdFor(device, account) ?? LiveSession(http, account));
        if (attempt.RetryAfter is { } wait)
        {
            HubRateLimits.SetRetryAfter(http.Response, wait);
            return TypedResults.Problem(TooManyFailures, statusCode: StatusCodes.Status429TooManyRequests);
        }

        var user = name.Length is > 0 and <= SignInThrottle.MaxAccountLength ? await users.FindByNameAsync(name) : null;
        var verified = user is null
            ? UnknownAccount(password)
            : await users.CheckPasswordAsync(user, password) && await signIn.CanSignInAsync(user);
        if (!verified || user is null)
        {
            throttle.Failed(attempt, user?.Id);
            return TypedResults.Problem(WrongPassword, statusCode: StatusCodes.Status401Unauthorized);
        }

        var failures = throttle.Succeeded(attempt);
        devices.Remember(http, device, account);
        var claims = new List<Claim> { new("amr", "pwd"), new(Sessions.IdClaim, Sessions.NewId()) };
        if (failures is not null)
        {
            claims.Add(new Claim(Sessions.FailedSignInsClaim, JsonSerializer.Serialize(failures)));
            await AuditAsync(user, failures);
        }
        signIn.AuthenticationScheme = useCookies ? IdentityConstants.ApplicationScheme : IdentityConstants.BearerScheme;
        // Writes the cookie, or the token response as the body.
        await signIn.SignInWithClaimsAsync(user, new AuthenticationProperties { IsPersistent = useCookies }, claims);
        return TypedResults.Empty;
    }

    /// <summary>A caller already signed in to this account (a live session) is a known client, like a known device.</summary>
    private static string? LiveSession(HttpContext http, string account) =>
        http.User.Identity?.IsAuthenticated == true && SignInThrottle.AccountKey(http.User.Identity.Name) == account && Sessions.Id(http.User) is { } sid
            ? "session:" + sid
            : null;

    private bool UnknownAccount(string password)
    {
        var dummy = new HubUser();
        s_unknownAccountHash ??= hasher.HashPassword(dummy, Guid.NewGuid().ToString("N"));
        hasher.VerifyHashedPassword(dummy, s_unknownAccountHash, password);
        return false;
    }

    /// <summary>The account's owner learns of the failures at this sign-in (/api/me); admins find them in the audit log.</summary>
    private async Task AuditAsync(HubUser user, SignInFailuresDto failures)
    {
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(CancellationToken.None);
            db.AuditLog.Add(new AuditEntry
            {
                At = time.GetUtcNow(),
                UserId = user.Id,
                UserName = user.UserName ?? "",
                Action = "POST /api/auth/login",
                Status = StatusCodes.Status200OK,
                Detail = string.Create(CultureInfo.InvariantCulture,
                    $"{failures.Count} failed sign-ins before this one, from {string.Join(", ", failures.Addresses)}, {failures.First:u} to {failures.Last:u}"),
            });
            await db.SaveChangesAsync(CancellationToken.None);
        }
        catch (Exception ex)
        {
            // The person still signs in and sees the notice; the lost row is logged.
            logger.LogError(ex, "Could not write the audit entry for the failed sign-ins of {UserId}", user.Id);
        }
    }
}
