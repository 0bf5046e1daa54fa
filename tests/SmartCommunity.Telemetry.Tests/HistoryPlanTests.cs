namespace SmartCommunity.Telemetry.Tests;

public sealed class HistoryPlanTests
{
    private static readonly DateTimeOffset T0 = new(2025, 3, 1, 0, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(1, 5)]          // a day: five-minute buckets
    [InlineData(7, 30)]         // a week: half hours
    [InlineData(90, 360)]       // a quarter: six hours
    [InlineData(365, 1440)]     // a year: days
    [InlineData(730, 1440 * 7)] // two years: weeks
    public void StepFor_ChartRange_GivesAtMostTargetBuckets(int days, int minutes)
    {
        var step = HistoryPlan.StepFor(TimeSpan.FromDays(days));

        Assert.Equal(TimeSpan.FromMinutes(minutes), step);
        Assert.True(TimeSpan.FromDays(days) / step <= HistoryPlan.TargetBuckets);
    }

    [Fact]
    public void Combine_HoursIntoSixHours_TakesExtremesAndCountWeightedMean()
    {
        AggregateBucket[] hourly =
        [
            new(T0, 1, 3, 2, 1),
            new(T0.AddHours(1), 0, 10, 6, 3),
            new(T0.AddHours(6), 5, 5, 5, 2),
        ];

        var combined = HistoryPlan.Combine(hourly, TimeSpan.FromHours(6));

        Assert.Equal([new(T0, 0, 10, 5, 4), new(T0.AddHours(6), 5, 5, 5, 2)], combined);
    }

    [Fact]
    public void Combine_StepNotWholeHours_Refused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => HistoryPlan.Combine([], TimeSpan.FromMinutes(90)));

    [Fact]
    public void RawFrom_CutoffInsideAnHour_StartsAtTheNextWholeHour() =>
        Assert.Equal(T0.AddHours(1), HistoryPlan.RawFrom(T0.AddDays(30).AddMinutes(20), TimeSpan.FromDays(30)));

    [Fact]
    public void Floor_BeforeTheEpoch_RoundsDown() =>
        Assert.Equal(new DateTimeOffset(1969, 12, 31, 0, 0, 0, TimeSpan.Zero),
            HistoryPlan.Floor(new DateTimeOffset(1969, 12, 31, 13, 0, 0, TimeSpan.Zero), TimeSpan.FromDays(1)));
}
