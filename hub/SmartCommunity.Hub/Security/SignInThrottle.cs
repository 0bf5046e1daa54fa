using Microsoft.Extensions.Options;
using SmartCommunity.Hub.Hosting;

namespace SmartCommunity.Hub.Security;

/// <summary>
/// Failed sign-ins (Hub:SignIn): back-off instead of lockout. Every failure counts against the pair (account, client),
/// where the client is a known device (the sc.device cookie from an earlier successful sign-in to that account, or a
/// live session of it) or else the address; after <see cref="FreeFailures"/> the pair waits <see cref="BackOff"/>,
/// doubling with every further failure up to <see cref="MaxBackOff"/>.
/// </summary>
public sealed class HubSignInOptions
{
    public const string Section = "Hub:SignIn";

    /// <summary>Failures one client may make on one account before it has to wait.</summary>
    public int FreeFailures { get; set; } = 5;

    /// <summary>
    /// Failures from unknown clients on one account, whatever their address (guessing spread over many addresses),
    /// before unknown clients have to wait. A known device never waits for these.
    /// </summary>
    public int AccountFreeFailures { get; set; } = 20;

    /// <summary>The first wait once the free failures are used; each further failure doubles it.</summary>
    public TimeSpan BackOff { get; set; } = TimeSpan.FromSeconds(30);

    public TimeSpan MaxBackOff { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>A pair, account or address without a failure for this long starts again from zero.</summary>
    public TimeSpan FailureMemory { get; set; } = TimeSpan.FromDays(1);

    /// <summary>How long a device stays known for an account after a successful sign-in there (the sc.device cookie).</summary>
    public TimeSpan KnownDeviceLifetime { get; set; } = TimeSpan.FromDays(180);

    /// <summary>How often an instance re-reads the sessions signed out on other instances (see <c>SessionRevocations</c>).</summary>
    public TimeSpan RevocationRefresh { get; set; } = TimeSpan.FromSeconds(10);

    public IEnumerable<string> Problems()
    {
        if (FreeFailures is < 1 or > 1000)
            yield return "FreeFailures is 1–1000";
        if (AccountFreeFailures is < 1 or > 1_000_000)
            yield return "AccountFreeFailures is 1–1,000,000";
        if (BackOff <= TimeSpan.Zero || MaxBackOff < BackOff)
            yield return "BackOff must be positive and MaxBackOff at least BackOff";
        if (FailureMemory < MaxBackOff)
            yield return "FailureMemory must be at least MaxBackOff";
        if (KnownDeviceLifetime <= TimeSpan.Zero)
            yield return "KnownDeviceLifetime must be positive";
        if (RevocationRefresh <= TimeSpan.Zero || RevocationRefresh > TimeSpan.FromMinutes(5))
            yield return "RevocationRefresh is above zero and at most 5 minutes";
    }
}

/// <summary>Failed sign-ins since the account's last successful one, told to its owner at the next sign-in.</summary>
public sealed record SignInFailuresDto(int Count, DateTimeOffset First, DateTimeOffset Last, IReadOnlyList<string> Addresses);

/// <summary>
/// Throttles password guessing without handing an attacker a way to lock people out (there is no account lockout).
/// <list type="bullet">
/// <item>A known device (signed in to this account before, see <c>KnownDevices</c>) is judged only by its own failures:
/// what others do to the account can never refuse it, so the duty officer's desk signs in during an attack.</item>
/// <item>Any other client is judged by its failures on this account from its address (per (account, address)), by
/// the failures on this account from all unknown clients (<see cref="HubSignInOptions.AccountFreeFailures"/>), and,
/// unless this address has signed in to this account before, by the address's failures across all accounts
/// (Hub:RateLimits:SignInFailuresPerClient), which slows spraying one password over many names from one address.
/// People behind the same address (a care home's NAT) who signed in from there before are not slowed by it.</item>
/// </list>
/// While a rule is waiting the attempt is refused with 429 and Retry-After before the password is checked, so a wait
/// reveals nothing about the password. The keys are the names as typed (normalized), whether or not the account
/// exists, so a refusal looks the same for both. An attempt is counted as failed when it starts and refunded when it
/// succeeds, so parallel guesses cannot slip past the count. State is per instance and in memory.
/// </summary>
public sealed class SignInThrottle
{
    /// <summary>Sign-in keys longer than this are cut (a name is an e-mail address; Identity allows 256).</summary>
    public const int MaxAccountLength = 256;
    private const int MaxEntries = 100_000;
    private const int MaxNoticeAddresses = 5;

    private readonly HubSignInOptions _options;
    private readonly RateLimitOptions _limits;
    private readonly TimeProvider _time;
    private readonly HubMetrics _metrics;
    private readonly ILogger<SignInThrottle> _logger;
    private readonly Lock _sync = new();
    private readonly Dictionary<string, Failures> _failures = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Budget> _addresses = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _signedInFrom = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Notice> _notices = new(StringComparer.Ordinal);
    private DateTimeOffset _sweptAt;

    public SignInThrottle(IOptions<HubSignInOptions> options, IOptions<RateLimitOptions> limits, TimeProvider time, HubMetrics metrics, ILogger<SignInThrottle> logger)
    {
        _options = options.Value;
        _limits = limits.Value;
        _time = time;
        _metrics = metrics;
        _logger = logger;
        _sweptAt = time.GetUtcNow();
    }

    /// <summary>
    /// The client's address as the throttle counts it: IPv4 as is, IPv6 by its /64 (one subscriber's network hands
    /// its devices, and an attacker, any number of addresses within it).
    /// </summary>
    public static string ClientKey(HttpContext http)
    {
        var ip = http.Connection.RemoteIpAddress;
        if (ip is null)
            return "unknown";
        if (ip.IsIPv4MappedToIPv6)
            ip = ip.MapToIPv4();
        if (ip.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6 || System.Net.IPAddress.IsLoopback(ip))
            return ip.ToString();
        var bytes = ip.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new System.Net.IPAddress(bytes) + "/64";
    }

    /// <summary>The throttle's key for a name as typed: Identity compares upper-case names.</summary>
    public static string AccountKey(string? name)
    {
        var key = (name ?? "").Trim().ToUpperInvariant();
        return key.Length > MaxAccountLength ? key[..MaxAccountLength] : key;
    }

    /// <summary>
    /// Starts an attempt: refused (with the wait) while a rule waits, otherwise counted as failed until
    /// <see cref="Succeeded"/>. <paramref name="device"/> is the client's device id when it is known for this account.
    /// </summary>
    public SignInAttempt Begin(string account, string address, string? device)
    {
        var now = _time.GetUtcNow();
        lock (_sync)
        {
            Sweep(now);
            var attempt = new SignInAttempt(account, address, device, device is null && _signedInFrom.ContainsKey(Pair(account, address)));
            var (wait, limit) = WaitFor(attempt, now);
            if (wait > TimeSpan.Zero)
            {
                NoteFailure(attempt, now);
                _metrics.RateLimited(limit);
                return attempt with { RetryAfter = wait };
            }
            if (attempt.Device is { } d)
            {
                Fail(DeviceKey(account, d), now);
            }
            else
            {
                Fail(PairKey(account, address), now);
                Fail(AccountWideKey(account), now);
                if (!attempt.AddressKnown)
                    BudgetOf(address, now).Tokens -= 1;
            }
            return attempt;
        }
    }

    /// <summary>The password was wrong or the account does not exist (<paramref name="userId"/> null).</summary>
    public void Failed(SignInAttempt attempt, string? userId)
    {
        var now = _time.GetUtcNow();
        lock (_sync)
        {
            NoteFailure(attempt, now);
            var key = attempt.Device is { } d ? DeviceKey(attempt.Account, d) : PairKey(attempt.Account, attempt.Address);
            var free = _options.FreeFailures;
            if (_failures.TryGetValue(key, out var f) && f.Count == free)
            {
                // Once per pair, when its wait begins: the address is the network's, the account only by id (a name
                // typed at sign-in may be anything, a password included).
                _logger.LogWarning("Sign-in back-off begins for {Account} from {Client} after {Failures} failed sign-ins",
                    userId ?? "(no such account)", attempt.Device is null ? attempt.Address : "a known device at " + attempt.Address, f.Count);
            }
            if (attempt.Device is null && _failures.TryGetValue(AccountWideKey(attempt.Account), out var a) && a.Count == _options.AccountFreeFailures && userId is not null)
                _logger.LogWarning("Sign-in back-off begins for unknown clients of {Account} after {Failures} failed sign-ins from any address", userId, a.Count);
        }
    }

    /// <summary>
    /// The password was right: the attempt's failure is refunded, the client's own count starts again, and this
    /// address is remembered for the account. Returns the failures since the previous successful sign-in, if any.
    /// </summary>
    public SignInFailuresDto? Succeeded(SignInAttempt attempt)
    {
        var now = _time.GetUtcNow();
        lock (_sync)
        {
            if (attempt.Device is { } d)
            {
                _failures.Remove(DeviceKey(attempt.Account, d));
            }
            else
            {
                _failures.Remove(PairKey(attempt.Account, attempt.Address));
                // Only this attempt is taken back: an attacker's failures on the account still count.
                if (_failures.TryGetValue(AccountWideKey(attempt.Account), out var a) && --a.Count <= 0)
                    _failures.Remove(AccountWideKey(attempt.Account));
                if (!attempt.AddressKnown)
                {
                    var budget = BudgetOf(attempt.Address, now);
                    budget.Tokens = Math.Min(_limits.SignInFailuresPerClient.Burst, budget.Tokens + 1);
                }
            }
            _signedInFrom[Pair(attempt.Account, attempt.Address)] = now;
            if (!_notices.Remove(attempt.Account, out var notice))
                return null;
            return new SignInFailuresDto(notice.Count, notice.First, notice.Last, [.. notice.Addresses]);
        }
    }

    private (TimeSpan Wait, string Limit) WaitFor(SignInAttempt attempt, DateTimeOffset now)
    {
        if (!_limits.Enabled)
            return (TimeSpan.Zero, "");
        if (attempt.Device is { } d)
            return (Wait(DeviceKey(attempt.Account, d), _options.FreeFailures, now), "sign_in_device");
        var pair = Wait(PairKey(attempt.Account, attempt.Address), _options.FreeFailures, now);
        if (pair > TimeSpan.Zero)
            return (pair, "sign_in_client_account");
        var account = Wait(AccountWideKey(attempt.Account), _options.AccountFreeFailures, now);
        if (account > TimeSpan.Zero)
            return (account, "sign_in_account");
        if (!attempt.AddressKnown)
        {
            var budget = BudgetOf(attempt.Address, now);
            if (budget.Tokens < 1)
                return (TimeSpan.FromSeconds((1 - budget.Tokens) * 60 / _limits.SignInFailuresPerClient.PerMinute), "sign_in_client");
        }
        return (TimeSpan.Zero, "");
    }

    /// <summary>After <paramref name="free"/> failures: BackOff × 2^(failures − free) from the last one, at most MaxBackOff.</summary>
    private TimeSpan Wait(string key, int free, DateTimeOffset now)
    {
        if (!_failures.TryGetValue(key, out var f) || f.Count < free)
            return TimeSpan.Zero;
        var factor = Math.Pow(2, Math.Min(f.Count - free, 30));
        var backOff = TimeSpan.FromTicks((long)Math.Min(_options.MaxBackOff.Ticks, _options.BackOff.Ticks * factor));
        var left = f.Last + backOff - now;
        return left > TimeSpan.Zero ? left : TimeSpan.Zero;
    }

    private void Fail(string key, DateTimeOffset now)
    {
        if (!_failures.TryGetValue(key, out var f))
            _failures[key] = f = new Failures();
        f.Count++;
        f.Last = now;
    }

    private void NoteFailure(SignInAttempt attempt, DateTimeOffset now)
    {
        if (!_notices.TryGetValue(attempt.Account, out var notice))
            _notices[attempt.Account] = notice = new Notice { First = now };
        notice.Count++;
        notice.Last = now;
        notice.Addresses.Remove(attempt.Address);
        notice.Addresses.Insert(0, attempt.Address);
        if (notice.Addresses.Count > MaxNoticeAddresses)
            notice.Addresses.RemoveAt(notice.Addresses.Count - 1);
    }

    private Budget BudgetOf(string address, DateTimeOffset now)
    {
        var bucket = _limits.SignInFailuresPerClient;
        if (!_addresses.TryGetValue(address, out var budget))
            _addresses[address] = budget = new Budget { Tokens = bucket.Burst, At = now };
        var elapsed = now - budget.At;
        if (elapsed > TimeSpan.Zero)
        {
            budget.Tokens = Math.Min(bucket.Burst, budget.Tokens + elapsed.TotalMinutes * bucket.PerMinute);
            budget.At = now;
        }
        return budget;
    }

    /// <summary>Forgets what is old, at most once a minute; memory is bounded even when names are made up by the million.</summary>
    private void Sweep(DateTimeOffset now)
    {
        var full = _failures.Count > MaxEntries || _notices.Count > MaxEntries || _addresses.Count > MaxEntries || _signedInFrom.Count > MaxEntries;
        if (!full && now - _sweptAt < TimeSpan.FromMinutes(1))
            return;
        _sweptAt = now;
        var forget = now - _options.FailureMemory;
        Drop(_failures, f => f.Last < forget, f => f.Last);
        Drop(_notices, n => n.Last < forget, n => n.Last);
        Drop(_addresses, b => b.At < now - TimeSpan.FromMinutes(_limits.SignInFailuresPerClient.Burst / _limits.SignInFailuresPerClient.PerMinute) - TimeSpan.FromMinutes(1), b => b.At);
        Drop(_signedInFrom, at => at < now - _options.KnownDeviceLifetime, at => at);
    }

    private static void Drop<T>(Dictionary<string, T> entries, Func<T, bool> old, Func<T, DateTimeOffset> age)
    {
        foreach (var key in entries.Where(e => old(e.Value)).Select(e => e.Key).ToList())
            entries.Remove(key);
        if (entries.Count <= MaxEntries)
            return;
        // Still full of recent entries (names made up faster than they age): keep the newest 90 %.
        foreach (var key in entries.OrderBy(e => age(e.Value)).Take(entries.Count - MaxEntries * 9 / 10).Select(e => e.Key).ToList())
            entries.Remove(key);
    }

    private static string Pair(string account, string address) => account + "\n" + address;
    private static string PairKey(string account, string address) => "c\n" + Pair(account, address);
    private static string DeviceKey(string account, string device) => "d\n" + account + "\n" + device;
    private static string AccountWideKey(string account) => "a\n" + account;

    private sealed class Failures
    {
        public int Count;
        public DateTimeOffset Last;
    }

    private sealed class Budget
    {
        public double Tokens;
        public DateTimeOffset At;
    }

    private sealed class Notice
    {
        public int Count;
        public DateTimeOffset First;
        public DateTimeOffset Last;
        public List<string> Addresses { get; } = [];
    }
}

/// <summary>One sign-in attempt as the throttle saw it; <see cref="RetryAfter"/> set means refused.</summary>
public sealed record SignInAttempt(string Account, string Address, string? Device, bool AddressKnown)
{
    public TimeSpan? RetryAfter { get; init; }
}
