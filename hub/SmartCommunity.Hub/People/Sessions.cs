using System.Collections.Concurrent;
using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.SignalR;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using SmartCommunity.Hub.Persistence;
using SmartCommunity.Hub.Security;

namespace SmartCommunity.Hub.People;

/// <summary>
/// A session is one sign-in: its cookie, or its bearer token and every token refreshed from it. Each carries the
/// session's id as a claim, so signing out can revoke exactly that session server-side (not the person's other
/// devices: a board on the duty desk stays signed in when its officer signs out at home).
/// </summary>
public static class Sessions
{
    public const string IdClaim = "sc:sid";

    /// <summary>The failed sign-ins told to the person at this sign-in (JSON <see cref="SignInFailuresDto"/>), shown by /api/me.</summary>
    public const string FailedSignInsClaim = "sc:failed_sign_ins";

    private static readonly string[] CarriedClaims = [IdClaim, FailedSignInsClaim, "amr"];

    public static string? Id(ClaimsPrincipal? principal) => principal?.FindFirstValue(IdClaim);

    public static string NewId() => Base64UrlEncode(RandomNumberGenerator.GetBytes(16));

    /// <summary>
    /// The claims that belong to the sign-in rather than to the person, onto a principal rebuilt from the user
    /// (a cookie re-issued after the security-stamp check, a refreshed bearer token).
    /// </summary>
    public static void CarryOver(ClaimsPrincipal from, ClaimsPrincipal to)
    {
        var identity = to.Identities.First();
        foreach (var claim in from.Claims.Where(c => CarriedClaims.Contains(c.Type)))
        {
            if (!to.HasClaim(c => c.Type == claim.Type))
                identity.AddClaim(new Claim(claim.Type, claim.Value));
        }
    }

    /// <summary>
    /// Which credential a request uses: a bearer token in the Authorization header (API clients), or in the
    /// access_token query parameter on /hubs (SignalR over WebSockets cannot send headers); otherwise the cookie.
    /// </summary>
    public static bool UsesBearer(HttpRequest request) =>
        request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.Ordinal)
        || (request.Path.StartsWithSegments("/hubs") && request.Query.ContainsKey("access_token"));

    private static string Base64UrlEncode(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

/// <summary>
/// Sessions signed out before their credentials expire, kept in Identity's per-user token table (one row per session,
/// login provider <see cref="Provider"/>, until the longest-lived credential of a session could have expired). Every
/// request's session id is looked up in an in-memory copy, re-read from the database in the background at most every
/// Hub:SignIn:RevocationRefresh, so a sign-out on one instance reaches the others within about that interval and a
/// request costs a set lookup (only the first one after start waits for the first read; a slow or unreachable
/// database never holds requests up); the instance that signs out knows at once. Live SignalR connections of a
/// revoked session are closed, here at once and on other instances when they re-read the list (every interval,
/// requests or not).
/// </summary>
public sealed class SessionRevocations(
    IDbContextFactory<HubDbContext> dbFactory,
    IOptions<HubSignInOptions> options,
    IOptionsMonitor<BearerTokenOptions> bearer,
    IOptionsMonitor<CookieAuthenticationOptions> cookies,
    SessionConnections connections,
    TimeProvider time,
    ILogger<SessionRevocations> logger) : BackgroundService
{
    public const string Provider = "SmartCommunity.RevokedSession";

    private readonly SemaphoreSlim _loading = new(1, 1);
    private readonly Lock _sync = new();
    private volatile HashSet<string> _revoked = new(StringComparer.Ordinal);
    private long _loadedAtTicks; // 0: never loaded
    private volatile bool _loaded;
    private int _refreshing;
    private DateTimeOffset _prunedAt = DateTimeOffset.MinValue;

    /// <summary>A revoked session must stay listed as long as any of its credentials could still be presented.</summary>
    private TimeSpan Keep => new[] { bearer.Get(IdentityConstants.BearerScheme).RefreshTokenExpiration, bearer.Get(IdentityConstants.BearerScheme).BearerTokenExpiration,
        cookies.Get(IdentityConstants.ApplicationScheme).ExpireTimeSpan }.Max() + TimeSpan.FromMinutes(5);

    public ValueTask<bool> IsRevokedAsync(string sessionId, CancellationToken ct)
    {
        if (time.GetUtcNow().UtcTicks - Interlocked.Read(ref _loadedAtTicks) >= options.Value.RevocationRefresh.Ticks)
        {
            if (!_loaded)
                return FirstLoadAsync(sessionId, ct);
            if (Interlocked.Exchange(ref _refreshing, 1) == 0)
                _ = Task.Run(async () =>
                {
                    try
                    {
                        await RefreshAsync(CancellationToken.None);
                    }
                    finally
                    {
                        Volatile.Write(ref _refreshing, 0);
                    }
                }, CancellationToken.None);
        }
        return ValueTask.FromResult(_revoked.Contains(sessionId));
    }

    private async ValueTask<bool> FirstLoadAsync(string sessionId, CancellationToken ct)
    {
        await RefreshAsync(ct);
        return _revoked.Contains(sessionId);
    }

    /// <summary>Without a database round trip: what this instance knows now (for a SignalR connection racing a sign-out).</summary>
    public bool IsKnownRevoked(string sessionId) => _revoked.Contains(sessionId);

    public async Task RevokeAsync(string userId, string sessionId, CancellationToken ct)
    {
        var until = time.GetUtcNow() + Keep;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            if (!await db.UserTokens.AnyAsync(t => t.UserId == userId && t.LoginProvider == Provider && t.Name == sessionId, ct))
            {
                db.UserTokens.Add(new IdentityUserToken<string>
                {
                    UserId = userId, LoginProvider = Provider, Name = sessionId,
                    Value = until.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture),
                });
                try
                {
                    await db.SaveChangesAsync(ct);
                }
                catch (DbUpdateException)
                {
                    // Signed out twice at once, the other request wrote the row: fine. Anything else is not.
                    await using var again = await dbFactory.CreateDbContextAsync(ct);
                    if (!await again.UserTokens.AnyAsync(t => t.UserId == userId && t.LoginProvider == Provider && t.Name == sessionId, ct))
                        throw;
                }
            }
        }
        lock (_sync)
            _revoked = new HashSet<string>(_revoked, StringComparer.Ordinal) { sessionId };
        connections.Abort(sessionId);
    }

    private async Task RefreshAsync(CancellationToken ct)
    {
        await _loading.WaitAsync(ct);
        try
        {
            var now = time.GetUtcNow();
            if (now.UtcTicks - Interlocked.Read(ref _loadedAtTicks) < options.Value.RevocationRefresh.Ticks)
                return;
            try
            {
                await using var db = await dbFactory.CreateDbContextAsync(ct);
                var rows = await db.UserTokens.AsNoTracking().Where(t => t.LoginProvider == Provider).Select(t => new { t.Name, t.Value }).ToListAsync(ct);
                var expired = rows.Where(r => !long.TryParse(r.Value, out var until) || until < now.ToUnixTimeSeconds()).Select(r => r.Name).ToList();
                var revoked = rows.Select(r => r.Name).Except(expired).ToHashSet(StringComparer.Ordinal);
                HashSet<string> before;
                lock (_sync)
                {
                    before = _revoked;
                    // Keep what this instance revoked meanwhile (its row is written before it is added here).
                    revoked.UnionWith(before.Where(id => !expired.Contains(id)));
                    _revoked = revoked;
                }
                _loaded = true;
                foreach (var id in revoked.Where(id => !before.Contains(id)))
                    connections.Abort(id);
                if (expired.Count > 0 && now - _prunedAt > TimeSpan.FromHours(1))
                {
                    _prunedAt = now;
                    await db.UserTokens.Where(t => t.LoginProvider == Provider && expired.Contains(t.Name)).ExecuteDeleteAsync(ct);
                }
            }
            catch (ObjectDisposedException)
            {
                // Shutting down.
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Keep the list we have; the next interval tries again. The sign-outs this instance made are in it.
                logger.LogWarning(ex, "Could not re-read the revoked sessions; using the list from before");
            }
            Interlocked.Exchange(ref _loadedAtTicks, now.UtcTicks);
        }
        finally
        {
            _loading.Release();
        }
    }

    /// <summary>Re-reads the list every interval even without requests, so other instances' sign-outs close connections here.</summary>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await Task.Delay(options.Value.RevocationRefresh, time, stoppingToken);
                await RefreshAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override void Dispose()
    {
        base.Dispose();
        _loading.Dispose();
    }
}

/// <summary>
/// Refuses a signed-in request whose session was signed out (or that has no session id: a cookie or token from a hub
/// version before sessions, which cannot be revoked), as if no credential had been sent; a revoked cookie is deleted.
/// Runs right after authentication, so every endpoint and the SignalR transports see an anonymous caller.
/// </summary>
public sealed class SessionCheck(RequestDelegate next, SessionRevocations revocations)
{
    public async Task InvokeAsync(HttpContext http)
    {
        if (http.User.Identity?.IsAuthenticated == true
            && (Sessions.Id(http.User) is not { } sid || await revocations.IsRevokedAsync(sid, http.RequestAborted)))
        {
            var cookie = !Sessions.UsesBearer(http.Request);
            http.User = new ClaimsPrincipal(new ClaimsIdentity());
            if (cookie)
                await http.SignOutAsync(IdentityConstants.ApplicationScheme);
        }
        await next(http);
    }
}

/// <summary>Live SignalR connections by session, so a sign-out closes the ones its session opened.</summary>
public sealed class SessionConnections
{
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, HubCallerContext>> _bySession = new(StringComparer.Ordinal);

    public void Add(HubCallerContext connection)
    {
        if (Sessions.Id(connection.User) is { } sid)
            _bySession.GetOrAdd(sid, _ => new(StringComparer.Ordinal))[connection.ConnectionId] = connection;
    }

    public void Remove(HubCallerContext connection)
    {
        if (Sessions.Id(connection.User) is { } sid && _bySession.TryGetValue(sid, out var open))
        {
            open.TryRemove(connection.ConnectionId, out _);
            if (open.IsEmpty)
                _bySession.TryRemove(new KeyValuePair<string, ConcurrentDictionary<string, HubCallerContext>>(sid, open));
        }
    }

    public void Abort(string sessionId)
    {
        if (_bySession.TryRemove(sessionId, out var open))
        {
            foreach (var connection in open.Values)
                connection.Abort();
        }
    }
}
