using System;
using SmartCommunity.Domain.Alerts;
using SmartCommunity.Domain.Catalog;

namespace SmartCommunity.Domain.Workflow;

/// <summary>
/// Inferred alerts (a quiet morning, no activity) wait a short window in which the resident (device button) or family
/// can cancel before staff are paged (<see cref="AlertKindSpec.PreAlarm"/>). SOS, smoke and gas never wait: a person
/// asked for help or a home is at risk.
/// </summary>
public static class PreAlarm
{
    public static TimeSpan? WindowFor(AlertKind kind) => kind.Spec().PreAlarm;
}

/// <summary>Quiet hours of one person: pushes wait, except critical ones.</summary>
public readonly record struct QuietHours(TimeOnly Start, TimeOnly End)
{
    public bool Silences(Severity severity, DateTimeOffset now, TimeZoneInfo zone)
    {
        if (severity >= Severity.Critical || Start == End)
            return false;
        var t = TimeOnly.FromTimeSpan(TimeZoneInfo.ConvertTime(now, zone).TimeOfDay);
        return Start < End ? t >= Start && t < End : t >= Start || t < End;
    }
}
