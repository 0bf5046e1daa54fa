using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using SmartCommunity.Hub.People;

namespace SmartCommunity.Hub.Security;

public sealed record CsrfTokenDto(string Token, string HeaderName);

/// <summary>
/// Anti-forgery for cookie-authenticated writes. A browser attaches the sc.auth cookie to any request to the hub,
/// so a write under /api that was authenticated by that cookie must also carry the token from GET /api/auth/csrf in
/// the X-CSRF-TOKEN header: a page on another origin can make the browser send the cookie but cannot read the
/// token. Bearer-token requests are exempt; a token is not an ambient credential a browser adds by itself.
/// <para>
/// Sign-in is exempt by necessity (there is no session to bind a token to yet). Login CSRF (a foreign page signing
/// the victim in as the attacker) is still closed: the endpoint reads only a JSON body, which an HTML form cannot
/// send (it gets 415) and a cross-origin script cannot send without a CORS preflight the hub refuses; and the
/// SameSite=Strict cookie set by a cross-site request is not sent back on the victim's next cross-site visit.
/// </para>
/// <para>
/// The SignalR endpoints (/hubs) need no token: negotiate and the transports change no state and the hub has no
/// client-callable methods (see AuthorizationMatrixTests). But a cookie-authenticated connection reads the person's
/// alerts, and SameSite=Strict only keeps the cookie off cross-site pages: a page on another origin of the same site
/// (another port, a sibling subdomain) could open a WebSocket with it, and WebSockets are not subject to CORS. So a
/// cookie-authenticated request to /hubs whose Origin is neither the hub's own nor in Hub:Cors:AllowedOrigins is
/// refused with 403. Clients without an Origin header are not browsers and cannot carry someone else's cookie.
/// </para>
/// </summary>
public static class CsrfApi
{
    public const string HeaderName = "X-CSRF-TOKEN";
    public const string CookieName = "sc.csrf";

    /// <summary>Set on the 400 for a missing or stale token, so a client can fetch a new one and retry once.</summary>
    public const string RejectedHeader = "X-CSRF-Rejected";

    public static void ConfigureAntiforgery(AntiforgeryOptions o)
    {
        o.HeaderName = HeaderName;
        o.Cookie.Name = CookieName;
        o.Cookie.HttpOnly = true;
        o.Cookie.SameSite = SameSiteMode.Strict;
        o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        // SecurityHeaders already sends X-Frame-Options: DENY on every response.
        o.SuppressXFrameOptionsHeader = true;
    }

    public static RouteHandlerBuilder MapCsrfApi(this IEndpointRouteBuilder app) =>
        app.MapGet("/api/auth/csrf", Token).WithTags("People").RequireAuthorization()
            .WithSummary("Anti-forgery token for cookie-authenticated writes: send it as X-CSRF-TOKEN (bearer clients need none)");

    private static Ok<CsrfTokenDto> Token(HttpContext http, IAntiforgery antiforgery) =>
        TypedResults.Ok(new CsrfTokenDto(antiforgery.GetAndStoreTokens(http).RequestToken!, HeaderName));

    public static IApplicationBuilder UseCsrfCheck(this IApplicationBuilder app) => app.UseMiddleware<CsrfCheck>();
}

/// <summary>Runs after authorization, so a caller who may not write at all still gets 401/403 first.</summary>
public sealed class CsrfCheck(RequestDelegate next, IAntiforgery antiforgery, IOptions<CrossOriginOptions> cors, ILogger<CsrfCheck> logger)
{
    public async Task InvokeAsync(HttpContext http)
    {
        if (IsForeignHubConnection(http))
        {
            logger.LogInformation("Cookie-authenticated {Method} {Path} from origin {Origin} refused: not this hub's origin nor in Hub:Cors:AllowedOrigins",
                http.Request.Method, http.Request.Path, http.Request.Headers.Origin.ToString() is var o && o.Length > 200 ? o[..200] : o);
            await TypedResults.Problem("connections from another origin are refused; list it in Hub:Cors:AllowedOrigins",
                statusCode: StatusCodes.Status403Forbidden).ExecuteAsync(http);
            return;
        }
        if (NeedsToken(http) && !await antiforgery.IsRequestValidAsync(http))
        {
            logger.LogInformation("Cookie-authenticated {Method} {Path} refused: missing or invalid anti-forgery token", http.Request.Method, http.Request.Path);
            http.Response.Headers[CsrfApi.RejectedHeader] = "1";
            await TypedResults.Problem("missing or invalid anti-forgery token: GET /api/auth/csrf and send it as " + CsrfApi.HeaderName,
                statusCode: StatusCodes.Status400BadRequest).ExecuteAsync(http);
            return;
        }
        await next(http);
    }

    private static bool NeedsToken(HttpContext http)
    {
        var request = http.Request;
        if (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || HttpMethods.IsOptions(request.Method) || HttpMethods.IsTrace(request.Method))
            return false;
        // Sign-in and refresh are authenticated by their body, not by the cookie.
        if (!request.Path.StartsWithSegments("/api") || request.Path.StartsWithSegments("/api/auth/login") || request.Path.StartsWithSegments("/api/auth/refresh"))
            return false;
        // The same rule the authentication policy scheme uses to pick the bearer handler: only the cookie is ambient.
        return http.User.Identity?.IsAuthenticated == true && !Sessions.UsesBearer(request);
    }

    private bool IsForeignHubConnection(HttpContext http)
    {
        var request = http.Request;
        if (!request.Path.StartsWithSegments("/hubs") || http.User.Identity?.IsAuthenticated != true || Sessions.UsesBearer(request))
            return false;
        var origin = request.Headers.Origin.ToString();
        if (origin.Length == 0)
            return false;
        if (cors.Value.AllowedOrigins.Any(o => string.Equals(o.TrimEnd('/'), origin.TrimEnd('/'), StringComparison.OrdinalIgnoreCase)))
            return false;
        return !IsOwnOrigin(origin, request);
    }

    /// <summary>
    /// The Origin names the host (and port) the request was sent to. The scheme is not compared: behind a proxy that
    /// ends TLS the hub sees http for a page loaded over https. Without a port in Host (a proxy passing $host), the
    /// origin's port is taken as meant.
    /// </summary>
    internal static bool IsOwnOrigin(string origin, HttpRequest request) =>
        Uri.TryCreate(origin, UriKind.Absolute, out var uri)
        && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
        && string.Equals(uri.Host, request.Host.Host, StringComparison.OrdinalIgnoreCase)
        && uri.Port == (request.Host.Port ?? uri.Port);
}
