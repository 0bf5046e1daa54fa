using System.Security.Cryptography;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using SmartCommunity.Domain.Devices;
using SmartCommunity.Domain.Protocol;
using SmartCommunity.Hub.People;
using SmartCommunity.Hub.Persistence;

namespace SmartCommunity.Hub.Devices;

public sealed record RegisterDeviceRequest(string Kind, string? Id, string? Location, string? Label, int? HouseholdId, int? ResidentId, int? GridId);

/// <summary>Where a device connects. <c>Port</c> is plain MQTT, or the TLS port when the hub requires TLS; <c>TlsPort</c> is set when TLS is on.</summary>
public sealed record MqttConnectionInfo(string Host, int Port, string WebSocketPath, string Username, string ClientId, string UpTopic, string StatusTopic, string DownTopic, string CfgTopic, int? TlsPort = null);

/// <summary>The only response that ever contains a device secret: the hub keeps only its hash.
/// After a rotation, <c>PreviousSecretValidUntil</c> says how long the old secret still works (null: not at all).</summary>
public sealed record DeviceCredentials(DeviceDto Device, string Secret, MqttConnectionInfo Mqtt, DateTimeOffset? PreviousSecretValidUntil = null);

/// <summary>How long the old secret keeps working; at most Hub:DeviceSecretGracePeriod (the default), 0 = cut off at once.</summary>
public sealed record RotateSecretRequest(long? GraceSeconds);

public sealed record DeviceDto(
    string Id, string Kind, string Location, string? Label, int? HouseholdId, int? ResidentId, int? GridId,
    bool Online, DateTimeOffset? LastSeenAt, double? Battery, double? Rssi, string? Firmware, long Rejected, long Throttled, DateTimeOffset RegisteredAt, bool Revoked);

public static class DevicesApi
{
    public static RouteGroupBuilder MapDevicesApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/devices").WithTags("Devices").RequireAuthorization(p => p.RequireRole(Roles.Admin, Roles.Technician));
        group.MapGet("/", ListAsync).WithSummary("The fleet with live health and rejected-message counts");
        group.MapGet("/{id}", GetAsync);
        group.MapPost("/", RegisterAsync).WithSummary("Registers a device; the response shows its secret once");
        group.MapPost("/{id}/secret", RotateSecretAsync)
            .WithSummary("Issues a new secret; the old one keeps working for a grace period (until the device first connects with the new one), or stops at once with graceSeconds 0");
        group.MapPost("/{id}/revoke", RevokeAsync).WithSummary("Revokes a device: its live connection is dropped at once and it cannot reconnect");
        group.MapGet("/{id}/rejections", DeviceRejectionsAsync);
        app.MapGet("/api/rejections", AllRejectionsAsync).WithTags("Devices").RequireAuthorization(p => p.RequireRole(Roles.Admin, Roles.Technician))
            .WithSummary("Rejected-message counts per device and reason, and the newest rejections");
        return group;
    }

    private static async Task<Ok<List<DeviceDto>>> ListAsync(HubDbContext db, DeviceDirectory directory, RejectionLog rejections, CancellationToken ct)
    {
        var rows = await db.Devices.AsNoTracking().OrderBy(d => d.Id).ToListAsync(ct);
        return TypedResults.Ok(rows.Select(d => ToDto(d, directory.Find(d.Id), rejections)).ToList());
    }

    private static async Task<Results<Ok<DeviceDto>, NotFound>> GetAsync(string id, HubDbContext db, DeviceDirectory directory, RejectionLog rejections, CancellationToken ct)
    {
        var d = await db.Devices.AsNoTracking().SingleOrDefaultAsync(x => x.Id == id, ct);
        return d is null ? TypedResults.NotFound() : TypedResults.Ok(ToDto(d, directory.Find(id), rejections));
    }

    private static async Task<Results<Created<DeviceCredentials>, ValidationProblem, Conflict<string>>> RegisterAsync(
        RegisterDeviceRequest req, HubDbContext db, DeviceDirectory directory, RejectionLog rejections, IOptions<HubOptions> options, TimeProvider time, HttpContext http, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (!DeviceKinds.TryParse(req.Kind, out var kind))
            errors["kind"] = [$"kind must be one of {string.Join(", ", Enum.GetValues<DeviceKind>().Select(k => k.ToWire()))}"];
        var location = DeviceLocation.Home;
        if (req.Location is not null && !Enum.TryParse(req.Location, ignoreCase: true, out location))
            errors["location"] = [$"location must be one of {string.Join(", ", Enum.GetNames<DeviceLocation>())}"];
        var id = req.Id ?? $"{kind.ToWire()}-{RandomNumberGenerator.GetHexString(6, lowercase: true)}";
        if (!DeviceIdentifier.IsValid(id))
            errors["id"] = ["id must match ^[a-z0-9][a-z0-9-]{2,31}$"];
        if (req.HouseholdId is { } hid && !await db.Households.AnyAsync(h => h.Id == hid, ct))
            errors["householdId"] = ["no such household"];
        if (req.ResidentId is { } rid && !await db.Residents.AnyAsync(r => r.Id == rid, ct))
            errors["residentId"] = ["no such resident"];
        if (req.GridId is { } gid && !await db.Grids.AnyAsync(g => g.Id == gid, ct))
            errors["gridId"] = ["no such grid"];
        if (req.Label is { Length: > 200 })
            errors["label"] = ["label is longer than 200 characters"];
        if (errors.Count > 0)
            return TypedResults.ValidationProblem(errors);
        if (await db.Devices.AnyAsync(d => d.Id == id, ct))
            return TypedResults.Conflict($"device {id} is already registered; rotate its secret instead");

        var secret = DeviceSecret.Generate();
        var device = new Device
        {
            Id = id, Kind = kind, Location = location, Label = req.Label, HouseholdId = req.HouseholdId, ResidentId = req.ResidentId, GridId = req.GridId,
            SecretHash = DeviceSecret.Hash(secret), RegisteredAt = time.GetUtcNow(),
        };
        db.Devices.Add(device);
        await db.SaveChangesAsync(ct);
        await directory.RefreshAsync(id, ct);
        return TypedResults.Created($"/api/devices/{id}", new DeviceCredentials(ToDto(device, directory.Find(id), rejections), secret, ConnectionInfo(id, options.Value, http)));
    }

    private static async Task<Results<Ok<DeviceCredentials>, NotFound, ValidationProblem>> RotateSecretAsync(
        string id, [FromBody] RotateSecretRequest? req, HubDbContext db, DeviceDirectory directory, RejectionLog rejections, IOptions<HubOptions> options, TimeProvider time,
        MQTTnet.Server.MqttServer broker, ILogger<DeviceDirectory> logger, HttpContext http, CancellationToken ct)
    {
        var longest = options.Value.DeviceSecretGracePeriod;
        var grace = req?.GraceSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : longest;
        if (grace < TimeSpan.Zero || grace > longest)
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["graceSeconds"] = [$"graceSeconds must be 0–{(long)longest.TotalSeconds}"] });
        var device = await db.Devices.SingleOrDefaultAsync(d => d.Id == id, ct);
        if (device is null)
            return TypedResults.NotFound();
        var secret = DeviceSecret.Generate();
        device.RotateSecret(DeviceSecret.Hash(secret), grace, time.GetUtcNow());
        device.LastSeq = -1;
        await db.SaveChangesAsync(ct);
        await directory.RefreshAsync(id, ct);
        if (grace == TimeSpan.Zero)
        {
            // Cut off at once means the connection the old secret opened goes too (a leaked secret); the device reconnects with the new one.
            await DropConnectionsAsync(broker, id, "device secret replaced");
            logger.LogWarning("Device {DeviceId}: secret replaced with no grace; its connections were dropped", id);
        }
        else
        {
            logger.LogInformation("Device {DeviceId}: secret replaced; the previous one works until {ValidUntil:u} or the first connect with the new one", id, device.PreviousSecretValidUntil);
        }
        return TypedResults.Ok(new DeviceCredentials(ToDto(device, directory.Find(id), rejections), secret, ConnectionInfo(id, options.Value, http), device.PreviousSecretValidUntil));
    }

    private static async Task DropConnectionsAsync(MQTTnet.Server.MqttServer broker, string deviceId, string reason)
    {
        foreach (var client in await broker.GetClientsAsync())
        {
            if (Equals(client.Session.Items[Mqtt.DeviceGate.DeviceItem], deviceId))
                await client.DisconnectAsync(new MQTTnet.Server.MqttServerClientDisconnectOptions
                {
                    ReasonCode = MQTTnet.Protocol.MqttDisconnectReasonCode.NotAuthorized,
                    ReasonString = reason,
                });
        }
    }

    private static async Task<Results<Ok<DeviceDto>, NotFound>> RevokeAsync(
        string id, HubDbContext db, DeviceDirectory directory, RejectionLog rejections, MQTTnet.Server.MqttServer broker, ILogger<DeviceDirectory> logger, CancellationToken ct)
    {
        var device = await db.Devices.SingleOrDefaultAsync(d => d.Id == id, ct);
        if (device is null)
            return TypedResults.NotFound();
        device.Revoked = true;
        await db.SaveChangesAsync(ct);
        // The directory first: from here on a reconnect is refused, so the drop below cannot race a new session.
        await directory.RefreshAsync(id, ct);
        foreach (var client in await broker.GetClientsAsync())
        {
            if (client.Id.StartsWith(id, StringComparison.Ordinal))
                await client.DisconnectAsync(new MQTTnet.Server.MqttServerClientDisconnectOptions
                {
                    ReasonCode = MQTTnet.Protocol.MqttDisconnectReasonCode.NotAuthorized,
                    ReasonString = "device revoked",
                });
        }
        logger.LogWarning("Device {DeviceId} revoked; its connection was dropped", id);
        return TypedResults.Ok(ToDto(device, directory.Find(id), rejections));
    }

    private static async Task<Results<Ok<DeviceRejections>, NotFound>> DeviceRejectionsAsync(string id, DeviceDirectory directory, RejectionLog rejections, int? limit, CancellationToken ct)
    {
        if (directory.Find(id) is null && rejections.Counts(id).Count == 0)
            return TypedResults.NotFound();
        return TypedResults.Ok(new DeviceRejections(rejections.Counts(id), await rejections.RecentAsync(id, Math.Clamp(limit ?? 50, 1, 500), ct)));
    }

    private static async Task<Ok<DeviceRejections>> AllRejectionsAsync(RejectionLog rejections, int? limit, CancellationToken ct) =>
        TypedResults.Ok(new DeviceRejections(rejections.Counts(), await rejections.RecentAsync(null, Math.Clamp(limit ?? 100, 1, 1000), ct)));

    internal static DeviceDto ToDto(Device d, DeviceEntry? live, RejectionLog rejections)
    {
        DateTimeOffset? seen = d.LastSeenAt;
        bool online = d.Online;
        double? bat = d.Battery, rssi = d.Rssi;
        string? fw = d.Firmware;
        long throttled = 0;
        if (live is not null)
        {
            lock (live.Sync)
            {
                seen = live.LastSeenAt;
                online = live.Online;
                bat = live.Battery;
                rssi = live.Rssi;
                fw = live.Firmware;
                throttled = live.Throttled;
            }
        }
        return new DeviceDto(d.Id, d.Kind.ToWire(), d.Location.ToString(), d.Label, d.HouseholdId, d.ResidentId, d.GridId,
            online, seen, bat, rssi, fw, rejections.Total(d.Id), throttled, d.RegisteredAt, d.Revoked);
    }

    private static MqttConnectionInfo ConnectionInfo(string id, HubOptions o, HttpContext http) =>
        new(http.Request.Host.Host, o.Tls.RequireTls ? o.Tls.MqttTlsPort : o.MqttPort, o.MqttWebSocketPath, id, id, Topic.Up(id), Topic.Status(id), Topic.Down(id), Topic.Cfg(id),
            o.Tls.Enabled ? o.Tls.MqttTlsPort : null);
}

public sealed record DeviceRejections(IReadOnlyList<RejectionCountDto> Counts, IReadOnlyList<RejectionDto> Recent);
