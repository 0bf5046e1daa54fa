using System.Text;
using SmartCommunity.Testing;

namespace SmartCommunity.SensorNode.Core.Tests;

/// <summary>The shared datasets beside the repository.</summary>
public static class Datasets
{
    public static string OlderAdultsHar => Path.GetFullPath(Path.Combine(RepoPaths.Root, "..", "shared", "datasets", "older-adults-batteryless-har"));
}

/// <summary>Records what the node publishes; can play a broker that is down.</summary>
public sealed class FakePublisher : IPublisher
{
    public List<(string Topic, string Payload, bool Retain)> Messages { get; } = [];

    public bool IsConnected { get; set; } = true;

    /// <summary>Accept up publishes but report no PUBACK (as when the connection drops right after sending).</summary>
    public bool LoseAcks { get; set; }

    public bool Publish(string topic, byte[] payload, int length, bool retain)
    {
        if (!IsConnected)
        {
            return false;
        }

        Messages.Add((topic, Encoding.UTF8.GetString(payload, 0, length), retain));
        return !(LoseAcks && topic.EndsWith("/up", StringComparison.Ordinal));
    }

    public IEnumerable<string> Up => Messages.Where(m => m.Topic.EndsWith("/up", StringComparison.Ordinal)).Select(m => m.Payload);
}

/// <summary><see cref="IStorage"/> on files, written through a temp file and an atomic rename like the device adapter.</summary>
public sealed class FileStorage(string folder) : IStorage
{
    public int Read(string key, byte[] buffer)
    {
        var path = Path.Combine(folder, key);
        if (!File.Exists(path))
        {
            return -1;
        }

        var bytes = File.ReadAllBytes(path);
        if (bytes.Length > buffer.Length)
        {
            return -1;
        }

        bytes.CopyTo(buffer, 0);
        return bytes.Length;
    }

    public void Write(string key, byte[] buffer, int count)
    {
        var path = Path.Combine(folder, key);
        var tmp = path + ".tmp";
        using (var f = File.Create(tmp))
        {
            f.Write(buffer, 0, count);
        }

        File.Move(tmp, path, overwrite: true);
    }

    public void Delete(string key) => File.Delete(Path.Combine(folder, key));
}

public static class Nodes
{
    public const long T0 = 1_795_921_200; // 2026-11-29T03:00:00Z, the vectors' pack time

    /// <summary>A provisioned node of the given profile with its clock synced so that nowMs 0 = T0.</summary>
    public static NodeCore Provisioned(string profile, IStorage? storage = null, string id = "sos-0001", Action<DeviceConfig>? tweak = null)
    {
        storage ??= new MemoryStorage();
        var node = new NodeCore(storage, 0);
        var c = new DeviceConfig();
        Assert.Equal(ErrorCode.None, c.Set("wifi_ssid", "Home"));
        Assert.Equal(ErrorCode.None, c.Set("wifi_password", "correct horse"));
        Assert.Equal(ErrorCode.None, c.Set("broker_url", "mqtts://hub.local:8883"));
        Assert.Equal(ErrorCode.None, c.Set("device_id", id));
        Assert.Equal(ErrorCode.None, c.Set("device_secret", "s3cret-s3cret-s3cret"));
        Assert.Equal(ErrorCode.None, c.Set("ca_sha256", new string('a', 64)));
        Assert.Equal(ErrorCode.None, c.Set("profile", profile));
        tweak?.Invoke(c);
        Assert.Equal(ErrorCode.None, node.Commit(c, 0));
        node.Clock.Sync(T0, 0);
        return node;
    }

    public static byte[] Ascii(string s) => Encoding.UTF8.GetBytes(s);
}

public static class StorageCorruption
{
    /// <summary>Flips bits of one stored byte, as a failing flash cell or a torn write would.</summary>
    public static bool Corrupt(this IStorage storage, string key, int offset)
    {
        var buffer = new byte[64 * 1024];
        var n = storage.Read(key, buffer);
        if (n <= offset)
        {
            return false;
        }

        buffer[offset] ^= 0x5A;
        storage.Write(key, buffer, n);
        return true;
    }
}

/// <summary>Drives a node's button and clock in 10 ms steps, as the device's input loop does.</summary>
public sealed class Rig(NodeCore node, long startMs = 0)
{
    public const int StepMs = 10;

    public NodeCore Node => node;

    public long Now { get; private set; } = startMs;

    /// <summary>The button held down for <paramref name="ms"/>.</summary>
    public Rig Down(long ms) => Run(true, ms);

    /// <summary>The button left alone for <paramref name="ms"/>.</summary>
    public Rig Up(long ms) => Run(false, ms);

    /// <summary>A press of <paramref name="ms"/>, then released long enough for the debouncer to see it.</summary>
    public Rig Press(long ms) => Down(ms).Up(100);

    public int Send(string json)
    {
        var b = Nodes.Ascii(json);
        return node.OnDownlink(b, b.Length, Now);
    }

    /// <summary>Names of the records in the outbox, oldest first.</summary>
    public IReadOnlyList<string> Queued => Enumerable.Range(0, node.Queue.Count).Select(i => Measurement.Name(node.Queue.MeasurementAt(i))).ToList();

    private Rig Run(bool down, long ms)
    {
        for (var end = Now + ms; Now < end; Now += StepMs)
        {
            node.OnButton(down, Now);
            node.Tick(Now);
        }

        return this;
    }
}
