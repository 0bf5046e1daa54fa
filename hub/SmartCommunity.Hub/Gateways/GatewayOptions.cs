using System.ComponentModel.DataAnnotations;

namespace SmartCommunity.Hub.Gateways;

/// <summary>Community edge gateways ("Hub:Gateways", docs/gateway.md).</summary>
public sealed class GatewayOptions
{
    public const string Section = "Hub:Gateways";

    /// <summary>How often a gateway publishes its health (the gateway's own HealthInterval); silent after three of them.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan HealthInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often the hub looks for silent gateways.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan SupervisionInterval { get; set; } = TimeSpan.FromSeconds(10);
}
