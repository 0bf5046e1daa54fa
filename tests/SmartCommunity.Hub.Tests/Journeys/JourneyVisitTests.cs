using System.Net.Http.Json;
using Microsoft.Extensions.Time.Testing;
using SmartCommunity.Domain.Devices;
using SmartCommunity.Hub.Alerts;
using SmartCommunity.Testing;
using SmartCommunity.Hub.Visits;
using SmartCommunity.Simulator.Scenarios;

namespace SmartCommunity.Hub.Tests;

/// <summary>
/// Journey 4 (issue 16): the grid worker visits a resident and makes the visit gesture on her pendant (press, release,
/// press and hold 5 s); the pendant runs the firmware core (the simulator's virtual node, real MQTT), which sends
/// <c>visit</c>; the hub records the visit and the month's visit coverage counts it. One fake clock drives the hub and
/// the pendant (the month is the community's, in Shanghai).
/// </summary>
public sealed class JourneyVisitTests
{
    // 10:00 on Wednesday 25 November 2026 in Shanghai.
    private static readonly DateTimeOffset Morning = new(2026, 11, 25, 2, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task GridWorkersVisitGestureOnThePendant_MonthlyCoverageCountsTheVisit()
    {
        var time = new FakeTimeProvider(Morning);
        await using var hub = new HubApp(time: time);
        hub.Start();
        var world = await hub.SeedWorldAsync();
        var pendant = await hub.RegisterDeviceAsync("sos", residentId: world.ResidentA);
        using var worker = await hub.ClientAsync(World.WorkerA);
        var coverageUrl = $"/api/visits/coverage?communityId={world.CommunityId}&month=2026-11";
        var before = (await worker.GetFromJsonAsync<CoverageDto>(coverageUrl))!;
        Assert.Equal((1, 0), (before.Required, before.Visited));

        await using var fleet = FirmwareEndToEndTests.Fleet(hub, pendant, DeviceKind.Sos, time);
        await fleet.StartAsync();
        await fleet.WaitUntilConnectedAsync();

        var gesture = await FirmwareEndToEndTests.AdvanceUntilAsync(time, fleet.InjectAsync(pendant.Device.Id, Scenario.Visit), TimeSpan.FromMilliseconds(100), maxSteps: 120);

        Assert.NotNull(gesture.Sequence);
        var after = await Eventually.GetAsync(async () => (await worker.GetFromJsonAsync<CoverageDto>(coverageUrl))!, c => c.Visited > 0, what: "the visit in the month's coverage");
        Assert.Equal((1, 1, 1.0), (after.Required, after.Visited, after.Coverage));
        var gridA = Assert.Single(after.Grids, g => g.GridId == world.GridA);
        Assert.Equal((1, 1), (gridA.Required, gridA.Visited));
        var visit = Assert.Single((await worker.GetFromJsonAsync<List<VisitDto>>($"/api/visits?residentId={world.ResidentA}"))!);
        Assert.Equal((world.ResidentA, "device:" + pendant.Device.Id), (visit.ResidentId, visit.Source));
        // The first press of the gesture opened an SOS window (5 s); the hold called it off on the pendant. Had it not, the
        // SOS would have left the outbox before the visit (5.5 s), which the hub has acknowledged: no SOS at the hub.
        using var staff = await hub.ClientAsync(World.Staff);
        Assert.Empty((await staff.GetFromJsonAsync<List<AlertDto>>("/api/alerts?status=all"))!);
    }
}
