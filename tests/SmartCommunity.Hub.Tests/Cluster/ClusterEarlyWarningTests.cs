using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using MQTTnet;
using MQTTnet.Protocol;
using Npgsql;
using SmartCommunity.Hub.Alerts;
using SmartCommunity.Hub.EarlyWarning;
using SmartCommunity.Hub.Readings;
using SmartCommunity.Testing;

namespace SmartCommunity.Hub.Tests.Cluster;

/// <summary>
/// Early warning in a cluster of real hub processes (<see cref="HubCluster"/>): the devices' messages are split between
/// the instances by the shared subscription, yet each series must be scored by one instance that sees all of its points.
/// One instance is elected (a PostgreSQL advisory lock), reads the full stream and scores; when it is killed, the other
/// takes over from the shared state and keeps detecting, and the open-alert guard keeps each anomaly to one alert.
/// </summary>
[Trait("Category", "Cluster")]
public sealed class ClusterEarlyWarningTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Step = TimeSpan.FromMinutes(5);
    private const int PerPack = 24;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task EarlyWarning_TwoInstancesScorerKilled_OneScorerSeesEveryPointSurvivorTakesOverOneAlertPerAnomaly()
    {
        await using var cluster = await HubCluster.StartAsync();
        // State saved every 10 s, so the successor's detectors start from what the scorer had learned; elections every second.
        string[] settings = ["--EarlyWarning:SaveEverySeconds=10", "--EarlyWarning:TickSeconds=10", "--EarlyWarning:LeaderCheckSeconds=1"];
        var a = await cluster.StartInstanceAsync("a", settings);
        var b = await cluster.StartInstanceAsync("b", settings);
        try
        {
            using var admin = await cluster.AdminAsync(a);
            var world = await ClusterFaultTests.CreateWorldAsync(admin);
            var first = await ClusterFaultTests.RegisterAsync(admin, "climate", "clim-0001", world);
            var second = await ClusterFaultTests.RegisterAsync(admin, "climate", "clim-0002", world);
            var instances = new[] { a, b };

            // Exactly one instance is elected, and it has the full stream open before anything is published.
            var statuses = await Eventually.GetAsync(() => StatusesAsync(cluster, instances), s => s.Count(x => x.Scoring && x.FullStream == true) == 1 && s.Count(x => x.Scoring) == 1,
                timeout: TimeSpan.FromSeconds(60), what: "one elected scorer with its full stream");
            Assert.All(statuses, s => Assert.Equal("elected", s.Mode));
            var scorer = statuses[0].Scoring ? a : b;
            var survivor = scorer == a ? b : a;

            // Two days of an ordinary room (5-minute readings, packs of two hours) from both nodes, over QoS 1 through the broker:
            // the shared subscription splits the packs between the instances, and the scorer must see every one.
            var start = DateTimeOffset.FromUnixTimeSeconds(Senml.Now).AddDays(-2).AddHours(-2);
            const int historyPacks = 24;
            using var one = await ConnectAsync(cluster, first);
            using var two = await ConnectAsync(cluster, second);
            uint seqOne = 1, seqTwo = 1;
            for (var p = 0; p < historyPacks; p++)
            {
                var at = start + Step * (PerPack * p);
                await PublishAsync(one, first.Id, seqOne++, at, Room);
                await PublishAsync(two, second.Id, seqTwo++, at, Room);
            }
            var history = 2 * historyPacks * PerPack;
            await Eventually.GetAsync(() => StatusAsync(cluster, scorer), s => s.PointsScored >= history, timeout: TimeSpan.FromSeconds(60), what: $"the scorer seeing all {history} readings");
            var consumed = await Task.WhenAll(instances.Select(i => StatsAsync(cluster, i)));
            Assert.All(consumed, c => Assert.True(c.MessagesAccepted > 0, "the broker should have split the packs between both instances"));
            Assert.Equal(history, (await StatusAsync(cluster, scorer)).PointsScored); // every point once: ingested by either, scored by one
            Assert.Equal(0, (await StatusAsync(cluster, survivor)).PointsScored);

            // The first node's room overheats: one anomaly alert (and none before: the ordinary days raised nothing).
            using var staff = await HubCluster.ClientAsync(survivor, world.StaffEmail, world.StaffPassword);
            Assert.Empty(await AnomaliesAsync(staff));
            var anomalyAt = start + Step * (PerPack * historyPacks);
            await PublishAsync(one, first.Id, seqOne++, anomalyAt, at => at - anomalyAt < TimeSpan.FromMinutes(30) ? Room(at) : 34);
            await Eventually.GetAsync(() => AnomaliesAsync(staff), x => x.Any(y => y.DeviceId == first.Id), timeout: TimeSpan.FromSeconds(60), what: "the first node's anomaly alert");

            // The scorer has saved what it learned since, then dies without a word (SIGKILL: no shutdown, no last save).
            var scored = DateTimeOffset.UtcNow;
            await Eventually.GetAsync(() => StatusAsync(cluster, scorer), s => s.StateSavedAt > scored, timeout: TimeSpan.FromSeconds(60), what: "the scorer's state saved");
            var termsBefore = (await StatusAsync(cluster, survivor)).Terms;
            var killedAt = DateTimeOffset.UtcNow;
            scorer.Kill();

            // The survivor is elected, opens the full stream and resumes the series from the shared state.
            var taken = await Eventually.GetAsync(() => StatusAsync(cluster, survivor), s => s.Scoring && s.FullStream == true, timeout: TimeSpan.FromSeconds(60), what: "the survivor taking over");
            Assert.Equal(termsBefore + 1, taken.Terms);
            output.WriteLine($"survivor scoring {(taken.ScoringSince!.Value - killedAt).TotalSeconds:0.0} s after the kill (LeaderCheckSeconds=1), {taken.Series} series resumed");
            Assert.True(taken.Series >= 2, $"the survivor should resume both nodes' series from the shared state, has {taken.Series}");

            Assert.Equal([first.Id], (await AnomaliesAsync(staff)).Select(x => x.DeviceId));

            // The second node's room overheats next: the survivor finds it at once (its detector is warm, not relearning),
            // and the first node's anomaly is not raised again.
            await PublishAsync(two, second.Id, seqTwo++, anomalyAt, at => at - anomalyAt < TimeSpan.FromMinutes(30) ? Room(at) : 34);
            await Eventually.GetAsync(() => AnomaliesAsync(staff), x => x.Any(y => y.DeviceId == second.Id), timeout: TimeSpan.FromSeconds(60), what: "the second node's anomaly alert, found by the survivor");
            var after = await StatusAsync(cluster, survivor);
            Assert.True(after.PointsScored >= PerPack, $"the survivor scored {after.PointsScored} readings");
            var anomalies = await AnomaliesAsync(staff);
            Assert.Equal([first.Id, second.Id], anomalies.Select(x => x.DeviceId).Order(StringComparer.Ordinal));
        }
        catch (Exception ex) when (ex is not Xunit.Sdk.SkipException)
        {
            throw new InvalidOperationException($"{ex.Message}\n{cluster.Logs()}", ex);
        }
    }

    /// <summary>
    /// The gap of a takeover: packs that reach the cluster after the scorer died and before the survivor is elected are
    /// scored by nobody live. The survivor's share of them (Mosquitto keeps dealing the shared subscription round-robin to
    /// the dead instance's persistent session too: that share waits there until an instance with its client id returns,
    /// eclipse-mosquitto#1747) is stored, and the successor replays each series from the newest reading its saved state had
    /// taken. A node's buffered pack carries readings older than that save: the replay from the save time missed them, and
    /// with them the anomaly they held.
    /// </summary>
    [Fact]
    public async Task EarlyWarning_PackArrivesBetweenKillAndTakeover_SurvivorReplaysItAndAlerts()
    {
        await using var cluster = await HubCluster.StartAsync();
        // Elections every 5 s: the gap between the kill and the takeover is wide enough to publish into.
        string[] settings = ["--EarlyWarning:SaveEverySeconds=10", "--EarlyWarning:TickSeconds=10", "--EarlyWarning:LeaderCheckSeconds=5"];
        var a = await cluster.StartInstanceAsync("a", settings);
        var b = await cluster.StartInstanceAsync("b", settings);
        try
        {
            using var admin = await cluster.AdminAsync(a);
            var world = await ClusterFaultTests.CreateWorldAsync(admin);
            var node = await ClusterFaultTests.RegisterAsync(admin, "climate", "clim-0003", world);
            var instances = new[] { a, b };
            var statuses = await Eventually.GetAsync(() => StatusesAsync(cluster, instances), s => s.Count(x => x.Scoring && x.FullStream == true) == 1 && s.Count(x => x.Scoring) == 1,
                timeout: TimeSpan.FromSeconds(60), what: "one elected scorer with its full stream");
            var scorer = statuses[0].Scoring ? a : b;
            var survivor = scorer == a ? b : a;

            // Two ordinary days, scored; the scorer saves what it learned.
            var start = DateTimeOffset.FromUnixTimeSeconds(Senml.Now).AddDays(-2).AddHours(-2);
            const int historyPacks = 24;
            using var mqtt = await ConnectAsync(cluster, node);
            uint seq = 1;
            for (var p = 0; p < historyPacks; p++)
                await PublishAsync(mqtt, node.Id, seq++, start + Step * (PerPack * p), Room);
            await Eventually.GetAsync(() => StatusAsync(cluster, scorer), s => s.PointsScored >= historyPacks * PerPack, timeout: TimeSpan.FromSeconds(60), what: "the history scored");
            var scored = DateTimeOffset.UtcNow;
            await Eventually.GetAsync(() => StatusAsync(cluster, scorer), s => s.StateSavedAt > scored, timeout: TimeSpan.FromSeconds(60), what: "the scorer's state saved");

            // The scorer dies; the node's last two hours (the room overheating after the first half hour) arrive as four
            // half-hour packs before anyone is elected: the survivor gets at least every other one, each holding 34 °C.
            // The test queues for the election's lock before the kill and holds it until the survivor has stored its share:
            // the takeover comes strictly after the gap, whatever the machine's load (it raced the survivor's ingestion).
            await using var election = new NpgsqlConnection(cluster.PostgresConnection);
            await election.OpenAsync(Ct);
            await using (var queue = new NpgsqlCommand($"SELECT pg_try_advisory_lock({EarlyWarningLeadership.LockKey})", election))
                Assert.False((bool)(await queue.ExecuteScalarAsync(Ct))!, "the scorer holds the election's lock");
            var waiting = new NpgsqlCommand($"SELECT pg_advisory_lock({EarlyWarningLeadership.LockKey})", election).ExecuteScalarAsync(Ct);
            scorer.Kill();
            await waiting.WaitAsync(TimeSpan.FromSeconds(60), Ct);
            var anomalyAt = start + Step * (PerPack * historyPacks);
            for (var p = 0; p < 4; p++)
                await PublishAsync(mqtt, node.Id, seq++, anomalyAt + Step * (6 * p), at => at - anomalyAt < TimeSpan.FromMinutes(30) ? Room(at) : 34, points: 6);
            var publishedAt = DateTimeOffset.UtcNow;
            using (var reader = await cluster.AdminAsync(survivor))
            {
                await Eventually.GetAsync(
                    () => reader.GetFromJsonAsync<List<PointDto>>(
                        $"/api/devices/{node.Id}/readings?name=temp&from={Uri.EscapeDataString(anomalyAt.ToString("O", CultureInfo.InvariantCulture))}", Ct)!,
                    points => points!.Count >= 2 * 6, timeout: TimeSpan.FromSeconds(60), what: "the survivor's share of the gap stored");
            }
            Assert.False((await StatusAsync(cluster, survivor)).Scoring, "nobody scores while the test holds the election's lock");
            await using (var release = new NpgsqlCommand($"SELECT pg_advisory_unlock({EarlyWarningLeadership.LockKey})", election))
                Assert.True((bool)(await release.ExecuteScalarAsync(Ct))!);

            var taken = await Eventually.GetAsync(() => StatusAsync(cluster, survivor), s => s.Scoring && s.FullStream == true, timeout: TimeSpan.FromSeconds(60), what: "the survivor taking over");
            output.WriteLine($"pack published {publishedAt:HH:mm:ss.fff}, survivor scoring since {taken.ScoringSince:HH:mm:ss.fff}");
            Assert.True(taken.ScoringSince > publishedAt, "the pack should have arrived before the takeover (the gap this test is about)");

            // Nobody published after the takeover: the alert can only come from the replay.
            using var staff = await HubCluster.ClientAsync(survivor, world.StaffEmail, world.StaffPassword);
            await Eventually.GetAsync(() => AnomaliesAsync(staff), x => x.Any(y => y.DeviceId == node.Id), timeout: TimeSpan.FromSeconds(60), what: "the anomaly in the gap, found by the survivor's replay");
            var replayed = (await StatusAsync(cluster, survivor)).PointsScored;
            output.WriteLine($"the survivor scored {replayed} of the gap's {4 * 6} readings (the rest wait in the dead instance's session)");
            Assert.True(replayed >= 2 * 6, $"the survivor replays its share of the gap's packs, scored {replayed}");
            Assert.Single(await AnomaliesAsync(staff));
        }
        catch (Exception ex) when (ex is not Xunit.Sdk.SkipException)
        {
            throw new InvalidOperationException($"{ex.Message}\n{cluster.Logs()}", ex);
        }
    }

    /// <summary>An ordinary heated room: 21 °C with a daily swing of ±0.8 °C and a little sensor noise (the same every run).</summary>
    private static double Room(DateTimeOffset at)
    {
        var minute = at.ToUnixTimeSeconds() / 60.0;
        var noise = ((at.ToUnixTimeSeconds() / 300 * 2654435761L) % 1000) / 1000.0 - 0.5;
        return 21 + 0.8 * Math.Sin(2 * Math.PI * minute / 1440) + 0.1 * noise;
    }

    private static async Task<IMqttClient> ConnectAsync(HubCluster cluster, ClusterFaultTests.Credentials device)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        var result = await client.ConnectAsync(cluster.DeviceOptions(device.Id, device.Secret), Ct);
        Assert.Equal(MqttClientConnectResultCode.Success, result.ResultCode);
        return client;
    }

    /// <summary>Two hours of 5-minute temperature readings in one pack, as a node sends its buffer.</summary>
    private static async Task PublishAsync(IMqttClient mqtt, string id, uint seq, DateTimeOffset from, Func<DateTimeOffset, double> celsius, int points = PerPack)
    {
        var records = new StringBuilder();
        for (var i = 0; i < points; i++)
        {
            var v = Math.Round(celsius(from + Step * i), 2).ToString(CultureInfo.InvariantCulture);
            records.Append(records.Length == 0 ? "" : ",").Append(CultureInfo.InvariantCulture, $"{{\"n\":\"temp\",\"u\":\"Cel\",\"v\":{v},\"t\":{(int)(Step * i).TotalSeconds}}}");
        }
        var result = await mqtt.PublishAsync(new MqttApplicationMessageBuilder().WithTopic($"sc/v1/{id}/up")
            .WithPayload(Senml.Pack(id, seq, records.ToString(), from.ToUnixTimeSeconds()))
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build(), Ct);
        Assert.True(result.IsSuccess, $"publish to {id}: {result.ReasonCode}");
    }

    private static async Task<List<AlertDto>> AnomaliesAsync(HttpClient staff) =>
        [.. (await staff.GetFromJsonAsync<List<AlertDto>>("/api/alerts?status=all&limit=500", Ct))!.Where(x => x.Kind == "anomaly")];

    private static async Task<EarlyWarningStatusDto> StatusAsync(HubCluster cluster, HubProcess on)
    {
        using var http = await cluster.AdminAsync(on);
        return (await http.GetFromJsonAsync<EarlyWarningStatusDto>("/api/early-warning/status", Ct))!;
    }

    private static async Task<EarlyWarningStatusDto[]> StatusesAsync(HubCluster cluster, HubProcess[] on) =>
        await Task.WhenAll(on.Select(h => StatusAsync(cluster, h)));

    private sealed record Stats(long MessagesAccepted);

    private static async Task<Stats> StatsAsync(HubCluster cluster, HubProcess on)
    {
        using var http = await cluster.AdminAsync(on);
        return (await http.GetFromJsonAsync<Stats>("/api/stats", Ct))!;
    }
}
