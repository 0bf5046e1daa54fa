using System;
using SmartCommunity.Domain.Alerts;
using SmartCommunity.Domain.Catalog;

namespace SmartCommunity.Domain.Devices;

/// <summary>Heartbeat supervision: a device not heard from for <see cref="DeviceKindSpec.OfflineAfter"/> is offline,
/// even when the broker never delivered its last will (power cut at the router, broker restart) or the
/// device disconnected cleanly and never came back. Reported once until the device is heard again.</summary>
public static class Supervision
{
    public static AlertSignal? Check(string deviceId, DeviceKind kind, DateTimeOffset? lastSeen, bool alreadyReported, DateTimeOffset now)
    {
        if (lastSeen is not { } seen || alreadyReported)
            return null;
        var profile = kind.Spec();
        var silent = now - seen;
        if (silent <= profile.OfflineAfter)
            return null;
        return AlertSignal.Of(deviceId, AlertKind.DeviceOffline, profile.OfflineSeverity,
            LocalizedText.Of("supervision.offline", [.. Duration(silent), .. Duration(profile.HeartbeatInterval)]), now);
    }

    /// <summary>A device that is still connected (its last status said online) but skipped its periodic heartbeat:
    /// firmware stuck or a sensor fault rather than a lost connection. Raised after one interval plus half an
    /// interval of grace, long before the device counts as offline.</summary>
    public static AlertSignal? CheckMissedHeartbeat(string deviceId, DeviceKind kind, DateTimeOffset? lastSeen, bool online, bool alreadyReported, DateTimeOffset now)
    {
        if (lastSeen is not { } seen || !online || alreadyReported)
            return null;
        var profile = kind.Spec();
        var silent = now - seen;
        if (silent <= profile.MissedHeartbeatAfter || silent > profile.OfflineAfter)
            return null;
        return AlertSignal.Of(deviceId, AlertKind.MissedHeartbeat, Severity.Warning,
            LocalizedText.Of("supervision.missed_heartbeat", [.. Duration(silent), .. Duration(profile.HeartbeatInterval)]), now);
    }

    /// <summary>True once the device is heard within its heartbeat interval again.</summary>
    public static bool HeartbeatRecovered(DeviceKind kind, DateTimeOffset? lastSeen, DateTimeOffset now) =>
        lastSeen is { } seen && now - seen <= kind.Spec().MissedHeartbeatAfter;

    /// <summary>Battery below the class's threshold. Life-safety devices warn (someone must change it this week);
    /// others are informational.</summary>
    public static AlertSignal? CheckBattery(string deviceId, DeviceKind kind, double? battery, bool alreadyReported, DateTimeOffset now)
    {
        if (battery is not { } level || alreadyReported)
            return null;
        var profile = kind.Spec();
        if (level >= profile.LowBatteryPercent)
            return null;
        return AlertSignal.Of(deviceId, AlertKind.LowBattery, profile.LowBatterySeverity,
            LocalizedText.Of("supervision.low_battery", level, profile.LowBatteryPercent), now);
    }

    /// <summary>Hysteresis: a battery hovering at the threshold must not open and close alerts all day.</summary>
    public static bool BatteryRecovered(DeviceKind kind, double? battery) =>
        battery is { } level && level >= kind.Spec().LowBatteryPercent + 10;

    /// <summary>A duration as (number, unit text): hours to one decimal from an hour up, else whole minutes.</summary>
    private static object?[] Duration(TimeSpan t) => t.TotalHours >= 1
        ? [Math.Round(t.TotalHours, 1, MidpointRounding.AwayFromZero), LocalizedText.Of("unit.h")]
        : [Math.Round(t.TotalMinutes, 0, MidpointRounding.AwayFromZero), LocalizedText.Of("unit.min")];
}
