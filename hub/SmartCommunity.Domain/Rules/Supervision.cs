using SmartCommunity.Domain.Alerts;
using SmartCommunity.Domain.Devices;

namespace SmartCommunity.Domain.Rules;

/// <summary>Heartbeat supervision: a device not heard from for <see cref="DeviceProfile.OfflineAfter"/> is offline,
/// even when the broker never delivered its last will (power cut at the router, broker restart) or the
/// device disconnected cleanly and never came back. Reported once until the device is heard again.</summary>
public static class Supervision
{
    public static AlertSignal? Check(string deviceId, DeviceKind kind, DateTimeOffset? lastSeen, bool alreadyReported, DateTimeOffset now)
    {
        if (lastSeen is not { } seen || alreadyReported)
            return null;
        var profile = DeviceProfile.For(kind);
        var silent = now - seen;
        if (silent <= profile.OfflineAfter)
            return null;
        return new AlertSignal(deviceId, AlertKind.DeviceOffline, SafetyRules.OfflineSeverity(kind),
            $"No heartbeat for {Format(silent)} (expected every {Format(profile.HeartbeatInterval)})", now);
    }

    private static string Format(TimeSpan t) => t.TotalHours >= 1 ? $"{t.TotalHours:0.#} h" : $"{t.TotalMinutes:0} min";
}
