using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using SmartCommunity.Domain.Catalog;
using SmartCommunity.Domain.Devices;
using SmartCommunity.Domain.Ingestion;
using SmartCommunity.Domain.Places;
using SmartCommunity.Hub.Broker;
using SmartCommunity.Hub.Hosting;
using SmartCommunity.Hub.Localization;
using SmartCommunity.Hub.People;
using SmartCommunity.Hub.Persistence;

namespace SmartCommunity.Hub.Devices;

public sealed record RegisterDeviceRequest(string Kind, string? Id, string? Location, string? Label, int? HouseholdId, int? ResidentId, int? GridId);

/// <summary>Where a device connects. <c>Port</c> is plain MQTT, or the TLS port when the hub requires TLS; <c>TlsPort</c> is set when TLS is on.</summary>
public sealed record MqttConnectionInfo(string Host, int Port, string WebSocketPath, string Username, string ClientId, string UpTopic, string StatusTopic, string DownTopic, string CfgTopic, int? TlsPort = null);

/// <summary>The only response that ever contains a device secret: the hub keeps only its hash.
/// After a rotation, <c>PreviousSecretValidUntil</c> says how long the old secret still works (null: not at all).
/// <c>Provisioning</c> is the device's provisioning document, the same JSON its QR code carries and <c>sc-provision -r</c> reads.</summary>
public sealed record DeviceCredentials(DeviceDto Device, string Secret, MqttConnectionInfo Mqtt, DateTimeOffset? PreviousSecretValidUntil = null, JsonElement? Provisioning = null);

/// <summary>How long the old secret keeps working; at most Hub:DeviceSecretGracePeriod (the default), 0 = cut off at once.</summary>
public sealed record RotateSecretRequest(long? GraceSeconds);
/// <summary>Where the device is and what it is called; every field as it should be after the change.</summary>
public sealed record UpdateDeviceRequest(string? Label, string? Location, int? HouseholdId, int? ResidentId, int? GridId);
/// <summary>The temperature band a probe must keep, in °C (a freezer −25…−15, a fridge 2…8).</summary>
public sealed record TemperatureBandRequest(double Min, double Max);

public sealed record DeviceDto(
    string Id, string Kind, string Location, string? Label, int? HouseholdId, int? ResidentId, int? GridId,
    bool Online, DateTimeOffset? LastSeenAt, double? Battery, double? Rssi, string? Firmware, long Rejected, long Throttled, DateTimeOffset RegisteredAt, bool Revoked,
    double? BandMin = null, double? BandMax = null);

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
        group.MapPut("/{id}", UpdateAsync).WithSummary("Label, location and place: move it to another household (its alerts go to that grid from now on)");
        group.MapPost("/{id}/revoke", RevokeAsync).WithSummary("Revokes a device: its live connection is dropped at once and it cannot reconnect");
        group.MapGet("/{id}/rejections", DeviceRejectionsAsync);
        group.MapPut("/{id}/band", SetBandAsync).WithSummary("The temperature band this probe must keep (a freezer, a fridge) instead of its location's; the rules and early warning use it from the next reading");
        group.MapDelete("/{id}/band", ClearBandAsync).WithSummary("The probe keeps its location's temperature band again");
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

    private static async Task<Results<Created<DeviceCredentials>, ValidationProblem, ProblemHttpResult>> RegisterAsync(
        RegisterDeviceRequest req, HubDbContext db, DeviceDirectory directory, RejectionLog rejections, IOptions<HubOptions> options, IOptions<BrokerOptions> brokerOptions,
        IDeviceBroker broker, DeviceProvisioning provisioning, DeviceConfigService config, TimeProvider time, HttpContext http, ILogger<DeviceDirectory> logger, CancellationToken ct)
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
        else if (DeviceIdentifier.IsReserved(id))
            errors["id"] = [LocalizedText.Of("onboarding.reserved_device_id", DeviceIdentifier.ReservedPrefix).Render(ReaderLanguage.Of(http, (string?)null))];
        if (req.HouseholdId is { } hid && !await db.Households.AnyAsync(h => h.Id == hid, ct))
            errors["householdId"] = ["no such household"];
        if (req.ResidentId is { } rid && !await db.Residents.AnyAsync(r => r.Id == rid, ct))
            errors["residentId"] = ["no such resident"];
        if (req.GridId is { } gid && !await db.Grids.AnyAsync(g => g.Id == gid, ct))
            errors["gridId"] = ["no such grid"];
        var label = errors.CheckText(TextField.DeviceLabel, req.Label);
        if (errors.Count > 0)
            return ApiProblem.Invalid(errors);
        if (await db.Devices.AnyAsync(d => d.Id == id, ct))
            return ApiProblem.Conflict($"device {id} is already registered; rotate its secret instead");

        var secret = DeviceSecret.Generate();
        var device = Device.Register(id, kind, DeviceSecret.Hash(secret), time.GetUtcNow(), location, label, req.HouseholdId, req.ResidentId, req.GridId);
        // The broker first: if it refuses, nothing is stored and the technician can simply try again.
        if (await BrokerFailedAsync(() => broker.ProvisionAsync(id, secret, ct), "provision", id, logger) is { } failed)
            return failed;
        db.Devices.Add(device);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Nothing half-done: the broker account goes again when the hub could not keep the device.
            logger.LogError(ex, "Device {DeviceId} could not be stored; removing its broker account", id);
            await broker.RemoveAsync(id, CancellationToken.None);
            throw;
        }
        await directory.RefreshAsync(id, ct);
        // The kind's configuration, retained: waiting for the device when it first connects.
        await config.PublishAsync([id], force: true, ct);
        return TypedResults.Created($"/api/devices/{id}", new DeviceCredentials(ToDto(device, directory.Find(id), rejections), secret, ConnectionInfo(id, options.Value, brokerOptions.Value, http),
            Provisioning: provisioning.For(id, kind, secret, http).Element()));
    }

    private static async Task<Results<Ok<DeviceCredentials>, NotFound, ValidationProblem, ProblemHttpResult>> RotateSecretAsync(
        string id, [FromBody] RotateSecretRequest? req, HubDbContext db, DeviceDirectory directory, RejectionLog rejections, IOptions<HubOptions> options,
        IOptions<BrokerOptions> brokerOptions, IDeviceBroker broker, DeviceProvisioning provisioning, DeviceConfigService config, TimeProvider time, ILogger<DeviceDirectory> logger, HttpContext http, CancellationToken ct)
    {
        var longest = options.Value.DeviceSecretGracePeriod;
        var grace = req?.GraceSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : longest;
        if (grace < TimeSpan.Zero || grace > longest)
            return ApiProblem.Invalid("graceSeconds", $"graceSeconds must be 0–{(long)longest.TotalSeconds}");
        var device = await db.Devices.SingleOrDefaultAsync(d => d.Id == id, ct);
        if (device is null)
            return TypedResults.NotFound();
        var secret = DeviceSecret.Generate();
        if (brokerOptions.Value.IsExternal)
        {
            // The broker first: if it refuses, the old secret stays valid everywhere. A broker that holds one password
            // per account cannot accept both secrets, so there is no grace period behind an external broker.
            grace = TimeSpan.Zero;
            if (await BrokerFailedAsync(() => broker.SetSecretAsync(id, secret, ct), "set the secret of", id, logger) is { } failed)
                return failed;
        }
        device.RotateSecret(DeviceSecret.Hash(secret), grace, time.GetUtcNow());
        await db.SaveChangesAsync(ct);
        await directory.RefreshAsync(id, ct);
        // A new secret is how a factory-reset device comes back (re-provisioned): its configuration is sent again.
        await config.PublishAsync([id], force: true, ct);
        if (grace == TimeSpan.Zero)
        {
            // Cut off at once means the connection the old secret opened goes too (a leaked secret); the device reconnects with the new one.
            await broker.DisconnectAsync(id, "device secret replaced", ct);
            logger.LogWarning("Device {DeviceId}: secret replaced with no grace; its connections were dropped", id);
        }
        else
        {
            logger.LogInformation("Device {DeviceId}: secret replaced; the previous one works until {ValidUntil:u} or the first connect with the new one", id, device.PreviousSecretValidUntil);
        }
        return TypedResults.Ok(new DeviceCredentials(ToDto(device, directory.Find(id), rejections), secret, ConnectionInfo(id, options.Value, brokerOptions.Value, http), device.PreviousSecretValidUntil,
            provisioning.For(id, device.Kind, secret, http).Element()));
    }

    private static async Task<Results<Ok<DeviceDto>, NotFound, ValidationProblem>> UpdateAsync(
        string id, UpdateDeviceRequest req, HubDbContext db, DeviceDirectory directory, RejectionLog rejections, ILogger<DeviceDirectory> logger, CancellationToken ct)
    {
        var device = await db.Devices.SingleOrDefaultAsync(d => d.Id == id, ct);
        if (device is null)
            return TypedResults.NotFound();
        var errors = new Dictionary<string, string[]>();
        var location = device.Location;
        if (req.Location is not null && !Enum.TryParse(req.Location, ignoreCase: true, out location))
            errors["location"] = [$"location must be one of {string.Join(", ", Enum.GetNames<DeviceLocation>())}"];
        if (req.HouseholdId is { } hid && !await db.Households.AnyAsync(h => h.Id == hid, ct))
            errors["householdId"] = ["no such household"];
        if (req.ResidentId is { } rid && !await db.Residents.AnyAsync(r => r.Id == rid && (req.HouseholdId == null || r.HouseholdId == req.HouseholdId), ct))
            errors["residentId"] = ["no such resident in this household"];
        if (req.GridId is { } gid && !await db.Grids.AnyAsync(g => g.Id == gid, ct))
            errors["gridId"] = ["no such grid"];
        var label = errors.CheckText(TextField.DeviceLabel, req.Label);
        if (errors.Count > 0)
            return ApiProblem.Invalid(errors);
        device.Move(label, location, req.HouseholdId, req.ResidentId, req.GridId);
        await db.SaveChangesAsync(ct);
        // Its next alert is placed from the directory: refresh it now, not at the next restart.
        await directory.RefreshAsync(id, ct);
        logger.LogInformation("Device {DeviceId} changed: household {HouseholdId}, resident {ResidentId}, grid {GridId}", id, req.HouseholdId, req.ResidentId, req.GridId);
        return TypedResults.Ok(ToDto(device, directory.Find(id), rejections));
    }

    private static Task<Results<Ok<DeviceDto>, NotFound, ValidationProblem>> SetBandAsync(string id, TemperatureBandRequest req, HubDbContext db, DeviceDirectory directory,
        RejectionLog rejections, AccessScopeResolver scopes, HttpContext http, ILogger<DeviceDirectory> logger, CancellationToken ct) =>
        ChangeBandAsync(id, new Domain.Alerts.TemperatureBand(req.Min, req.Max), db, directory, rejections, scopes, http, logger, ct);

    private static Task<Results<Ok<DeviceDto>, NotFound, ValidationProblem>> ClearBandAsync(string id, HubDbContext db, DeviceDirectory directory,
        RejectionLog rejections, AccessScopeResolver scopes, HttpContext http, ILogger<DeviceDirectory> logger, CancellationToken ct) =>
        ChangeBandAsync(id, null, db, directory, rejections, scopes, http, logger, ct);

    private static async Task<Results<Ok<DeviceDto>, NotFound, ValidationProblem>> ChangeBandAsync(string id, Domain.Alerts.TemperatureBand? band, HubDbContext db,
        DeviceDirectory directory, RejectionLog rejections, AccessScopeResolver scopes, HttpContext http, ILogger<DeviceDirectory> logger, CancellationToken ct)
    {
        var device = await db.Devices.SingleOrDefaultAsync(d => d.Id == id, ct);
        if (device is null)
            return TypedResults.NotFound();
        var problem = !device.Kind.Spec().Measurements.Contains("temp") ? LocalizedText.Of("device.band.kind")
            : band is { } b ? Domain.Alerts.TemperatureBand.Problem(b.Min, b.Max)
            : null;
        if (problem is not null)
        {
            var language = ReaderLanguage.Of(http, await scopes.ResolveAsync(http.User, ct));
            return ApiProblem.Invalid(new Dictionary<string, string[]> { ["band"] = [problem.Render(language)] });
        }
        device.SetTemperatureBand(band);
        await db.SaveChangesAsync(ct);
        // The rules read the band from the directory: refresh it now, not at the next restart.
        await directory.RefreshAsync(id, ct);
        http.Features.Set(new Audit.AuditNote(band is { } set ? $"device {id} temperature band {set.Min}…{set.Max} °C" : $"device {id} temperature band removed"));
        logger.LogInformation("Device {DeviceId}: temperature band {Band}", id, band?.ToString() ?? "of its location");
        return TypedResults.Ok(ToDto(device, directory.Find(id), rejections));
    }

    private static async Task<Results<Ok<DeviceDto>, NotFound, ProblemHttpResult>> RevokeAsync(
        string id, HubDbContext db, DeviceDirectory directory, RejectionLog rejections, IDeviceBroker broker, ILogger<DeviceDirectory> logger, CancellationToken ct)
    {
        var device = await db.Devices.SingleOrDefaultAsync(d => d.Id == id, ct);
        if (device is null)
            return TypedResults.NotFound();
        device.Revoke();
        await db.SaveChangesAsync(ct);
        // The directory first: from here on a reconnect (embedded) and any message still queued (external) are refused,
        // so the drop below cannot race a new session.
        await directory.RefreshAsync(id, ct);
        if (await BrokerFailedAsync(() => broker.RevokeAsync(id, ct), "revoke", id, logger,
            "The hub has revoked it and refuses its messages, but the broker may still let it connect; revoke again.") is { } failed)
            return failed;
        logger.LogWarning("Device {DeviceId} revoked; its connection was dropped", id);
        return TypedResults.Ok(ToDto(device, directory.Find(id), rejections));
    }

    /// <summary>A broker that refused or did not answer is the API's 502: the caller sees it and can retry.</summary>
    private static async Task<ProblemHttpResult?> BrokerFailedAsync(Func<Task> command, string what, string id, ILogger logger,
        string outcome = "Nothing was changed in the hub; try again.")
    {
        try
        {
            await command();
            return null;
        }
        catch (BrokerCommandException ex)
        {
            logger.LogWarning(ex, "The MQTT broker could not {What} device {DeviceId}", what, id);
            return TypedResults.Problem($"The MQTT broker could not {what} device {id}: {ex.Message}. {outcome}",
                statusCode: StatusCodes.Status502BadGateway, title: "MQTT broker error");
        }
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
            online, seen, bat, rssi, fw, rejections.Total(d.Id), throttled, d.RegisteredAt, d.Revoked, d.BandMin, d.BandMax);
    }

    private static MqttConnectionInfo ConnectionInfo(string id, HubOptions o, BrokerOptions broker, HttpContext http)
    {
        var (host, port) = DeviceEndpoint(o, broker, http);
        return new(host, port, o.MqttWebSocketPath, id, id, Topic.Up(id), Topic.Status(id), Topic.Down(id), Topic.Cfg(id),
            o.Tls.Enabled && !broker.IsExternal ? o.Tls.MqttTlsPort : null);
    }

    /// <summary>Where a device connects: the hub itself (embedded broker) or the external broker.</summary>
    internal static (string Host, int Port) DeviceEndpoint(HubOptions o, BrokerOptions broker, HttpContext http) =>
        broker.IsExternal
            ? (broker.External.DeviceHost ?? broker.External.Host, broker.External.DevicePort ?? broker.External.Port)
            : (http.Request.Host.Host, o.Tls.RequireTls ? o.Tls.MqttTlsPort : o.MqttPort);
}

public sealed record DeviceRejections(IReadOnlyList<RejectionCountDto> Counts, IReadOnlyList<RejectionDto> Recent);
