using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using MQTTnet;
using MQTTnet.Protocol;
using Quartz;
using SmartCommunity.Domain.Alerts;
using SmartCommunity.Hub.Alerts;
using SmartCommunity.Hub.Escalation;
using SmartCommunity.Hub.Persistence;
using SmartCommunity.Testing;

namespace SmartCommunity.Hub.Tests;

/// <summary>
/// Several hub instances on one PostgreSQL database (and one Redis): migrations, alerts, the schedule, the SignalR
/// backplane and sign-in keys are shared, so nothing depends on which instance handled what.
/// </summary>
public sealed class ClusterTests : IAsyncLifetime
{
    private readonly string _database = ClusterServers.PostgresDatabase(ClusterServers.NewDatabaseName());
    private readonly List<HubApp> _hubs = [];

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        try
        {
            await HubApp.DisposeAllAsync(_hubs);
        }
        finally
        {
            if (_hubs.Count > 0)
                await ClusterServers.DropDatabaseAsync(_database);
        }
    }

    private HubApp Instance(IDictionary<string, string?>? more = null, TimeProvider? time = null)
    {
        var hub = new HubApp(settings: ClusterServers.PostgresSettings(_database, more), time: time);
        _hubs.Add(hub);
        return hub;
    }

    private static AlertSignal Sos(string deviceId, DateTimeOffset at) => new(deviceId, AlertKind.Sos, Severity.Critical, "SOS", at);

    [Fact]
    public async Task Start_TwoInstancesAtOnceOnNoDatabase_OneMigratesBothServe()
    {
        await ClusterServers.RequirePostgresAsync();
        var a = Instance();
        var b = Instance();

        await Task.WhenAll(Task.Run(a.Start), Task.Run(b.Start));

        foreach (var hub in new[] { a, b })
        {
            using var http = hub.Anonymous();
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health")).StatusCode);
        }
        await using var db = a.Services.GetRequiredService<IDbContextFactory<HubDbContext>>().CreateDbContext();
        Assert.IsType<PostgresHubDbContext>(db);
        Assert.Empty(await db.Database.GetPendingMigrationsAsync(TestContext.Current.CancellationToken));
        Assert.Equal(db.Database.GetMigrations().Count(), (await db.Database.GetAppliedMigrationsAsync(TestContext.Current.CancellationToken)).Count());
    }

    [Fact]
    public async Task Raise_TwoInstancesRaceOnSameDeviceAndKind_OneAlertEveryRepeatCounted()
    {
        await ClusterServers.RequirePostgresAsync();
        var a = Instance().Start();
        var b = Instance().Start();
        var world = await a.SeedWorldAsync();
        var place = new AlertPlace(world.ResidentA, world.HouseholdA, world.GridA, world.CommunityId);
        const int perInstance = 20;
        var writers = new[] { a.Services.GetRequiredService<AlertService>(), b.Services.GetRequiredService<AlertService>() };

        var raised = await Task.WhenAll(writers.SelectMany(w => Enumerable.Range(0, perInstance)
            .Select(_ => Task.Run(() => w.RaiseAsync(Sos("sos-race", DateTimeOffset.UtcNow), place, CancellationToken.None)))));

        Assert.Single(raised.Select(r => r.Id).Distinct());
        await using var db = a.Services.GetRequiredService<IDbContextFactory<HubDbContext>>().CreateDbContext();
        var stored = await db.Alerts.AsNoTracking().Where(x => x.DeviceId == "sos-race").ToListAsync(TestContext.Current.CancellationToken);
        Assert.Equal(2 * perInstance, Assert.Single(stored).Occurrences);
    }

    [Fact]
    public async Task Alert_RaisedThroughInstanceA_ReachesBoardOnInstanceBAndTokenFromAWorksOnB()
    {
        await ClusterServers.RequirePostgresAsync();
        await ClusterServers.RequireRedisAsync();
        var redis = new Dictionary<string, string?>
        {
            ["Hub:Redis:Configuration"] = ClusterServers.Redis,
            // Tests share one Redis: a prefix per cluster keeps their groups ("community-1" …) apart.
            ["Hub:Redis:ChannelPrefix"] = "sc-test-" + Guid.NewGuid().ToString("N")[..8],
        };
        var a = Instance(redis).Start();
        var b = Instance(redis).Start();
        var world = await a.SeedWorldAsync();
        var device = await a.RegisterDeviceAsync("sos", residentId: world.ResidentA);
        var tokenFromA = await a.TokenAsync(World.Staff);

        using (var onB = b.Anonymous())
        {
            onB.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", tokenFromA);
            Assert.Equal(HttpStatusCode.OK, (await onB.GetAsync("/api/alerts", TestContext.Current.CancellationToken)).StatusCode);
        }
        await using var board = new HubConnectionBuilder()
            .WithUrl(new Uri(b.BaseAddress, "/hubs/alerts"), o => o.AccessTokenProvider = () => Task.FromResult<string?>(tokenFromA))
            .Build();
        var received = new TaskCompletionSource<AlertDto>(TaskCreationOptions.RunContinuationsAsynchronously);
        board.On<AlertDto>("AlertRaised", x => received.TrySetResult(x));
        await board.StartSubscribedAsync();

        using var mqtt = await a.ConnectDeviceAsync(device);
        var publish = await mqtt.PublishAsync(new MqttApplicationMessageBuilder().WithTopic($"sc/v1/{device.Device.Id}/up")
            .WithPayload(Senml.Sos(device.Device.Id, 1)).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build(), TestContext.Current.CancellationToken);

        Assert.Equal(MqttClientPublishReasonCode.Success, publish.ReasonCode);
        var alert = await Eventually.ReceiveAsync(received, what: "AlertRaised on instance B's board");
        Assert.Equal(device.Device.Id, alert.DeviceId);
        Assert.Equal("sos", alert.Kind);
    }

    [Fact]
    public async Task Escalation_OnTwoInstances_EachPageFiresOnceAndSurvivorTakesOverAfterStop()
    {
        await ClusterServers.RequirePostgresAsync();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var cluster = new Dictionary<string, string?>
        {
            ["Hub:Scheduler:ClusterCheckinInterval"] = "00:00:01",
            ["Hub:Scheduler:ClusterCheckinMisfireThreshold"] = "00:00:01",
        };
        var a = Instance(cluster, time).Start();
        var b = Instance(cluster, time).Start();
        var world = await a.SeedWorldAsync();
        var runs = new EscalationRuns();
        foreach (var hub in new[] { a, b })
        {
            var scheduler = await hub.Services.GetRequiredService<ISchedulerFactory>().GetScheduler(TestContext.Current.CancellationToken);
            scheduler.ListenerManager.AddJobListener(runs.For(hub), [GroupMatcher<JobKey>.GroupEquals(EscalationJob.Key.Group)]);
        }

        var alert = await a.Services.GetRequiredService<AlertService>().RaiseAsync(Sos("sos-esc", time.GetUtcNow()),
            new AlertPlace(world.ResidentA, world.HouseholdA, world.GridA, world.CommunityId), CancellationToken.None);
        await PagesAsync(a, alert.Id, 1);
        time.Advance(TimeSpan.FromSeconds(30));
        await PagesAsync(b, alert.Id, 2);
        await Eventually.GetAsync(() => Task.FromResult(runs.Total), n => n >= 2, what: "two escalation runs");

        await a.StopAsync();
        time.Advance(TimeSpan.FromSeconds(30));
        var pages = await PagesAsync(b, alert.Id, 3);

        Assert.Equal(3, pages.Count);
        // Each step ran on exactly one instance; the step after the stop ran on the survivor.
        Assert.Equal(3, await Eventually.GetAsync(() => Task.FromResult(runs.Total), n => n >= 3, what: "three escalation runs"));
        Assert.Equal(runs.Total, runs.Steps.Distinct().Count());
        Assert.Equal(b, runs.LastRanOn);
    }

    private static async Task<List<AlertEventDto>> PagesAsync(HubApp hub, long alertId, int atLeast)
    {
        using var staff = await hub.ClientAsync(World.Staff);
        return await Eventually.GetAsync(async () => (await staff.GetFromJsonAsync<List<AlertEventDto>>($"/api/alerts/{alertId}/timeline"))!.Where(e => e.Type == "paged").ToList(),
            p => p.Count >= atLeast, timeout: TimeSpan.FromSeconds(60), what: $"{atLeast} pages");
    }

    /// <summary>Counts escalation job runs per instance (Quartz job listener), to see where and how often each step ran.</summary>
    private sealed class EscalationRuns
    {
        private readonly Lock _lock = new();
        private readonly List<(HubApp Hub, string Step)> _runs = [];

        public int Total { get { lock (_lock) return _runs.Count; } }
        public IReadOnlyList<string> Steps { get { lock (_lock) return [.. _runs.Select(r => r.Step)]; } }
        public HubApp? LastRanOn { get { lock (_lock) return _runs.Count == 0 ? null : _runs[^1].Hub; } }

        public IJobListener For(HubApp hub) => new Listener(this, hub);

        private sealed class Listener(EscalationRuns runs, HubApp hub) : IJobListener
        {
            public string Name => "escalation-runs-" + hub.HttpPort;

            public ValueTask JobToBeExecuted(IJobExecutionContext context, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

            public ValueTask JobExecutionVetoed(IJobExecutionContext context, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

            public ValueTask JobWasExecuted(IJobExecutionContext context, JobExecutionException? jobException, CancellationToken cancellationToken = default)
            {
                if (context.JobDetail.Key.Equals(EscalationJob.Key))
                {
                    lock (runs._lock)
                        runs._runs.Add((hub, context.Trigger.Key.Name));
                }
                return ValueTask.CompletedTask;
            }
        }
    }
}

/// <summary>The database itself refuses a second open alert of one (device, kind), on both providers.</summary>
public sealed class OpenAlertGuardTests
{
    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Insert_SecondOpenAlertOfDeviceAndKind_DatabaseRefusesButResolvedOnesMayRepeat(string provider)
    {
        var database = provider == "postgres" ? ClusterServers.PostgresDatabase(ClusterServers.NewDatabaseName()) : null;
        if (database is not null)
            await ClusterServers.RequirePostgresAsync();
        await using var hub = new HubApp(settings: database is null ? null : ClusterServers.PostgresSettings(database));
        try
        {
            hub.Start();
            var factory = hub.Services.GetRequiredService<IDbContextFactory<HubDbContext>>();
            var place = new AlertPlace(null, null, null, null);
            var now = DateTimeOffset.UtcNow;
            Alert Open() => Alert.Raise(new AlertSignal("guard-1", AlertKind.Sos, Severity.Critical, "SOS", now), place, now, null);
            await using (var db = factory.CreateDbContext())
            {
                var resolved = Open();
                resolved.Resolve("test", AlertOutcome.Real, "done", now);
                db.Alerts.AddRange(resolved, Open());
                await db.SaveChangesAsync(TestContext.Current.CancellationToken);
            }

            await using var second = factory.CreateDbContext();
            second.Alerts.Add(Open());
            var refused = await Assert.ThrowsAnyAsync<DbUpdateException>(() => second.SaveChangesAsync(TestContext.Current.CancellationToken));

            Assert.True(HubDatabase.IsUniqueViolation(refused, HubDbContext.OneOpenAlertIndex), refused.InnerException?.Message);
        }
        finally
        {
            await hub.StopAsync();
            if (database is not null)
                await ClusterServers.DropDatabaseAsync(database);
        }
    }

    [Fact]
    public async Task Raise_TwoWritersRaceOnSqlite_OneAlertEveryRepeatCounted()
    {
        await using var hub = new HubApp(settings: new Dictionary<string, string?> { ["Hub:Database:Provider"] = "sqlite" }).Start();
        var world = await hub.SeedWorldAsync();
        var place = new AlertPlace(world.ResidentA, world.HouseholdA, world.GridA, world.CommunityId);
        // A second AlertService has its own in-process lock: the two meet only in the database, like two instances.
        var writers = new[] { hub.Services.GetRequiredService<AlertService>(), ActivatorUtilities.CreateInstance<AlertService>(hub.Services) };
        const int perWriter = 20;

        var raised = await Task.WhenAll(writers.SelectMany(w => Enumerable.Range(0, perWriter)
            .Select(_ => Task.Run(() => w.RaiseAsync(new AlertSignal("sos-race", AlertKind.Sos, Severity.Critical, "SOS", DateTimeOffset.UtcNow), place, CancellationToken.None)))));

        Assert.Single(raised.Select(r => r.Id).Distinct());
        await using var db = hub.Services.GetRequiredService<IDbContextFactory<HubDbContext>>().CreateDbContext();
        Assert.Equal(2 * perWriter, (await db.Alerts.AsNoTracking().SingleAsync(a => a.DeviceId == "sos-race", TestContext.Current.CancellationToken)).Occurrences);
    }
}
