namespace SmartCommunity.Hub.Security;

/// <summary>
/// Browser hardening on every response: the dashboard loads only its own scripts (no inline script,
/// no third-party origin), cannot be framed, and never leaks its URLs in a Referer. API and SignalR answers
/// (personal data, tokens) are never stored by a browser or a proxy cache.
/// </summary>
public static class SecurityHeaders
{
    // style-src allows inline styles because chart libraries set element styles; scripts stay 'self' only.
    private const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; " +
        "connect-src 'self' ws: wss:; worker-src 'self'; manifest-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'";

    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=()";
        headers["Cross-Origin-Opener-Policy"] = "same-origin";
        if (context.Request.Path.StartsWithSegments("/api") || context.Request.Path.StartsWithSegments("/hubs"))
            headers.CacheControl = "no-store";
        return next(context);
    });
}
