using System.Text.Json;
using MQTTnet;
using SmartCommunity.Domain.Devices;
using SmartCommunity.Simulator.Devices;
using SmartCommunity.Simulator.Node;
using SmartCommunity.Simulator.Signals;
using SmartCommunity.Simulator.Tests.Mqtt;

namespace SmartCommunity.Simulator.Tests.Node;

/// <summary>The stepped node: the firmware core run on its caller's clock, its queue flushed as the core's own packs.</summary>
public class SteppedNodeTests
{
    private const string Secret = "simulated-secret-0001";
    private static readonly DateTimeOffset Start = new(2026, 11, 2, 0, 0, 0, TimeSpan.Zero);
    private static readonly DeviceCredentials Smoke = new("smoke-0001", DeviceKind.Smoke, Secret);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A smoke node reading gas once a minute, 100 ppm plus the minute of the hour (so each reading is known).</summary>
    private static SteppedNode GasNode(int batch) =>
        new(Smoke, Start, new Dictionary<string, int> { ["reading_s"] = 60, ["queue_batch"] = batch })
        {
            GasPpm = at => 100 + at.Minute,
        };

    /// <summary>The (seq, bt, [(unix time, value)]) of an <c>up</c> pack.</summary>
    private static (uint Seq, long Bt, List<(long T, double V)> Records) Parse(NodeMessage message)
    {
        using var doc = JsonDocument.Parse(message.Payload);
        var pack = doc.RootElement;
        var head = pack[0];
        Assert.Equal($"urn:dev:sc:{Smoke.Id}:", head.GetProperty("bn").GetString());
        Assert.Equal("seq", head.GetProperty("n").GetString());
        var bt = head.GetProperty("bt").GetInt64();
        var records = pack.EnumerateArray().Skip(1).Select(r =>
        {
            Assert.Equal("gas", r.GetProperty("n").GetString());
            return (bt + (r.TryGetProperty("t", out var t) ? t.GetInt64() : 0), r.GetProperty("v").GetDouble());
        }).ToList();
        return (head.GetProperty("v").GetUInt32(), bt, records);
    }

    [Fact]
    public async Task RunUntil_ThirtyMinutesOfMinuteReadings_FlushSendsThemInOrderInTheCoresBatches()
    {
        var node = GasNode(batch: 10);
        node.RunUntil(Start.AddMinutes(30));
        Assert.Equal(30, node.Queued); // nothing leaves before a flush: the readings wait in the core's queue

        var sent = new List<NodeMessage>();
        var result = await node.FlushAsync((m, _) => { sent.Add(m); return Task.FromResult(true); }, Ct);

        Assert.Equal(0, node.Queued);
        Assert.Equal(new FlushResult(4, 30), result); // three packs of queue_batch 10, then the heartbeat
        Assert.Equal($"sc/v1/{Smoke.Id}/status", sent[^1].Topic);
        Assert.True(sent[^1].Retain);
        var packs = sent.SkipLast(1).Select(m =>
        {
            Assert.Equal($"sc/v1/{Smoke.Id}/up", m.Topic);
            Assert.False(m.Retain);
            return Parse(m);
        }).ToList();
        Assert.All(packs, p => Assert.Equal(10, p.Records.Count));
        Assert.All(packs, p => Assert.Equal(Start.AddMinutes(30).ToUnixTimeSeconds(), p.Bt)); // bt is the flush, records before it
        Assert.Equal([packs[0].Seq, packs[0].Seq + 1, packs[0].Seq + 2], packs.Select(p => p.Seq));
        var readings = packs.SelectMany(p => p.Records).ToList();
        Assert.Equal(Enumerable.Range(1, 30).Select(m => (Start.AddMinutes(m).ToUnixTimeSeconds(), 100.0 + (m % 60))), readings);
    }

    [Fact]
    public async Task FlushAsync_PublishRefused_RecordsAndTheirSeqKeptForTheNextFlush()
    {
        var node = GasNode(batch: 10);
        node.RunUntil(Start.AddMinutes(30));
        var sent = new List<NodeMessage>();
        var refused = 0;
        var result = await node.FlushAsync((m, _) =>
        {
            if (sent.Count == 1)
            {
                refused++;
                return Task.FromResult(false); // no PUBACK for the second pack
            }

            sent.Add(m);
            return Task.FromResult(true);
        }, Ct);
        Assert.Equal(1, refused);
        Assert.Equal(new FlushResult(1, 10), result);
        Assert.Equal(20, node.Queued);

        // Later and accepted: the unacknowledged pack goes again with its seq, then the rest; no reading lost or doubled.
        node.RunUntil(Start.AddMinutes(35));
        result = await node.FlushAsync((m, _) => { sent.Add(m); return Task.FromResult(true); }, Ct);
        Assert.Equal(new FlushResult(4, 25), result);
        var packs = sent.Where(m => m.Topic.EndsWith("/up", StringComparison.Ordinal)).Select(Parse).ToList();
        Assert.Equal([1u, 2u, 3u, 4u], packs.Select(p => p.Seq - packs[0].Seq + 1));
        Assert.Equal(Enumerable.Range(1, 35).Select(m => Start.AddMinutes(m).ToUnixTimeSeconds()), packs.SelectMany(p => p.Records).Select(r => r.T));
    }

    [Fact]
    public async Task Celsius_Set_TemperatureOnTheWireIsTheSignalHumidityTheModel()
    {
        var node = new SteppedNode(new DeviceCredentials("clim-0001", DeviceKind.Climate, Secret), Start, new Dictionary<string, int> { ["reading_s"] = 600 })
        {
            Celsius = at => 27 + (at - Start).TotalHours,
        };
        node.RunUntil(Start.AddHours(1));
        var sent = new List<NodeMessage>();
        await node.FlushAsync((m, _) => { sent.Add(m); return Task.FromResult(true); }, Ct);

        var records = sent.Where(m => m.Topic.EndsWith("/up", StringComparison.Ordinal))
            .SelectMany(m => JsonDocument.Parse(m.Payload).RootElement.EnumerateArray().Skip(1).Select(r => (N: r.GetProperty("n").GetString(), V: r.GetProperty("v").GetDouble())))
            .ToList();
        // Read at boot and every 10 minutes: 27.00, 27.17, … 28.00 °C.
        Assert.Equal(Enumerable.Range(0, 7).Select(i => Math.Round(27 + (i / 6.0), 2)), records.Where(r => r.N == "temp").Select(r => r.V));
        Assert.Equal(7, records.Count(r => r.N == "hum"));
        Assert.All(records.Where(r => r.N == "hum"), r => Assert.InRange(r.V, ClimateModel.MinHumidity, ClimateModel.MaxHumidity));
    }

    [Fact]
    public async Task Motion_TwoMovementsInAnInterval_CoreReportsTheirCountThenZeros()
    {
        var node = new SteppedNode(new DeviceCredentials("pir-0001", DeviceKind.Pir, Secret), Start, new Dictionary<string, int> { ["pir_interval_s"] = 300 })
        {
            // Someone passes at 00:01:00 and 00:03:00, the module's output high for 2 s each time.
            Motion = at => at.Hour == 0 && at.Minute is 1 or 3 && at.Second < 2,
        };
        node.RunUntil(Start.AddMinutes(15));
        var sent = new List<NodeMessage>();
        await node.FlushAsync((m, _) => { sent.Add(m); return Task.FromResult(true); }, Ct);

        var pack = JsonDocument.Parse(sent[0].Payload).RootElement;
        var bt = pack[0].GetProperty("bt").GetInt64();
        var motion = pack.EnumerateArray().Skip(1).Select(r => (T: bt + (r.TryGetProperty("t", out var t) ? t.GetInt64() : 0), V: r.GetProperty("v").GetInt32())).ToList();
        Assert.Equal([(Start.AddMinutes(5).ToUnixTimeSeconds(), 2), (Start.AddMinutes(10).ToUnixTimeSeconds(), 0), (Start.AddMinutes(15).ToUnixTimeSeconds(), 0)], motion);
    }

    [Fact]
    public void RunUntil_Backwards_Refused()
    {
        var node = GasNode(batch: 8);
        node.RunUntil(Start.AddMinutes(5));
        Assert.Throws<ArgumentOutOfRangeException>(() => node.RunUntil(Start.AddMinutes(4)));
    }

    [Fact]
    public async Task FlushAsync_OverMqtt_BrokerDeliversTheCoresPacks()
    {
        await using var broker = await TestBroker.StartAsync(Smoke);
        await using var observer = await broker.ConnectObserverAsync(Ct);
        using var client = new MqttClientFactory().CreateMqttClient();
        await client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", broker.Port).WithCredentials(Smoke.Id, Secret).WithClientId(Smoke.Id).Build(), Ct);
        var node = GasNode(batch: 32);
        node.RunUntil(Start.AddMinutes(10));

        var result = await node.FlushAsync(client, Ct);

        Assert.Equal(new FlushResult(2, 10), result);
        var up = await observer.WaitForAsync(m => m.Topic == $"sc/v1/{Smoke.Id}/up", Ct);
        Assert.Equal(Enumerable.Range(1, 10).Select(m => 100.0 + m), Parse(new NodeMessage(up.Topic, up.Payload, up.Retain)).Records.Select(r => r.V));
        Assert.Equal(0, node.Queued);

        // Disconnected: nothing acknowledged, everything kept.
        await client.DisconnectAsync(cancellationToken: Ct);
        node.RunUntil(Start.AddMinutes(20));
        Assert.Equal(new FlushResult(0, 0), await node.FlushAsync(client, Ct));
        Assert.Equal(10, node.Queued);
    }
}
