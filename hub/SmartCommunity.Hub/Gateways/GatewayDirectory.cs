using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using SmartCommunity.Domain.Gateways;
using SmartCommunity.Hub.Persistence;

namespace SmartCommunity.Hub.Gateways;

/// <summary>The latest health a gateway published on <c>sc/gw/v1/{id}/health</c> (docs/gateway.md), as it said it.</summary>
public sealed record GatewayHealth(
    DateTimeOffset? ReportedAt, bool Online, int? DevicesConnected, long? QueueDepth, long? QueueBytes, DateTimeOffset? OldestQueuedAt,
    long? DiskUsedBytes, long? DiskQuotaBytes, long? DroppedRoutine, long? RefusedByHub, string? Version)
{
    /// <summary>The health message, or null when it is not one (the reason in <paramref name="problem"/>).</summary>
    public static GatewayHealth? Parse(ReadOnlySpan<byte> json, out string? problem)
    {
        problem = null;
        try
        {
            using var doc = JsonDocument.Parse(json.ToArray());
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("v", out var v) || v.ValueKind != JsonValueKind.Number || v.GetInt32() != 1)
            {
                problem = "health is not a JSON object with \"v\": 1";
                return null;
            }
            if (!root.TryGetProperty("online", out var online) || online.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
            {
                problem = "health has no boolean \"online\"";
                return null;
            }
            return new GatewayHealth(
                Seconds(root, "t"), online.GetBoolean(), (int?)Long(root, "devicesConnected"), Long(root, "queueDepth"), Long(root, "queueBytes"),
                Seconds(root, "oldestQueuedAt") ?? Iso(root, "oldestQueuedAt"), Long(root, "diskUsedBytes"), Long(root, "diskQuotaBytes"),
                Long(root, "droppedRoutine"), Long(root, "refusedByHub"),
                root.TryGetProperty("version", out var ver) && ver.ValueKind == JsonValueKind.String ? Hosting.LogText.Printable(ver.GetString(), 32) : null);
        }
        catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException or OverflowException or ArgumentOutOfRangeException)
        {
            problem = $"health is not valid JSON: {ex.Message}";
            return null;
        }
    }

    private static long? Long(JsonElement root, string name) =>
        root.TryGetProperty(name, out var e) && e.ValueKind == JsonValueKind.Number && e.TryGetInt64(out var n) ? n : null;

    private static DateTimeOffset? Seconds(JsonElement root, string name) =>
        Long(root, name) is { } s ? DateTimeOffset.FromUnixTimeSeconds(s) : null;

    private static DateTimeOffset? Iso(JsonElement root, string name) =>
        root.TryGetProperty(name, out var e) && e.ValueKind == JsonValueKind.String && e.TryGetDateTimeOffset(out var at) ? at : null;
}

/// <summary>What the hub knows of one gateway's link, in memory: live connections, the last health, whether it was reported silent.</summary>
public sealed class GatewayLive(DateTimeOffset since)
{
    public Lock Sync { get; } = new();

    /// <summary>Live MQTT connections (a takeover validates the new one before the old one's disconnect arrives).</summary>
    public int Connections { get; set; }

    /// <summary>When the hub last heard from it (a health message or a connect); the hub's start for a gateway not heard yet.</summary>
    public DateTimeOffset LastHeard { get; set; } = since;
    public DateTimeOffset? LastHealthAt { get; set; }
    public GatewayHealth? Health { get; set; }

    /// <summary>Its last will (or a health message) said it is offline.</summary>
    public bool SaidOffline { get; set; }

    /// <summary>A gateway_silent alert is open for it.</summary>
    public bool SilentReported { get; set; }
}

/// <summary>The MQTT session of an authenticated gateway: which gateway and which community it may forward for.</summary>
public sealed record GatewaySession(string GatewayId, int CommunityId);

/// <summary>
/// Gateways: the database is the source of truth for who they are (read at each connect, which is rare: one connection
/// per community); their live link and health are kept here in memory.
/// </summary>
public sealed class GatewayDirectory(IDbContextFactory<HubDbContext> dbFactory, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, GatewayLive> _live = new(StringComparer.Ordinal);
    private readonly DateTimeOffset _started = time.GetUtcNow();

    public async Task<Gateway?> FindAsync(string id, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Gateways.AsNoTracking().SingleOrDefaultAsync(g => g.Id == id, ct);
    }

    public async Task<List<Gateway>> ActiveAsync(CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Gateways.AsNoTracking().Where(g => !g.Revoked).OrderBy(g => g.Id).ToListAsync(ct);
    }

    /// <summary>The community's active gateway, if it has one (downlinks to its devices are mirrored to it).</summary>
    public async Task<string?> ActiveForCommunityAsync(int communityId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Gateways.AsNoTracking().Where(g => g.CommunityId == communityId && !g.Revoked).Select(g => g.Id).FirstOrDefaultAsync(ct);
    }

    public GatewayLive Live(string id) => _live.GetOrAdd(id, _ => new GatewayLive(_started));

    public GatewayLive? Existing(string id) => _live.GetValueOrDefault(id);

    public void Connected(string id)
    {
        var live = Live(id);
        lock (live.Sync)
        {
            live.Connections++;
            live.LastHeard = time.GetUtcNow();
        }
    }

    public void Disconnected(string id)
    {
        var live = Live(id);
        lock (live.Sync)
            live.Connections = Math.Max(0, live.Connections - 1);
    }

    public void Heard(string id, GatewayHealth health)
    {
        var live = Live(id);
        var now = time.GetUtcNow();
        lock (live.Sync)
        {
            live.Health = health;
            live.LastHealthAt = now;
            live.SaidOffline = !health.Online;
            if (health.Online)
                live.LastHeard = now;
        }
    }
}
