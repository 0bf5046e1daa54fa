using System.Text.Json;

namespace SmartCommunity.Provisioner;

/// <summary>
/// What the hub answers to <c>POST /api/devices</c> (the only time it shows the secret):
/// <c>{"device":{"id":"sos-0001","kind":"sos",…},"secret":"…","mqtt":{…}}</c>. The same JSON can be
/// carried in a QR code on the registration sheet.
/// </summary>
public static class RegistrationFile
{
    /// <summary>device_id, device_secret and profile from the hub's register response.</summary>
    /// <exception cref="FormatException">Not a register response.</exception>
    public static IReadOnlyList<KeyValuePair<string, string>> Parse(string json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            var root = doc.RootElement;
            var device = Property(root, "device");
            return
            [
                new("device_id", Property(device, "id").GetString()!),
                new("device_secret", Property(root, "secret").GetString()!),
                new("profile", Property(device, "kind").GetString()!),
            ];
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new FormatException("Not a hub register response (expected device.id, device.kind and secret).", ex);
        }
    }

    // The hub writes camelCase; accept any casing.
    private static JsonElement Property(JsonElement e, string name) =>
        e.EnumerateObject().FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase)) is { Value.ValueKind: not JsonValueKind.Undefined } p
            ? p.Value
            : throw new KeyNotFoundException(name);
}
