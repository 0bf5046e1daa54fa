using Microsoft.Extensions.Time.Testing;
using SmartCommunity.Testing;

namespace SmartCommunity.Hub.Tests;

/// <summary>The scheduled monthly report on the real hub: the job runs when the fake clock passes its time and writes the
/// community's CSV and HTML files into the data directory.</summary>
public sealed class MonthlyReportTests
{
    private static async Task<(HubApp Hub, FakeTimeProvider Time, World World)> StartAsync(DateTimeOffset start)
    {
        var time = new FakeTimeProvider(start);
        var hub = new HubApp(time: time);
        hub.Start();
        var world = await hub.SeedWorldAsync();
        return (hub, time, world);
    }

    [Fact]
    public async Task MonthlyReportJob_ClockPasses0010OnTheFirstInShanghai_WritesCsvAndHtmlForTheCommunity()
    {
        // 00:05 on 1 December 2026 in Shanghai (16:05 UTC on 30 November).
        var (hub, time, world) = await StartAsync(new DateTimeOffset(2026, 11, 30, 16, 5, 0, TimeSpan.Zero));
        await using var _ = hub;
        var reports = Path.Combine(hub.DataDirectory, "reports");
        var stem = Path.Combine(reports, $"community-{world.CommunityId}-2026-11");
        Assert.False(File.Exists(stem + ".csv"));

        time.Advance(TimeSpan.FromMinutes(6));

        await Eventually.GetAsync(() => Task.FromResult(File.Exists(stem + ".csv") && File.Exists(stem + ".html")), done => done,
            what: "the monthly report files");
        var csv = await Eventually.GetAsync(() => File.ReadAllTextAsync(stem + ".csv"), t => t.Length > 0, what: "the CSV content");
        var html = await Eventually.GetAsync(() => File.ReadAllTextAsync(stem + ".html"), t => t.Contains("</html>", StringComparison.OrdinalIgnoreCase), what: "the HTML content");
        Assert.Contains(",", csv, StringComparison.Ordinal);
        Assert.Contains("Test Community", html, StringComparison.Ordinal);
        Assert.Contains("2026-11", html, StringComparison.Ordinal);
    }
}
