using System.Text.RegularExpressions;

namespace SmartCommunity.Simulator.Protocol;

/// <summary>Topic names and device ids of wire protocol v1.</summary>
public static partial class Topics
{
    public static string Up(string deviceId) => $"sc/v1/{deviceId}/up";

    public static string Status(string deviceId) => $"sc/v1/{deviceId}/status";

    public static string Down(string deviceId) => $"sc/v1/{deviceId}/down";

    public static string Config(string deviceId) => $"sc/v1/{deviceId}/cfg";

    /// <summary>True when <paramref name="deviceId"/> matches <c>^[a-z0-9][a-z0-9-]{2,31}$</c>.</summary>
    public static bool IsValidDeviceId(string? deviceId) => deviceId is not null && DeviceIdPattern().IsMatch(deviceId);

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{2,31}$", RegexOptions.CultureInvariant)]
    private static partial Regex DeviceIdPattern();
}
