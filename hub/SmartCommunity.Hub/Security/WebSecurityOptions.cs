namespace SmartCommunity.Hub.Security;

/// <summary>
/// Cross-origin access (Hub:Cors). Empty by default: the dashboard is served by the hub itself, so no other
/// origin needs to read its API. A separately hosted dashboard is listed here, e.g. "https://board.example.org".
/// </summary>
public sealed class CrossOriginOptions
{
    public const string Section = "Hub:Cors";

    public List<string> AllowedOrigins { get; set; } = [];

    /// <summary>An origin is scheme://host[:port] and nothing else; "*" is refused because the API carries credentials.</summary>
    public static bool IsOrigin(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri)
        && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp)
        && uri.GetLeftPart(UriPartial.Authority).Equals(value.TrimEnd('/'), StringComparison.OrdinalIgnoreCase);
}

/// <summary>
/// HTTP request budgets (Hub:RateLimits), token buckets: <c>Burst</c> requests at once, refilled at <c>PerMinute</c>.
/// The defaults leave a person clicking through the dashboard (or the browser test suite) far below them; they stop
/// scripts that scrape or hammer the API with one account, and guessing passwords.
/// </summary>
public sealed class RateLimitOptions
{
    public const string Section = "Hub:RateLimits";

    /// <summary>Off only for load benchmarks that provision thousands of devices through the API.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Every request of one signed-in person, whatever the client (cookie or bearer token).</summary>
    public Bucket PerUser { get; set; } = new() { Burst = 600, PerMinute = 1200 };

    /// <summary>Requests without a signed-in person, per client IP (sign-in itself, the SignalR negotiate before a token, probes).</summary>
    public Bucket PerAnonymousClient { get; set; } = new() { Burst = 300, PerMinute = 600 };

    /// <summary>
    /// Failed sign-ins per client IP across all accounts (one password sprayed over many names). Only failures count,
    /// and not for accounts that have signed in from that address before: the other people behind a care home's one
    /// address still sign in while someone there guesses. The per-account back-off is Hub:SignIn.
    /// </summary>
    public Bucket SignInFailuresPerClient { get; set; } = new() { Burst = 30, PerMinute = 10 };

    public IEnumerable<(string Name, Bucket Bucket)> Buckets() =>
    [
        (nameof(PerUser), PerUser), (nameof(PerAnonymousClient), PerAnonymousClient),
        (nameof(SignInFailuresPerClient), SignInFailuresPerClient),
    ];

    public sealed class Bucket
    {
        public int Burst { get; set; }
        public double PerMinute { get; set; }

        public bool IsValid => Burst is >= 1 and <= 1_000_000 && PerMinute is > 0 and <= 6_000_000;
    }
}
