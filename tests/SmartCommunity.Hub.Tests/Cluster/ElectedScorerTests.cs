using System.Globalization;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using MQTTnet;
using MQTTnet.Protocol;
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
            uint seq = 1;
            for (var at = Start; at < Start.AddHours(4); at += Pack)
            {
                time.SetUtcNow(at + Pack);
                await PublishAsync(mqtt, id, seq++, at);
            }
            await Eventually.GetAsync(() => Task.FromResult(worker.PointsScored), n => n >= 8 * 30, what: "four hours of readings scored from the full stream");

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
            Assert.Equal([$"models/{ModelStore.FileSafe(series)}/{first}.zip", $"models/{ModelStore.FileSafe(series)}/{nightly}.zip"], models.Order(StringComparer.Ordinal));
            Assert.False(Directory.Exists(Path.Combine(hub.Services.GetRequiredService<ModelStore>().Root, "models")));
            Assert.Empty(hub.UnexpectedErrors());
        }
        finally
        {
            await hub.DisposeAsync();
            await ClusterServers.DropDatabaseAsync(database);
        }
    }

    /// <summary>Half an hour of one-minute readings of an ordinary room in one pack.</summary>
    private static async Task PublishAsync(IMqttClient mqtt, string id, uint seq, DateTimeOffset from)
    {
        var records = new StringBuilder();
        for (var m = 0; m < (int)Pack.TotalMinutes; m++)
        {
            var v = Math.Round(21 + 0.5 * Math.Sin((from.AddMinutes(m) - Start).TotalMinutes / 90) + 0.05 * ((m * 7919) % 11 - 5) / 5.0, 2).ToString(CultureInfo.InvariantCulture);
            records.Append(records.Length == 0 ? "" : ",").Append(CultureInfo.InvariantCulture, $"{{\"n\":\"temp\",\"u\":\"Cel\",\"v\":{v},\"t\":{m * 60}}}");
        }
        var result = await mqtt.PublishAsync(new MqttApplicationMessageBuilder().WithTopic($"sc/v1/{id}/up")
            .WithPayload(Senml.Pack(id, seq, records.ToString(), from.ToUnixTimeSeconds()))
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build(), Ct);
        Assert.True(result.IsSuccess, $"publish: {result.ReasonCode}");
    }
}
