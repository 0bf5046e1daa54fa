namespace SmartCommunity.EarlyWarning.Tests;

/// <summary>Builders for realistic synthetic streams; seeded, so every run sees the same data.</summary>
internal static class Synthetic
{
    public static readonly DateTimeOffset Start = new(2026, 1, 5, 0, 0, 0, TimeSpan.Zero); // a Monday in winter

    /// <summary>A daily pattern with noise: the kind of series NAB is full of.</summary>
    public static IEnumerable<(DateTimeOffset At, double Value)> Daily(int points, TimeSpan step, double mean, double amplitude, double noise, int seed)
    {
        var rng = new Random(seed);
        for (var i = 0; i < points; i++)
        {
            var at = Start + step * i;
            var phase = at.TimeOfDay.TotalHours / 24 * 2 * Math.PI;
            yield return (at, mean + amplitude * Math.Sin(phase) + noise * (rng.NextDouble() * 2 - 1));
        }
    }
}
