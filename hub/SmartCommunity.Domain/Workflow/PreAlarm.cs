using SmartCommunity.Domain.Alerts;

namespace SmartCommunity.Domain.Workflow;

/// <summary>
/// Alerts that often turn out harmless (a fall detector tripped by a dropped wearable, a quiet morning) wait a
/// short window in which the resident (device button) or family can cancel before staff are paged.
/// SOS, smoke and gas never wait: a person asked for help or a home is at risk.
/// </summary>
public static class PreAlarm
{
    public static readonly IReadOnlyDictionary<AlertKind, TimeSpan> Windows = new Dictionary<AlertKind, TimeSpan>
    {
        [AlertKind.Fall] = TimeSpan.FromSeconds(60),
        [AlertKind.Inactivity] = TimeSpan.FromMinutes(10),
    };

    public static TimeSpan? WindowFor(AlertKind kind) => Windows.TryGetValue(kind, out var w) ? w : null;
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
