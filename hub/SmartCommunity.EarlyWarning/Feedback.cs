using SmartCommunity.Domain.Alerts;

namespace SmartCommunity.EarlyWarning;

/// <summary>A pattern an operator called a false alarm: findings of this series and kind up to <see cref="Limit"/> (the
/// kind's measure, <see cref="FeedbackGate.Measure"/>) are held back until <see cref="Until"/>.</summary>
public sealed record Tolerance(double Limit, DateTimeOffset Until);

/// <summary>
/// Operators' verdicts on the watches' findings (gas rising, heating failure, heat stress, a door left open). "False
/// alarm" tolerates that pattern on that series: a later finding whose measure (how far it went) is no more than a quarter
/// beyond the one judged harmless is held back, for <see cref="TolerateFor"/>. "Real" takes any tolerance away, so the
/// series is not desensitised. A High finding is never held: feedback makes early warning quieter, never blind.
/// </summary>
public sealed class FeedbackGate
{
    public static readonly TimeSpan TolerateFor = TimeSpan.FromDays(30);
    private const double Margin = 0.25;

    private readonly Dictionary<string, Tolerance> _tolerated = new(StringComparer.Ordinal);

    /// <summary>Findings held back so far (diagnostics).</summary>
    public int Held { get; private set; }

    public IReadOnlyDictionary<string, Tolerance> Tolerated => _tolerated;

    /// <summary>How far a finding went, bigger is worse; null for kinds the gate does not judge.</summary>
    public static double? Measure(FindingKind kind, double? expected, double? seen) => kind switch
    {
        FindingKind.GasRising => seen - expected, // ppm above the background
        FindingKind.HeatStress => seen, // heat index
        FindingKind.HeatingFailure => expected - seen, // °C below the band's floor (negative: still above it)
        FindingKind.DoorLeftOpen => seen, // minutes open
        _ => null,
    };

    public void FalseAlarm(string seriesId, FindingKind kind, double measure, DateTimeOffset at)
    {
        var limit = measure + Math.Max(Margin * Math.Abs(measure), 0.5);
        var key = Key(seriesId, kind);
        if (_tolerated.TryGetValue(key, out var t) && t.Until > at)
            limit = Math.Max(limit, t.Limit);
        _tolerated[key] = new Tolerance(limit, at + TolerateFor);
    }

    public bool Real(string seriesId, FindingKind kind) => _tolerated.Remove(Key(seriesId, kind));

    /// <summary>True when the operators called this pattern harmless: the finding is not raised.</summary>
    public bool Holds(Finding f)
    {
        if (f.Severity >= Severity.High || Measure(f.Kind, f.Expected, f.Seen) is not { } m)
            return false;
        if (!_tolerated.TryGetValue(Key(f.SeriesId, f.Kind), out var t) || t.Until <= f.At || m > t.Limit)
            return false;
        Held++;
        return true;
    }

    internal void Restore(IReadOnlyDictionary<string, Tolerance>? saved)
    {
        _tolerated.Clear();
        foreach (var (k, v) in saved ?? new Dictionary<string, Tolerance>())
            _tolerated[k] = v;
    }

    private static string Key(string seriesId, FindingKind kind) => $"{seriesId}|{kind}";
}
