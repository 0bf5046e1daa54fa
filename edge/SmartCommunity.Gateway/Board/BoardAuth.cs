using System.Collections.Concurrent;
using System.Net;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;

namespace SmartCommunity.Gateway.Board;

/// <summary>
/// Sign-in to the duty room's board: the person's name and the duty room's password (<c>Gateway:BoardPassword</c>)
/// give a session cookie (HttpOnly, SameSite=Strict, 12 h sliding) that carries the name, so an acknowledgement says
/// who made it. Writes also need the session's anti-forgery token (<c>X-CSRF-TOKEN</c>, from <c>/api/auth/csrf</c>)
/// and are refused when the browser says the request comes from another site. The paths are the hub's, so the
/// dashboard's own sign-in and request code serve both.
/// </summary>
public static class BoardAuth
{
    public const string CsrfClaim = "sc:csrf";
    public const string CsrfHeader = "X-CSRF-TOKEN";

    public static void AddBoardAuth(this WebApplicationBuilder builder, string dataDirectory)
    {
        // Sessions outlive a restart of the gateway: the cookie keys stay in the data directory.
        builder.Services.AddDataProtection().SetApplicationName("SmartCommunity.Gateway")
            .PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(dataDirectory, "keys")));
        builder.Services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme).AddCookie(o =>
        {
            o.Cookie.Name = "sc-gw-session";
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Strict;
            // The duty room reaches the gateway over the community's LAN, usually plain HTTP.
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.ExpireTimeSpan = TimeSpan.FromHours(12);
            o.SlidingExpiration = true;
            // An API answers 401/403, never a redirect to a login page.
            o.Events.OnRedirectToLogin = ctx => { ctx.Response.StatusCode = StatusCodes.Status401Unauthorized; return Task.CompletedTask; };
            o.Events.OnRedirectToAccessDenied = ctx => { ctx.Response.StatusCode = StatusCodes.Status403Forbidden; return Task.CompletedTask; };
        });
        builder.Services.AddAuthorization();
        builder.Services.AddSingleton<SignInThrottle>();
    }

    public sealed record LoginRequest(string? Name, string? Password);

    public static void MapBoardAuth(this WebApplication app)
    {
        app.MapPost("/api/auth/login", async (LoginRequest body, HttpContext http, SignInThrottle throttle, IOptions<GatewayOptions> options,
            ILogger<SignInThrottle> logger) =>
        {
            var password = options.Value.BoardPassword;
            if (string.IsNullOrEmpty(password))
                return Results.Problem(statusCode: 404, title: "The local board is off (no Gateway:BoardPassword)");
            var from = http.Connection.RemoteIpAddress ?? IPAddress.None;
            if (throttle.Blocked(from))
                return Results.Problem(statusCode: 429, title: "Too many failed sign-ins from this address");
            var name = body.Name?.Trim() ?? "";
            if (name.Length is 0 or > 64)
                return Results.Problem(statusCode: 400, title: "Type your name (at most 64 characters)");
            if (!CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(body.Password ?? ""), Encoding.UTF8.GetBytes(password)))
            {
                throttle.Failed(from);
                logger.LogWarning("Board sign-in refused from {Address}: wrong password", from);
                return Results.Problem(statusCode: 401, title: "Wrong password");
            }
            var identity = new ClaimsIdentity(
                [new Claim(ClaimTypes.Name, name), new Claim(CsrfClaim, Convert.ToHexString(RandomNumberGenerator.GetBytes(16)))],
                CookieAuthenticationDefaults.AuthenticationScheme);
            await http.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, new ClaimsPrincipal(identity), new AuthenticationProperties { IsPersistent = true });
            logger.LogInformation("{Name} signed in to the local board from {Address}", name, from);
            return Results.NoContent();
        }).DisableAntiforgery();

        app.MapPost("/api/auth/logout", async (HttpContext http) =>
        {
            await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            return Results.NoContent();
        }).RequireAuthorization().AddEndpointFilter(RequireSameSiteToken);

        app.MapGet("/api/auth/csrf", (ClaimsPrincipal user) => Results.Json(new { token = user.FindFirstValue(CsrfClaim) })).RequireAuthorization();
    }

    /// <summary>For every write: the session's anti-forgery token, and not a request the browser marks as cross-site.</summary>
    public static async ValueTask<object?> RequireSameSiteToken(EndpointFilterInvocationContext ctx, EndpointFilterDelegate next)
    {
        var http = ctx.HttpContext;
        if (http.Request.Headers["Sec-Fetch-Site"] is [var site] && site is "cross-site")
            return Results.Problem(statusCode: 403, title: "Cross-site request refused");
        var expected = http.User.FindFirstValue(CsrfClaim);
        var sent = http.Request.Headers[CsrfHeader].ToString();
        if (expected is null || !CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(sent), Encoding.UTF8.GetBytes(expected)))
        {
            // The dashboard fetches a fresh token and retries once on this header (api/http.ts), as with the hub.
            http.Response.Headers["X-CSRF-Rejected"] = "1";
            return Results.Problem(statusCode: 400, title: "Missing or wrong anti-forgery token");
        }
        return await next(ctx);
    }
}

/// <summary>Failed board sign-ins per address: after 10 in 15 minutes that address waits (the password is shared by a duty room).</summary>
public sealed class SignInThrottle(TimeProvider time)
{
    private const int MaxFailures = 10;
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(15);
    private readonly ConcurrentDictionary<IPAddress, (int Count, DateTimeOffset Since)> _failures = new();

    public bool Blocked(IPAddress from) =>
        _failures.TryGetValue(from, out var f) && f.Count >= MaxFailures && time.GetUtcNow() - f.Since < Window;

    public void Failed(IPAddress from)
    {
        var now = time.GetUtcNow();
        _failures.AddOrUpdate(from, (1, now), (_, f) => now - f.Since >= Window ? (1, now) : (f.Count + 1, f.Since));
    }
}
