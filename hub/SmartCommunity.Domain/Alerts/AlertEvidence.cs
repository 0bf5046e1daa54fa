using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace SmartCommunity.Domain.Alerts;

/// <summary>One point of an alert's evidence: the series' value at <see cref="T"/> (a bucket's mean) and, where the model
/// knows one, the band it expected there (<see cref="Lo"/>–<see cref="Hi"/>).</summary>
public sealed record EvidencePoint(DateTimeOffset T, double V, double? Lo = null, double? Hi = null);

/// <summary>
/// What an early-warning or routine alert was decided on, stored with the alert so the board and the family page can draw
/// it after a restart: the measurement and its unit, the recent series (at most <see cref="MaxPoints"/> points), the band
/// the model expected, and the moment it fired (<see cref="At"/>; <see cref="Since"/> is when the excursion began).
/// For routines the series is the resident's activity per hour (1 = movement seen) and the band the usual chance of
/// movement in that hour.
/// </summary>
public sealed record AlertEvidence(string Measurement, string Unit, DateTimeOffset Since, DateTimeOffset At, double? Expected, double? Seen,
    IReadOnlyList<EvidencePoint> Points)
{
    public const int MaxPoints = 100;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public string ToJson() => JsonSerializer.Serialize(this with { Points = [.. Points.Select(Round)] }, Json);

    /// <summary>The stored evidence, null for none or for a row this version cannot read (the alert still shows its text).</summary>
    public static AlertEvidence? Parse(string? json)
    {
        if (string.IsNullOrEmpty(json))
            return null;
        try
        {
            return JsonSerializer.Deserialize<AlertEvidence>(json, Json);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Points in [<paramref name="from"/>, <paramref name="to"/>) as at most <paramref name="buckets"/> equal time
    /// buckets (mean value and mean band of each; empty buckets left out), ascending.</summary>
    public static IReadOnlyList<EvidencePoint> Downsample(IEnumerable<EvidencePoint> points, DateTimeOffset from, DateTimeOffset to, int buckets = MaxPoints)
    {
        if (buckets < 1 || to <= from)
            return [];
        var width = (to - from).Ticks / (double)buckets;
        var acc = new (double V, int N, double Lo, int NLo, double Hi, int NHi, long T)[buckets];
        foreach (var p in points)
        {
            if (p.T < from || p.T >= to || double.IsNaN(p.V))
                continue;
            var i = Math.Min((int)((p.T - from).Ticks / width), buckets - 1);
            ref var a = ref acc[i];
            a.V += p.V;
            a.N++;
            a.T += (p.T - from).Ticks / buckets; // mean time, scaled to avoid overflow
            if (p.Lo is { } lo)
            {
                a.Lo += lo;
                a.NLo++;
            }
            if (p.Hi is { } hi)
            {
                a.Hi += hi;
                a.NHi++;
            }
        }
        var result = new List<EvidencePoint>(buckets);
        foreach (var a in acc)
        {
            if (a.N == 0)
                continue;
            var t = from + TimeSpan.FromTicks(a.T / a.N * buckets);
            result.Add(new EvidencePoint(t, a.V / a.N, a.NLo > 0 ? a.Lo / a.NLo : null, a.NHi > 0 ? a.Hi / a.NHi : null));
        }
        return result;
    }

    private static EvidencePoint Round(EvidencePoint p) => new(new DateTimeOffset(p.T.UtcTicks - p.T.UtcTicks % TimeSpan.TicksPerSecond, TimeSpan.Zero),
        Math.Round(p.V, 3), p.Lo is { } lo ? Math.Round(lo, 3) : null, p.Hi is { } hi ? Math.Round(hi, 3) : null);
}
