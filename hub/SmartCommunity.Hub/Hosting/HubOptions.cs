using System.ComponentModel.DataAnnotations;

namespace SmartCommunity.Hub.Hosting;

/// <summary>Hub settings: defaults here, then the "Hub" configuration section, validated at start.</summary>
public sealed class HubOptions
{
    public const string Section = "Hub";

    /// <summary>Everything the hub persists lives here: hub.db (people, devices, alerts) and telemetry.db.</summary>
    [Required]
    public string DataDirectory { get; set; } = "data";

    /// <summary>Loopback by default: plain MQTT passwords must not cross a LAN until TLS is configured.
    /// Set 0.0.0.0 to let devices on the community network connect.</summary>
    [Required]
    public string BindAddress { get; set; } = "127.0.0.1";

    [Range(0, 65535)]
    public int HttpPort { get; set; } = 8080;

    [Range(0, 65535)]
    public int MqttPort { get; set; } = 1883;

    /// <summary>MQTT over WebSockets on the HTTP port.</summary>
    [Required]
    public string MqttWebSocketPath { get; set; } = "/mqtt";

    /// <summary>
    /// How long the broker waits for a client's CONNECT, and for the rest of any packet once its first byte has come: a
    /// socket that opens and stays silent, trickles bytes or announces more than it sends is closed after this.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:05:00")]
    public TimeSpan MqttConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The longest keep-alive the broker honours. A connection that sends nothing for 1.5 × this is closed, whatever
    /// keep-alive its CONNECT asked for: keep-alive 0 ("none") and longer ones are treated as this. Clients with a
    /// shorter keep-alive are closed by the broker at 1.5 × their own, as MQTT requires.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:05", "01:00:00")]
    public TimeSpan MqttMaxKeepAlive { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Live MQTT connections one device credential may hold with different client ids. A connect with a client id
    /// already connected takes that session over (as MQTT does); one beyond this is refused (CONNACK quota exceeded)
    /// and counted as too_many_connections.
    /// </summary>
    [Range(1, 100)]
    public int MqttMaxConnectionsPerDevice { get; set; } = 1;

    /// <summary>
    /// The largest MQTT packet the broker reads at all; a client announcing more is disconnected at once, before the
    /// packet is buffered. Payloads between <see cref="MaxPayloadBytes"/> and this are read and refused as too_large
    /// (counted for the device, which stays connected).
    /// </summary>
    [Range(4096, 268_435_455)]
    public int MqttMaxPacketBytes { get; set; } = 1024 * 1024;

    [Range(256, 262_144)]
    public int MaxPayloadBytes { get; set; } = 4096;

    /// <summary>Sustained messages per second one device may send; a pendant sends one every few minutes.</summary>
    [Range(0.01, 100_000)]
    public double DeviceMessagesPerSecond { get; set; } = 20;

    /// <summary>Burst allowance, e.g. an offline buffer replayed after reconnect.</summary>
    [Range(1, 1_000_000)]
    public double DeviceMessageBurst { get; set; } = 200;

    /// <summary>A device that keeps sending QoS 0 far over its budget (this many refusals in a row) is disconnected:
    /// refusing each message still costs the hub CPU that the other devices need.</summary>
    [Range(1, 100_000_000)]
    public long DeviceFloodDisconnectAfter { get; set; } = 1000;

    /// <summary>How long a device disconnected for flooding is refused when it reconnects.</summary>
    public TimeSpan DeviceFloodCooldown { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Seeds a demo community (people, places, devices) on first start and writes demo-fleet.json for the simulator.</summary>
    public bool Demo { get; set; }

    /// <summary>Where the built dashboard is; empty means "find dashboard/dist above the content root".</summary>
    public string? DashboardPath { get; set; }

    /// <summary>The community desk's phone number (E.164, e.g. +8610…), shown to families as "call the desk";
    /// empty hides the button.</summary>
    [RegularExpression(@"^(\+[1-9][0-9]{1,14})?$", ErrorMessage = "Hub:DeskPhone must be E.164, e.g. +861012345678")]
    public string? DeskPhone { get; set; }

    /// <summary>How often in-memory device health (last seen, battery, sequence) is written back.</summary>
    public TimeSpan DeviceStateFlushInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often devices are checked for missed heartbeats.</summary>
    public TimeSpan SupervisionInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a device's previous secret keeps working after a rotation, so a device can be
    /// re-provisioned without a gap; the first connect with the new secret ends it early.</summary>
    public TimeSpan DeviceSecretGracePeriod { get; set; } = TimeSpan.FromHours(24);

    public FirstAdminOptions FirstAdmin { get; set; } = new();

    public TlsOptions Tls { get; set; } = new();

    public string DataPath(string file) => Path.Combine(Path.GetFullPath(DataDirectory), file);

    /// <summary>The settings as configured, for registrations that depend on them (before the container is built).</summary>
    public static HubOptions Read(IConfiguration configuration) =>
        configuration.GetSection(Section).Get<HubOptions>() ?? new HubOptions();
}

/// <summary>The first administrator, from the environment (Hub__FirstAdmin__Email / __Password); never from a committed file.</summary>
public sealed class FirstAdminOptions
{
    public string? Email { get; set; }
    public string? Password { get; set; }
}

/// <summary>
/// HTTPS and MQTT over TLS: on when a certificate is configured. The plain ports stay open unless
/// <see cref="RequireTls"/> is set, so the loopback development set-up needs no certificates.
/// </summary>
public sealed class TlsOptions
{
    /// <summary>The server certificate: a PEM file (optionally followed by its intermediates) or a .pfx/.p12.</summary>
    public string? CertificatePath { get; set; }

    /// <summary>The PEM private key, when it is not in <see cref="CertificatePath"/>.</summary>
    public string? KeyPath { get; set; }

    /// <summary>For a .pfx or an encrypted PEM key; from the environment (Hub__Tls__Password), never a committed file.</summary>
    public string? Password { get; set; }

    public int HttpsPort { get; set; } = 8443;

    public int MqttTlsPort { get; set; } = 8883;

    /// <summary>PEM file with the CA certificate devices pin: the one the broker's certificate chains to (the hub's server
    /// certificate, or an external broker's). Its SHA-256 goes into provisioning documents as <c>ca_sha256</c>.</summary>
    public string? CaPath { get; set; }

    /// <summary>PEM file with the CA(s) that sign device certificates. When set, the MQTT TLS port asks
    /// devices for a client certificate, which then replaces the password.</summary>
    public string? DeviceCaPath { get; set; }

    /// <summary>Closes the plain HTTP and MQTT ports: for a deployment on the community network.</summary>
    public bool RequireTls { get; set; }

    public bool Enabled => !string.IsNullOrWhiteSpace(CertificatePath);
}
