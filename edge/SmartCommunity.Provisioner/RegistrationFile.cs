using System.Globalization;
using System.Text.Json;
using SmartCommunity.Domain.Provisioning;

namespace SmartCommunity.Provisioner;

/// <summary>What <c>-r</c> read: the settings to stage, in order, and what the technician should know about them.</summary>
public sealed record Registration(IReadOnlyList<KeyValuePair<string, string>> Settings, IReadOnlyList<string> Notes);

/// <summary>
/// Reads what the hub hands a technician: the provisioning document (<see cref="ProvisioningDocument"/>, the QR code's
/// text, <c>{"sc":"provision","v":2,…}</c>), the hub's register response that carries it (<c>provisioning</c>), or the
/// register response of an older hub (<c>{"device":{"id":…,"kind":…},"secret":…}</c>, no broker or CA in it).
/// </summary>
public static class RegistrationFile
{
    /// <summary>The settings only (device_id, device_secret, profile, broker_url, ca_sha256, numeric settings).</summary>
    /// <exception cref="FormatException">Neither a provisioning document nor a register response; the message says why.</exception>
    public static IReadOnlyList<KeyValuePair<string, string>> Parse(string json) => Read(json).Settings;

    /// <exception cref="FormatException">Neither a provisioning document nor a register response; the message says why.</exception>
    public static Registration Read(string json)
    {
        JsonDocument parsed;
        try
        {
            parsed = JsonDocument.Parse(json);
        }
        catch (JsonException ex)
        {
            throw new FormatException($"Not JSON: {ex.Message}", ex);
        }

        using (parsed)
        {
            var root = parsed.RootElement;
            try
            {
                // A marked object is a provisioning document, whatever else it holds: its version decides, not a guess.
                if (ProvisioningDocument.IsMarked(root))
                {
                    return FromDocument(ProvisioningDocument.Parse(root));
                }

                if (root.ValueKind == JsonValueKind.Object && Find(root, "provisioning") is { ValueKind: JsonValueKind.Object } carried)
                {
                    return FromDocument(ProvisioningDocument.Parse(carried));
                }
            }
            catch (FormatException ex)
            {
                throw new FormatException($"Provisioning document refused: {ex.Message}.", ex);
            }

            return FromOldResponse(root);
        }
    }

    private static Registration FromDocument(ProvisioningDocument d)
    {
        var settings = new List<KeyValuePair<string, string>>
        {
            new("device_id", d.DeviceId),
            new("device_secret", d.Secret),
            new("profile", d.Profile),
        };
        var notes = new List<string>();
        if (d.BrokerUrl is { } broker)
        {
            settings.Add(new("broker_url", broker));
        }
        else
        {
            notes.Add("The document names no broker (the hub offers devices no MQTT over TLS): the node keeps its broker_url, or pass --broker-url mqtts://host:port.");
        }

        if (d.CaSha256 is { } ca)
        {
            settings.Add(new("ca_sha256", ca));
        }
        else
        {
            notes.Add("The document names no CA (the hub has no Hub:Tls:CaPath): the node keeps its ca_sha256, or pass --ca-sha256.");
        }

        settings.AddRange(d.Settings.Select(s => new KeyValuePair<string, string>(s.Key, s.Value.ToString(CultureInfo.InvariantCulture))));
        return new Registration(settings, notes);
    }

    private static Registration FromOldResponse(JsonElement root)
    {
        if (root.ValueKind == JsonValueKind.Object && Find(root, "device") is null && Find(root, "v") is { ValueKind: JsonValueKind.Number } && Find(root, "secret") is not null)
        {
            // The hub's first QR codes: {"v":1,"id":…,"secret":…,"host":…}, with no profile and no TLS port.
            throw new FormatException("A version 1 provisioning QR code: it names no device profile. Print the code again from the hub, or pass --device-id, --device-secret and --profile.");
        }

        try
        {
            var device = Property(root, "device");
            return new Registration(
                [
                    new("device_id", Property(device, "id").GetString()!),
                    new("device_secret", Property(root, "secret").GetString()!),
                    new("profile", Property(device, "kind").GetString()!),
                ],
                ["A register response without a provisioning document (an older hub): it names no broker or CA; the node keeps its own, or pass --broker-url and --ca-sha256."]);
        }
        catch (Exception ex) when (ex is KeyNotFoundException or InvalidOperationException)
        {
            throw new FormatException("Neither a provisioning document ({\"sc\":\"provision\",\"v\":2,…}) nor a hub register response (device.id, device.kind and secret).", ex);
        }
    }

    private static JsonElement Property(JsonElement e, string name) =>
        Find(e, name) ?? throw new KeyNotFoundException(name);

    // The hub writes camelCase; accept any casing.
    private static JsonElement? Find(JsonElement e, string name)
    {
        if (e.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        foreach (var p in e.EnumerateObject())
        {
            if (string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return p.Value;
            }
        }

        return null;
    }
}
