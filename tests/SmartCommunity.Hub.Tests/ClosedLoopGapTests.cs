using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using MQTTnet;
using MQTTnet.Protocol;
using SmartCommunity.Domain.Alerts;
using SmartCommunity.Hub.Alerts;
using SmartCommunity.Hub.Devices;
using SmartCommunity.Hub.Escalation;
using SmartCommunity.Hub.People;
using SmartCommunity.Testing;
using SmartCommunity.Hub.Visits;

namespace SmartCommunity.Hub.Tests;

/// <summary>The closed-loop parts not covered elsewhere, on the real hub: device buttons, the visits API,
/// missed-heartbeat and low-battery supervision, rosters through the API and the scheduled monthly report.
/// Timers are driven by a fake clock; only real I/O (MQTT, HTTP, files) is polled, with a deadline.</summary>
public sealed class ClosedLoopGapTests
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

    private static async Task<List<AlertDto>> AlertsAsync(HttpClient http, string status = "all") =>
        (await http.GetFromJsonAsync<List<AlertDto>>($"/api/alerts?status={status}"))!;

    private static Task<Alert> RaiseInactivityAsync(HubApp hub, World world, FakeTimeProvider time, string deviceId) =>
        hub.Services.GetRequiredService<AlertService>().RaiseAsync(
            new AlertSignal(deviceId, AlertKind.Inactivity, Severity.Warning, "No movement this morning", time.GetUtcNow()),
            new AlertPlace(world.ResidentA, world.HouseholdA, world.GridA, world.CommunityId), CancellationToken.None);

    [Fact]
    public async Task InactivityPreAlarm_CancelButtonOnResidentsPendantInsideWindow_NeverPagesAndResolvesAsResidentCancelled()
    {
        var (hub, time, world) = await StartAsync(Morning);
        await using var _ = hub;
        var pir = await hub.RegisterDeviceAsync("pir", householdId: world.HouseholdA);
        var pendant = await hub.RegisterDeviceAsync("sos", residentId: world.ResidentA);
        using var pendantMqtt = await hub.ConnectDeviceAsync(pendant);
        using var staff = await hub.ClientAsync(World.Staff);

        var quiet = await RaiseInactivityAsync(hub, world, time, pir.Device.Id);
        Assert.Equal(time.GetUtcNow().AddMinutes(10), quiet.PreAlarmUntil);

        time.Advance(TimeSpan.FromMinutes(3));
        await PublishAsync(pendantMqtt, pendant.Device.Id, "up", Pack(time, pendant.Device.Id, 1, "{\"n\":\"cancel\",\"vb\":true}"));
        var cancelled = await Eventually.GetAsync(async () => (await staff.GetFromJsonAsync<AlertDto>($"/api/alerts/{quiet.Id}"))!,
            a => a.Status == "resolved", what: "the pre-alarm cancelled by the button");
        time.Advance(TimeSpan.FromMinutes(15));

        Assert.Equal(("resolved", "resident_cancelled", "device:" + pendant.Device.Id), (cancelled.Status, cancelled.Outcome, cancelled.ResolvedBy));
        var timeline = (await staff.GetFromJsonAsync<List<AlertEventDto>>($"/api/alerts/{quiet.Id}/timeline"))!;
        Assert.DoesNotContain(timeline, e => e.Type == "paged");
        Assert.Equal(0, (await staff.GetFromJsonAsync<AlertDto>($"/api/alerts/{quiet.Id}"))!.PagesSent);
    }

    [Fact]
    public async Task CancelButton_DuringAFall_LeavesTheFallOpenForStaff()
    {
        // The wearable's own window was the resident's chance to cancel a fall; once sent, it is staff's to resolve.
        var (hub, time, world) = await StartAsync(Morning);
        await using var _ = hub;
        var wearable = await hub.RegisterDeviceAsync("wearable", residentId: world.ResidentA);
        var pendant = await hub.RegisterDeviceAsync("sos", residentId: world.ResidentA);
        using var wearableMqtt = await hub.ConnectDeviceAsync(wearable);
        using var pendantMqtt = await hub.ConnectDeviceAsync(pendant);
        using var staff = await hub.ClientAsync(World.Staff);

        await PublishAsync(wearableMqtt, wearable.Device.Id, "up", Pack(time, wearable.Device.Id, 1, "{\"n\":\"fall\",\"vb\":true}"));
        var fall = (await Eventually.GetAsync(() => AlertsAsync(staff, "open"), l => l.Count == 1, what: "the fall"))[0];
        // At QoS 1 the PUBACK comes after the hub handled the pack (its button observers included).
        await PublishAsync(pendantMqtt, pendant.Device.Id, "up", Pack(time, pendant.Device.Id, 1, "{\"n\":\"cancel\",\"vb\":true}"));

        var after = (await staff.GetFromJsonAsync<AlertDto>($"/api/alerts/{fall.Id}"))!;
        Assert.Equal(("fall", "raised", (DateTimeOffset?)null), (after.Kind, after.Status, after.PreAlarmUntil));
        Assert.True(after.PagesSent >= 1, "the fall paged at once");
    }

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

    [Fact]
    public async Task ConnectedPendant_SkipsHeartbeat_RaisesMissedHeartbeatNotOfflineAndClosesWhenHeardAgain()
    {
        var (hub, time, world) = await StartAsync(Morning);
        await using var _ = hub;
        var pendant = await hub.RegisterDeviceAsync("sos", residentId: world.ResidentA);
        using var mqtt = await hub.ConnectDeviceAsync(pendant);
        using var staff = await hub.ClientAsync(World.Staff);
        var supervision = hub.Services.GetRequiredService<SupervisionService>();
        var entry = hub.Services.GetRequiredService<DeviceDirectory>().Find(pendant.Device.Id)!;
        var firstBeat = time.GetUtcNow();
        await PublishAsync(mqtt, pendant.Device.Id, "status", Pack(time, pendant.Device.Id, 1, "{\"n\":\"online\",\"vb\":true}"));
        await Eventually.GetAsync(() => Task.FromResult(entry.LastSeenAt), s => s == firstBeat, what: "the first heartbeat");

        // Pendants beat every 5 minutes: 7 minutes of silence is within the grace, 8 is one missed heartbeat.
        time.Advance(TimeSpan.FromMinutes(7));
        await supervision.CheckAsync(CancellationToken.None);
        Assert.Empty(await AlertsAsync(staff));
        time.Advance(TimeSpan.FromMinutes(1));
        await supervision.CheckAsync(CancellationToken.None);
        var missed = Assert.Single(await Eventually.GetAsync(() => AlertsAsync(staff, "open"), l => l.Count > 0, what: "the missed heartbeat"));
        Assert.Equal(("missed_heartbeat", "warning", pendant.Device.Id), (missed.Kind, missed.Severity, missed.DeviceId));
        Assert.StartsWith("Missed heartbeat", missed.Message, StringComparison.Ordinal);

        await PublishAsync(mqtt, pendant.Device.Id, "status", Pack(time, pendant.Device.Id, 2, "{\"n\":\"online\",\"vb\":true}"));
        var recovered = await Eventually.GetAsync(async () =>
        {
            await supervision.CheckAsync(CancellationToken.None);
            return (await staff.GetFromJsonAsync<AlertDto>($"/api/alerts/{missed.Id}"))!;
        }, a => a.Status == "resolved", what: "the missed heartbeat to close");

        Assert.Equal(("recovered", "system"), (recovered.Outcome, recovered.ResolvedBy));
        var all = await AlertsAsync(staff);
        Assert.Single(all);
        Assert.DoesNotContain(all, a => a.Kind == "device_offline");
    }

    [Fact]
    public async Task HeartbeatWithLowBattery_RaisesLowBatteryWithTheDeviceClassSeverity()
    {
        var (hub, time, world) = await StartAsync(Morning);
        await using var _ = hub;
        var pendant = await hub.RegisterDeviceAsync("sos", residentId: world.ResidentA);
        var climate = await hub.RegisterDeviceAsync("climate", householdId: world.HouseholdA);
        using var pendantMqtt = await hub.ConnectDeviceAsync(pendant);
        using var climateMqtt = await hub.ConnectDeviceAsync(climate);
        using var staff = await hub.ClientAsync(World.Staff);
        var supervision = hub.Services.GetRequiredService<SupervisionService>();

        // Above the 20 % threshold: nothing.
        await PublishAsync(pendantMqtt, pendant.Device.Id, "status", Pack(time, pendant.Device.Id, 1, "{\"n\":\"online\",\"vb\":true},{\"n\":\"bat\",\"u\":\"%EL\",\"v\":60}"));
        var directory = hub.Services.GetRequiredService<DeviceDirectory>();
        await Eventually.GetAsync(() => Task.FromResult(directory.Find(pendant.Device.Id)!.Battery), b => b == 60, what: "the first battery level");
        await supervision.CheckAsync(CancellationToken.None);
        Assert.Empty(await AlertsAsync(staff));

        await PublishAsync(pendantMqtt, pendant.Device.Id, "status", Pack(time, pendant.Device.Id, 2, "{\"n\":\"online\",\"vb\":true},{\"n\":\"bat\",\"u\":\"%EL\",\"v\":15}"));
        await PublishAsync(climateMqtt, climate.Device.Id, "status", Pack(time, climate.Device.Id, 1, "{\"n\":\"online\",\"vb\":true},{\"n\":\"bat\",\"u\":\"%EL\",\"v\":15}"));
        var alerts = await Eventually.GetAsync(async () =>
        {
            await supervision.CheckAsync(CancellationToken.None);
            return await AlertsAsync(staff, "open");
        }, l => l.Count >= 2, what: "two low-battery alerts");

        Assert.All(alerts, a => Assert.Equal("low_battery", a.Kind));
        // A life-safety pendant warns; a climate sensor is informational.
        Assert.Equal("warning", Assert.Single(alerts, a => a.DeviceId == pendant.Device.Id).Severity);
        Assert.Equal("info", Assert.Single(alerts, a => a.DeviceId == climate.Device.Id).Severity);
        await supervision.CheckAsync(CancellationToken.None);
        Assert.Equal(2, (await AlertsAsync(staff)).Count);
    }

    [Fact]
    public async Task RosterShift_CreatedThroughApi_IsOnDutyInsideShanghaiWindowOnlyAndOnlyStaffMayCreate()
    {
        var (hub, time, world) = await StartAsync(Morning);
        await using var _ = hub;
        using var admin = await hub.AdminAsync();
        var users = (await admin.GetFromJsonAsync<List<UserDto>>("/api/users"))!;
        var adminId = users.Single(u => u.Email == HubApp.AdminEmail).Id;
        var staffId = users.Single(u => u.Email == World.Staff).Id;
        // 09:00–17:00 Shanghai is 01:00–09:00 UTC; the clock stands at 10:00 Shanghai. An admin may take the duty officer's desk.
        var shift = new CreateShiftRequest(world.CommunityId, null, adminId, "duty_officer", "09:00", "17:00", null);
        using var worker = await hub.ClientAsync(World.WorkerA);
        using var family = await hub.ClientAsync(World.FamilyA);
        using var staff = await hub.ClientAsync(World.Staff);

        Assert.Equal(HttpStatusCode.Forbidden, (await worker.PostAsJsonAsync("/api/rosters", shift)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await family.PostAsJsonAsync("/api/rosters", shift)).StatusCode);
        Assert.Empty((await admin.GetFromJsonAsync<List<RosterShiftDto>>("/api/rosters"))!);
        var created = await staff.PostAsJsonAsync("/api/rosters", shift);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var dto = (await created.Content.ReadFromJsonAsync<RosterShiftDto>())!;
        Assert.Equal(("duty_officer", "09:00", "17:00", 127), (dto.Role, dto.Start, dto.End, dto.Days));

        async Task<List<string>> DutyOfficersAsync() =>
            (await worker.GetFromJsonAsync<List<OnDutyDto>>($"/api/rosters/on-duty?gridId={world.GridA}"))!
                .Single(l => l.Level == "duty_officer").People.Select(p => p.UserId).ToList();

        Assert.Equal([adminId], await DutyOfficersAsync());
        time.Advance(TimeSpan.FromHours(7).Add(TimeSpan.FromMinutes(-1)));   // 16:59 Shanghai
        Assert.Equal([adminId], await DutyOfficersAsync());
        time.Advance(TimeSpan.FromMinutes(1));                                  // 17:00 Shanghai: the shift has ended
        var after = await DutyOfficersAsync();
        Assert.DoesNotContain(adminId, after);
        // Nobody rostered: the level falls back to the community's emergency staff.
        Assert.Equal([staffId], after);
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
