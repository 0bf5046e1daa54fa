namespace SmartCommunity.Simulator.Signals;

/// <summary>
/// A resident's daily routine as PIR activations per 5-minute interval: asleep 23:00–07:00 (an
/// occasional trip to the bathroom), active in the morning and the evening, quieter in the afternoon.
/// </summary>
public static class ActivityRoutine
{
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(5);

    /// <summary>Mean activations per interval by hour: (from hour inclusive, rate).</summary>
    private static readonly (double FromHour, double Rate)[] Rates =
    [
        (0, 0.3),   // asleep
        (7, 12),    // getting up, breakfast
        (10, 6),    // late morning
        (12, 8),    // lunch
        (14, 3),    // afternoon rest
        (17, 10),   // dinner, evening
        (21, 5),    // winding down
        (23, 0.3),  // asleep
    ];

    public static bool IsAsleep(TimeSpan timeOfDay) => timeOfDay.TotalHours >= 23 || timeOfDay.TotalHours < 7;

    /// <summary>Mean activations in the 5-minute interval ending at this local time of day.</summary>
    public static double ExpectedCount(TimeSpan timeOfDay)
    {
        var hour = timeOfDay.TotalHours;
        var rate = Rates[0].Rate;
        foreach (var (fromHour, r) in Rates)
        {
            if (hour >= fromHour)
            {
                rate = r;
            }
        }

        return rate;
    }

    /// <summary>A sampled count for the interval ending at <paramref name="localNow"/>.</summary>
    public static int SampleCount(DateTimeOffset localNow, Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        return Math.Min(10_000, random.Poisson(ExpectedCount(localNow.TimeOfDay)));
    }
}
