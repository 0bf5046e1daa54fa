using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;
using SmartCommunity.Hub.Hosting;

namespace SmartCommunity.Hub.Notifications;

/// <summary>Web Push delivery (Hub:WebPush): which push services the hub posts to, and how long it waits for one.</summary>
public sealed class WebPushOptions
{
    public const string Section = "Hub:WebPush";

    /// <summary>
    /// The push services of the browsers people use (Chrome and other Chromium browsers, Firefox, Safari, Edge on
    /// Windows). A subscription endpoint is a URL the browser hands over and the hub then POSTs to, so only these,
    /// and <see cref="AllowedHosts"/>, are accepted.
    /// </summary>
    public static readonly IReadOnlyList<string> PushServices =
        ["fcm.googleapis.com", "updates.push.services.mozilla.com", "*.push.apple.com", "*.notify.windows.com"];

    /// <summary>More push service hosts (https on 443, public addresses only): "push.example.org", "*.example.org"
    /// (its subdomains), or "*" for any public host.</summary>
    public List<string> AllowedHosts { get; set; } = [];

    /// <summary>
    /// Endpoint URL prefixes trusted as they are, http and private or loopback addresses included: a push service
    /// inside the operator's own network, or a test receiver. The operator vouches for each; nothing else is exempt.
    /// </summary>
    public List<string> AllowedEndpoints { get; set; } = [];

    /// <summary>How long one push request may take (connect, TLS, answer) before it counts as failed.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Push requests in flight at once: a few stuck endpoints cannot hold up the others.</summary>
    public int MaxConcurrency { get; set; } = 8;

    /// <summary>"*", a host name, or "*." and a name (its subdomains).</summary>
    public static bool IsHostPattern(string pattern) =>
        pattern == "*" || (pattern.StartsWith("*.", StringComparison.Ordinal) ? pattern[2..] : pattern) is { Length: > 0 } name
            && name.IndexOfAny(['*', '/', ':', '@', ' ']) < 0;

    public static bool IsEndpointPrefix(string prefix) =>
        Uri.TryCreate(prefix, UriKind.Absolute, out var u) && (u.Scheme == Uri.UriSchemeHttps || u.Scheme == Uri.UriSchemeHttp) && u.UserInfo.Length == 0;
}

/// <summary>
/// Which Web Push endpoints the hub may POST to. A subscription's endpoint comes from a signed-in person, so without
/// this a family account could make the hub send requests into its own network (SSRF). Checked when a browser
/// subscribes, again before each send (the allow-list may have changed, old rows exist), and once more on the
/// addresses the name resolves to when the connection is opened (<see cref="CreateHandler"/>), so a name that
/// resolves to 127.0.0.1 or re-binds after the first check is refused too.
/// </summary>
public sealed class PushEndpointPolicy(IOptions<WebPushOptions> options, IMeterFactory meters)
{
    public const int MaxEndpointLength = 1000;

    private readonly Counter<long> _refusedSubscriptions = meters.Create(HubMetrics.MeterName)
        .CreateCounter<long>("sc.webpush.subscriptions_refused", description: "Push subscriptions refused for their endpoint (SSRF guard)");

    public void SubscriptionRefused() => _refusedSubscriptions.Add(1);

    private static readonly string[] PrivateSuffixes = [".localhost", ".local", ".internal", ".localdomain", ".home.arpa", ".lan", ".intranet"];

    /// <summary>Why the endpoint is refused, in words for the problem details; null when it is accepted.</summary>
    public string? Refuse(string? endpoint)
    {
        if (string.IsNullOrEmpty(endpoint) || endpoint.Length > MaxEndpointLength || !Uri.TryCreate(endpoint, UriKind.Absolute, out var uri))
            return $"endpoint must be an absolute https URL of at most {MaxEndpointLength} characters";
        if (IsTrusted(uri))
            return null;
        if (uri.Scheme != Uri.UriSchemeHttps)
            return "endpoint must be an https URL";
        if (uri.UserInfo.Length > 0)
            return "endpoint must not carry user information";
        if (!uri.IsDefaultPort)
            return "endpoint must use the https port (443)";
        var host = Host(uri);
        if (uri.HostNameType is UriHostNameType.IPv4 or UriHostNameType.IPv6)
        {
            if (!IPAddress.TryParse(host, out var address) || !IsPublic(address))
                return $"endpoint host {host} is not a public address";
        }
        else if (uri.HostNameType != UriHostNameType.Dns || !IsPublicName(host))
        {
            return $"endpoint host {host} is not a public host name";
        }
        return IsAllowedHost(host) ? null : $"endpoint host {host} is not an allowed push service (see Hub:WebPush:AllowedHosts)";
    }

    /// <summary>An endpoint under one of <see cref="WebPushOptions.AllowedEndpoints"/>: the operator vouches for it.</summary>
    public bool IsTrusted(Uri endpoint)
    {
        foreach (var prefix in options.Value.AllowedEndpoints)
        {
            if (Uri.TryCreate(prefix, UriKind.Absolute, out var p) && endpoint.UserInfo.Length == 0
                && string.Equals(p.Scheme, endpoint.Scheme, StringComparison.OrdinalIgnoreCase)
                && string.Equals(Host(p), Host(endpoint), StringComparison.OrdinalIgnoreCase)
                && p.Port == endpoint.Port
                && endpoint.AbsolutePath.StartsWith(p.AbsolutePath, StringComparison.Ordinal))
                return true;
        }
        return false;
    }

    private bool IsAllowedHost(string host)
    {
        foreach (var pattern in WebPushOptions.PushServices.Concat(options.Value.AllowedHosts))
        {
            if (pattern == "*")
                return true;
            if (pattern.StartsWith("*.", StringComparison.Ordinal)
                ? host.EndsWith(pattern[1..], StringComparison.OrdinalIgnoreCase) && host.Length > pattern.Length - 1
                : string.Equals(host, pattern.TrimEnd('.'), StringComparison.OrdinalIgnoreCase))
                return true;
        }
        return false;
    }

    /// <summary>The host without IPv6 brackets or a trailing dot ("localhost." is localhost).</summary>
    public static string Host(Uri uri) => uri.IdnHost.TrimEnd('.');

    private static bool IsPublicName(string host) =>
        host.Contains('.', StringComparison.Ordinal)
        && !string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)
        && !PrivateSuffixes.Any(s => host.EndsWith(s, StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// Globally routable unicast: not loopback, private (RFC 1918), carrier-grade NAT, link-local (cloud metadata lives at
    /// 169.254.169.254), unique-local, multicast, documentation, benchmarking or reserved ranges. IPv4 inside IPv6
    /// (mapped, 6to4, NAT64) is judged by its IPv4 address.
    /// </summary>
    public static bool IsPublic(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
            address = address.MapToIPv4();
        Span<byte> b = stackalloc byte[16];
        if (!address.TryWriteBytes(b, out var length))
            return false;
        if (length == 4)
        {
            return !(b[0] is 0 or 10 or 127 or >= 224 // "this" network, private, loopback, multicast, reserved and broadcast
                || (b[0] == 100 && (b[1] & 0xC0) == 64) // 100.64.0.0/10 carrier-grade NAT
                || (b[0] == 169 && b[1] == 254) // link-local
                || (b[0] == 172 && (b[1] & 0xF0) == 16) // 172.16.0.0/12
                || (b[0] == 192 && b[1] == 168)
                || (b[0] == 192 && b[1] == 0 && b[2] is 0 or 2) // IETF assignments, TEST-NET-1
                || (b[0] == 198 && (b[1] & 0xFE) == 18) // benchmarking
                || (b[0] == 198 && b[1] == 51 && b[2] == 100) // TEST-NET-2
                || (b[0] == 203 && b[1] == 0 && b[2] == 113)); // TEST-NET-3
        }
        if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xFF && b[3] == 0x9B && b[4..12].IndexOfAnyExcept((byte)0) < 0)
            return IsPublic(new IPAddress(b[12..16])); // 64:ff9b::/96 NAT64
        if ((b[0] & 0xE0) != 0x20)
            return false; // only 2000::/3 is global unicast: ::1, ::, fc00::/7, fe80::/10, ff00::/8 and the rest are not
        if (b[0] == 0x20 && b[1] == 0x02)
            return IsPublic(new IPAddress(b[2..6])); // 6to4
        if (b[0] == 0x20 && b[1] == 0x01 && ((b[2] == 0x0D && b[3] == 0xB8) || (b[2] == 0x00 && b[3] == 0x00)))
            return false; // documentation, Teredo
        return true;
    }

    /// <summary>
    /// The push client's connection handler: resolves the name itself and connects only when every address is public
    /// (or the endpoint is trusted). No proxy (the check must see the push service's address, not a proxy's) and no
    /// redirects (a push service answers 201; a redirect to elsewhere is not followed).
    /// </summary>
    public SocketsHttpHandler CreateHandler() => new()
    {
        AllowAutoRedirect = false,
        UseProxy = false,
        // Pooled connections are re-resolved now and then, so the address check keeps up with DNS.
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        ConnectCallback = ConnectAsync,
    };

    private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken ct)
    {
        var host = context.DnsEndPoint.Host;
        IPAddress[] addresses = IPAddress.TryParse(host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, ct);
        var trusted = context.InitialRequestMessage.RequestUri is { } uri && IsTrusted(uri);
        if (!trusted && (addresses.Length == 0 || !addresses.All(IsPublic)))
            throw new PushEndpointRefusedException(host);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(addresses, context.DnsEndPoint.Port, ct);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}

/// <summary>A push endpoint's name resolved to an address that is not public: the hub does not connect.</summary>
public sealed class PushEndpointRefusedException(string host) : Exception($"{host} resolves to an address that is not public")
{
    public string Host { get; } = host;
}
