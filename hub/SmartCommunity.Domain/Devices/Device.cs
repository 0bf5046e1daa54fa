namespace SmartCommunity.Domain.Devices;

/// <summary>A registered sensor node. Either in a household (optionally worn/used by one resident) or in a public space of a grid.</summary>
public sealed class Device
{
    public required string Id { get; set; }
    public DeviceKind Kind { get; set; }
    public DeviceLocation Location { get; set; }
    public string? Label { get; set; }
    public int? HouseholdId { get; set; }
    public int? ResidentId { get; set; }
    /// <summary>For devices in public spaces, which have no household.</summary>
    public int? GridId { get; set; }
    public required string SecretHash { get; set; }
    public DateTimeOffset RegisteredAt { get; set; }
    public bool Revoked { get; set; }

    // Health, as last reported; written back from memory periodically, not per message.
    public DateTimeOffset? LastSeenAt { get; set; }
    public bool Online { get; set; }
    public double? Battery { get; set; }
    public double? Rssi { get; set; }
    public string? Firmware { get; set; }
    public long LastSeq { get; set; } = -1;
}
