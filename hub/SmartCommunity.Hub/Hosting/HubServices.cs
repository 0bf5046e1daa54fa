using System.Net;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using MQTTnet.AspNetCore;
using MQTTnet.Server;
using SmartCommunity.Hub.Alerts;
using SmartCommunity.Hub.Audit;
using SmartCommunity.Hub.Broker;
using SmartCommunity.Hub.Broker.External;
using SmartCommunity.Hub.Dashboard;
using SmartCommunity.Hub.Demo;
using SmartCommunity.Hub.Devices;
using SmartCommunity.Hub.Escalation;
using SmartCommunity.Hub.Ingestion;
using SmartCommunity.Hub.Notifications;
using SmartCommunity.Hub.People;
using SmartCommunity.Hub.Persistence;
using SmartCommunity.Hub.Places;
using SmartCommunity.Hub.Privacy;
using SmartCommunity.Hub.Reports;
using SmartCommunity.Hub.Security;
using SmartCommunity.Hub.Visits;
using SmartCommunity.Telemetry;

namespace SmartCommunity.Hub.Hosting;

/// <summary>The hub's registrations, one method per area; Program.cs lists them in order.</summary>
public static class HubServices
{
    public const string AuthScheme = "HubAuth";

    private static HubOptions ReadOptions(IConfiguration configuration) =>
        configuration.GetSection(HubOptions.Section).Get<HubOptions>() ?? new HubOptions();

    public static void AddHubOptions(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<HubOptions>().BindConfiguration(HubOptions.Section).ValidateDataAnnotations()
            .Validate(o => IPAddress.TryParse(o.BindAddress, out _), "Hub:BindAddress must be an IP address")
            .Validate(o => o.MqttPort != o.HttpPort || o.HttpPort == 0, "Hub:MqttPort and Hub:HttpPort must differ")
            .Validate(o => o.DeviceSecretGracePeriod >= TimeSpan.Zero, "Hub:DeviceSecretGracePeriod must not be negative")
            .Validate(o => o.MqttMaxPacketBytes > o.MaxPayloadBytes, "Hub:MqttMaxPacketBytes must exceed Hub:MaxPayloadBytes")
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<HubOptions>, TlsOptionsValidator>();
        builder.Services.TryAddTimeProvider();
        builder.WebHost.ConfigureKestrel((context, kestrel) =>
        {
            var o = ReadOptions(context.Configuration);
            var ip = IPAddress.TryParse(o.BindAddress, out var parsed) ? parsed : IPAddress.Loopback;
            // Plain HTTP and MQTT (unless Hub:Tls:RequireTls), HTTPS and MQTT over TLS when Hub:Tls:CertificatePath is set;
            // with an external broker the devices connect there and the hub opens no MQTT port. The frame guard sits in
            // front of MQTTnet (behind TLS; also on /mqtt): malformed, oversized, truncated or stalled packets end the connection.
            TlsSetup.Listen(kestrel, ip, o, mqtt: !BrokerOptions.Read(context.Configuration).IsExternal,
                mqttGuard: listen => listen.UseMqttFrameGuard(kestrel.ApplicationServices.GetRequiredService<MqttFrameGuard>()));
            kestrel.Limits.MaxRequestBodySize = 1024 * 1024;
        });
    }

    private static void TryAddTimeProvider(this IServiceCollection services)
    {
        if (!services.Any(d => d.ServiceType == typeof(TimeProvider)))
            services.AddSingleton(TimeProvider.System);
    }

    public static void AddHubPersistence(this WebApplicationBuilder builder)
    {
        var o = ReadOptions(builder.Configuration);
        DataDirectory.Create(o.DataDirectory);
        // Hub:Database:Provider: SQLite in the data directory (default) or PostgreSQL shared by several instances.
        var database = HubDatabaseOptions.Read(builder.Configuration);
        builder.Services.AddOptions<HubDatabaseOptions>().BindConfiguration(HubDatabaseOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddHubDbContext(database, builder.Configuration.GetConnectionString(HubDatabaseOptions.ConnectionStringName), o.DataPath("hub.db"));
        // Keys in the data directory, or in the shared database: sign-in cookies and tokens stay valid across
        // restarts, and on PostgreSQL a token issued by one instance is accepted by every other.
        var keys = builder.Services.AddDataProtection().SetApplicationName("SmartCommunity.Hub");
        if (database.IsPostgres)
            keys.PersistKeysToDbContext<HubDbContext>();
        else
            keys.PersistKeysToFileSystem(new DirectoryInfo(o.DataPath("keys")));
        builder.Services.AddSingleton<PlaceNames>();
    }

    public static void AddHubTelemetry(this WebApplicationBuilder builder)
    {
        var o = ReadOptions(builder.Configuration);
        // Telemetry:Backend picks the store: the embedded SQLite file (default) or InfluxDB for a city deployment.
        var backend = builder.Configuration["Telemetry:Backend"] ?? "sqlite";
        if (string.Equals(backend, "influxdb", StringComparison.OrdinalIgnoreCase))
        {
            // The spool sits in the data directory unless configured elsewhere, so an outage survives a restart.
            var spool = builder.Configuration["Telemetry:Influx:SpoolDirectory"] ?? o.DataPath("influx-spool");
            builder.Services.AddSingleton<SmartCommunity.Telemetry.Influx.ITelemetryTagResolver, SmartCommunity.Hub.Readings.DeviceTelemetryTags>();
            builder.Services.AddInfluxTelemetry(i => i.SpoolDirectory = spool);
            builder.Services.AddHealthChecks().AddCheck<SmartCommunity.Telemetry.Influx.InfluxTelemetryHealthCheck>("influxdb");
        }
        else if (string.Equals(backend, "sqlite", StringComparison.OrdinalIgnoreCase))
        {
            builder.Services.AddSqliteTelemetry(t => t.Path = o.DataPath("telemetry.db"));
        }
        else
        {
            throw new InvalidOperationException($"Telemetry:Backend '{backend}' is unknown; use 'sqlite' or 'influxdb'.");
        }
        builder.Services.AddTelemetryRetention(builder.Configuration);
    }

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

    public static void AddHubDevices(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<DeviceDirectory>();
        builder.Services.AddSingleton<RejectionLog>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<RejectionLog>());
        builder.Services.AddSingleton<DeviceStateFlusher>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<DeviceStateFlusher>());
        builder.Services.AddSingleton<SupervisionService>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<SupervisionService>());
    }

    public static void AddHubAlerts(this WebApplicationBuilder builder)
    {
        var signalR = builder.Services.AddSignalR();
        // Hub:Redis:Configuration set: several instances share one backplane, so a board connected to instance B
        // sees what instance A pushes. The prefix keeps hub deployments sharing one Redis apart.
        if (builder.Configuration["Hub:Redis:Configuration"] is { Length: > 0 } redis)
        {
            var prefix = builder.Configuration["Hub:Redis:ChannelPrefix"] is { Length: > 0 } p ? p : "sc";
            signalR.AddStackExchangeRedis(r =>
            {
                r.Configuration = StackExchange.Redis.ConfigurationOptions.Parse(redis);
                // Start (and keep serving local clients) while Redis is unreachable; the client reconnects by itself.
                r.Configuration.AbortOnConnectFail = false;
                r.Configuration.ChannelPrefix = StackExchange.Redis.RedisChannel.Literal(prefix);
            });
        }
        builder.Services.AddSingleton<AlertNotifier>();
        builder.Services.AddSingleton<AlertService>();
        builder.Services.AddOptions<AlertTestingOptions>().BindConfiguration(AlertTestingOptions.Section);
    }

    public static void AddHubWorkflow(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<OnCall>();
        builder.Services.AddSingleton<Downlink>();
        builder.Services.AddSingleton<EscalationService>();
        builder.Services.AddSingleton<IAlertRaisedHandler>(sp => sp.GetRequiredService<EscalationService>());
        builder.Services.AddSingleton<PreAlarmDownlinks>();
        builder.Services.AddSingleton<IAlertRaisedHandler>(sp => sp.GetRequiredService<PreAlarmDownlinks>());
        builder.Services.AddSingleton<IPreAlarmEndedHandler>(sp => sp.GetRequiredService<PreAlarmDownlinks>());
        builder.Services.AddOptions<EscalationOptions>().BindConfiguration(EscalationOptions.Section)
            .Validate(o => o.ReconcileInterval > TimeSpan.Zero && o.OverdueAfter > TimeSpan.Zero, "Hub:Escalation intervals must be positive")
            .ValidateOnStart();
        builder.Services.AddSingleton<EscalationReconciler>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<EscalationReconciler>());
        builder.Services.AddSingleton<VisitService>();
        builder.Services.AddSingleton<IReadingObserver, DeviceButtons>();
        builder.Services.AddSingleton<ReportService>();
    }

    public static void AddHubNotifications(this WebApplicationBuilder builder)
    {
        builder.Services.AddHttpClient();
        builder.Services.AddOptions<WebhookOptions>().BindConfiguration(WebhookOptions.Section)
            .Validate(o => o.Endpoints.All(e => Uri.TryCreate(e.Url, UriKind.Absolute, out _) && e.Secret.Length >= 16), "Hub:Webhooks:Endpoints need an absolute Url and a Secret of at least 16 characters")
            .Validate(o => o.MaxAttempts is >= 1 and <= 20, "Hub:Webhooks:MaxAttempts is 1–20")
            .ValidateOnStart();
        builder.Services.AddOptions<WebPushOptions>().BindConfiguration(WebPushOptions.Section)
            .Validate(o => o.Timeout > TimeSpan.Zero && o.Timeout <= TimeSpan.FromMinutes(5), "Hub:WebPush:Timeout is above 0 and at most 5 minutes")
            .Validate(o => o.MaxConcurrency is >= 1 and <= 256, "Hub:WebPush:MaxConcurrency is 1–256")
            .Validate(o => o.AllowedHosts.All(WebPushOptions.IsHostPattern), "Hub:WebPush:AllowedHosts are host names, \"*.\" and a name, or \"*\"")
            .Validate(o => o.AllowedEndpoints.All(WebPushOptions.IsEndpointPrefix), "Hub:WebPush:AllowedEndpoints are absolute http(s) URLs")
            .ValidateOnStart();
        builder.Services.AddSingleton<PushEndpointPolicy>();
        // The push client connects only to public addresses (or the operator's AllowedEndpoints); each request's
        // timeout is the sender's (Hub:WebPush:Timeout, on the hub's clock), not HttpClient's. No request logging:
        // it would write each endpoint URL, a capability, to the log.
        builder.Services.AddHttpClient(WebPushSender.HttpClientName, c => c.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(sp => sp.GetRequiredService<PushEndpointPolicy>().CreateHandler())
            .RemoveAllLoggers();
        builder.Services.AddSingleton<VapidKeys>();
        builder.Services.AddSingleton<WebPushSender>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<WebPushSender>());
        builder.Services.AddSingleton<WebhookChannel>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<WebhookChannel>());
        builder.Services.AddSingleton<Paging>();
        builder.Services.AddSingleton<FamilyNotifications>();
        builder.Services.AddSingleton<IAlertRaisedHandler>(sp => sp.GetRequiredService<FamilyNotifications>());
    }

    public static void AddHubPrivacy(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<ResidentData>();
        builder.Services.AddPersonalDataRetention(builder.Configuration);
    }

    public static void AddHubBroker(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<BrokerOptions>().BindConfiguration(BrokerOptions.Section).ValidateDataAnnotations()
            .Validate(o => o.IsExternal || string.Equals(o.Mode, BrokerOptions.Embedded, StringComparison.OrdinalIgnoreCase), "Hub:Broker:Mode is 'embedded' or 'external'")
            .Validate(o => !o.IsExternal || (!string.IsNullOrWhiteSpace(o.External.Host) && !string.IsNullOrWhiteSpace(o.External.Username)),
                "Hub:Broker:External needs Host and Username")
            .Validate(o => !o.IsExternal || o.External.SessionExpiry >= TimeSpan.FromMinutes(1), "Hub:Broker:External:SessionExpiry must cover a restart (at least a minute)")
            .Validate(o => !o.IsExternal || o.External.DirectoryRefreshInterval > TimeSpan.Zero, "Hub:Broker:External:DirectoryRefreshInterval must be positive")
            .ValidateOnStart();
        builder.Services.AddSingleton<IngestionPipeline>();
        if (BrokerOptions.Read(builder.Configuration).IsExternal)
        {
            // Devices connect to Mosquitto (or another MQTT 5 broker); the hub consumes their messages as a client.
            builder.Services.AddSingleton<DynamicSecurity>();
            builder.Services.AddSingleton<ExternalBrokerConsumer>();
            builder.Services.AddHostedService(sp => sp.GetRequiredService<ExternalBrokerConsumer>());
            builder.Services.AddSingleton<IDeviceBroker, ExternalDeviceBroker>();
            builder.Services.AddHostedService<DirectorySync>();
            return;
        }
        var mqtt = new MqttServerOptionsBuilder()
            // Kestrel owns the sockets (TCP listener above, WebSockets at MapMqtt); MQTTnet's own listener stays off.
            .WithoutDefaultEndpoint()
            // The default (100 s) let a silent or slow-loris socket hold a connection slot that long.
            .WithDefaultCommunicationTimeout(ReadOptions(builder.Configuration).MqttConnectTimeout)
            .WithPersistentSessions(true)
            .WithMaxPendingMessagesPerClient(1000)
            .Build();
        // Every connection keeps a write buffer; what the hub sends devices (acks, small commands) fits in 256 bytes,
        // and at 10,000 devices the default 4 KB buffers alone were ~100 MB of the heap. Larger writes still grow it.
        mqtt.WriterBufferSize = 256;
        builder.Services.AddHostedMqttServer(mqtt)
            .AddMqttConnectionHandler()
            .AddConnections();
        builder.Services.AddKeyedSingleton(MqttFrameGuard.ClockKey, TimeProvider.System);
        builder.Services.AddSingleton<MqttFrameGuard>();
        builder.Services.AddSingleton<DeviceCertificates>();
        builder.Services.AddSingleton<DeviceGate>();
        builder.Services.AddSingleton<EmbeddedIngestion>();
        builder.Services.AddSingleton<IDeviceBroker, EmbeddedDeviceBroker>();
    }

    public static void AddHubOperations(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<HubMetrics>();
        builder.Services.AddOpenApi();
        builder.Services.AddApiProblems();    // every 4xx and 5xx body is problem details, whatever the client accepts
        builder.Services.AddHealthChecks()
            .AddDbContextCheck<HubDbContext>("database")
            .AddCheck<BrokerHealthCheck>("broker")
            .AddCheck<TelemetryHealthCheck>("telemetry");
        builder.Services.AddSingleton<DemoSeeder>();
        // Start-up work (migrations, caches, first admin, demo data) runs before the broker accepts devices.
        builder.Services.Insert(0, ServiceDescriptor.Singleton<IHostedService, HubStartup>());
    }

    public static void UseHubPipeline(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseSecurityHeaders();
        app.UseCors();
        app.UseWebSockets();
        app.UseDashboard();
        app.UseAuthentication();
        app.UseMiddleware<SessionCheck>();  // a signed-out session's cookie or token counts as no credential
        app.UseRateLimiter();       // after authentication: budgets are per person, anonymous callers per address
        app.UseAuthorization();
        app.UseCsrfCheck();         // after authorization: 401/403 come first
        app.UseMiddleware<AuditTrail>();

        // The embedded broker (the external one is consumed by ExternalBrokerConsumer, a hosted service).
        if (!app.Services.GetRequiredService<IOptions<BrokerOptions>>().Value.IsExternal)
        {
            var options = app.Services.GetRequiredService<IOptions<HubOptions>>().Value;
            var ingestion = app.Services.GetRequiredService<EmbeddedIngestion>();
            var gate = app.Services.GetRequiredService<DeviceGate>();
            app.UseMqttServer(server =>
            {
                server.ValidatingConnectionAsync += gate.ValidateConnectionAsync;
                server.InterceptingSubscriptionAsync += gate.InterceptSubscriptionAsync;
                server.InterceptingPublishAsync += ingestion.InterceptPublishAsync;
                server.ClientDisconnectedAsync += ingestion.ClientDisconnectedAsync;
                server.ClientDisconnectedAsync += gate.ClientDisconnectedAsync;
            });
            app.MapGuardedMqtt(options.MqttWebSocketPath, app.Services.GetRequiredService<MqttFrameGuard>());
        }
    }

    public static void MapHubRealtime(this WebApplication app) =>
        app.MapHub<AlertsHub>(AlertsHub.Path);
}

public sealed class BrokerHealthCheck(IDeviceBroker broker) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(broker.IsConnected ? HealthCheckResult.Healthy(broker.Describe()) : HealthCheckResult.Unhealthy(broker.Describe()));
}

public sealed class TelemetryHealthCheck(TelemetryWriter writer, IOptions<TelemetryOptions> options) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var depth = writer.QueueDepth;
        var capacity = options.Value.QueueCapacity;
        // A queue that stays nearly full means the store cannot keep up and devices are being slowed down.
        return Task.FromResult(depth < capacity * 0.9
            ? HealthCheckResult.Healthy($"queue {depth}/{capacity}")
            : HealthCheckResult.Degraded($"telemetry queue {depth}/{capacity}: the store is not keeping up"));
    }
}
