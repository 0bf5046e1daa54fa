using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using MQTTnet;
using MQTTnet.Protocol;
using Quartz;
using SmartCommunity.Testing;
using SmartCommunity.Domain.Alerts;
using SmartCommunity.Hub.Alerts;
using SmartCommunity.Hub.Devices;
using SmartCommunity.Hub.Escalation;
using SmartCommunity.Hub.People;
using SmartCommunity.Hub.Places;
using SmartCommunity.Hub.Tests.Cluster;

namespace SmartCommunity.Hub.Tests;

/// <summary>
/// Escalation timers live in the Quartz store (scheduler.db, or Quartz's tables on PostgreSQL), the alerts in the hub
/// database: a restart in the middle of an escalation neither loses nor repeats a page, and a timer lost between the two
/// stores (a crash right after the alert's commit) is derived again from the alert, at start-up and periodically.
/// </summary>
public sealed class EscalationRestartTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

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
        }
        finally
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>
    /// The crash the attacker timed by hand (kill -9 ~1 ms after the PUBACK), made deterministic: the hub process runs with
    /// the test-only Hub:Testing:SkipAlertFollowUps, so the SOS is committed and acknowledged but its escalation is never
    /// scheduled, exactly the state a kill between the two stores leaves; the test kills it with SIGKILL once the PUBACK is
    /// in and restarts the Release build on the same data (SQLite files, or the same PostgreSQL database with SC_HUB_DB=postgres).
    /// </summary>
    [Fact]
    public async Task HubKilledAfterSosPuback_EscalationNeverScheduled_GridWorkerPagedAfterRestart()
    {
        var dir = Path.Combine(Path.GetTempPath(), "sc-hub-" + Guid.NewGuid().ToString("N"));
        var common = new List<string> { $"--Hub:DataDirectory={dir}" };
        string? database = null;
        if (ClusterServers.HubOnPostgres)
        {
            await ClusterServers.RequirePostgresAsync();
            database = ClusterServers.PostgresDatabase(ClusterServers.NewDatabaseName());
            common.AddRange(["--Hub:Database:Provider=postgres", $"--ConnectionStrings:Hub={database}"]);
        }
        try
        {
            long alertId;
            string adminPassword;
            // No periodic pass on the first run: nothing but the kill decides what is stored.
            await using (var first = await HubProcess.StartAsync(HubProcess.HubDllUnderTest(),
                             [.. common, "--Hub:Testing:SkipAlertFollowUps=true", "--Hub:Escalation:ReconcileInterval=01:00:00"], keepData: false, TimeSpan.FromSeconds(180), Ct))
            {
                adminPassword = first.AdminPassword;
                using var admin = await HubCluster.ClientAsync(first, HubProcess.AdminEmail, adminPassword);
                var pendant = await SeedPendantAsync(admin);
                using var mqtt = new MqttClientFactory().CreateMqttClient();
                await mqtt.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", first.MqttPort)
                    .WithCredentials(pendant.Device.Id, pendant.Secret).WithClientId(pendant.Device.Id).WithTimeout(TimeSpan.FromSeconds(10)).Build(), Ct);

                var puback = await mqtt.PublishAsync(new MqttApplicationMessageBuilder().WithTopic($"sc/v1/{pendant.Device.Id}/up")
                    .WithPayload(Senml.Sos(pendant.Device.Id, 1)).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build(), Ct);

                Assert.True(puback.IsSuccess, $"PUBACK {puback.ReasonCode}");
                var stored = Assert.Single((await admin.GetFromJsonAsync<List<AlertDto>>("/api/alerts?status=open", Ct))!);
                Assert.Equal(("sos", 0), (stored.Kind, stored.PagesSent));
                alertId = stored.Id;
                first.Kill();
            }

            await using var second = await HubProcess.StartAsync(HubProcess.HubDllUnderTest(), [.. common, $"--Hub:FirstAdmin:Password={adminPassword}"],
                keepData: false, TimeSpan.FromSeconds(180), Ct);
            using var staff = await HubCluster.ClientAsync(second, HubProcess.AdminEmail, adminPassword);
            var pages = await Eventually.GetAsync(
                async () => (await staff.GetFromJsonAsync<List<AlertEventDto>>($"/api/alerts/{alertId}/timeline", Ct))!.Where(e => e.Type == "paged").ToList(),
                p => p.Count >= 1, timeout: TimeSpan.FromSeconds(60), what: "the first page after the restart");

            // Step 0 went to the grid's worker (later steps may follow on the wall clock); each step recorded once.
            Assert.Equal("grid_worker: Worker A", pages[0].Detail);
            var alert = (await staff.GetFromJsonAsync<AlertDto>($"/api/alerts/{alertId}", Ct))!;
            var timeline = (await staff.GetFromJsonAsync<List<AlertEventDto>>($"/api/alerts/{alertId}/timeline", Ct))!;
            Assert.Equal(alert.PagesSent, timeline.Count(e => e.Type == "paged"));
        }
        finally
        {
            if (database is not null)
                await ClusterServers.DropDatabaseAsync(database);
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
    }

    [Fact]
    public async Task Reconciler_OpenAlertsTimerRemoved_PeriodicPassSchedulesItAgainAndItPagesOnTime()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 29, 2, 0, 0, TimeSpan.Zero));
        await using var hub = new HubApp(time: time, settings: new Dictionary<string, string?> { ["Hub:Escalation:ReconcileInterval"] = "00:00:10" });
        hub.Start();
        var world = await hub.SeedWorldAsync();
        var reconciler = hub.Services.GetRequiredService<EscalationReconciler>();
        var scheduler = await hub.Services.GetRequiredService<ISchedulerFactory>().GetScheduler(Ct);
        var raisedAt = time.GetUtcNow();
        var alert = await hub.Services.GetRequiredService<AlertService>().RaiseAsync(
            new AlertSignal("sos-lost", AlertKind.Sos, Severity.Critical, "SOS", raisedAt),
            new AlertPlace(world.ResidentA, world.HouseholdA, world.GridA, world.CommunityId), CancellationToken.None);
        await PagesAsync(hub, alert.Id, 1);
        // Step 1's timer is stored after page 0; lose it, as a crash between the alert's store and the scheduler's would.
        var step1 = EscalationService.TriggerFor(alert.Id, 1);
        await Eventually.GetAsync(() => scheduler.Exists(step1, Ct).AsTask(), exists => exists, what: "step 1's timer");
        Assert.True(await scheduler.UnscheduleJob(step1, Ct));
        // The start-up pass is done and the wait for the next one runs on the fake clock.
        await Eventually.GetAsync(() => Task.FromResult(reconciler.Passes), n => n >= 1, what: "the start-up pass");

        time.Advance(TimeSpan.FromSeconds(10));

        var state = await Eventually.GetAsync(() => scheduler.GetTriggerState(step1, Ct).AsTask(), s => s != TriggerState.None, what: "step 1 scheduled again");
        Assert.Equal(TriggerState.Normal, state);
        time.Advance(TimeSpan.FromSeconds(20));
        var pages = await PagesAsync(hub, alert.Id, 2);
        Assert.Equal(raisedAt.AddSeconds(30), pages[1].At);
        Assert.Equal(2, pages.Count);
    }

    /// <summary>Community, grid, resident, the grid's worker, and an SOS pendant for the resident, through the API.</summary>
    private static async Task<DeviceCredentials> SeedPendantAsync(HttpClient admin)
    {
        var community = await HubApp.PostAsync<CommunityDto>(admin, "/api/communities", new CreateCommunityRequest("Crash Community", null));
        var grid = await HubApp.PostAsync<GridDto>(admin, "/api/grids", new CreateGridRequest(community.Id, "Grid A"));
        var home = await HubApp.PostAsync<HouseholdDto>(admin, "/api/households", new CreateHouseholdRequest(grid.Id, "Bldg 1, Flat 101"));
        var resident = await HubApp.PostAsync<ResidentDto>(admin, "/api/residents", new CreateResidentRequest(home.Id, "Resident A", 1940, true));
        await HubApp.PostAsync<UserDto>(admin, "/api/users", new CreateUserRequest(World.WorkerA, HubApp.Password, "Worker A", Roles.GridWorker, null, grid.Id, null, null));
        await HubApp.PostAsync<UserDto>(admin, "/api/users", new CreateUserRequest(World.Staff, HubApp.Password, "Staff", Roles.EmergencyStaff, community.Id, null, null, null));
        return await HubApp.PostAsync<DeviceCredentials>(admin, "/api/devices", new RegisterDeviceRequest("sos", null, null, null, null, resident.Id, null));
    }

    private static async Task<List<AlertEventDto>> PagesAsync(HubApp hub, long alertId, int atLeast)
    {
        using var staff = await hub.ClientAsync(World.Staff);
        return await Eventually.GetAsync(async () => (await staff.GetFromJsonAsync<List<AlertEventDto>>($"/api/alerts/{alertId}/timeline"))!.Where(e => e.Type == "paged").ToList(),
            p => p.Count >= atLeast, what: $"{atLeast} pages");
    }
}
