using System;

namespace SmartCommunity.Domain.Ingestion;

public enum TopicChannel
{
    Up,
    Status,
    Down,
    Cfg,
}

/// <summary>Parses and builds <c>sc/v1/{deviceId}/{channel}</c> topics.</summary>
public static class Topic
{
    public const string Prefix = "sc/v1/";

    public static string Up(string deviceId) => $"{Prefix}{deviceId}/up";
    public static string Status(string deviceId) => $"{Prefix}{deviceId}/status";
    public static string Down(string deviceId) => $"{Prefix}{deviceId}/down";
    public static string Cfg(string deviceId) => $"{Prefix}{deviceId}/cfg";

    /// <summary>Why <see cref="MaySubscribe"/> refused, for the SUBACK's reason string.</summary>
    public const string SubscribeRefusal = "a device subscribes only to its own down and cfg topics";

    /// <summary>
    /// The device subscribe ACL of protocol v1, the same at the hub and at a gateway: exactly its own down and cfg topics —
    /// no wildcards, which would let a device read another's downlinks.
    /// </summary>
    public static bool MaySubscribe(string deviceId, string filter) => filter == Down(deviceId) || filter == Cfg(deviceId);

    public static bool TryParse(string? topic, out string deviceId, out TopicChannel channel)
    {
        deviceId = "";
        channel = default;
        if (topic is null || !topic.StartsWith(Prefix, StringComparison.Ordinal))
            return false;
        var rest = topic.AsSpan(Prefix.Length);
        var slash = rest.IndexOf('/');
        if (slash <= 0)
            return false;
        var id = rest[..slash];
        var ch = rest[(slash + 1)..];
        if (!DeviceIdentifier.IsValid(id))
            return false;
        switch (ch)
        {
            case "up": channel = TopicChannel.Up; break;
            case "status": channel = TopicChannel.Status; break;
            case "down": channel = TopicChannel.Down; break;
            case "cfg": channel = TopicChannel.Cfg; break;
            default: return false;
        }
        deviceId = id.ToString();
        return true;
    }
}

public static class DeviceIdentifier
{
    public const int MinLength = 3;
    public const int MaxLength = 32;

    /// <summary><c>^[a-z0-9][a-z0-9-]{2,31}$</c>: safe in topics, URLs, SenML base names and file names.</summary>
    public static bool IsValid(ReadOnlySpan<char> id)
    {
        if (id.Length is < MinLength or > MaxLength)
            return false;
        for (var i = 0; i < id.Length; i++)
        {
            var c = id[i];
            var ok = c is (>= 'a' and <= 'z') or (>= '0' and <= '9') || (c == '-' && i > 0);
            if (!ok)
                return false;
        }
        return true;
    }

    /// <summary>Ids a device may not take: <c>gw-</c> is the gateways' (refusals are counted under a gateway's id, and a
    /// device of that name would share its rows).</summary>
    public static bool IsReserved(ReadOnlySpan<char> id) => id.StartsWith(ReservedPrefix, StringComparison.Ordinal);

    public const string ReservedPrefix = "gw-";
}
