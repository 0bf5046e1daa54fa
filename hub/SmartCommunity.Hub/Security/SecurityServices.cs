using Microsoft.Extensions.Options;
using SmartCommunity.Hub.Hosting;

namespace SmartCommunity.Hub.Security;

public static class SecurityServices
{
    /// <summary>Strict CORS, anti-forgery for cookie writes, per-person and sign-in rate limits, token redaction in logs.</summary>
    public static void AddHubWebSecurity(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<CrossOriginOptions>().BindConfiguration(CrossOriginOptions.Section)
            .Validate(o => o.AllowedOrigins.All(CrossOriginOptions.IsOrigin), "Hub:Cors:AllowedOrigins are origins like https://board.example.org (scheme, host, port; no path, no *)")
            .ValidateOnStart();
        builder.Services.AddCors();
        builder.Services.AddOptions<Microsoft.AspNetCore.Cors.Infrastructure.CorsOptions>().Configure<IOptions<CrossOriginOptions>>((cors, o) =>
            // Only listed origins; the default list is empty, so no foreign page can read the API or pass a preflight.
            cors.AddDefaultPolicy(p => p.WithOrigins([.. o.Value.AllowedOrigins.Select(x => x.TrimEnd('/'))])
                .WithMethods("GET", "POST", "PUT", "DELETE")
                .WithHeaders("Authorization", "Content-Type", "Accept", "X-Requested-With", CsrfApi.HeaderName, "X-SignalR-User-Agent")
                .WithExposedHeaders("Retry-After", CsrfApi.RejectedHeader)
                .AllowCredentials()
                .SetPreflightMaxAge(TimeSpan.FromMinutes(10))));
        builder.Services.AddAntiforgery(CsrfApi.ConfigureAntiforgery);
        builder.Services.AddOptions<RateLimitOptions>().BindConfiguration(RateLimitOptions.Section)
            .Validate(o => o.Buckets().All(b => b.Bucket.IsValid), "Hub:RateLimits buckets need Burst 1–1,000,000 and PerMinute above 0")
            .ValidateOnStart();
        builder.Services.AddRateLimiter(_ => { });
        builder.Services.AddOptions<Microsoft.AspNetCore.RateLimiting.RateLimiterOptions>()
            .Configure<IOptions<RateLimitOptions>, IOptions<HubOptions>, TimeProvider, HubMetrics>((r, limits, hub, time, metrics) =>
                HubRateLimits.Configure(r, limits.Value, hub.Value, time, metrics));
        builder.Services.AddOptions<HubSignInOptions>().BindConfiguration(HubSignInOptions.Section)
            .Validate(o => !o.Problems().Any(), "Hub:SignIn: FreeFailures 1–1000, AccountFreeFailures 1–1,000,000, BackOff > 0, MaxBackOff ≥ BackOff, FailureMemory ≥ MaxBackOff, KnownDeviceLifetime > 0, RevocationRefresh 0–5 min")
            .ValidateOnStart();
        builder.Services.AddSingleton<SignInThrottle>();
        builder.Services.AddTokenRedaction();
    }
}
