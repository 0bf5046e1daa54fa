using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using SmartCommunity.Domain.Alerts;
using SmartCommunity.Domain.Catalog;
using SmartCommunity.EarlyWarning;
using SmartCommunity.Hub.Alerts;
using SmartCommunity.Hub.EarlyWarning;
using SmartCommunity.Testing;

namespace SmartCommunity.Hub.Tests;

/// <summary>
/// Issue 21: an early-warning alert's evidence drawn on the board and on the family page, on a 390 px phone, in Chinese:
/// the expected band shaded, the series line, the moment it fired marked, and a text alternative in Chinese. The alerts
/// are raised as the early-warning worker raises them (its signal, evidence attached); the hub-level path over MQTT is in
/// <see cref="EvidenceFeedbackTests"/>.
/// </summary>
public sealed class EvidenceBrowserTests(ITestOutputHelper output)
{
    [Fact]
    public async Task EvidenceChart_BoardAndFamilyOnPhoneInChinese_BandLineAndFiringDrawn_TextAlternativeChinese_ConsoleClean()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var hub = new HubApp();
        hub.Start();
        var world = await hub.SeedWorldAsync();
        var climate = await hub.RegisterDeviceAsync("climate", residentId: world.ResidentA);
        var pir = await hub.RegisterDeviceAsync("pir", residentId: world.ResidentA);
        var place = new AlertPlace(world.ResidentA, world.HouseholdA, world.GridA, world.CommunityId);
        var alerts = hub.Services.GetRequiredService<AlertService>();
        var now = DateTimeOffset.UtcNow;

        // A warm afternoon: 12 h of a room at ~21 °C against its usual 20–22 °C, then 27 °C.
        var since = now.AddMinutes(-40);
        var temp = new Finding(EarlyWarningEngine.SeriesId(climate.Device.Id, "temp"), FindingKind.Anomaly, Severity.Warning,
            LocalizedText.Of("early.anomaly.seasonal", LocalizedText.Of("measurement.temp"), 27.2, "°C", 21.0, LocalizedText.Clock(since)), since, now, 21.0, 27.2);
        var points = Enumerable.Range(0, 96).Select(i =>
        {
            var t = now.AddHours(-12).AddMinutes(7.5 * i + 3.75);
            var v = t >= since ? 27.2 : 21 + 0.4 * Math.Sin(i / 8.0);
            return new EvidencePoint(t, v, 20 + 0.2 * Math.Sin(i / 10.0), 22 + 0.2 * Math.Sin(i / 10.0));
        }).ToList();
        await alerts.RaiseAsync(EarlyWarningWorker.SignalOf(temp, climate.Device.Id) with
        {
            Evidence = new AlertEvidence("temp", "°C", since, now, 21.0, 27.2, points),
        }, place, ct);

        // The front door at night: the last 24 hours of movement against the usual chance of it, hour by hour.
        var door = new Finding(EarlyWarningEngine.ResidentSeriesId(world.ResidentA), FindingKind.DoorOpenAtNight, Severity.High,
            LocalizedText.Of("early.door_open_at_night", LocalizedText.Clock(now), 0.05), now, now);
        var hours = Enumerable.Range(0, 24).Select(i => new EvidencePoint(now.AddHours(i - 23.5), i is > 6 and < 20 || i == 23 ? 1 : 0, 0, i is > 6 and < 20 ? 0.9 : 0.05)).ToList();
        await alerts.RaiseAsync(EarlyWarningWorker.SignalOf(door, pir.Device.Id) with
        {
            Evidence = new AlertEvidence("activity", "", now, now, null, null, hours),
        }, place, ct);

        await using var browser = await DashboardBrowser.LaunchAsync();
        foreach (var (who, root) in new[] { (World.Staff, "board"), (World.FamilyA, "family-page") })
        {
            var console = new List<string>();
            var page = await browser.SignInAsync(hub, who, DashboardBrowser.Phone, "zh-CN");
            page.Console += (_, m) => { if (m.Type is "error" or "warning") console.Add(m.Text); };
            page.PageError += (_, e) => console.Add(e);
            var scope = root == "board" ? page.Locator("body") : page.GetByTestId(root);
            foreach (var kind in new[] { "anomaly", "routine" })
            {
                var card = scope.Locator($"[data-testid=alert-card][data-kind={kind}]");
                var chart = card.GetByTestId("evidence-chart");
                await Assertions.Expect(chart).ToBeVisibleAsync(new() { Timeout = 20_000 });
                // The band (one polygon per run of points with a band), the series line and the firing's mark.
                Assert.True(await chart.Locator("polygon.evidence__band").CountAsync() >= 1, $"{who} {kind}: no band");
                Assert.Equal(1, await chart.Locator("path.evidence__line").CountAsync());
                await Assertions.Expect(chart.GetByTestId("evidence-fired")).ToHaveCountAsync(1);
                var box = (await chart.Locator("svg").BoundingBoxAsync())!;
                Assert.InRange(box.Width, 240, 390); // the whole phone width at most, and wide enough to read
                Assert.True(box.Height >= 70, $"{who} {kind}: chart {box.Width}×{box.Height}");
                var summary = await chart.GetByTestId("evidence-summary").TextContentAsync();
                output.WriteLine($"{who} {kind}: {summary}");
                Assert.Contains("预警于", summary, StringComparison.Ordinal);
                Assert.DoesNotMatch("[A-Za-z]{2,}", summary!); // numbers, units and clocks only
                await Assertions.Expect(chart.Locator("figcaption")).ToContainTextAsync(kind == "anomaly" ? "此时段的平常范围" : "平常有活动的概率");
            }
            // The anomaly's own text is Chinese too (the hub renders it in the reader's language).
            await Assertions.Expect(scope.Locator("[data-testid=alert-card][data-kind=anomaly]")).ToContainTextAsync("此时段通常约为");
            var shot = Path.Combine(Path.GetTempPath(), $"evidence-{root}.png");
            await scope.Locator("[data-testid=alert-card][data-kind=anomaly]").ScreenshotAsync(new() { Path = shot });
            output.WriteLine($"screenshot {shot}");
            Assert.Empty(console);
        }
    }
}
