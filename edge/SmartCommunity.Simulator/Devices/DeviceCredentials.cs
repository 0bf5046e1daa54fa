using SmartCommunity.Domain.Catalog;
using SmartCommunity.Domain.Devices;
using SmartCommunity.Simulator.Protocol;

namespace SmartCommunity.Simulator.Devices;

/// <summary>What a device is provisioned with: its id, kind and MQTT secret.</summary>
public sealed record DeviceCredentials(string Id, DeviceKind Kind, string Secret, int? ResidentId = null)
{
    /// <summary>
    /// Parses <c>id:kind:secret</c> (the CLI's <c>--device</c>). The secret may itself contain ':'.
    /// </summary>
    public static DeviceCredentials Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = text.Split(':', 3);
        if (parts.Length != 3 || parts[2].Length == 0)
        {
            throw new FormatException($"Expected id:kind:secret, got '{text}'.");
        }

        if (!Topics.IsValidDeviceId(parts[0]))
        {
            throw new FormatException($"'{parts[0]}' is not a valid device id (^[a-z0-9][a-z0-9-]{{2,31}}$).");
        }

        if (!DeviceKinds.TryParse(parts[1], out var kind))
        {
            throw new FormatException($"'{parts[1]}' is not a device kind ({string.Join(", ", WireName.All<DeviceKind>())}).");
        }

        return new DeviceCredentials(parts[0], kind, parts[2]);
    }

    /// <summary>Keeps the secret out of logs and exception messages.</summary>
    public override string ToString() => $"{Id} ({Kind.ToWire()})";
}
