using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;
using System.Text;

namespace SmartCommunity.Hub.Broker;

/// <summary>
/// Where devices connect: the embedded broker (default: one machine, nothing to run besides the hub) or an
/// external MQTT 5 broker that several hub instances consume from with a shared subscription ("Hub:Broker").
/// </summary>
public sealed class BrokerOptions
{
    public const string Section = "Hub:Broker";
    public const string Embedded = "embedded";
    public const string ExternalMode = "external";

    [Required]
    public string Mode { get; set; } = Embedded;

    public ExternalBrokerOptions External { get; set; } = new();

    public bool IsExternal => string.Equals(Mode, ExternalMode, StringComparison.OrdinalIgnoreCase);

    public static BrokerOptions Read(IConfiguration configuration) =>
        configuration.GetSection(Section).Get<BrokerOptions>() ?? new BrokerOptions();
}

/// <summary>The external broker (Mosquitto 2 with the dynamic-security plugin, or any MQTT 5 broker with shared subscriptions).</summary>
public sealed class ExternalBrokerOptions
{
    public string Host { get; set; } = "127.0.0.1";

    [Range(1, 65535)]
    public int Port { get; set; } = 1883;

    public bool UseTls { get; set; }

    /// <summary>The hub's own broker account: consumes the shared subscriptions and publishes downlinks.</summary>
    public string? Username { get; set; }
    public string? Password { get; set; }

    /// <summary>Fixed per instance, so a restarted instance resumes its persistent session and gets what was queued
    /// for it. Empty: derived from the machine name and the data directory.</summary>
    public string? ClientId { get; set; }

    /// <summary>The shared-subscription group: instances in one group split the devices' messages between them.</summary>
    [Required, RegularExpression("^[A-Za-z0-9_-]{1,64}$")]
    public string SharedGroup { get; set; } = "hub";

    /// <summary>Provision device credentials and ACLs in Mosquitto through <c>$CONTROL/dynamic-security/v1</c>.
    /// Off: the broker's accounts are managed elsewhere (EMQX, HiveMQ), the hub only consumes.</summary>
    public bool DynamicSecurity { get; set; } = true;

    /// <summary>The dynamic-security administrator, if it is not the hub's own account. When set, the hub creates or
    /// updates its own account (Username/Password) at start with least privilege; when empty, Username must be
    /// allowed to send control commands and the hub adds its role to it.</summary>
    public string? AdminUsername { get; set; }
    public string? AdminPassword { get; set; }

    /// <summary>How long the broker keeps this instance's session (and queues its share of messages) while it is away.</summary>
    public TimeSpan SessionExpiry { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Messages are handled in parallel lanes, one device always on the same lane (its messages stay in order).</summary>
    [Range(1, 256)]
    public int Lanes { get; set; } = 16;

    /// <summary>Messages a lane may have begun (alerts persisted, readings queued) ahead of their acknowledgement, which
    /// waits for the readings to be durable: the lane does not stand still for each store round trip.</summary>
    [Range(1, 4096)]
    public int LaneDepth { get; set; } = 64;

    /// <summary>Unacknowledged messages the broker may have in flight to this instance (MQTT 5 Receive Maximum).</summary>
    [Range(1, 65535)]
    public int ReceiveMaximum { get; set; } = 512;

    public TimeSpan ReconnectMinDelay { get; set; } = TimeSpan.FromMilliseconds(200);
    public TimeSpan ReconnectMaxDelay { get; set; } = TimeSpan.FromSeconds(15);
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often this instance re-reads the device registry, to see changes made through other instances.</summary>
    public TimeSpan DirectoryRefreshInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>What a device is told to connect to (registration response, QR code); defaults to Host/Port.</summary>
    public string? DeviceHost { get; set; }
    public int? DevicePort { get; set; }

    public string ClientIdFor(string dataDirectory)
    {
        if (!string.IsNullOrWhiteSpace(ClientId))
            return ClientId;
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Path.GetFullPath(dataDirectory))))[..10];
        var machine = new string([.. Environment.MachineName.ToLowerInvariant().Where(c => char.IsAsciiLetterOrDigit(c) || c == '-')]);
        return $"sc-hub-{(machine.Length > 24 ? machine[..24] : machine)}-{hash}";
    }
}
