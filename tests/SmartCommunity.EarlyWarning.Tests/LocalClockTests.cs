using SmartCommunity.Domain.Alerts;
using SmartCommunity.Domain.Catalog;
using SmartCommunity.Domain.Devices;
using SmartCommunity.Domain.Ingestion;

namespace SmartCommunity.EarlyWarning.Tests;

/// <summary>
/// The times an explanation names ("since 18:05") are the community's local time, as the reader's clock shows it, in every
/// language: they were UTC, so a Shanghai evening's gas rise read "since 10:00" and an anomaly "unusual since 10:00 UTC".
/// </summary>
public class LocalClockTests
{
    private static readonly Measurement Gas = Measurement.Find("gas")!;
    private static readonly Measurement Temp = Measurement.Find("temp")!;
    private static readonly Measurement Door = Measurement.Find("door")!;
    private static readonly DateTimeOffset Start = new(2026, 11, 2, 0, 0, 0, TimeSpan.Zero);

    private static Source Device(string id, DeviceKind kind, DeviceLocation location) => new(id, kind, new RuleContext(id, kind, location), 1);

    [Fact]
    public void GasRising_ShanghaiEvening_SinceInLocalTime_EnglishAndChinese()
    {
        var engine = EarlyWarningEngine.ForZone("Asia/Shanghai");
        var kitchen = Device("smoke-1", DeviceKind.Smoke, DeviceLocation.Kitchen);
        var findings = new List<Finding>();
        var random = new Random(3);
        // A day of ~120 ppm; from 10:00 UTC (18:00 in Shanghai) +150 ppm/h.
        var rise = Start.AddDays(1).AddHours(10);
        for (var at = Start; at < rise.AddHours(2); at = at.AddMinutes(1))
        {
            var excess = at < rise ? 0 : 150 * (at - rise).TotalHours;
            engine.Observe(kitchen, new DecodedRecord(Gas, at, 120 + (random.NextDouble() - 0.5) * 50 + excess), findings);
        }

        var f = Assert.Single(findings, x => x.Kind == FindingKind.GasRising);
        var local = LocalizedText.Clock(TimeZoneInfo.ConvertTime(f.Since, TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai")));
        Assert.StartsWith("18:", local, StringComparison.Ordinal);
        Assert.Contains($"since {local}", f.Text.Render("en"), StringComparison.Ordinal);
        Assert.Contains($"自 {local} 起", f.Text.Render("zh-CN"), StringComparison.Ordinal);
        Assert.DoesNotContain(LocalizedText.Clock(f.Since), f.Text.Render("en"), StringComparison.Ordinal);
    }

    [Fact]
    public void Anomaly_FarOutsideInShanghai_UnusualSinceLocalTimeWithoutUtc_EnglishAndChinese()
    {
        var engine = EarlyWarningEngine.ForZone("Asia/Shanghai");
        var room = Device("clim-1", DeviceKind.Climate, DeviceLocation.Home);
        var findings = new List<Finding>();
        // Three ordinary days of a room, then at 12:00 UTC (20:00 in Shanghai) far beyond anything seen.
        var jump = Start.AddDays(3).AddHours(12);
        for (var at = Start; at < jump.AddHours(3) && findings.Count == 0; at = at.AddMinutes(5))
        {
            var v = at < jump ? 21 + 0.5 * Math.Sin(at.ToUnixTimeSeconds() / 86400.0 * 2 * Math.PI) : 45;
            engine.Observe(room, new DecodedRecord(Temp, at, v), findings);
        }

        var f = Assert.Single(findings, x => x.Kind == FindingKind.Anomaly);
        var local = LocalizedText.Clock(TimeZoneInfo.ConvertTime(f.Since, TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai")));
        Assert.StartsWith("20:", local, StringComparison.Ordinal);
        var en = f.Text.Render("en");
        var zh = f.Text.Render("zh-CN");
        Assert.Contains($"unusual since {local}", en, StringComparison.Ordinal);
        Assert.Contains($"自 {local} 起异常", zh, StringComparison.Ordinal);
        Assert.DoesNotContain("UTC", en, StringComparison.Ordinal);
        Assert.DoesNotContain("UTC", zh, StringComparison.Ordinal);
    }

    [Fact]
    public void DoorLeftOpen_ShanghaiMorning_SinceInLocalTime_EnglishAndChinese()
    {
        var engine = EarlyWarningEngine.ForZone("Asia/Shanghai");
        var fridge = Device("door-1", DeviceKind.Door, DeviceLocation.Kitchen);
        var findings = new List<Finding>();
        var opened = Start.AddHours(1); // 09:00 in Shanghai
        engine.Observe(fridge, new DecodedRecord(Door, opened, 1), findings);
        engine.Tick(opened.AddMinutes(30), findings);

        var f = Assert.Single(findings, x => x.Kind == FindingKind.DoorLeftOpen);
        Assert.Contains("since 09:00", f.Text.Render("en"), StringComparison.Ordinal);
        Assert.Contains("门自 09:00 起", f.Text.Render("zh-CN"), StringComparison.Ordinal);
    }
}
