using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Quartz;
using SmartCommunity.EarlyWarning;
using SmartCommunity.Hub.EarlyWarning;
using SmartCommunity.Hub.Persistence;
using SmartCommunity.Testing;

namespace SmartCommunity.Hub.Tests.Cluster;

/// <summary>
/// The elected early-warning scorer on a fake clock (an in-process hub on PostgreSQL behind the external Mosquitto): it
/// trains the models itself, the nightly one at 03:30 in the retrain zone rather than on a clustered Quartz trigger (which
/// would fire on any instance), and keeps them in the shared database where a successor finds them.
/// </summary>
public sealed class ElectedScorerTests
{
    // A Monday, 00:00 UTC (08:00 in Shanghai); the nightly retrain is due at 03:30 Shanghai = 19:30 UTC.
    private static readonly DateTimeOffset Start = new(2026, 11, 2, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Pack = TimeSpan.FromMinutes(30);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ElectedScorer_FakeClockPast0330InZone_RetrainsItselfModelsInSharedDatabase()
    {
        ExternalMosquitto.Require();
        await ClusterServers.RequirePostgresAsync();
        var database = ClusterServers.PostgresDatabase(ClusterServers.NewDatabaseName());
        var time = new FakeTimeProvider(Start);
        var hub = new HubApp(settings: ClusterServers.PostgresSettings(database, ExternalMosquitto.HubSettings(ExternalMosquitto.NewGroup())), time: time);
        try
        {
            hub.Start();
            var leadership = hub.Services.GetRequiredService<EarlyWarningLeadership>();
            var stream = hub.Services.GetRequiredService<EarlyWarningStream>();
            var worker = hub.Services.GetRequiredService<EarlyWarningWorker>();
            Assert.True(leadership.Elected);
            await Eventually.TrueAsync(() => leadership.IsScoring && stream.IsConnected, "the hub elected, its full stream open", Ct, TimeSpan.FromSeconds(30));
            // No clustered trigger: it would fire on whichever instance, and only the scorer knows the series.
            var scheduler = await hub.Services.GetRequiredService<ISchedulerFactory>().GetScheduler(Ct);
            Assert.Null(await scheduler.GetTrigger(new TriggerKey("early-warning-retrain-nightly"), Ct));

            var world = await hub.SeedWorldAsync();
            var node = await hub.RegisterDeviceAsync("climate", householdId: world.HouseholdA);
            var id = node.Device.Id;
            var series = EarlyWarningEngine.SeriesId(id, "temp");
            using var mqtt = await ExternalMosquitto.ConnectDeviceAsync(id, node.Secret);
            // The firmware core reads an ordinary room once a minute (temperature and humidity) and flushes every half hour.
            var room = FirmwareNodes.Boot(node, Start, new Dictionary<string, int> { ["reading_s"] = 60, ["queue_batch"] = 32 });
            room.Celsius = Ordinary;
            long sent = 0;
            for (var at = Start; at < Start.AddHours(4); at += Pack)
            {
                time.SetUtcNow(at + Pack);
                sent += (await room.SendUntilAsync(mqtt, at + Pack)).Records;
            }
            Assert.Equal(2 * (4 * 60 + 1), sent); // at boot and every minute for four hours
            await Eventually.GetAsync(() => Task.FromResult(worker.PointsScored), n => n >= sent, what: "four hours of readings scored from the full stream");

            // The first training (every 10 min) gives the series its model within the morning.
            var first = await Eventually.GetAsync(() =>
            {
                time.Advance(TimeSpan.FromSeconds(30)); // the trainer's checks and the worker's swap both run on this clock
                return Task.FromResult(worker.ModelVersion(series));
            }, v => v is not null, what: "the first model");
            Assert.True(time.GetUtcNow() < Start.AddHours(12), $"first model only at {time.GetUtcNow():O}");
            Assert.True(string.CompareOrdinal(first, "20261102120000") < 0, $"first model {first}");

            // A minute before 03:30 in Shanghai nothing new; at 03:30 the scorer retrains and swaps the new version in.
            time.SetUtcNow(Start.AddHours(19).AddMinutes(29));
            var nightly = await Eventually.GetAsync(() =>
            {
                time.Advance(TimeSpan.FromSeconds(5));
                return Task.FromResult(worker.ModelVersion(series));
            }, v => v is not null && string.CompareOrdinal(v, "20261102193000") >= 0, what: "the nightly model");
            Assert.StartsWith("202611021930", nightly, StringComparison.Ordinal);

            // Both versions are rows of the shared database, none a file of this instance.
            await using var db = hub.Services.GetRequiredService<IDbContextFactory<HubDbContext>>().CreateDbContext();
            var models = await db.EarlyWarningBlobs.Where(b => b.Name.StartsWith("models/")).Select(b => b.Name).ToListAsync(Ct);
            var temp = $"models/{ModelStore.FileSafe(series)}/";
            var hum = $"models/{ModelStore.FileSafe(EarlyWarningEngine.SeriesId(id, "hum"))}/";
            Assert.Equal([$"{temp}{first}.zip", $"{temp}{nightly}.zip"], models.Where(m => m.StartsWith(temp, StringComparison.Ordinal)).Order(StringComparer.Ordinal));
            // The node sends humidity with every temperature: that series' models are there too, and nothing else.
            Assert.Contains(models, m => m.StartsWith(hum, StringComparison.Ordinal));
            Assert.All(models, m => Assert.True(m.StartsWith(temp, StringComparison.Ordinal) || m.StartsWith(hum, StringComparison.Ordinal), m));
            Assert.False(Directory.Exists(Path.Combine(hub.Services.GetRequiredService<ModelStore>().Root, "models")));
            Assert.Empty(hub.UnexpectedErrors());
        }
        finally
        {
            await hub.DisposeAsync();
            await ClusterServers.DropDatabaseAsync(database);
        }
    }

    /// <summary>An ordinary room: 21 ± 0.5 °C over three hours, with a small wiggle from minute to minute.</summary>
    private static double Ordinary(DateTimeOffset at)
    {
        var m = (int)(at - Start).TotalMinutes;
        return 21 + 0.5 * Math.Sin(m / 90.0) + 0.05 * ((m * 7919) % 11 - 5) / 5.0;
    }
}
