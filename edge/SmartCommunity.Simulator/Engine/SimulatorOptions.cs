using System.Security.Cryptography.X509Certificates;
using MQTTnet.Formatter;

namespace SmartCommunity.Simulator.Engine;

/// <summary>How the simulated devices connect and behave. Defaults match the real firmware.</summary>
public sealed record SimulatorOptions
{
    public string Host { get; init; } = "127.0.0.1";

    public int Port { get; init; } = 1883;

    /// <summary>MQTT 5 by default; <see cref="MqttProtocolVersion.V311"/> for 3.1.1 devices.</summary>
    public MqttProtocolVersion ProtocolVersion { get; init; } = MqttProtocolVersion.V500;

    /// <summary>Appended to the device id to form the client id (e.g. "-sim"); the hub requires the id as prefix.</summary>
    public string? ClientIdSuffix { get; init; }

    /// <summary>How much faster than real time the routine runs (intervals are divided by it).</summary>
    public double Speed { get; init; } = 1.0;

    /// <summary>Publish routine readings and periodic heartbeats. Off for tests that only want events.</summary>
    public bool RoutineTraffic { get; init; } = true;

    /// <summary>
    /// How many times faster than a real room the <c>heating-failure</c> scenario cools (1: ~1 °C per 20 simulated minutes).
    /// Above 1 the scenario is a time-lapse for a demo: the node is also told (a config downlink, as the hub would) to
    /// report every 10 s, its minimum, so the fall below the safe 16 °C shows within a minute at 240.
    /// </summary>
    public double HeatingFailurePace { get; init; } = 1;

    /// <summary>Seed for the signal models; null for a different fleet each run.</summary>
    public int? Seed { get; init; }

    /// <summary>
    /// Firmware settings provisioned on every node on top of its kind's profile, by name as in
    /// firmware/README.md (e.g. <c>sos_cancel_ms</c> = 0, <c>reading_s</c> = 10). Each is validated by the core.
    /// </summary>
    public IReadOnlyDictionary<string, int> NodeSettings { get; init; } = new Dictionary<string, int>();

    /// <summary>
    /// Connect over TLS and accept the broker only if its certificate names <see cref="Host"/> and chains to the CA whose
    /// SHA-256 (of its DER) this is: the firmware's <c>ca_sha256</c>. Null: plain MQTT (the simulator's default set-up).
    /// The CA is taken from the certificates the broker presents or from <see cref="CaCertificates"/>.
    /// </summary>
    public string? ServerCaSha256 { get; init; }

    /// <summary>The device's CA store (the certificates flashed with the firmware): where <see cref="ServerCaSha256"/> is looked up
    /// when the broker does not send its CA.</summary>
    public IReadOnlyList<X509Certificate2> CaCertificates { get; init; } = [];

    public TimeSpan KeepAlive { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Timeout of one MQTT exchange (CONNECT, PUBLISH/PUBACK, SUBSCRIBE).</summary>
    public TimeSpan CommunicationTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>MQTT 5 session expiry: the broker keeps the session (subscriptions, queued commands) this long.</summary>
    public TimeSpan SessionExpiry { get; init; } = TimeSpan.FromDays(1);

    public TimeSpan ReconnectDelayMin { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan ReconnectDelayMax { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Connection attempts in flight at once across the fleet, so a big fleet does not stampede the broker.</summary>
    public int MaxConcurrentConnects { get; init; } = 16;

    /// <summary>How long <c>InjectAsync</c> waits for a reconnecting device before giving up.</summary>
    public TimeSpan InjectTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Where each device keeps its flash (the firmware core's configuration, sequence numbers and outbox), one folder
    /// per device id. A simulator started again on the same folder continues each device's numbering, as a real device
    /// does after a reboot. Null: in memory, every run starts factory-fresh (numbering at 1), which the hub only accepts
    /// for a device registered afresh.
    /// </summary>
    public string? StorageDirectory { get; init; }

    /// <summary>On stop, publish the offline status (the last-will payload) before a clean DISCONNECT.</summary>
    public bool AnnounceOfflineOnStop { get; init; } = true;

    /// <exception cref="ArgumentException">An option is out of range.</exception>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Host))
        {
            throw new ArgumentException("Host is required.", nameof(Host));
        }

        if (Port is < 1 or > 65535)
        {
            throw new ArgumentException($"Port {Port} is out of range.", nameof(Port));
        }

        if (ProtocolVersion is not (MqttProtocolVersion.V311 or MqttProtocolVersion.V500))
        {
            throw new ArgumentException("Protocol version must be 3.1.1 or 5.", nameof(ProtocolVersion));
        }

        if (!double.IsFinite(Speed) || Speed <= 0 || Speed > 100_000)
        {
            throw new ArgumentException($"Speed {Speed} must be in (0, 100000].", nameof(Speed));
        }

        if (!double.IsFinite(HeatingFailurePace) || HeatingFailurePace < 1 || HeatingFailurePace > 100_000)
        {
            throw new ArgumentException($"Heating-failure pace {HeatingFailurePace} must be in [1, 100000].", nameof(HeatingFailurePace));
        }

        ArgumentNullException.ThrowIfNull(NodeSettings, nameof(NodeSettings));
        ArgumentNullException.ThrowIfNull(CaCertificates, nameof(CaCertificates));

        if (ServerCaSha256 is not null && (ServerCaSha256.Length != 64 || !ServerCaSha256.All(char.IsAsciiHexDigit)))
        {
            throw new ArgumentException("ServerCaSha256 is 64 hex digits.", nameof(ServerCaSha256));
        }

        if (ClientIdSuffix is { Length: > 16 })
        {
            throw new ArgumentException("Client id suffix is limited to 16 characters.", nameof(ClientIdSuffix));
        }

        if (ReconnectDelayMin <= TimeSpan.Zero || ReconnectDelayMax < ReconnectDelayMin)
        {
            throw new ArgumentException("Reconnect delays must be positive and min ≤ max.", nameof(ReconnectDelayMin));
        }

        if (CommunicationTimeout <= TimeSpan.Zero || InjectTimeout <= TimeSpan.Zero || KeepAlive < TimeSpan.Zero)
        {
            throw new ArgumentException("Timeouts must be positive.", nameof(CommunicationTimeout));
        }

        if (MaxConcurrentConnects < 1)
        {
            throw new ArgumentException("MaxConcurrentConnects must be at least 1.", nameof(MaxConcurrentConnects));
        }
    }
}
