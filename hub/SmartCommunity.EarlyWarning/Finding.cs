using SmartCommunity.Domain.Alerts;

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
/// and how urgent. <see cref="IsPreAlarm"/> marks a routine finding the resident or family may still cancel.
/// </summary>
public sealed record Finding(string SeriesId, FindingKind Kind, Severity Severity, string Explanation, DateTimeOffset Since, DateTimeOffset At,
    double? Expected = null, double? Seen = null, bool IsPreAlarm = false);
