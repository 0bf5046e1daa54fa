using SmartCommunity.Domain.Alerts;
using SmartCommunity.Domain.Catalog;

namespace SmartCommunity.EarlyWarning.Streaming;

/// <summary>
/// A <see cref="StreamingDetector"/> with a name and a unit: turns a firing into a <see cref="Finding"/> a person
/// understands ("21.4 °C where about 19.0 °C is usual at this time of day, unusual since 14:05").
/// </summary>
/// <remarks>
/// A firing becomes an alert only once the excursion has lasted (<see cref="ConfirmFor"/> and
/// <see cref="ConfirmPoints"/> with the raw score held at <see cref="HoldLevel"/>), unless the value is far outside
/// everything the series has done. What a home needs to hear about lasts hours (a heating failure, a freezer warming, a
/// bathroom that stays wet); what it does not (a shower, a weekend's later heating, a window opened to air) is over within
/// the hour. Tuned on the home yardstick; NAB scores the detector's own scores and is unaffected.
/// </remarks>
public sealed class SeriesMonitor(string seriesId, LocalizedText label, string unit, StreamingDetector detector)
{
    // A score above this starts an "excursion"; its start is what the explanation calls "since".
    private const double ExcursionLevel = 0.3;
    // Confirmation: 95 min and 12 points (more than the detector's 10-point short window, so one odd point cannot carry
    // it) with the raw score averaging at least HoldLevel and never dropping below CancelLevel.
    public static readonly TimeSpan ConfirmFor = TimeSpan.FromMinutes(95);
    public const int ConfirmPoints = 12;
    public const double HoldLevel = 0.5;
    public const double CancelLevel = 0.3;

    public string SeriesId => seriesId;
    public StreamingDetector Detector { get; } = detector;

    /// <summary>The community's zone: "unusual since" is told in its local time.</summary>
    public TimeZoneInfo Zone { get; init; } = TimeZoneInfo.Utc;
    public DateTimeOffset? ExcursionStart { get; set; }
    public static readonly TimeSpan Settle = TimeSpan.FromHours(48);

    /// <summary>A firing waiting for its excursion to last: when it fired, its verdict, the points seen since.</summary>
    public DateTimeOffset? PendingAt { get; set; }
    public DetectorResult Pending { get; set; }
    public int PendingPoints { get; set; }
    public double PendingSum { get; set; }

    /// <summary>The excursion in progress has been reported: it does not start another pending alert.</summary>
    public bool Reported { get; set; }

    public Finding? Update(DateTimeOffset at, double value)
    {
        var r = Detector.Update(at, value);
        // A new sensor's first days teach what is usual (its first shower, its first set-back): no alert from them.
        if (at - Detector.FirstSeen!.Value < Settle)
            return null;
        if (r.Score >= ExcursionLevel || (PendingAt is not null && r.Raw >= HoldLevel))
            ExcursionStart ??= at;
        else if (!r.Fired)
            ExcursionStart = null;
        // A firing, or (while the detector holds its scores down after an earlier one) an excursion as strong as one: an
        // excursion cut short by one quiet point must not hide the same event's return for the hours of suppression.
        if (r.Raw < CancelLevel)
            Reported = false;
        var starts = r.Fired || (PendingAt is null && !Reported && r.Score == 0 && r.Raw >= Detector.Options.FireLevel);
        if (r.Fired && r.FarOutside)
        {
        }
        else if (starts)
        {
            PendingAt = at;
            Pending = r;
            PendingPoints = 0;
            PendingSum = 0;
            return null;
        }
        if (!r.Fired)
        {
            if (PendingAt is not { } firedAt)
                return null;
            if (r.Raw < CancelLevel)
            {
                PendingAt = null;
                return null;
            }
            PendingPoints++;
            PendingSum += r.Raw;
            if (PendingPoints < ConfirmPoints || at - firedAt < ConfirmFor)
                return null;
            if (PendingSum / PendingPoints < HoldLevel)
            {
                PendingAt = null;
                return null;
            }
            PendingAt = null;
            r = Pending with { Seen = value };
        }
        PendingAt = null;
        Reported = true;
        var since = ExcursionStart ?? at;
        var severity = r.Score >= 0.95 ? Severity.High : Severity.Warning;
        return new Finding(seriesId, FindingKind.Anomaly, severity, Explain(r, since), since, at, r.Expected, r.Seen);
    }

    private LocalizedText Explain(DetectorResult r, DateTimeOffset since)
    {
        var at = LocalizedText.Clock(since, Zone);
        return r.Channel switch
        {
            AnomalyChannel.Range => LocalizedText.Of("early.anomaly.range", label, r.Seen, unit, at),
            AnomalyChannel.Seasonal => LocalizedText.Of("early.anomaly.seasonal", label, r.Seen, unit, r.Expected, at),
            AnomalyChannel.Model => LocalizedText.Of("early.anomaly.model", label, r.Seen, unit, at),
            AnomalyChannel.Novelty => LocalizedText.Of("early.anomaly.novel", label, r.Seen, unit, at),
            AnomalyChannel.Steady => LocalizedText.Of("early.anomaly.steady", label, r.Seen, unit, r.Expected, at),
            _ => LocalizedText.Of("early.anomaly.expected", label, r.Seen, unit, r.Expected, at),
        };
    }
}
