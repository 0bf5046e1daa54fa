using System.Globalization;
using SmartCommunity.Domain.Alerts;
using SmartCommunity.Domain.Catalog;

namespace SmartCommunity.EarlyWarning.Streaming;

/// <summary>
/// A <see cref="StreamingDetector"/> with a name and a unit: turns a firing into a <see cref="Finding"/> a person
/// understands ("21.4 °C where about 19.0 °C is usual at this time of day, unusual since 14:05").
/// </summary>
public sealed class SeriesMonitor(string seriesId, LocalizedText label, string unit, StreamingDetector detector)
{
    // A score above this starts an "excursion"; its start is what the explanation calls "since".
    private const double ExcursionLevel = 0.3;

    public string SeriesId => seriesId;
    public StreamingDetector Detector { get; } = detector;
    public DateTimeOffset? ExcursionStart { get; set; }

    public Finding? Update(DateTimeOffset at, double value)
    {
        var r = Detector.Update(at, value);
        if (r.Score >= ExcursionLevel)
            ExcursionStart ??= at;
        else if (!r.Fired)
            ExcursionStart = null;
        if (!r.Fired)
            return null;
        var since = ExcursionStart ?? at;
        var severity = r.Score >= 0.95 ? Severity.High : Severity.Warning;
        return new Finding(seriesId, FindingKind.Anomaly, severity, Explain(r, since), since, at, r.Expected, r.Seen);
    }

    private LocalizedText Explain(DetectorResult r, DateTimeOffset since)
    {
        var at = since.ToString("HH:mm", CultureInfo.InvariantCulture);
        return r.Channel switch
        {
            AnomalyChannel.Range => LocalizedText.Of("early.anomaly.range", label, r.Seen, unit, at),
            AnomalyChannel.Seasonal => LocalizedText.Of("early.anomaly.seasonal", label, r.Seen, unit, r.Expected, at),
            AnomalyChannel.Model => LocalizedText.Of("early.anomaly.model", label, r.Seen, unit, at),
            _ => LocalizedText.Of("early.anomaly.expected", label, r.Seen, unit, r.Expected, at),
        };
    }
}
