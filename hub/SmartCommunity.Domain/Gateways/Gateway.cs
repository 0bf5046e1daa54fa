using System;

namespace SmartCommunity.Domain.Gateways;

/// <summary>
/// A community edge gateway (docs/gateway.md): one per community, with its own secret (stored as a
/// <see cref="Devices.DeviceSecret"/> hash). It authenticates the community's devices locally from the registry it syncs
/// and forwards their messages to the hub; the hub accepts forwarded messages only for devices of <see cref="CommunityId"/>.
/// </summary>
public sealed class Gateway
{
    private Gateway() { }

    public string Id { get; private set; } = "";
    public int CommunityId { get; private set; }
    public string Name { get; private set; } = "";
    public string SecretHash { get; private set; } = "";
    public DateTimeOffset RegisteredAt { get; private set; }
    public bool Revoked { get; private set; }
    public DateTimeOffset? RevokedAt { get; private set; }

    public static Gateway Register(string id, int communityId, string name, string secretHash, DateTimeOffset at) => new()
    {
        Id = id,
        CommunityId = communityId,
        Name = name,
        SecretHash = secretHash,
        RegisteredAt = at,
    };

    /// <summary>A new secret with no grace: a gateway is one box an administrator reconfigures, not a fleet in the field.</summary>
    public void RotateSecret(string secretHash) => SecretHash = secretHash;

    public void Revoke(DateTimeOffset at)
    {
        Revoked = true;
        RevokedAt ??= at;
    }
}

/// <summary>Gateway ids and the MQTT username a gateway signs in with.</summary>
public static class GatewayIdentifier
{
    public const int MaxLength = 31;

    /// <summary>The username and client id prefix: <c>/</c> never occurs in a device id, so a gateway cannot pass for a device.</summary>
    public const string UserPrefix = "gw/";

    /// <summary><c>^gw-[a-z0-9-]{2,28}$</c>.</summary>
    public static bool IsValid(ReadOnlySpan<char> id)
    {
        if (id.Length is < 5 or > MaxLength || !id.StartsWith("gw-"))
            return false;
        foreach (var c in id[3..])
        {
            if (!(c is >= 'a' and <= 'z' or >= '0' and <= '9' or '-'))
                return false;
        }
        return true;
    }

    public static string Username(string gatewayId) => UserPrefix + gatewayId;

    /// <summary>The gateway a username names, or false when it is not a gateway's (a device's, or garbage).</summary>
    public static bool TryParseUsername(string? username, out string gatewayId)
    {
        gatewayId = "";
        if (username is null || !username.StartsWith(UserPrefix, StringComparison.Ordinal))
            return false;
        gatewayId = username[UserPrefix.Length..];
        return true;
    }
}

/// <summary>The gateway's own topics on the hub broker: <c>sc/gw/v1/{id}/…</c>.</summary>
public static class GatewayTopic
{
    public const string Prefix = "sc/gw/v1/";

    public static string Root(string gatewayId) => $"{Prefix}{gatewayId}/";
    public static string Health(string gatewayId) => $"{Prefix}{gatewayId}/health";
    public static string Alert(string gatewayId) => $"{Prefix}{gatewayId}/alert";
    public static string DeviceDown(string gatewayId, string deviceId) => $"{Prefix}{gatewayId}/d/{deviceId}/down";
    public static string DeviceCfg(string gatewayId, string deviceId) => $"{Prefix}{gatewayId}/d/{deviceId}/cfg";
    public static string All(string gatewayId) => $"{Prefix}{gatewayId}/#";
}

/// <summary>
/// Whether a gateway has gone silent: no health for <see cref="SilentAfterIntervals"/> intervals, or its last will said it
/// went offline. Pure, so supervision runs on any clock.
/// </summary>
public static class GatewaySilence
{
    public const int SilentAfterIntervals = 3;

    public static bool IsSilent(DateTimeOffset lastHeard, bool saidOffline, DateTimeOffset now, TimeSpan healthInterval) =>
        saidOffline || now - lastHeard > healthInterval * SilentAfterIntervals;
}
