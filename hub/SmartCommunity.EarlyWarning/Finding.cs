using SmartCommunity.Domain.Alerts;
using SmartCommunity.Domain.Catalog;

namespace SmartCommunity.EarlyWarning;

public enum FindingKind
{
    /// <summary>The series behaves unlike its own history (streaming detector).</summary>
    Anomaly,
    /// <summary>No activity by well after the usual first activity of the day.</summary>
    NotUpAsUsual,
    /// <summary>Silence for longer than usual at these hours.</summary>
    InactiveTooLong,
    DoorOpenAtNight,
    DoorLeftOpen,
    HeatingFailure,
    HeatStress,
    GasRising,
}

/// <summary>
/// Something early warning wants a person to look at: what was seen against what was expected, since when,
/// and how urgent. <see cref="IsPreAlarm"/> marks a routine finding the resident or family may still cancel. The
/// explanation is a key and arguments (<see cref="Domain.Alerts.AlertTexts"/>), rendered in each reader's language.
/// </summary>
public sealed record Finding(string SeriesId, FindingKind Kind, Severity Severity, LocalizedText Text, DateTimeOffset Since, DateTimeOffset At,
    double? Expected = null, double? Seen = null, bool IsPreAlarm = false)
{
    /// <summary>The explanation in English (logs, tests).</summary>
    public string Explanation => Text.English;
}
