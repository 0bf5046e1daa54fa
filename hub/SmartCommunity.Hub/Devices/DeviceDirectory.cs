using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using SmartCommunity.Domain.Alerts;
using SmartCommunity.Domain.Devices;
using SmartCommunity.Domain.Places;
using SmartCommunity.Hub.Hosting;
using SmartCommunity.Hub.Persistence;

namespace SmartCommunity.Hub.Devices;

/// <summary>
/// What ingestion needs to know about a device, in memory: credentials, where it is, its rules and its
/// live health. The database is the source of truth; this is rebuilt at start, updated on register, and a
/// miss falls back to the database (<see cref="DeviceDirectory.FindOrLoadAsync"/>), so no instance of a cluster
/// needs to have seen a device's registration.
/// Health is written back by <see cref="DeviceStateFlusher"/> so the hot path never waits for SQL.
/// </summary>
public sealed class DeviceEntry
{
    public DeviceEntry(Device device, AlertPlace place, TokenBucket? budget = null, bool sharedSequence = false)
    {
        Budget = budget ?? new TokenBucket(20, 200);
        Id = device.Id;
        Kind = device.Kind;
        SecretHash = device.SecretHash;
        PreviousSecret = device is { PreviousSecretHash: { } previous, PreviousSecretValidUntil: { } until } ? new(previous, until) : null;
        Revoked = device.Revoked;
        Place = place;
        Rules = new RuleContext(device.Id, device.Kind, device.Location, device.TemperatureBand);
        Window = device.LastSeq < 0 ? new SequenceWindow()
            : sharedSequence ? SequenceWindow.SharedMark((uint)device.LastSeq)
            : new SequenceWindow((uint)device.LastSeq);
        Liveness = new DeviceLiveness(device.LastSeenAt, device.Online, device.Battery, device.Rssi, device.Firmware);
    }

    public string Id { get; }
    public DeviceKind Kind { get; }
    public string SecretHash { get; set; }

    /// <summary>The secret before the last rotation and until when it works; one reference, so a reader sees both or neither.</summary>
    public PreviousSecret? PreviousSecret { get; set; }
    public bool Revoked { get; set; }
    public AlertPlace Place { get; set; }
    public RuleContext Rules { get; set; }

    /// <summary>Guards the fields below; MQTT delivers one client's messages in order, so contention is rare.</summary>
    public Lock Sync { get; } = new();
    public SequenceWindow Window { get; set; }

    /// <summary>Online, last seen, the health of its status messages; changed through its methods only.</summary>
    public DeviceLiveness Liveness { get; }
    public DateTimeOffset? LastSeenAt => Liveness.LastSeenAt;
    public bool Online => Liveness.Online;
    public double? Battery => Liveness.Battery;
    public double? Rssi => Liveness.Rssi;
    public string? Firmware => Liveness.Firmware;

    /// <summary>Liveness or the sequence window changed since the last write-back (<see cref="DeviceStateFlusher"/>).</summary>
    public bool Dirty { get; set; }

    /// <summary>The device's message budget (see <see cref="HubOptions.DeviceMessagesPerSecond"/>).</summary>
    public TokenBucket Budget { get; }

    /// <summary>Messages delayed or refused because the device exceeded its budget; shown to technicians.</summary>
    public long Throttled { get; set; }

    /// <summary>When the last over-budget warning was logged, and how many over-budget messages came since (one line per interval).</summary>
    public DateTimeOffset? BudgetWarnedAt { get; set; }
    public long BudgetWarningsSuppressed { get; set; }

    /// <summary>An offline alert was raised (last will or missed heartbeats) and nothing was heard since.</summary>
    public bool OfflineReported => Liveness.OfflineReported;

    /// <summary>A missed-heartbeat alert is open (device connected but silent).</summary>
    public bool MissedHeartbeatReported { get; set; }

    /// <summary>A low-battery alert is open.</summary>
    public bool LowBatteryReported { get; set; }

    /// <summary>Disconnected for flooding: connects are refused until then.</summary>
    public DateTimeOffset? FloodCooldownUntil { get; set; }
}

public sealed record PreviousSecret(string Hash, DateTimeOffset ValidUntil);

public sealed class DeviceDirectory(
    IDbContextFactory<HubDbContext> dbFactory, Microsoft.Extensions.Options.IOptions<HubOptions> options, Microsoft.Extensions.Options.IOptions<Broker.BrokerOptions> broker)
{
    // Behind an external broker several instances may share a device's messages: a persisted mark is not proof of "seen".
    private bool SharedSequence => broker.Value.IsExternal;

    private TokenBucket NewBudget() => new(options.Value.DeviceMessagesPerSecond, options.Value.DeviceMessageBurst);

    private readonly ConcurrentDictionary<string, DeviceEntry> _devices = new(StringComparer.Ordinal);

    public DeviceEntry? Find(string deviceId) => _devices.GetValueOrDefault(deviceId);

    /// <summary>
    /// The cached entry, or the device loaded from the database: with several hub instances a device registered
    /// through another instance is not in this one's cache yet. Callers pass only authenticated device ids (the
    /// broker checked the credentials), so a miss is rare and cannot be used to flood the database.
    /// </summary>
    public async ValueTask<DeviceEntry?> FindOrLoadAsync(string deviceId, CancellationToken ct)
    {
        if (_devices.TryGetValue(deviceId, out var entry))
            return entry;
        await RefreshAsync(deviceId, ct);
        return _devices.GetValueOrDefault(deviceId);
    }

    public IEnumerable<DeviceEntry> All => _devices.Values;

    public int Count => _devices.Count;

    public async Task LoadAsync(CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var places = await PlaceIndex.LoadAsync(db, ct);
        foreach (var d in await db.Devices.AsNoTracking().ToListAsync(ct))
            _devices[d.Id] = new DeviceEntry(d, places.PlaceOf(d), NewBudget(), SharedSequence);
    }

    /// <summary>Re-resolves where every device is after places changed (a resident moved in), keeping live state.</summary>
    public async Task RefreshPlacesAsync(CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var places = await PlaceIndex.LoadAsync(db, ct);
        foreach (var d in await db.Devices.AsNoTracking().ToListAsync(ct))
        {
            if (_devices.TryGetValue(d.Id, out var entry))
                entry.Place = places.PlaceOf(d);
        }
    }

    /// <summary>Adds or refreshes one device after it was registered or changed in the database.</summary>
    public async Task RefreshAsync(string deviceId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var d = await db.Devices.AsNoTracking().SingleOrDefaultAsync(x => x.Id == deviceId, ct);
        if (d is null)
        {
            _devices.TryRemove(deviceId, out _);
            return;
        }
        var places = await PlaceIndex.LoadAsync(db, ct);
        Apply(d, places.PlaceOf(d));
    }

    /// <summary>
    /// Re-reads every device: with several instances, a secret rotated, a device revoked or moved through another
    /// instance reaches this one's cache here (and on a miss, see <see cref="FindOrLoadAsync"/>).
    /// </summary>
    public async Task RefreshAllAsync(CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var places = await PlaceIndex.LoadAsync(db, ct);
        foreach (var d in await db.Devices.AsNoTracking().ToListAsync(ct))
            Apply(d, places.PlaceOf(d));
    }

    private void Apply(Device d, AlertPlace place)
    {
        _devices.AddOrUpdate(d.Id, _ => new DeviceEntry(d, place, NewBudget(), SharedSequence), (_, existing) =>
        {
            // A re-registered device (new secret) starts a new sequence; otherwise keep the live state.
            if (existing.SecretHash != d.SecretHash)
                return new DeviceEntry(d, place, NewBudget(), SharedSequence);
            existing.Revoked = d.Revoked;
            existing.PreviousSecret = d is { PreviousSecretHash: { } previous, PreviousSecretValidUntil: { } until } ? new(previous, until) : null;
            existing.Place = place;
            existing.Rules = new RuleContext(d.Id, d.Kind, d.Location, d.TemperatureBand);
            // Another instance saw the device more recently (it took those messages): supervision here must not
            // report a missed heartbeat for a device that is talking to the cluster.
            lock (existing.Sync)
                existing.Liveness.SeenElsewhere(d.LastSeenAt, d.Online, d.Battery, d.Rssi, d.Firmware);
            return existing;
        });
    }

    /// <summary>
    /// The device connected with its new secret: from now on the old one is refused, in memory at once
    /// and in the database (guarded by the current hash, so a rotation in between is not undone).
    /// </summary>
    public async Task EndSecretGraceAsync(DeviceEntry entry, CancellationToken ct)
    {
        entry.PreviousSecret = null;
        var current = entry.SecretHash;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await db.Devices.Where(d => d.Id == entry.Id && d.SecretHash == current)
            .ExecuteUpdateAsync(s => s.SetProperty(d => d.PreviousSecretHash, (string?)null).SetProperty(d => d.PreviousSecretValidUntil, (DateTimeOffset?)null), ct);
    }

    /// <summary>
    /// The device a client id belongs to: the registered device with the longest id the client id starts
    /// with. So "abc-1" cannot take over "abc-12"'s session (and with it the session's device identity).
    /// </summary>
    public string? ClientIdOwner(string clientId)
    {
        var lookup = _devices.GetAlternateLookup<ReadOnlySpan<char>>();
        for (var length = Math.Min(clientId.Length, 32); length >= 3; length--)
        {
            if (lookup.TryGetValue(clientId.AsSpan(0, length), out var entry))
                return entry.Id;
        }
        return null;
    }
}

/// <summary>Resolves household → grid → community for devices; small tables, loaded whole.</summary>
public sealed class PlaceIndex
{
    private Dictionary<int, Household> _households = [];
    private Dictionary<int, Grid> _grids = [];
    private Dictionary<int, Resident> _residents = [];
    private ILookup<int, Resident> _residentsByHousehold = Enumerable.Empty<Resident>().ToLookup(r => r.HouseholdId);

    public static async Task<PlaceIndex> LoadAsync(HubDbContext db, CancellationToken ct)
    {
        var residents = await db.Residents.AsNoTracking().ToDictionaryAsync(r => r.Id, ct);
        return new()
        {
            _households = await db.Households.AsNoTracking().ToDictionaryAsync(h => h.Id, ct),
            _grids = await db.Grids.AsNoTracking().ToDictionaryAsync(g => g.Id, ct),
            _residents = residents,
            _residentsByHousehold = residents.Values.ToLookup(r => r.HouseholdId),
        };
    }

    public AlertPlace PlaceOf(Device d)
    {
        int? householdId = d.HouseholdId;
        if (householdId is null && d.ResidentId is { } rid && _residents.TryGetValue(rid, out var res))
            householdId = res.HouseholdId;
        int? gridId = d.GridId;
        if (householdId is { } hid && _households.TryGetValue(hid, out var h))
            gridId = h.GridId;
        int? communityId = gridId is { } gid && _grids.TryGetValue(gid, out var g) ? g.CommunityId : null;
        // A household device with no named wearer belongs to the household's only resident, if there is one.
        int? residentId = d.ResidentId;
        if (residentId is null && householdId is { } hh)
        {
            var inHousehold = _residentsByHousehold[hh];
            if (inHousehold.Count() == 1)
                residentId = inHousehold.First().Id;
        }
        return new AlertPlace(residentId, householdId, gridId, communityId);
    }
}
