using System.Collections.Frozen;
using System.Text.Json;
using System.Text.Json.Serialization;
using SmartCommunity.Domain.Devices;
using SmartCommunity.Domain.Ingestion;

namespace SmartCommunity.Gateway.Devices;

/// <summary>One device as the hub's registry lists it (docs/gateway.md, "Registry sync").</summary>
public sealed record RegistryDevice(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("secret")] string Secret,
    [property: JsonPropertyName("previousSecret")] string? PreviousSecret,
    [property: JsonPropertyName("previousValidUntil")] DateTimeOffset? PreviousValidUntil,
    [property: JsonPropertyName("revoked")] bool Revoked);

public sealed record RegistryDocument(
    [property: JsonPropertyName("v")] int V,
    [property: JsonPropertyName("gateway")] string Gateway,
    [property: JsonPropertyName("community")] int Community,
    [property: JsonPropertyName("version")] string Version,
    [property: JsonPropertyName("generatedAt")] DateTimeOffset GeneratedAt,
    [property: JsonPropertyName("devices")] IReadOnlyList<RegistryDevice> Devices);

/// <summary>
/// The community's devices as last synced from the hub, kept in memory for every CONNECT and on disk (written to a
/// temporary file, fsync'd, renamed over the old one) so the gateway still authenticates devices after a restart
/// while the uplink is down.
/// </summary>
public sealed class DeviceRegistry(string path, ILogger<DeviceRegistry> logger)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private volatile Snapshot _current = Snapshot.Empty;

    public sealed record Snapshot(string? Version, FrozenDictionary<string, RegistryDevice> Devices)
    {
        public static readonly Snapshot Empty = new(null, FrozenDictionary<string, RegistryDevice>.Empty);
    }

    public string? Version => _current.Version;

    public int Count => _current.Devices.Count;

    /// <summary>Raised after a new registry took effect (revocations: the broker closes those devices' connections).</summary>
    public event Action<Snapshot>? Changed;

    public RegistryDevice? Find(string id) => _current.Devices.GetValueOrDefault(id);

    /// <summary>The registered device a client id belongs to: the longest registered id it starts with (as the hub decides).</summary>
    public string? ClientIdOwner(string clientId)
    {
        var devices = _current.Devices;
        for (var length = Math.Min(clientId.Length, 32); length >= 3; length--)
        {
            if (devices.ContainsKey(clientId[..length]))
                return clientId[..length];
        }
        return null;
    }

    public bool IsAllowed(string id) => Find(id) is { Revoked: false };

    public void LoadCached()
    {
        if (!File.Exists(path))
        {
            logger.LogWarning("No cached device registry at {Path}: devices are refused until the first sync with the hub", path);
            return;
        }
        try
        {
            var doc = JsonSerializer.Deserialize<RegistryDocument>(File.ReadAllBytes(path), Json)
                      ?? throw new JsonException("empty registry file");
            Apply(doc, persist: false);
            logger.LogInformation("Device registry {Version} loaded from {Path}: {Count} devices", doc.Version, path, doc.Devices.Count);
        }
        catch (JsonException ex)
        {
            logger.LogError(ex, "The cached device registry {Path} is unreadable; devices are refused until the next sync", path);
        }
    }

    public void Apply(RegistryDocument doc, bool persist = true)
    {
        var devices = new Dictionary<string, RegistryDevice>(StringComparer.Ordinal);
        foreach (var d in doc.Devices)
        {
            if (!DeviceIdentifier.IsValid(d.Id) || !DeviceKinds.TryParse(d.Kind, out _))
            {
                logger.LogWarning("Registry {Version}: device {DeviceId} of kind {Kind} skipped (not a valid id or kind)", doc.Version, d.Id, d.Kind);
                continue;
            }
            devices[d.Id] = d;
        }
        if (persist)
        {
            var temp = path + ".tmp";
            using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write))
            {
                JsonSerializer.Serialize(file, doc, Json);
                file.Flush(flushToDisk: true);
            }
            File.Move(temp, path, overwrite: true);
        }
        var snapshot = new Snapshot(doc.Version, devices.ToFrozenDictionary(StringComparer.Ordinal));
        _current = snapshot;
        Changed?.Invoke(snapshot);
    }
}
