using System.Globalization;
using System.Text;
using System.Text.Json;

namespace SmartCommunity.SensorNode.Core.Tests;

/// <summary>Plays the hub's side of the protocol: drops a seq it has already accepted.</summary>
public sealed class DedupHub : IPublisher
{
    private readonly HashSet<long> _seen = [];
    private int _publishes;

    public List<(string Name, double Value, long Time)> Stored { get; } = [];

    public bool IsConnected { get; set; } = true;

    /// <summary>Every Nth publish reaches the hub but its PUBACK is lost.</summary>
    public int LoseEveryNthAck { get; set; }

    public bool Publish(string topic, byte[] payload, int length, bool retain)
    {
        if (!IsConnected)
        {
            return false;
        }

        var root = JsonDocument.Parse(Encoding.UTF8.GetString(payload, 0, length)).RootElement;
        if (topic.EndsWith("/up", StringComparison.Ordinal) && _seen.Add(root[0].GetProperty("v").GetInt64()))
        {
            var bt = root[0].GetProperty("bt").GetInt64();
            foreach (var r in root.EnumerateArray().Skip(1))
            {
                var t = r.TryGetProperty("t", out var tt) ? tt.GetInt64() : 0;
                Stored.Add((r.GetProperty("n").GetString()!, r.TryGetProperty("v", out var v) ? v.GetDouble() : 1, bt + t));
            }
        }

        _publishes++;
        return LoseEveryNthAck == 0 || _publishes % LoseEveryNthAck != 0;
    }
}

public class RobustnessTests
{
    [Fact]
    public void Outage60s_WithTrafficAndFlakyAcks_EveryReadingStoredOnceInOrder()
    {
        var node = Nodes.Provisioned("climate", id: "clim-0001");
        var hub = new DedupHub { IsConnected = false };
        for (var s = 0; s < 60; s++)
        {
            node.OnClimate(2000 + s, 400, s * 1000L);
            node.Tick(s * 1000L);
            node.Flush(hub, s * 1000L);
        }

        hub.IsConnected = true;
        hub.LoseEveryNthAck = 3;
        for (var s = 60; s < 80 && node.Queue.Count > 0; s++)
        {
            node.Flush(hub, s * 1000L);
        }

        Assert.Equal(0, node.Queue.Count);
        var temps = hub.Stored.Where(r => r.Name == "temp").ToList();
        Assert.Equal(Enumerable.Range(0, 60).Select(s => (2000 + s) / 100.0), temps.Select(r => r.Value));
        Assert.Equal(Enumerable.Range(0, 60).Select(s => Nodes.T0 + s), temps.Select(r => r.Time));
    }

    [Fact]
    public void Flush_AfterEightDayOutage_DropsStaleReadingsSoTheSosPackIsAccepted()
    {
        var node = Nodes.Provisioned("climate", id: "clim-0001");
        var hub = new DedupHub { IsConnected = false };
        node.OnClimate(2000, 400, 0);
        var eightDays = 8 * 86_400_000L;
        node.OnClimate(2100, 410, eightDays - 60_000);
        hub.IsConnected = true;
        node.Flush(hub, eightDays);

        Assert.Equal([21.0, 41.0], hub.Stored.Select(r => r.Value));
        Assert.Equal(2, node.Queue.DroppedStale);
    }

    [Fact]
    public void Flush_SosAndHeartbeatDue_SosGoesFirst()
    {
        var node = Nodes.Provisioned("sos");
        node.OnButton(true, 0);
        node.OnButton(true, 100);
        node.OnButton(false, 200);
        node.OnButton(false, 300);
        node.Tick(10_000);
        var pub = new FakePublisher();
        node.Flush(pub, 10_000);
        Assert.Equal(["sc/v1/sos-0001/up", "sc/v1/sos-0001/status"], pub.Messages.Select(m => m.Topic));
    }

    [Fact]
    public void WriteDecimal_RandomValues_MatchesDecimalFormatting()
    {
        var r = new Random(42);
        var w = new SenmlWriter(64);
        for (var i = 0; i < 20_000; i++)
        {
            var scaled = r.NextInt64(-10_000_000_000, 10_000_000_000) / (r.Next(4) == 0 ? 1000 : 1);
            var decimals = r.Next(0, 4);
            w.BeginPack("x", 0, 0); // resets the buffer
            var start = w.Length;
            w.WriteDecimal(scaled, decimals);
            var expected = (scaled / (decimal)Math.Pow(10, decimals)).ToString("0.####", CultureInfo.InvariantCulture);
            Assert.Equal(expected, Encoding.ASCII.GetString(w.Buffer, start, w.Length - start));
        }
    }

    [Fact]
    public void JsonScanner_MutatedCommands_NeverThrowsAndAcceptsOnlyValidJson()
    {
        string[] seeds =
        [
            "{\"cmd\":\"time\",\"t\":1795921200}",
            "{\"cmd\":\"config\",\"gas_on_ppm\":400,\"gas_off_ppm\":300}",
            "{\"cmd\":\"help-coming\",\"extra\":[1,2,{\"a\":null}],\"s\":\"\\u00e9\\\"\"}",
        ];
        const string alphabet = "{}[]\":,.-+eE0123456789 \\tnufalsr\u00e9";
        var r = new Random(7);
        var scanner = new JsonScanner();
        for (var i = 0; i < 30_000; i++)
        {
            var chars = seeds[r.Next(seeds.Length)].ToCharArray().ToList();
            for (var k = r.Next(1, 4); k > 0; k--)
            {
                var at = r.Next(chars.Count + 1);
                switch (r.Next(3))
                {
                    case 0 when chars.Count > 0 && at < chars.Count: chars.RemoveAt(at); break;
                    case 1: chars.Insert(at, alphabet[r.Next(alphabet.Length)]); break;
                    default: if (at < chars.Count) { chars[at] = alphabet[r.Next(alphabet.Length)]; } break;
                }
            }

            var bytes = Encoding.UTF8.GetBytes(new string([.. chars]));
            if (scanner.Parse(bytes, bytes.Length))
            {
                using var doc = JsonDocument.Parse(bytes); // throws if the scanner accepted invalid JSON
                Assert.Equal(JsonValueKind.Object, doc.RootElement.ValueKind);
            }
        }
    }

    [Fact]
    public void Downlink_RandomBytes_NeverThrows()
    {
        var node = Nodes.Provisioned("wearable", id: "wear-0001");
        var r = new Random(3);
        var buffer = new byte[64];
        for (var i = 0; i < 20_000; i++)
        {
            r.NextBytes(buffer);
            buffer[0] = (byte)'{';
            node.OnDownlink(buffer, r.Next(buffer.Length + 1), i);
        }

        Assert.Equal(Setting.Default(Setting.FallImpactMg), node.Config.Get(Setting.FallImpactMg));
    }

    [Fact]
    public void Provisioning_RandomLines_NeverThrowsAndNeverCommitsGarbage()
    {
        var storage = new MemoryStorage();
        var node = new NodeCore(storage, 0);
        var p = new ProvisioningSession(node);
        string[] words = ["SET", "GET", "COMMIT", "ABORT", "STATUS", "HELLO", "FACTORY-RESET", "wifi_ssid", "device_id", "profile", "sos", "x", "", " ", "-1", "99999999999"];
        var r = new Random(11);
        for (var i = 0; i < 20_000; i++)
        {
            var line = string.Join(' ', Enumerable.Range(0, r.Next(0, 5)).Select(_ => words[r.Next(words.Length)]));
            var reply = p.Handle(line, i);
            Assert.True(reply.StartsWith("OK", StringComparison.Ordinal) || reply.StartsWith("ERR ", StringComparison.Ordinal), reply);
        }

        Assert.False(node.Provisioned);
    }
}
