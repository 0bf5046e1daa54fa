using System.ComponentModel.DataAnnotations;
using System.Text.RegularExpressions;

namespace SmartCommunity.Gateway;

/// <summary>Settings under <c>Gateway:</c> (docs/gateway.md). Code defaults suit a community box; the id, the secret
/// and the hub's addresses are the only settings an installation must give.</summary>
public sealed partial class GatewayOptions
{
    public const string Section = "Gateway";

    /// <summary>The gateway's id as registered at the hub (<c>POST /api/gateways</c>).</summary>
    [Required]
    public string Id { get; set; } = "";

    /// <summary>The secret the hub showed once at registration. Better given by <see cref="SecretFile"/> than inline.</summary>
    public string? Secret { get; set; }

    /// <summary>A file holding the secret (read at start; e.g. a systemd credential).</summary>
    public string? SecretFile { get; set; }

    /// <summary>The hub's HTTP(S) address, for the registry sync.</summary>
    [Required]
    public Uri? HubUrl { get; set; }

    /// <summary>The hub's MQTT broker.</summary>
    [Required]
    public string UplinkHost { get; set; } = "";

    [Range(1, 65535)]
    public int UplinkPort { get; set; } = 8883;

    public bool UplinkTls { get; set; } = true;

    /// <summary>Queue, registry cache. Must survive a restart (not /tmp on a tmpfs).</summary>
    public string DataDirectory { get; set; } = "/var/lib/smartcommunity-gateway";

    /// <summary>Where devices connect (all interfaces by default: devices are on the community's network).</summary>
    public string BindAddress { get; set; } = "0.0.0.0";

    [Range(1, 65535)]
    public int MqttPort { get; set; } = 1883;

    /// <summary>The gateway's own status page (<c>/status</c>).</summary>
    [Range(1, 65535)]
    public int HttpPort { get; set; } = 8080;

    public TimeSpan RegistrySyncInterval { get; set; } = TimeSpan.FromSeconds(60);

    public TimeSpan HealthInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Bytes the queue may hold; beyond it routine readings are dropped oldest-first, life-safety events never.</summary>
    [Range(1024, long.MaxValue)]
    public long DiskQuotaBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>Size at which a queue segment file is closed and a new one begun.</summary>
    [Range(1024, int.MaxValue)]
    public int SegmentBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>Forwarded messages awaiting the hub's PUBACK at once (at most one per device, so order holds).</summary>
    [Range(1, 65535)]
    public int InFlightWindow { get; set; } = 256;

    public TimeSpan ReconnectMin { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan ReconnectMax { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>A program run for each local alert with the device id and alert kind as arguments (a sounder, a siren relay).</summary>
    public string? SounderCommand { get; set; }

    /// <summary>Each local alert is POSTed here as JSON (an SMS gateway, a paging service on the community's network).</summary>
    public Uri? AlertWebhook { get; set; }

    /// <summary>The duty room's password for the local board (the dashboard served by the gateway; each person signs in
    /// with their name and it); without one nobody can sign in.</summary>
    public string? BoardPassword { get; set; }

    /// <summary>The built dashboard (dashboard/dist); empty: <c>dashboard/</c> next to the binary, else dashboard/dist above the working directory.</summary>
    public string? DashboardPath { get; set; }

    public string ClientId => "gw/" + Id;

    public string AlertTopic => $"sc/gw/v1/{Id}/alert";

    public string HealthTopic => $"sc/gw/v1/{Id}/health";

    public string DownlinkFilter => $"sc/gw/v1/{Id}/d/#";

    public string ResolveSecret()
    {
        if (!string.IsNullOrEmpty(Secret))
            return Secret;
        if (!string.IsNullOrEmpty(SecretFile))
            return File.ReadAllText(SecretFile).Trim();
        throw new InvalidOperationException("Gateway:Secret or Gateway:SecretFile is required");
    }

    [GeneratedRegex("^gw-[a-z0-9-]{2,28}$")]
    public static partial Regex IdPattern();
}
