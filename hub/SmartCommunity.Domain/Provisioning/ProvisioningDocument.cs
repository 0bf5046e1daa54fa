using System;
using System.Buffers;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Text.Json;
using SmartCommunity.Domain.Catalog;
using SmartCommunity.Domain.Devices;
using SmartCommunity.Domain.Ingestion;

namespace SmartCommunity.Domain.Provisioning;

/// <summary>
/// What a technician carries from the hub to a sensor node: one small versioned JSON object, the same bytes in the
/// hub's QR code, in its register response (<c>provisioning</c>) and on <c>sc-provision -r</c>'s input:
/// <code>{"sc":"provision","v":2,"id":"sos-0042","profile":"sos","secret":"…","broker":"mqtts://hub.local:8883","ca_sha256":"…","set":{"heartbeat_s":1800}}</code>
/// <c>broker</c> and <c>ca_sha256</c> are left out when the hub cannot name them (no TLS port for devices, no CA
/// configured); Wi-Fi credentials are never in it: the technician adds them at install. Readers refuse another major
/// version <c>v</c> and ignore keys they do not know, so a later minor addition does not break an older tool.
/// Every value is checked with the firmware's own rules (firmware/README.md, "Provisioning protocol").
/// </summary>
public sealed class ProvisioningDocument
{
    public const string Marker = "provision";
    public const int Version = 2;

    /// <summary>The firmware's default <c>heartbeat_s</c> (firmware/SensorNode.Core/Setting.cs; a test holds them equal):
    /// the document carries a heartbeat only for kinds whose catalogue interval differs, to keep the QR code small.</summary>
    public const int FirmwareHeartbeatSeconds = 300;

    public const string HeartbeatSetting = "heartbeat_s";

    private const int MaxSettings = 32;

    private static readonly JsonDocumentOptions ReadOptions = new() { MaxDepth = 4 };

    private ProvisioningDocument(string deviceId, string profile, string secret, string? brokerUrl, string? caSha256, IReadOnlyList<KeyValuePair<string, int>> settings)
    {
        DeviceId = deviceId;
        Profile = profile;
        Secret = secret;
        BrokerUrl = brokerUrl;
        CaSha256 = caSha256;
        Settings = settings;
    }

    public string DeviceId { get; }

    /// <summary>The device kind's wire name, which is also the firmware's <c>profile</c>.</summary>
    public string Profile { get; }

    public string Secret { get; }

    /// <summary><c>mqtts://host[:port]</c>; null when the hub has no TLS port for devices.</summary>
    public string? BrokerUrl { get; }

    /// <summary>SHA-256 of the CA certificate (DER) the broker's certificate chains to, 64 lowercase hex digits.</summary>
    public string? CaSha256 { get; }

    /// <summary>Numeric firmware settings by name, in the order they are written.</summary>
    public IReadOnlyList<KeyValuePair<string, int>> Settings { get; }

    /// <summary>The document for a device of <paramref name="kind"/>, with the kind's settings from the catalogue.</summary>
    /// <exception cref="ArgumentException">A value the firmware would refuse.</exception>
    public static ProvisioningDocument ForDevice(string deviceId, DeviceKind kind, string secret, string? brokerUrl, string? caSha256)
    {
        var document = new ProvisioningDocument(deviceId, kind.ToWire(), secret, brokerUrl, caSha256?.ToLowerInvariant(), KindSettings(kind));
        if (document.Problem() is { } problem)
            throw new ArgumentException(problem);
        return document;
    }

    /// <summary>The numeric settings a device of <paramref name="kind"/> is provisioned with where the catalogue differs
    /// from the firmware's defaults (its heartbeat): also the "default" the hub's device configuration starts from.</summary>
    public static IReadOnlyList<KeyValuePair<string, int>> KindSettings(DeviceKind kind)
    {
        var heartbeat = (int)kind.Spec().HeartbeatInterval.TotalSeconds;
        return heartbeat == FirmwareHeartbeatSeconds ? [] : [new(HeartbeatSetting, heartbeat)];
    }

    /// <summary><c>mqtts://host:port</c>, or null when <paramref name="host"/> cannot be written in the firmware's broker
    /// URL (an IPv6 literal, a name outside ASCII letters, digits, dots and dashes).</summary>
    public static string? BrokerUrlFor(string host, int port)
    {
        var url = string.Create(CultureInfo.InvariantCulture, $"mqtts://{host}:{port}");
        return IsBrokerUrl(url) ? url : null;
    }

    /// <summary>The compact JSON the QR code carries; keys in a fixed order.</summary>
    public string ToJson()
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("sc", Marker);
            w.WriteNumber("v", Version);
            w.WriteString("id", DeviceId);
            w.WriteString("profile", Profile);
            w.WriteString("secret", Secret);
            if (BrokerUrl is not null)
                w.WriteString("broker", BrokerUrl);
            if (CaSha256 is not null)
                w.WriteString("ca_sha256", CaSha256);
            if (Settings.Count > 0)
            {
                w.WriteStartObject("set");
                foreach (var (name, value) in Settings)
                    w.WriteNumber(name, value);
                w.WriteEndObject();
            }
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>True when <paramref name="root"/> says it is a provisioning document (it has the <c>sc</c> marker key),
    /// whatever its version: such an object is read with <see cref="Parse(JsonElement)"/> and its errors, never as something else.</summary>
    public static bool IsMarked(JsonElement root) =>
        root.ValueKind == JsonValueKind.Object && root.TryGetProperty("sc", out _);

    /// <exception cref="FormatException">Not a valid provisioning document; the message says what is wrong.</exception>
    public static ProvisioningDocument Parse(string json)
    {
        JsonDocument parsed;
        try
        {
            parsed = JsonDocument.Parse(json, ReadOptions);
        }
        catch (JsonException ex)
        {
            throw new FormatException($"not JSON: {ex.Message}", ex);
        }
        using (parsed)
            return Parse(parsed.RootElement);
    }

    /// <exception cref="FormatException">Not a valid provisioning document; the message says what is wrong.</exception>
    public static ProvisioningDocument Parse(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
            throw new FormatException("a provisioning document is a JSON object");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var p in root.EnumerateObject())
        {
            if (!seen.Add(p.Name))
                throw new FormatException($"\"{p.Name}\" appears twice");
        }
        if (!root.TryGetProperty("sc", out var sc) || sc.ValueKind != JsonValueKind.String || sc.GetString() != Marker)
            throw new FormatException($"not a SmartCommunity provisioning document (expected \"sc\":\"{Marker}\")");
        if (!root.TryGetProperty("v", out var v) || v.ValueKind != JsonValueKind.Number || !v.TryGetInt32(out var version))
            throw new FormatException("\"v\" (the format's major version) is missing or not an integer");
        if (version != Version)
        {
            throw new FormatException(version > Version
                ? $"provisioning document version {version} is newer than this tool reads (version {Version}): update sc-provision"
                : $"provisioning document version {version} is no longer read (this tool reads version {Version}): print the code again from the hub");
        }

        var settings = new List<KeyValuePair<string, int>>();
        if (root.TryGetProperty("set", out var set))
        {
            if (set.ValueKind != JsonValueKind.Object)
                throw new FormatException("\"set\" must be an object of setting names and integers");
            foreach (var s in set.EnumerateObject())
            {
                if (!IsSettingName(s.Name))
                    throw new FormatException($"\"set\": \"{s.Name}\" is not a setting name (lower-case letters, digits and _)");
                if (s.Value.ValueKind != JsonValueKind.Number || !s.Value.TryGetInt32(out var value))
                    throw new FormatException($"\"set\": \"{s.Name}\" must be an integer");
                if (settings.Any(x => x.Key == s.Name))
                    throw new FormatException($"\"set\": \"{s.Name}\" appears twice");
                settings.Add(new(s.Name, value));
            }
            if (settings.Count > MaxSettings)
                throw new FormatException($"\"set\" has more than {MaxSettings} settings");
        }

        var document = new ProvisioningDocument(
            RequiredString(root, "id"), RequiredString(root, "profile"), RequiredString(root, "secret"),
            OptionalString(root, "broker"), OptionalString(root, "ca_sha256")?.ToLowerInvariant(), settings);
        if (document.Problem() is { } problem)
            throw new FormatException(problem);
        return document;
    }

    public static bool TryParse(string json, out ProvisioningDocument? document, out string? error)
    {
        try
        {
            document = Parse(json);
            error = null;
            return true;
        }
        catch (FormatException ex)
        {
            document = null;
            error = ex.Message;
            return false;
        }
    }

    /// <summary>What the firmware would refuse, in its own terms, or null.</summary>
    private string? Problem()
    {
        if (!DeviceIdentifier.IsValid(DeviceId))
            return "\"id\" must match ^[a-z0-9][a-z0-9-]{2,31}$";
        if (!DeviceKinds.TryParse(Profile, out var kind) || kind.ToWire() != Profile)
            return $"\"profile\" \"{Profile}\" is not a device kind ({string.Join(", ", WireName.All<DeviceKind>())})";
        if (Secret.Length is < 16 or > 128 || !Secret.All(c => c is > ' ' and <= '~'))
            return "\"secret\" must be 16–128 printable ASCII characters without spaces";
        if (BrokerUrl is not null && !IsBrokerUrl(BrokerUrl))
            return "\"broker\" must be mqtts://host[:port] (the firmware refuses plain mqtt)";
        if (CaSha256 is not null && (CaSha256.Length != 64 || !CaSha256.All(char.IsAsciiHexDigitLower)))
            return "\"ca_sha256\" must be 64 hex digits (SHA-256 of the CA certificate)";
        return null;
    }

    /// <summary>The firmware's rule (DeviceConfig.IsValidBrokerUrl): mqtts://, a host of ASCII letters, digits, dots and
    /// dashes, an optional port 1–65535, at most 200 characters.</summary>
    private static bool IsBrokerUrl(string url)
    {
        const string scheme = "mqtts://";
        if (url.Length <= scheme.Length || url.Length > 200 || !url.StartsWith(scheme, StringComparison.Ordinal))
            return false;
        var rest = url.AsSpan(scheme.Length);
        var colon = rest.IndexOf(':');
        var host = colon < 0 ? rest : rest[..colon];
        if (host.IsEmpty || host.ContainsAnyExcept(HostChars))
            return false;
        if (colon < 0)
            return true;
        var port = rest[(colon + 1)..];
        return port.Length is >= 1 and <= 5 && !port.ContainsAnyExcept(Digits) && int.Parse(port, CultureInfo.InvariantCulture) is >= 1 and <= 65535;
    }

    private static readonly SearchValues<char> HostChars = SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-");
    private static readonly SearchValues<char> Digits = SearchValues.Create("0123456789");

    private static bool IsSettingName(string name) =>
        name.Length is >= 1 and <= 32 && name[0] is >= 'a' and <= 'z' && name.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_');

    private static string RequiredString(JsonElement root, string name) =>
        root.TryGetProperty(name, out var e) && e.ValueKind == JsonValueKind.String
            ? e.GetString()!
            : throw new FormatException($"\"{name}\" is missing or not a string");

    private static string? OptionalString(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var e) || e.ValueKind == JsonValueKind.Null)
            return null;
        return e.ValueKind == JsonValueKind.String ? e.GetString() : throw new FormatException($"\"{name}\" must be a string");
    }
}
