using Microsoft.Extensions.Time.Testing;
using SmartCommunity.Domain.Devices;
using SmartCommunity.SensorNode.Core;
using SmartCommunity.Simulator.Devices;
using SmartCommunity.Simulator.Node;
using SmartCommunity.Simulator.Signals;

namespace SmartCommunity.Simulator.Tests.Node;

/// <summary>
/// A virtual device's flash in a folder (<c>--storage</c>, which run.sh points at the data directory): a node started
/// again on it is the same device after a reboot, as the hub expects — its sequence numbers go on and its outbox is
/// still there — while a folder holding another identity starts factory-fresh.
/// </summary>
public sealed class FileStorageTests : IDisposable
{
    private static readonly DeviceCredentials Pendant = new("sos-0001", DeviceKind.Sos, "simulated-secret-0001");
    private static readonly Dictionary<string, int> NoSettings = [];
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "sc-sim-flash-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 29, 3, 0, 0, TimeSpan.Zero));

    public void Dispose()
    {
        try { Directory.Delete(_folder, recursive: true); } catch (DirectoryNotFoundException) { }
    }

    private VirtualNode Boot(DeviceCredentials credentials, IStorage storage) =>
        new(credentials, NoSettings, storage, new SimulatedClock(_time, 1.0), new Random(1), routine: false);

    [Fact]
    public void Node_StartedAgainOnTheSameFolder_NumbersOnAndKeepsItsOutbox()
    {
        uint lastSent;
        using (var flash = new FileStorage(_folder))
        {
            var node = Boot(Pendant, flash);
            var broker = new AcceptingPublisher();
            node.Core.OnConnected(node.NowMs);
            Assert.True(node.Core.Flush(broker, node.NowMs) > 0);
            lastSent = broker.LastSeq;

            // An SOS queued while the broker is away, then the simulator stops.
            node.PressButton();
            _time.Advance(TimeSpan.FromSeconds(30));
            node.RunToNow();
            Assert.Equal(1, node.Core.Queue.Count);
        }

        using var again = new FileStorage(_folder);
        var rebooted = Boot(Pendant, again);
        var hub = new AcceptingPublisher();
        rebooted.Core.OnConnected(rebooted.NowMs);
        rebooted.Core.Flush(hub, rebooted.NowMs);

        Assert.Contains(hub.Topics, t => t == "sc/v1/sos-0001/up");
        Assert.True(hub.FirstSeq > lastSent, $"numbering went on after {lastSent}, began again at {hub.FirstSeq}");
    }

    [Fact]
    public void Node_FolderOfAnotherIdentity_StartsFactoryFresh()
    {
        using (var flash = new FileStorage(_folder))
        {
            var node = Boot(Pendant, flash);
            node.PressButton();
            _time.Advance(TimeSpan.FromSeconds(30));
            node.RunToNow();
            Assert.Equal(1, node.Core.Queue.Count);
        }

        // Registered afresh (a new secret): the hub starts its window at 1 and nothing queued for the old identity goes out.
        using var again = new FileStorage(_folder);
        var rebooted = Boot(Pendant with { Secret = "simulated-secret-0002" }, again);

        Assert.Equal(0, rebooted.Core.Queue.Count);
        Assert.Equal(1u, rebooted.Core.NextSeq);
    }

    [Fact]
    public void FileStorage_FolderInUseByAnotherSimulator_Refused()
    {
        using var first = new FileStorage(_folder);

        var ex = Assert.Throws<IOException>(() => new FileStorage(_folder));
        Assert.Contains("in use by another simulator", ex.Message, StringComparison.Ordinal);
    }

    /// <summary>A broker that acknowledges every publish, recording the sequence numbers it saw.</summary>
    private sealed class AcceptingPublisher : IPublisher
    {
        public List<string> Topics { get; } = [];
        public uint FirstSeq { get; private set; }
        public uint LastSeq { get; private set; }
        public bool IsConnected => true;

        public bool Publish(string topic, byte[] payload, int length, bool retain)
        {
            Topics.Add(topic);
            using var pack = System.Text.Json.JsonDocument.Parse(payload.AsMemory(0, length));
            var seq = pack.RootElement[0].GetProperty("v").GetUInt32();
            if (FirstSeq == 0)
                FirstSeq = seq;
            LastSeq = seq;
            return true;
        }
    }
}
