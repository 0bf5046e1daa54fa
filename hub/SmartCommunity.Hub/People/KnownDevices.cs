using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;
using SmartCommunity.Hub.Security;

namespace SmartCommunity.Hub.People;

/// <summary>What the sc.device cookie says: a random device id and the accounts signed in here, with when (Unix seconds).</summary>
public sealed record KnownDevice(string Id, Dictionary<string, long> Accounts);

/// <summary>
/// The "known device" cookie (sc.device): set at every successful sign-in, encrypted and signed with the hub's Data
/// Protection keys, so a client cannot forge or edit it. It names the accounts that signed in from this browser (a
/// shared desk keeps up to <see cref="MaxAccounts"/>), and for those accounts the client is judged by its own failed
/// sign-ins only (<see cref="SignInThrottle"/>). Sent only to /api/auth; it grants nothing by itself, the password is
/// still checked.
/// </summary>
public sealed class KnownDevices(IDataProtectionProvider protection, IOptions<HubSignInOptions> options, TimeProvider time)
{
    public const string CookieName = "sc.device";
    public const int MaxAccounts = 10;

    private readonly IDataProtector _protector = protection.CreateProtector("SmartCommunity.Hub.KnownDevice.v1");

    public KnownDevice? Read(HttpContext http)
    {
        if (!http.Request.Cookies.TryGetValue(CookieName, out var value) || value.Length is 0 or > 4096)
            return null;
        try
        {
            var device = JsonSerializer.Deserialize<KnownDevice>(_protector.Unprotect(value));
            return device is { Id.Length: > 0, Accounts: not null } ? device : null;
        }
        catch (Exception ex) when (ex is CryptographicException or JsonException or FormatException)
        {
            // Forged, from another hub, or from before a key ring was lost: an unknown client.
            return null;
        }
    }

    /// <summary>The device's id when it signed in to <paramref name="account"/> within the known-device lifetime.</summary>
    public string? IdFor(KnownDevice? device, string account) =>
        device is not null && device.Accounts.TryGetValue(account, out var at)
        && time.GetUtcNow() - DateTimeOffset.FromUnixTimeSeconds(at) < options.Value.KnownDeviceLifetime
            ? device.Id
            : null;

    /// <summary>Adds (or refreshes) the account on this device's cookie. Call before the response body starts.</summary>
    public void Remember(HttpContext http, KnownDevice? device, string account)
    {
        var now = time.GetUtcNow();
        var lifetime = options.Value.KnownDeviceLifetime;
        var accounts = (device?.Accounts ?? [])
            .Where(a => a.Key != account && now - DateTimeOffset.FromUnixTimeSeconds(a.Value) < lifetime)
            .OrderByDescending(a => a.Value).Take(MaxAccounts - 1)
            .ToDictionary(a => a.Key, a => a.Value, StringComparer.Ordinal);
        accounts[account] = now.ToUnixTimeSeconds();
        var id = device?.Id ?? Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        http.Response.Cookies.Append(CookieName, _protector.Protect(JsonSerializer.Serialize(new KnownDevice(id, accounts))), new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Strict,
            Secure = http.Request.IsHttps,
            Path = "/api/auth",
            MaxAge = lifetime,
            IsEssential = true,
        });
    }
}
