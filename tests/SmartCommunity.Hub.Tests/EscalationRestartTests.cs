using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using SmartCommunity.Domain.Alerts;
using SmartCommunity.Hub.Alerts;
using SmartCommunity.Hub.Tests.Infrastructure;

namespace SmartCommunity.Hub.Tests;

/// <summary>Escalation timers live in the Quartz SQLite store: a restart in the middle of an escalation neither loses nor repeats a page.</summary>
public sealed class EscalationRestartTests
{
    [Fact]
    public async Task Restart_MidEscalation_NextPageFiresOnceAtItsDueTime()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 29, 2, 0, 0, TimeSpan.Zero));
        var dir = Path.Combine(Path.GetTempPath(), "sc-hub-" + Guid.NewGuid().ToString("N"));
        long alertId;
        try
        {
            await using (var first = new HubApp(dir, time: time))
            {
                first.Start();
                var world = await first.SeedWorldAsync();
                var alert = await first.Services.GetRequiredService<AlertService>().RaiseAsync(
                    new AlertSignal("sos-r", AlertKind.Sos, Severity.Critical, "SOS", time.GetUtcNow()),
                    new AlertPlace(world.ResidentA, world.HouseholdA, world.GridA, world.CommunityId), CancellationToken.None);
                alertId = alert.Id;
                await PagesAsync(first, alertId, 1);
                Assert.Empty(first.LoggedErrors);
            }

            await using var second = new HubApp(dir, time: time);
            second.Start();
            var raisedAt = time.GetUtcNow();
            time.Advance(TimeSpan.FromSeconds(29));
            Assert.Single(await PagesAsync(second, alertId, 1));

            time.Advance(TimeSpan.FromSeconds(1));
            var pages = await PagesAsync(second, alertId, 2);

            Assert.Equal(2, pages.Count);
            Assert.Equal(raisedAt.AddSeconds(30), pages[1].At);
            Assert.Empty(second.LoggedErrors);
        }
        finally
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
    }

    private static async Task<List<AlertEventDto>> PagesAsync(HubApp hub, long alertId, int atLeast)
    {
        using var staff = await hub.ClientAsync(World.Staff);
        return await Eventually.GetAsync(async () => (await staff.GetFromJsonAsync<List<AlertEventDto>>($"/api/alerts/{alertId}/timeline"))!.Where(e => e.Type == "paged").ToList(),
            p => p.Count >= atLeast, what: $"{atLeast} pages");
    }
}
