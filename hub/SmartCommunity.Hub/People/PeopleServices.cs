using Microsoft.AspNetCore.Identity;
using SmartCommunity.Hub.Persistence;

namespace SmartCommunity.Hub.People;

public static class PeopleServices
{
    public const string AuthScheme = "HubAuth";

    /// <summary>Identity: roles, cookie sign-in for browsers, bearer tokens for API and SignalR clients, sessions, scopes.</summary>
    public static void AddHubPeople(this WebApplicationBuilder builder)
    {
        builder.Services.AddAuthentication(a =>
            {
                a.DefaultScheme = AuthScheme;
                a.DefaultChallengeScheme = AuthScheme;
            })
            // Browsers use the cookie; API clients and SignalR clients send a bearer token
            // (SignalR over WebSockets can only pass it in the access_token query parameter).
            .AddPolicyScheme(AuthScheme, "Cookie or bearer token", p => p.ForwardDefaultSelector = ctx =>
                Sessions.UsesBearer(ctx.Request) ? IdentityConstants.BearerScheme : IdentityConstants.ApplicationScheme)
            .AddBearerToken(IdentityConstants.BearerScheme, b =>
            {
                b.BearerTokenExpiration = TimeSpan.FromHours(12);
                b.Events.OnMessageReceived = ctx =>
                {
                    if (ctx.Request.Path.StartsWithSegments("/hubs") && ctx.Request.Query["access_token"].ToString() is { Length: > 0 } token)
                        ctx.Token = token;
                    return Task.CompletedTask;
                };
            })
            .AddIdentityCookies();
        builder.Services.ConfigureApplicationCookie(c =>
        {
            c.Cookie.Name = "sc.auth";
            c.Cookie.HttpOnly = true;
            c.Cookie.SameSite = SameSiteMode.Strict;
            c.ExpireTimeSpan = TimeSpan.FromHours(12);
            c.SlidingExpiration = true;
            // An API answers 401/403; it never redirects to a login page.
            c.Events.OnRedirectToLogin = ctx => { ctx.Response.StatusCode = StatusCodes.Status401Unauthorized; return Task.CompletedTask; };
            c.Events.OnRedirectToAccessDenied = ctx => { ctx.Response.StatusCode = StatusCodes.Status403Forbidden; return Task.CompletedTask; };
        });
        builder.Services.AddIdentityCore<HubUser>(i =>
            {
                i.User.RequireUniqueEmail = true;
                i.Password.RequiredLength = 10;
                i.Password.RequireNonAlphanumeric = false;
                // No account lockout (it let anyone lock the duty officer out): failed sign-ins back off per client (SignInThrottle).
                i.Lockout.AllowedForNewUsers = false;
            })
            .AddRoles<IdentityRole>()
            .AddEntityFrameworkStores<HubDbContext>()
            .AddSignInManager()
            .AddDefaultTokenProviders();
        // A cookie re-issued after the security-stamp check keeps its session (id, sign-in notice).
        builder.Services.Configure<SecurityStampValidatorOptions>(o =>
        {
            var earlier = o.OnRefreshingPrincipal;
            o.OnRefreshingPrincipal = async ctx =>
            {
                if (earlier is not null)
                    await earlier(ctx);
                if (ctx.CurrentPrincipal is not null && ctx.NewPrincipal is not null)
                    Sessions.CarryOver(ctx.CurrentPrincipal, ctx.NewPrincipal);
            };
        });
        builder.Services.AddSingleton<SessionConnections>();
        builder.Services.AddSingleton<SessionRevocations>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<SessionRevocations>());
        builder.Services.AddSingleton<KnownDevices>();
        builder.Services.AddScoped<PasswordSignIn>();
        builder.Services.AddAuthorization();
        builder.Services.AddSingleton<AccessScopeResolver>();
        builder.Services.AddScoped<UserAdministration>();
    }
}
