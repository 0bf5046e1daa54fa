using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.Time.Testing;
using MQTTnet;
using MQTTnet.Protocol;
using SmartCommunity.Hub.Visits;
using SmartCommunity.Testing;

namespace SmartCommunity.Hub.Tests;

/// <summary>Visits on the real hub: recorded by the visit button on a resident's pendant or by a grid worker through the API,
/// and seen in the overdue list and the monthly coverage by the people in scope only.</summary>
public sealed class VisitTests
{
    // 10:00 on Sunday 29 November 2026 in Shanghai.
    private static readonly DateTimeOffset Morning = new(2026, 11, 29, 2, 0, 0, TimeSpan.Zero);

    private static async Task<(HubApp Hub, FakeTimeProvider Time, World World)> StartAsync(DateTimeOffset start)
    {
        var time = new FakeTimeProvider(start);
        var hub = new HubApp(time: time);
        hub.Start();
        var world = await hub.SeedWorldAsync();
        return (hub, time, world);
    }

    private static Task PublishAsync(IMqttClient mqtt, string deviceId, string channel, byte[] payload) =>
        mqtt.PublishAsync(new MqttApplicationMessageBuilder().WithTopic($"sc/v1/{deviceId}/{channel}").WithPayload(payload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());

    private static byte[] Pack(FakeTimeProvider time, string deviceId, uint seq, string records) =>
        Senml.Pack(deviceId, seq, records, time.GetUtcNow().ToUnixTimeSeconds());

    [Fact]
    public async Task VisitButton_OnResidentsPendant_RecordsVisitVisibleThroughVisitsApi()
    {
        var (hub, time, world) = await StartAsync(Morning);
        await using var _ = hub;
        var pendant = await hub.RegisterDeviceAsync("sos", residentId: world.ResidentA);
        using var mqtt = await hub.ConnectDeviceAsync(pendant);
        using var worker = await hub.ClientAsync(World.WorkerA);
        Assert.Contains((await worker.GetFromJsonAsync<List<OverdueDto>>($"/api/visits/overdue?communityId={world.CommunityId}"))!, o => o.ResidentId == world.ResidentA);

        await PublishAsync(mqtt, pendant.Device.Id, "up", Pack(time, pendant.Device.Id, 1, "{\"n\":\"visit\",\"vb\":true}"));

        var visits = await Eventually.GetAsync(async () => (await worker.GetFromJsonAsync<List<VisitDto>>($"/api/visits?residentId={world.ResidentA}"))!,
            l => l.Count > 0, what: "the button visit");
        var visit = Assert.Single(visits);
        Assert.Equal((world.ResidentA, world.GridA, "device:" + pendant.Device.Id, time.GetUtcNow()), (visit.ResidentId, visit.GridId, visit.Source, visit.At));
        Assert.Empty((await worker.GetFromJsonAsync<List<OverdueDto>>($"/api/visits/overdue?communityId={world.CommunityId}"))!);
    }

    [Fact]
    public async Task VisitsApi_GridWorkerRecordsVisit_OverdueAndCoverageReflectItAndOthersCannotRecordOrSee()
    {
        var (hub, _, world) = await StartAsync(Morning);
        await using var __ = hub;
        using var workerA = await hub.ClientAsync(World.WorkerA);
        using var workerB = await hub.ClientAsync(World.WorkerB);
        using var family = await hub.ClientAsync(World.FamilyA);
        using var staff = await hub.ClientAsync(World.Staff);
        var overdueUrl = $"/api/visits/overdue?communityId={world.CommunityId}";
        var coverageUrl = $"/api/visits/coverage?communityId={world.CommunityId}&month=2026-11";
        var before = (await staff.GetFromJsonAsync<CoverageDto>(coverageUrl))!;
        Assert.Equal((1, 0), (before.Required, before.Visited));
        Assert.Equal([world.ResidentA], (await staff.GetFromJsonAsync<List<OverdueDto>>(overdueUrl))!.Select(o => o.ResidentId));
        // Resident A lives in grid A: grid B's worker is not told about them.
        Assert.Empty((await workerB.GetFromJsonAsync<List<OverdueDto>>(overdueUrl))!);

        var byOtherGrid = await workerB.PostAsJsonAsync("/api/visits", new RecordVisitRequest(world.ResidentA, "not my grid"));
        var byFamily = await family.PostAsJsonAsync("/api/visits", new RecordVisitRequest(world.ResidentA, "I came by"));
        var recorded = await workerA.PostAsJsonAsync("/api/visits", new RecordVisitRequest(world.ResidentA, "All well"));

        Assert.Equal(HttpStatusCode.NotFound, byOtherGrid.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, byFamily.StatusCode);
        Assert.Equal(HttpStatusCode.Created, recorded.StatusCode);
        var visit = (await recorded.Content.ReadFromJsonAsync<VisitDto>())!;
        Assert.Equal((world.ResidentA, world.GridA, World.WorkerA, "api", "All well"), (visit.ResidentId, visit.GridId, visit.By, visit.Source, visit.Note));
        Assert.Empty((await staff.GetFromJsonAsync<List<OverdueDto>>(overdueUrl))!);
        var after = (await staff.GetFromJsonAsync<CoverageDto>(coverageUrl))!;
        Assert.Equal((1, 1, 1.0), (after.Required, after.Visited, after.Coverage));
        var gridA = Assert.Single(after.Grids, g => g.GridId == world.GridA);
        Assert.Equal((1, 1, 1.0), (gridA.Required, gridA.Visited, gridA.Coverage));
        Assert.DoesNotContain(after.Grids, g => g.GridId == world.GridB && g.Required > 0);
        var december = (await staff.GetFromJsonAsync<CoverageDto>($"/api/visits/coverage?communityId={world.CommunityId}&month=2026-12"))!;
        Assert.Equal((1, 0), (december.Required, december.Visited));
        Assert.Single((await workerA.GetFromJsonAsync<List<VisitDto>>("/api/visits"))!, v => v.Id == visit.Id);
        Assert.Empty((await workerB.GetFromJsonAsync<List<VisitDto>>("/api/visits"))!);
        Assert.Empty((await workerB.GetFromJsonAsync<List<VisitDto>>($"/api/visits?residentId={world.ResidentA}"))!);
        Assert.Equal(HttpStatusCode.Forbidden, (await family.GetAsync("/api/visits")).StatusCode);
    }
}
