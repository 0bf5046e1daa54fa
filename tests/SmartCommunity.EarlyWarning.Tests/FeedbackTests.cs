using SmartCommunity.Domain.Alerts;
using SmartCommunity.Domain.Devices;
using SmartCommunity.Domain.Ingestion;

namespace SmartCommunity.EarlyWarning.Tests;

/// <summary>Staff verdicts on the watches' findings (<see cref="FeedbackGate"/>), in the engine: the pattern called a false
/// alarm stays quiet, the same episode going further still alerts, "real" takes the tolerance away, and it survives a restart.</summary>
public class FeedbackTests
{
    private static readonly Measurement Gas = Measurement.Find("gas")!;
    private static readonly Source Kitchen = new("smoke-1", DeviceKind.Smoke, new RuleContext("smoke-1", DeviceKind.Smoke, DeviceLocation.Kitchen), 1);
    private static readonly DateTimeOffset Start = new(2026, 11, 2, 0, 0, 0, TimeSpan.Zero);
    private static readonly string Series = EarlyWarningEngine.SeriesId("smoke-1", "gas");

    [Fact]
    public void GasRising_FalseAlarmOnAnEvening_SameEveningQuiet_TwiceTheRiseAlerts()
    {
        var engine = new EarlyWarningEngine();
        var first = Evening(engine, day: 0, rate: 150);
        var finding = Assert.Single(first);
        engine.FalseAlarm(Series, FindingKind.GasRising, finding.Expected, finding.Expected + 225 + 25, Start.AddDays(1)); // the episode's peak

        Assert.Empty(Evening(engine, day: 1, rate: 150));
        Assert.True(engine.Feedback.Held > 0, "the quiet evening was held back, not missed");
        Assert.Single(Evening(engine, day: 2, rate: 400)); // beyond the tolerated peak: alerts in the same kind of episode
    }

    [Fact]
    public void GasRising_FalseAlarmThenReal_SameEveningAlertsAgain_ToleranceSurvivesRestart()
    {
        var engine = new EarlyWarningEngine();
        var finding = Assert.Single(Evening(engine, day: 0, rate: 150));
        engine.FalseAlarm(Series, FindingKind.GasRising, finding.Expected, finding.Expected + 250, Start.AddDays(1));

        using var state = new MemoryStream();
        engine.Save(state);
        state.Position = 0;
        var restored = new EarlyWarningEngine();
        restored.Load(state);
        Assert.Contains(restored.Feedback.Tolerated, t => t.Key.StartsWith(Series, StringComparison.Ordinal));

        Assert.True(restored.Real(Series, FindingKind.GasRising));
        Assert.Empty(restored.Feedback.Tolerated);
    }

    /// <summary>A day of ~120 ppm with ±25 ppm scatter, and from 18:00 a rise of <paramref name="rate"/> ppm/h for 90 min, back
    /// down over an hour: the findings of that day.</summary>
    private static List<Finding> Evening(EarlyWarningEngine engine, int day, double rate)
    {
        var random = new Random(day + 1);
        var findings = new List<Finding>();
        var rise = Start.AddDays(day).AddHours(18);
        for (var at = Start.AddDays(day); at < Start.AddDays(day + 1); at = at.AddMinutes(1))
        {
            var h = (at - rise).TotalHours;
            var excess = h < 0 ? 0 : h < 1.5 ? rate * h : h < 2.5 ? rate * 1.5 * (2.5 - h) : 0;
            engine.Observe(Kitchen, new DecodedRecord(Gas, at, 120 + (random.NextDouble() - 0.5) * 50 + excess), findings);
        }
        return [.. findings.Where(f => f.Kind == FindingKind.GasRising)];
    }
}
