using System.Text.Json;
using System.Text.Json.Serialization;
using SmartCommunity.Domain.Devices;
using SmartCommunity.Simulator.Protocol;

namespace SmartCommunity.Simulator.Devices;

/// <summary>
/// The fleet file the hub writes in demo mode:
/// <c>{"mqtt":{"host":"127.0.0.1","port":1883},"devices":[{"id":"sos-0001","kind":"sos","secret":"...","residentId":1}]}</c>.
/// </summary>
public sealed record FleetFile(FleetMqtt Mqtt, IReadOnlyList<DeviceCredentials> Devices)
{
    /// <summary>Files larger than this are refused: a fleet file lists devices, not data.</summary>
    public const long MaxBytes = 16 * 1024 * 1024;

    public static async Task<FleetFile> LoadAsync(string path, CancellationToken cancellationToken = default)
    {
        var info = new FileInfo(path);
        if (info.Exists && info.Length > MaxBytes)
        {
            throw new InvalidDataException($"Fleet file {path} is larger than {MaxBytes} bytes.");
        }

        var json = await File.ReadAllTextAsync(path, cancellationToken);
        return Parse(json);
    }

    /// <exception cref="InvalidDataException">The JSON is not a valid fleet file.</exception>
    public static FleetFile Parse(string json)
    {
        FleetFileDto? dto;
        try
        {
            dto = JsonSerializer.Deserialize(json, FleetFileJsonContext.Default.FleetFileDto);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"Fleet file is not valid JSON: {ex.Message}", ex);
        }

        if (dto is null)
        {
            throw new InvalidDataException("Fleet file is empty.");
        }

        var devices = new List<DeviceCredentials>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var d in dto.Devices ?? [])
        {
            if (!Topics.IsValidDeviceId(d.Id))
            {
                throw new InvalidDataException($"Fleet file: '{d.Id}' is not a valid device id.");
            }

            if (!DeviceKinds.TryParse(d.Kind, out var kind))
            {
                throw new InvalidDataException($"Fleet file: device {d.Id} has unknown kind '{d.Kind}'.");
            }

            if (string.IsNullOrEmpty(d.Secret))
            {
                throw new InvalidDataException($"Fleet file: device {d.Id} has no secret.");
            }

            if (!ids.Add(d.Id!))
            {
                throw new InvalidDataException($"Fleet file: device {d.Id} is listed twice.");
            }

            devices.Add(new DeviceCredentials(d.Id!, kind, d.Secret, d.ResidentId));
        }

        var mqtt = new FleetMqtt(dto.Mqtt?.Host ?? FleetMqtt.Default.Host, dto.Mqtt?.Port ?? FleetMqtt.Default.Port);
        return new FleetFile(mqtt, devices);
    }
}

/// <summary>Where the hub's MQTT broker listens.</summary>
public sealed record FleetMqtt(string Host, int Port)
{
    public static FleetMqtt Default { get; } = new("127.0.0.1", 1883);
}

internal sealed class FleetFileDto
{
    public MqttDto? Mqtt { get; set; }

    public List<DeviceDto>? Devices { get; set; }

    internal sealed class MqttDto
    {
        public string? Host { get; set; }

        public int? Port { get; set; }
    }

    internal sealed class DeviceDto
    {
        public string? Id { get; set; }

        public string? Kind { get; set; }

        public string? Secret { get; set; }

        public int? ResidentId { get; set; }
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, PropertyNameCaseInsensitive = true,
    ReadCommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true)]
[JsonSerializable(typeof(FleetFileDto))]
internal sealed partial class FleetFileJsonContext : JsonSerializerContext;
