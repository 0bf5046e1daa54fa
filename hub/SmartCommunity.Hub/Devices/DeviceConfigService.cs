using Microsoft.EntityFrameworkCore;
using SmartCommunity.Domain.Devices;
using SmartCommunity.Domain.Ingestion;
using SmartCommunity.Hub.Broker;
using SmartCommunity.Hub.Persistence;

namespace SmartCommunity.Hub.Devices;

/// <summary>One overridden setting: for every device of a kind (<see cref="DeviceConfigService.KindScope"/>, target = the
/// kind's wire name) or for one device (<see cref="DeviceConfigService.DeviceScope"/>, target = its id).</summary>
public sealed class DeviceSettingOverride
{
    public long Id { get; set; }
    public required string Scope { get; set; }
    public required string Target { get; set; }
    public required string Name { get; set; }
    public int Value { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public string? UpdatedBy { get; set; }
}

/// <summary>What the hub last put on a device's retained <c>cfg</c> topic: the payload, when it last changed, and when
/// the broker took it (null while a publish is still owed: the broker was away).</summary>
public sealed class DeviceConfigPublication
{
    public required string DeviceId { get; set; }
    public required string Payload { get; set; }
    public DateTimeOffset ChangedAt { get; set; }
    public DateTimeOffset? PublishedAt { get; set; }
}

/// <summary>A device's configuration as the technician sees it: every setting with its source, what was sent and
/// whether the device has been heard since (the protocol has no configuration report, so this is the closest sign that
/// the broker delivered it: a device receives its retained <c>cfg</c> whenever it subscribes).</summary>
public sealed record DeviceConfigDto(string DeviceId, string Kind, IReadOnlyList<SettingView> Settings, string? Sent, DateTimeOffset? ChangedAt,
    DateTimeOffset? PublishedAt, DateTimeOffset? LastSeenAt, bool Delivered);

public sealed record KindConfigDto(string Kind, IReadOnlyList<SettingView> Settings, int Devices);

/// <summary>
/// Stores setting overrides and keeps each device's retained <c>sc/v1/{id}/cfg</c> (QoS 1) equal to them, through
/// <see cref="IDeviceBroker"/> in embedded and external-broker mode: on a change (a kind's change reaches every device of
/// the kind), at registration and new secret, and again at start (the embedded broker keeps retained messages in memory
/// only) and for any publish still owed.
/// </summary>
public sealed class DeviceConfigService(IDbContextFactory<HubDbContext> dbFactory, IDeviceBroker broker, DeviceDirectory directory, TimeProvider time,
    ILogger<DeviceConfigService> logger) : BackgroundService
{
    public const string KindScope = "kind";
    public const string DeviceScope = "device";

    private static readonly TimeSpan RetryEvery = TimeSpan.FromMinutes(1);

    public static async Task<Dictionary<string, int>> OverridesAsync(HubDbContext db, string scope, string target, CancellationToken ct) =>
        await db.DeviceSettingOverrides.AsNoTracking().Where(o => o.Scope == scope && o.Target == target).ToDictionaryAsync(o => o.Name, o => o.Value, StringComparer.Ordinal, ct);

    /// <summary>Writes <paramref name="changes"/> (null = remove) for one scope; the caller saves.</summary>
    public async Task ChangeAsync(HubDbContext db, string scope, string target, IReadOnlyDictionary<string, int?> changes, string? by, CancellationToken ct)
    {
        var names = changes.Keys.ToList();
        var existing = await db.DeviceSettingOverrides.Where(o => o.Scope == scope && o.Target == target && names.Contains(o.Name)).ToListAsync(ct);
        var now = time.GetUtcNow();
        foreach (var (name, value) in changes)
        {
            var row = existing.FirstOrDefault(o => o.Name == name);
            if (value is not { } v)
            {
                if (row is not null)
                    db.DeviceSettingOverrides.Remove(row);
                continue;
            }
            if (row is null)
                db.DeviceSettingOverrides.Add(row = new DeviceSettingOverride { Scope = scope, Target = target, Name = name });
            row.Value = v;
            row.UpdatedAt = now;
            row.UpdatedBy = by;
        }
    }

    public async Task<DeviceConfigDto?> DeviceAsync(HubDbContext db, string deviceId, CancellationToken ct)
    {
        var device = await db.Devices.AsNoTracking().Where(d => d.Id == deviceId).Select(d => new { d.Id, d.Kind, d.LastSeenAt }).SingleOrDefaultAsync(ct);
        if (device is null)
            return null;
        var kindOverrides = await OverridesAsync(db, KindScope, device.Kind.ToWire(), ct);
        var deviceOverrides = await OverridesAsync(db, DeviceScope, deviceId, ct);
        var sent = await db.DeviceConfigPublications.AsNoTracking().SingleOrDefaultAsync(p => p.DeviceId == deviceId, ct);
        var lastSeen = directory.Find(deviceId)?.LastSeenAt ?? device.LastSeenAt;
        var delivered = sent?.PublishedAt is { } published && lastSeen is { } seen && seen > published;
        return new DeviceConfigDto(deviceId, device.Kind.ToWire(), DeviceSettings.View(device.Kind, kindOverrides, deviceOverrides), sent?.Payload,
            sent?.ChangedAt, sent?.PublishedAt, lastSeen, delivered);
    }

    /// <summary>The devices of <paramref name="kind"/> that are not revoked (a kind's change reaches each of them).</summary>
    public static Task<List<string>> DevicesOfKindAsync(HubDbContext db, DeviceKind kind, CancellationToken ct) =>
        db.Devices.AsNoTracking().Where(d => d.Kind == kind && !d.Revoked).Select(d => d.Id).ToListAsync(ct);

    /// <summary>
    /// Brings each device's retained <c>cfg</c> in line with its overrides: publishes when the payload changed or is still
    /// owed (or always, with <paramref name="force"/>). A broker that refuses or is away leaves the publish owed (logged,
    /// retried every minute); returns how many were published.
    /// </summary>
    public async Task<int> PublishAsync(IReadOnlyCollection<string> deviceIds, bool force, CancellationToken ct)
    {
        var published = 0;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var devices = await db.Devices.AsNoTracking().Where(d => deviceIds.Contains(d.Id) && !d.Revoked).Select(d => new { d.Id, d.Kind }).ToListAsync(ct);
        var kinds = devices.Select(d => d.Kind.ToWire()).Distinct().ToList();
        var kindRows = await db.DeviceSettingOverrides.AsNoTracking().Where(o => o.Scope == KindScope && kinds.Contains(o.Target)).ToListAsync(ct);
        var ids = devices.Select(d => d.Id).ToList();
        var deviceRows = await db.DeviceSettingOverrides.AsNoTracking().Where(o => o.Scope == DeviceScope && ids.Contains(o.Target)).ToListAsync(ct);
        var sentRows = await db.DeviceConfigPublications.Where(p => ids.Contains(p.DeviceId)).ToDictionaryAsync(p => p.DeviceId, ct);
        foreach (var device in devices)
        {
            var wire = device.Kind.ToWire();
            var kindOverrides = kindRows.Where(o => o.Target == wire).ToDictionary(o => o.Name, o => o.Value, StringComparer.Ordinal);
            var deviceOverrides = deviceRows.Where(o => o.Target == device.Id).ToDictionary(o => o.Name, o => o.Value, StringComparer.Ordinal);
            sentRows.TryGetValue(device.Id, out var sent);
            var payload = DeviceSettings.Document(device.Kind, kindOverrides, deviceOverrides, DeviceSettings.Names(sent?.Payload));
            if (payload is null)
                continue;
            var now = time.GetUtcNow();
            if (sent is null)
                db.DeviceConfigPublications.Add(sent = new DeviceConfigPublication { DeviceId = device.Id, Payload = payload, ChangedAt = now });
            else if (sent.Payload != payload)
            {
                sent.Payload = payload;
                sent.ChangedAt = now;
                sent.PublishedAt = null;
            }
            else if (!force && sent.PublishedAt is not null)
                continue;
            try
            {
                await broker.PublishAsync(Topic.Cfg(device.Id), System.Text.Encoding.UTF8.GetBytes(payload), ct, retain: true);
                // Kept at the first publish of this payload: "delivered" compares the device's last message with it.
                sent.PublishedAt ??= now;
                published++;
                logger.LogInformation("Device {DeviceId}: configuration {Payload} published (retained)", device.Id, payload);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogWarning(ex, "Device {DeviceId}: configuration {Payload} not published; retried every minute", device.Id, payload);
            }
        }
        await db.SaveChangesAsync(ct);
        return published;
    }

    /// <summary>At start, every device's retained configuration again (the embedded broker forgot it); then, every minute,
    /// what is still owed.</summary>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var restored = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (broker.IsConnected)
                {
                    await using var db = await dbFactory.CreateDbContextAsync(stoppingToken);
                    var owed = await db.DeviceConfigPublications.AsNoTracking().Where(p => !restored || p.PublishedAt == null).Select(p => p.DeviceId).ToListAsync(stoppingToken);
                    if (owed.Count > 0)
                        await PublishAsync(owed, force: !restored, stoppingToken);
                    restored = true;
                }
                await Task.Delay(restored ? RetryEvery : TimeSpan.FromSeconds(5), time, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "Device configurations could not be republished; trying again in a minute");
                await Task.Delay(RetryEvery, time, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }
}
