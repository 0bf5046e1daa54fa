using System.Globalization;
using System.Security.Claims;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using SmartCommunity.Hub.Diagnostics;
using SmartCommunity.Hub.People;

namespace SmartCommunity.Hub.Security;

/// <summary>
/// Per-person and per-address request budgets for ASP.NET Core's rate-limiting middleware: a signed-in person
/// is one partition whatever client they use; requests without a person are partitioned by client address.
/// Device traffic (MQTT over WebSockets) has its own per-device budgets and health probes are never limited.
/// </summary>
public static class HubRateLimits
{
    public static void Configure(RateLimiterOptions o, RateLimitOptions limits, HubOptions hub, TimeProvider time, HubMetrics metrics)
    {
        o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
        o.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(http =>
        {
            var path = http.Request.Path;
            if (!limits.Enabled || path.StartsWithSegments(hub.MqttWebSocketPath) || path.StartsWithSegments("/health"))
                return RateLimitPartition.GetNoLimiter("-");
            if (http.User.FindFirstValue(ClaimTypes.NameIdentifier) is { } user)
                return RateLimitPartition.Get("user:" + user, _ => new ClockedTokenBucket(time, limits.PerUser));
            return RateLimitPartition.Get("client:" + ClientAddress(http), _ => new ClockedTokenBucket(time, limits.PerAnonymousClient));
        });
        o.OnRejected = (context, _) =>
        {
            metrics.RateLimited(context.HttpContext.User.Identity?.IsAuthenticated == true ? "user" : "anonymous_client");
            if (context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter))
                SetRetryAfter(context.HttpContext.Response, retryAfter);
            // The status code pages middleware writes the ProblemDetails body.
            return ValueTask.CompletedTask;
        };
    }

    /// <summary>The TCP peer. Behind a reverse proxy this is the proxy, until forwarded headers are configured for it.</summary>
    public static string ClientAddress(HttpContext http) => http.Connection.RemoteIpAddress?.ToString() ?? "unknown";

    public static void SetRetryAfter(HttpResponse response, TimeSpan wait) =>
        response.Headers.RetryAfter = Math.Max(1, (long)Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture);

    /// <summary>Counts failed sign-ins on the login endpoint (see <see cref="SignInThrottle"/>).</summary>
    public static RouteHandlerBuilder WithSignInThrottle(this RouteHandlerBuilder endpoint) =>
        endpoint.AddEndpointFilter((context, next) => context.HttpContext.RequestServices.GetRequiredService<SignInThrottle>().InvokeAsync(context, next))
            .ProducesProblem(StatusCodes.Status429TooManyRequests);
}

/// <summary>
/// Failed sign-ins per client address and per account name. Only failures use up the budget: a care home behind
/// one address signing in at shift change, or a person who types the right password, is never slowed. Once either
/// budget is empty every attempt is refused with 429 and Retry-After, the right password included, so guessing
/// cannot continue. This sits in front of Identity's lockout (5 failures lock an account for 5 minutes); every
/// attempt also counts against the general per-address budget of the middleware.
/// </summary>
public sealed class SignInThrottle : IDisposable
{
    private readonly RateLimitOptions _options;
    private readonly HubMetrics _metrics;
    private readonly PartitionedRateLimiter<string> _byClient;
    private readonly PartitionedRateLimiter<string> _byAccount;

    public SignInThrottle(IOptions<RateLimitOptions> options, TimeProvider time, HubMetrics metrics)
    {
        _options = options.Value;
        _metrics = metrics;
        _byClient = PartitionedRateLimiter.Create<string, string>(client => RateLimitPartition.Get(client, _ => new ClockedTokenBucket(time, _options.SignInFailuresPerClient)));
        _byAccount = PartitionedRateLimiter.Create<string, string>(account => RateLimitPartition.Get(account, _ => new ClockedTokenBucket(time, _options.SignInFailuresPerAccount)));
    }

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        if (!_options.Enabled)
            return await next(context);
        var client = HubRateLimits.ClientAddress(context.HttpContext);
        var email = context.Arguments.OfType<LoginRequest>().FirstOrDefault()?.Email ?? "";
        // Identity compares normalized (upper-case) names; a long garbage name must not make a long key.
        var account = email.Trim().ToUpperInvariant() is var a && a.Length > 256 ? a[..256] : a;

        using (var byClient = _byClient.AttemptAcquire(client, 0))
        using (var byAccount = _byAccount.AttemptAcquire(account, 0))
        {
            if (!byClient.IsAcquired || !byAccount.IsAcquired)
            {
                _metrics.RateLimited(byClient.IsAcquired ? "sign_in_account" : "sign_in_client");
                var wait = new[] { byClient, byAccount }.Select(l => l.TryGetMetadata(MetadataName.RetryAfter, out var t) ? t : TimeSpan.Zero).Max();
                HubRateLimits.SetRetryAfter(context.HttpContext.Response, wait);
                return TypedResults.Problem("too many failed sign-ins; try again later", statusCode: StatusCodes.Status429TooManyRequests);
            }
        }

        var result = await next(context);
        var inner = result is INestedHttpResult nested ? nested.Result : result;
        if (inner is IStatusCodeHttpResult { StatusCode: StatusCodes.Status401Unauthorized })
        {
            _byClient.AttemptAcquire(client, 1).Dispose();
            _byAccount.AttemptAcquire(account, 1).Dispose();
        }
        return result;
    }

    public void Dispose()
    {
        _byClient.Dispose();
        _byAccount.Dispose();
    }
}

/// <summary>
/// A token bucket read from the hub's <see cref="TimeProvider"/>. The buckets in System.Threading.RateLimiting read
/// the system stopwatch, so a test of "the budget comes back after a minute" could only wait a minute; this one
/// follows a FakeTimeProvider. Never queues: a request either fits now or is refused with Retry-After.
/// </summary>
public sealed class ClockedTokenBucket : RateLimiter
{
    private static readonly RateLimitLease Granted = new Lease(true, null);
    private readonly TimeProvider _time;
    private readonly int _limit;
    private readonly double _perSecond;
    private readonly Lock _sync = new();
    private double _tokens;
    private long _refilledAt;
    private long _lastTakenAt;
    private long _granted, _refused;

    public ClockedTokenBucket(TimeProvider time, RateLimitOptions.Bucket bucket)
    {
        _time = time;
        _limit = bucket.Burst;
        _perSecond = bucket.PerMinute / 60.0;
        _tokens = _limit;
        _refilledAt = _lastTakenAt = time.GetTimestamp();
    }

    public override TimeSpan? IdleDuration
    {
        get
        {
            lock (_sync)
            {
                Refill();
                // Full means a fresh bucket would behave the same, so the partition may be dropped.
                return _tokens >= _limit ? _time.GetElapsedTime(_lastTakenAt) : null;
            }
        }
    }

    public override RateLimiterStatistics GetStatistics()
    {
        lock (_sync)
        {
            Refill();
            return new RateLimiterStatistics { CurrentAvailablePermits = (long)_tokens, CurrentQueuedCount = 0, TotalSuccessfulLeases = _granted, TotalFailedLeases = _refused };
        }
    }

    /// <summary>permitCount 0 asks "would one request fit now?" without using anything.</summary>
    protected override RateLimitLease AttemptAcquireCore(int permitCount)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(permitCount, _limit);
        lock (_sync)
        {
            Refill();
            var needed = Math.Max(permitCount, 1);
            if (_tokens >= needed)
            {
                if (permitCount > 0)
                {
                    _tokens -= permitCount;
                    _lastTakenAt = _time.GetTimestamp();
                }
                _granted++;
                return Granted;
            }
            _refused++;
            return new Lease(false, TimeSpan.FromSeconds((needed - _tokens) / _perSecond));
        }
    }

    protected override ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken) =>
        ValueTask.FromResult(AttemptAcquireCore(permitCount));

    private void Refill()
    {
        var now = _time.GetTimestamp();
        var elapsed = _time.GetElapsedTime(_refilledAt, now);
        if (elapsed <= TimeSpan.Zero)
            return;
        _tokens = Math.Min(_limit, _tokens + elapsed.TotalSeconds * _perSecond);
        _refilledAt = now;
    }

    private sealed class Lease(bool acquired, TimeSpan? retryAfter) : RateLimitLease
    {
        public override bool IsAcquired => acquired;

        public override IEnumerable<string> MetadataNames => retryAfter is null ? [] : [MetadataName.RetryAfter.Name];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = retryAfter is { } r && metadataName == MetadataName.RetryAfter.Name ? r : null;
            return metadata is not null;
        }
    }
}
