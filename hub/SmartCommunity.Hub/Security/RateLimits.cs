using System.Globalization;
using System.Security.Claims;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using SmartCommunity.Hub.Hosting;

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
