using System;

namespace SmartCommunity.Domain.Devices;

/// <summary>A registered sensor node. Either in a household (optionally worn/used by one resident) or in a public space of a grid.
/// Changes go through its methods (EF Core sets the private setters when it loads one).</summary>
public sealed class Device
{
    private Device() { }

    public string Id { get; private set; } = "";
    public DeviceKind Kind { get; private set; }
    public DeviceLocation Location { get; private set; }
    public string? Label { get; private set; }
    public int? HouseholdId { get; private set; }
    public int? ResidentId { get; private set; }
    /// <summary>For devices in public spaces, which have no household.</summary>
    public int? GridId { get; private set; }
    public string SecretHash { get; private set; } = "";

    /// <summary>The secret replaced by the last rotation, still accepted until <see cref="PreviousSecretValidUntil"/>.</summary>
    public string? PreviousSecretHash { get; private set; }
    public DateTimeOffset? PreviousSecretValidUntil { get; private set; }

    public DateTimeOffset RegisteredAt { get; private set; }
    public bool Revoked { get; private set; }

    // Health, as last reported; written back from memory periodically, not per message.
    public DateTimeOffset? LastSeenAt { get; private set; }
    public bool Online { get; private set; }
    public double? Battery { get; private set; }
    public double? Rssi { get; private set; }
    public string? Firmware { get; private set; }

    /// <summary>The highest sequence number accepted with the current secret; -1 before the first.</summary>
    public long LastSeq { get; private set; } = -1;

    /// <summary>A new device with its (hashed) secret, where it is installed.</summary>
    public static Device Register(string id, DeviceKind kind, string secretHash, DateTimeOffset at, DeviceLocation location = DeviceLocation.Home,
        string? label = null, int? householdId = null, int? residentId = null, int? gridId = null) => new()
        {
            Id = id,
            Kind = kind,
            SecretHash = secretHash,
            RegisteredAt = at,
            Location = location,
            Label = label,
            HouseholdId = householdId,
            ResidentId = residentId,
            GridId = gridId,
        };

    /// <summary>
    /// Replaces the secret. With a grace period the old one keeps working until then, so a device in the
    /// field can be re-provisioned without missing an alarm; a second rotation inside the grace drops the
    /// oldest. A zero grace cuts the old secret off at once (a leaked secret). The sequence belongs to one secret: a
    /// re-provisioned device counts from the start again.
    /// </summary>
    public void RotateSecret(string newSecretHash, TimeSpan grace, DateTimeOffset now)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(grace, TimeSpan.Zero);
        var keep = grace > TimeSpan.Zero;
        PreviousSecretHash = keep ? SecretHash : null;
        PreviousSecretValidUntil = keep ? now + grace : null;
        SecretHash = newSecretHash;
        LastSeq = -1;
    }

    /// <summary>The device has used its new secret: the old one need not work any longer.</summary>
    public void EndSecretGrace()
    {
        PreviousSecretHash = null;
        PreviousSecretValidUntil = null;
    }

    /// <summary>A new label, or a move: to another household (and wearer), or to a grid's common area.</summary>
    public void Move(string? label, DeviceLocation location, int? householdId, int? residentId, int? gridId) =>
        (Label, Location, HouseholdId, ResidentId, GridId) = (label, location, householdId, residentId, gridId);

    /// <summary>The temperature band this probe must keep, when not its location's (a freezer −25…−15 °C, a fridge 2…8 °C):
    /// the fixed rules and early warning read it instead of <see cref="Alerts.TemperatureBand.For"/>.</summary>
    public double? BandMin { get; private set; }
    public double? BandMax { get; private set; }

    public Alerts.TemperatureBand? TemperatureBand => BandMin is { } min && BandMax is { } max ? new(min, max) : null;

    /// <summary>Sets (null: removes) the probe's own band; the caller has checked it (<see cref="Alerts.TemperatureBand.Problem"/>).</summary>
    public void SetTemperatureBand(Alerts.TemperatureBand? band) => (BandMin, BandMax) = (band?.Min, band?.Max);

    /// <summary>Revoked: its connection is refused from now on.</summary>
    public void Revoke() => Revoked = true;

    /// <summary>The resident who used it was erased: the device stays, as one of the household's shared devices.</summary>
    public void UnlinkResident(int householdId)
    {
        ResidentId = null;
        HouseholdId ??= householdId;
    }

    /// <summary>
    /// Health as one hub instance last heard it (written back from memory). Several instances share a device's messages:
    /// the newest sighting wins, never the last writer; false when a newer one is stored.
    /// </summary>
    public bool RecordHealth(DateTimeOffset? seen, bool online, double? battery, double? rssi, string? firmware)
    {
        if (seen is not null && LastSeenAt is { } stored && stored > seen)
            return false;
        LastSeenAt = seen;
        Online = online;
        Battery = battery;
        Rssi = rssi;
        Firmware = firmware;
        return true;
    }

    /// <summary>
    /// The highest sequence number accepted under <paramref name="secretHash"/>. After a rotation (possibly through
    /// another instance) the device starts again, and a stale mark written back would make its new messages look like
    /// duplicates: a mark of another secret is ignored.
    /// </summary>
    public bool RecordSequence(long seq, string secretHash)
    {
        if (secretHash != SecretHash)
            return false;
        LastSeq = seq;
        return true;
    }

    /// <summary>Where a bulk import says the device is installed; false when that is where it already is. The secret is
    /// not touched: a re-import never rotates or reveals it.</summary>
    public bool PlaceAt(DeviceLocation location, string? label, int? householdId, int? residentId, int? gridId)
    {
        if (Location == location && Label == label && HouseholdId == householdId && ResidentId == residentId && GridId == gridId)
            return false;
        (Location, Label, HouseholdId, ResidentId, GridId) = (location, label, householdId, residentId, gridId);
        return true;
    }
}
