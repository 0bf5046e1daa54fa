using System;
using SmartCommunity.Domain.Alerts;

namespace SmartCommunity.Domain.Notifications;

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
