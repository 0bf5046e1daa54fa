using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using SmartCommunity.Domain.Alerts;
using SmartCommunity.Domain.Reports;
using SmartCommunity.Domain.Visits;
using SmartCommunity.Hub.Alerts;
using SmartCommunity.Hub.Devices;
using SmartCommunity.Hub.Persistence;
using SmartCommunity.Hub.Reports;
using SmartCommunity.Testing;
using SmartCommunity.Hub.Visits;

namespace SmartCommunity.Hub.Tests;

/// <summary>
/// A simulated week in the demo community on a fake clock: alerts from the demo devices, handled by the demo staff
/// with realistic delays, visits and family ratings; then the KPI report. Set SC_WRITE_KPI_DEMO=1 to refresh
/// docs/kpi-demo-week.md from it.
/// </summary>
public sealed class KpiDemoWeekTests
{
    private static readonly DateTimeOffset WeekStart = new(2026, 11, 15, 16, 0, 0, TimeSpan.Zero); // Monday 16 Nov 00:00, Shanghai

    [Fact]
    public async Task DemoCommunity_SimulatedWeek_ProducesKpiReport()
    {
        var time = new FakeTimeProvider(WeekStart);
        await using var hub = new HubApp(settings: new Dictionary<string, string?> { ["Hub:Demo"] = "true" }, time: time);
        hub.Start();
        var sp = hub.Services;
        var alerts = sp.GetRequiredService<AlertService>();
        var directory = sp.GetRequiredService<DeviceDirectory>();
        var visits = sp.GetRequiredService<VisitService>();
        int communityId;
        List<(string Id, DeviceEntry Entry)> devices;
        List<int> special;
        await using (var db = await sp.GetRequiredService<IDbContextFactory<HubDbContext>>().CreateDbContextAsync())
        {
            communityId = await db.Communities.Select(c => c.Id).FirstAsync();
            devices = (await db.Devices.AsNoTracking().Where(d => d.ResidentId != null).Select(d => d.Id).ToListAsync())
                .Select(id => (id, directory.Find(id)!)).ToList();
            special = await db.Residents.Where(r => r.SpecialDifficulty).Select(r => r.Id).ToListAsync();
        }
        Assert.NotEmpty(devices);

        // Deterministic: the same week every run.
        var random = new Random(20261116);
        var kinds = new[] { (AlertKind.Sos, "SOS button pressed"), (AlertKind.Smoke, "Smoke detected"), (AlertKind.TemperatureLow, "Temperature 14.5 °C") };
        for (var day = 0; day < 7; day++)
        {
            for (var n = 0; n < 4; n++)
            {
                time.SetUtcNow(WeekStart.AddDays(day).AddHours(1 + n * 5 + random.Next(0, 4)));
                var (deviceId, entry) = devices[random.Next(devices.Count)];
                var (kind, message) = kinds[random.Next(kinds.Length)];
                var severity = kind == AlertKind.TemperatureLow ? Severity.High : Severity.Critical;
                var alert = await alerts.RaiseAsync(new AlertSignal(deviceId, kind, severity, message, time.GetUtcNow()), entry.Place, CancellationToken.None);
                // Most are acknowledged within a minute; a few late ones show the tail the p90 is about.
                var ack = TimeSpan.FromSeconds(random.Next(0, 10) < 9 ? random.Next(8, 55) : random.Next(70, 240));
                time.Advance(ack);
                await alerts.ChangeAsync(alert.Id, a => a.Acknowledge("officer@demo.local", time.GetUtcNow()), CancellationToken.None);
                time.Advance(TimeSpan.FromMinutes(random.Next(6, 25)));
                var outcome = random.Next(0, 10) switch { < 6 => AlertOutcome.Real, < 9 => AlertOutcome.FalseAlarm, _ => AlertOutcome.DeviceFault };
                await alerts.ChangeAsync(alert.Id, a => a.Resolve("worker1@demo.local", outcome, null, time.GetUtcNow()), CancellationToken.None);
                if (alert.ResidentId is not null && random.Next(0, 3) == 0)
                    await alerts.ChangeAsync(alert.Id, a => a.GiveFeedback("wang.family@demo.local", random.Next(3, 6), null, time.GetUtcNow()), CancellationToken.None);
            }
            if (day < special.Count)
                await visits.RecordAsync(special[day], "worker1@demo.local", "api", null, time.GetUtcNow(), CancellationToken.None);
        }
        time.SetUtcNow(WeekStart.AddDays(7));

        var (report, community) = (await sp.GetRequiredService<ReportService>().ComputeAsync(communityId, WeekStart, WeekStart.AddDays(7), new LocalMonth(2026, 11), CancellationToken.None))!.Value;

        Assert.Equal(28, report.Alerts);
        Assert.Equal(28, report.Paged);
        Assert.InRange(report.ShareAcknowledgedWithin60s!.Value, 0.5, 1.0);
        Assert.True(report.P90TimeToAcknowledge >= report.MedianTimeToAcknowledge);
        Assert.Equal(28, report.Resolved);
        using var officer = await hub.ClientAsync(HubApp.AdminEmail);
        var csv = await officer.GetStringAsync($"/api/reports/monthly/{communityId}/2026-11.csv");
        Assert.Contains("share_acknowledged_within_60s", csv, StringComparison.Ordinal);
        var html = await officer.GetStringAsync($"/api/reports/monthly/{communityId}/2026-11.html");
        Assert.StartsWith("<!doctype html>", html, StringComparison.Ordinal);
        var api = await officer.GetFromJsonAsync<KpiReport>($"/api/reports/kpi?communityId={communityId}&from={Uri.EscapeDataString(WeekStart.ToString("O"))}&to={Uri.EscapeDataString(WeekStart.AddDays(7).ToString("O"))}");
        Assert.Equal(report.Alerts, api!.Alerts);

        if (Environment.GetEnvironmentVariable("SC_WRITE_KPI_DEMO") == "1")
        {
            var md = "<!-- Generated by KpiDemoWeekTests.DemoCommunity_SimulatedWeek_ProducesKpiReport (SC_WRITE_KPI_DEMO=1); a simulated week on a fake clock. -->\n"
                + ReportService.Markdown(community, "week of 16–22 November 2026 (Asia/Shanghai)", report)
                + "\n## CSV (as served by /api/reports/monthly/{communityId}/2026-11.csv for the whole month)\n\n```csv\n" + csv + "```\n";
            await File.WriteAllTextAsync(Path.Combine(RepoPaths.Docs, "kpi-demo-week.md"), md);
        }
    }
}
