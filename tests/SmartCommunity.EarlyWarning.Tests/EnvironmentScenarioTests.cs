using Microsoft.Extensions.Time.Testing;
using SmartCommunity.Domain.Alerts;
using SmartCommunity.Domain.Devices;
using SmartCommunity.Domain.Ingestion;

namespace SmartCommunity.EarlyWarning.Tests;

public class EnvironmentScenarioTests
{
    private static readonly Measurement Temp = Measurement.Find("temp")!;
    private static readonly Measurement Gas = Measurement.Find("gas")!;
    private static readonly Measurement Door = Measurement.Find("door")!;

    private static Source Climate(DeviceLocation location = DeviceLocation.Home) =>
        new("climate-1", DeviceKind.Climate, new RuleContext("climate-1", DeviceKind.Climate, location), 1);

    /// <summary>Winter living room: 21 °C by day, thermostat set-back to 18 °C at night, small sensor noise.</summary>
    private static double Room(DateTimeOffset at, Random rng)
    {
        var h = at.TimeOfDay.TotalHours;
        var setBack = h is >= 23 or < 6 ? Math.Min(3, (h >= 23 ? h - 23 : h + 1) * 0.7) : h < 7 ? 3 * (7 - h) : 0;
        return 21 - setBack + (rng.NextDouble() - 0.5) * 0.2;
    }

    [Fact]
    public void HeatingFailure_RoomCoolingOverSixHours_WarnsBeforeTheSafeBandIsLeft()
    {
        var time = new FakeTimeProvider(Synthetic.Start);
        var engine = new EarlyWarningEngine();
        var rng = new Random(11);
        var findings = new List<Finding>();
        var source = Climate();
        // Three ordinary days, then the boiler stops at 10:00 and the room cools towards 5 °C outside.
        for (var i = 0; i < 3 * 288; i++, time.Advance(TimeSpan.FromMinutes(5)))
            engine.Observe(source, new DecodedRecord(Temp, time.GetUtcNow(), Room(time.GetUtcNow(), rng)), findings);
        var ordinary = findings.Where(f => f.Kind != FindingKind.Anomaly).ToList();
        time.SetUtcNow(Synthetic.Start.AddDays(3).AddHours(10));
        var failedAt = time.GetUtcNow();
        DateTimeOffset? leftBand = null;
        for (var i = 0; i <= 72; i++, time.Advance(TimeSpan.FromMinutes(5)))
        {
            var t = 5 + 16 * Math.Exp(-(time.GetUtcNow() - failedAt).TotalHours / 10.4) + (rng.NextDouble() - 0.5) * 0.2;
            if (t < 16)
                leftBand ??= time.GetUtcNow();
            engine.Observe(source, new DecodedRecord(Temp, time.GetUtcNow(), t), findings);
        }

        Assert.Empty(ordinary);
        var warning = Assert.Single(findings, f => f.Kind == FindingKind.HeatingFailure);
        Assert.NotNull(leftBand);
        Assert.True(warning.At < leftBand.Value - TimeSpan.FromHours(1), $"warned at {warning.At:HH:mm}, band left at {leftBand:HH:mm}");
        Assert.Equal(Severity.Warning, warning.Severity);
        Assert.Contains("falling", warning.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void GasRising_SlowLeak_WarnsLongBeforeTheAlarmThreshold()
    {
        var time = new FakeTimeProvider(Synthetic.Start);
        var engine = new EarlyWarningEngine();
        var rng = new Random(12);
        var findings = new List<Finding>();
        var source = new Source("gas-1", DeviceKind.Smoke, new RuleContext("gas-1", DeviceKind.Smoke, DeviceLocation.Kitchen), 1);
        // A day of background (cooking bumps included), then a leak adding 150 ppm per hour.
        for (var i = 0; i < 288; i++, time.Advance(TimeSpan.FromMinutes(5)))
        {
            var cooking = time.GetUtcNow().Hour == 12 && time.GetUtcNow().Minute < 20 ? 40 : 0;
            engine.Observe(source, new DecodedRecord(Gas, time.GetUtcNow(), 15 + cooking + rng.Next(0, 10)), findings);
        }
        var ordinary = findings.Where(f => f.Kind == FindingKind.GasRising).ToList();
        var leakAt = time.GetUtcNow();
        DateTimeOffset? alarmAt = null;
        for (var i = 0; i < 120; i++, time.Advance(TimeSpan.FromMinutes(5)))
        {
            var ppm = 15 + 150 * (time.GetUtcNow() - leakAt).TotalHours + rng.Next(0, 10);
            if (ppm >= SafetyRules.DefaultGasAlarmPpm)
                alarmAt ??= time.GetUtcNow();
            engine.Observe(source, new DecodedRecord(Gas, time.GetUtcNow(), ppm), findings);
        }

        Assert.Empty(ordinary);
        var warning = Assert.Single(findings, f => f.Kind == FindingKind.GasRising);
        Assert.True(warning.At - leakAt < TimeSpan.FromHours(1), $"warned {warning.At - leakAt} after the leak began");
        Assert.True(warning.At < alarmAt);
        Assert.Contains("ppm/h", warning.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void DoorLeftOpen_FridgeDoorAfterOrdinaryDays_WarnsWithinMinutes()
    {
        var time = new FakeTimeProvider(Synthetic.Start);
        var engine = new EarlyWarningEngine();
        var findings = new List<Finding>();
        var source = new Source("fridge-door", DeviceKind.Door, new RuleContext("fridge-door", DeviceKind.Door, DeviceLocation.Kitchen), 1);
        // Three days of ordinary use: opened for 20-50 s, eight times a day.
        for (var day = 0; day < 3; day++)
        {
            foreach (var hour in new[] { 7, 8, 10, 12, 13, 16, 18, 20 })
            {
                time.SetUtcNow(Synthetic.Start.AddDays(day).AddHours(hour));
                engine.Observe(source, new DecodedRecord(Door, time.GetUtcNow(), 1), findings);
                time.Advance(TimeSpan.FromSeconds(20 + 10 * (hour % 4)));
                engine.Tick(time.GetUtcNow(), findings);
                engine.Observe(source, new DecodedRecord(Door, time.GetUtcNow(), 0), findings);
            }
        }
        var ordinary = findings.ToList();
        time.SetUtcNow(Synthetic.Start.AddDays(3).AddHours(19));
        var openedAt = time.GetUtcNow();
        engine.Observe(source, new DecodedRecord(Door, openedAt, 1), findings);
        for (var minute = 0; minute < 30; minute++, time.Advance(TimeSpan.FromMinutes(1)))
            engine.Tick(time.GetUtcNow(), findings);

        Assert.Empty(ordinary);
        var warning = Assert.Single(findings, f => f.Kind == FindingKind.DoorLeftOpen);
        Assert.InRange(warning.At - openedAt, TimeSpan.FromMinutes(3), TimeSpan.FromMinutes(5));
        Assert.Equal(openedAt, warning.Since);
    }

    [Fact]
    public void HeatStress_HotHumidAfternoon_WarnsOnceWithTheFeltTemperature()
    {
        var engine = new EarlyWarningEngine();
        var findings = new List<Finding>();
        var source = Climate();
        var hum = Measurement.Find("hum")!;
        for (var i = 0; i < 48; i++)
        {
            var at = Synthetic.Start.AddMinutes(10 * i);
            engine.Observe(source, new DecodedRecord(hum, at, 70), findings);
            engine.Observe(source, new DecodedRecord(Temp, at, 26 + 0.1 * i), findings);
        }

        var warning = Assert.Single(findings, f => f.Kind == FindingKind.HeatStress);
        Assert.Contains("feels like", warning.Explanation, StringComparison.Ordinal);
        Assert.True(warning.Seen >= 32);
    }
}
