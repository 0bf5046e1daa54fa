using System;

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

    /// <summary>The secret replaced by the last rotation, still accepted until <see cref="PreviousSecretValidUntil"/>.</summary>
    public string? PreviousSecretHash { get; set; }
    public DateTimeOffset? PreviousSecretValidUntil { get; set; }

    public DateTimeOffset RegisteredAt { get; set; }
    public bool Revoked { get; set; }

    // Health, as last reported; written back from memory periodically, not per message.
    public DateTimeOffset? LastSeenAt { get; set; }
    public bool Online { get; set; }
    public double? Battery { get; set; }
    public double? Rssi { get; set; }
    public string? Firmware { get; set; }
    public long LastSeq { get; set; } = -1;

    /// <summary>
    /// Replaces the secret. With a grace period the old one keeps working until then, so a device in the
    /// field can be re-provisioned without missing an alarm; a second rotation inside the grace drops the
    /// oldest. A zero grace cuts the old secret off at once (a leaked secret).
    /// </summary>
    public void RotateSecret(string newSecretHash, TimeSpan grace, DateTimeOffset now)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(grace, TimeSpan.Zero);
        var keep = grace > TimeSpan.Zero;
        PreviousSecretHash = keep ? SecretHash : null;
        PreviousSecretValidUntil = keep ? now + grace : null;
        SecretHash = newSecretHash;
    }

    /// <summary>The device has used its new secret: the old one need not work any longer.</summary>
    public void EndSecretGrace()
    {
        PreviousSecretHash = null;
        PreviousSecretValidUntil = null;
    }
}
