using System.Globalization;
using SmartCommunity.Domain.Alerts;

namespace SmartCommunity.EarlyWarning.Streaming;

/// <summary>
/// A <see cref="StreamingDetector"/> with a name and a unit: turns a firing into a <see cref="Finding"/> a person
/// understands ("21.4 °C where about 19.0 °C is usual at this time of day, unusual since 14:05").
/// </summary>
public sealed class SeriesMonitor(string seriesId, string label, string unit, StreamingDetector detector)
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

    private string Explain(DetectorResult r, DateTimeOffset since)
    {
        var seen = Format(r.Seen);
        var what = r.Channel switch
        {
            AnomalyChannel.Range => $"{label} {seen}, outside everything seen so far",
            AnomalyChannel.Seasonal => $"{label} {seen} where about {Format(r.Expected)} is usual at this time of day",
            AnomalyChannel.Model => $"{label} {seen}: the recent pattern is unlike this sensor's usual pattern",
            _ => $"{label} {seen} where about {Format(r.Expected)} was expected",
        };
        return string.Create(CultureInfo.InvariantCulture, $"{what}; unusual since {since:HH:mm} UTC");
    }

    private string Format(double v) => string.Create(CultureInfo.InvariantCulture, $"{v:0.#} {unit}").TrimEnd();
}
