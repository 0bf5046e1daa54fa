using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using MQTTnet.Protocol;
using MQTTnet.Server;
using SmartCommunity.Domain.Devices;
using SmartCommunity.Domain.Gateways;
using SmartCommunity.Domain.Ingestion;
using SmartCommunity.Domain.Places;
using SmartCommunity.Hub.Broker;
using SmartCommunity.Hub.Devices;
using SmartCommunity.Hub.Hosting;
using SmartCommunity.Hub.People;
using SmartCommunity.Hub.Persistence;

namespace SmartCommunity.Hub.Gateways;

public sealed record RegisterGatewayRequest(string? Id, int CommunityId, string? Name);

/// <summary>The only response that ever contains a gateway secret: the hub keeps only its hash.</summary>
public sealed record GatewayCredentials(string Id, int CommunityId, string Name, string Secret);

/// <summary>A gateway and its link as the hub last heard it (health fields null until its first health message).</summary>
public sealed record GatewayDto(
    string Id, int CommunityId, string Name, DateTimeOffset RegisteredAt, bool Revoked, bool Connected, bool Silent, DateTimeOffset? LastSeenAt,
    bool? Online, int? DevicesConnected, long? QueueDepth, long? QueueBytes, DateTimeOffset? OldestQueuedAt, long? DiskUsedBytes, long? DiskQuotaBytes,
    long? DroppedRoutine, long? RefusedByHub, string? Version);

public sealed record RegistryDevice(string Id, string Kind, string Secret, string? PreviousSecret, DateTimeOffset? PreviousValidUntil, bool Revoked);
public sealed record RegistryDocument(int V, string Gateway, int Community, string Version, DateTimeOffset GeneratedAt, IReadOnlyList<RegistryDevice> Devices);

/// <summary>
/// Community edge gateways (docs/gateway.md): administrators register one per community and rotate or revoke its secret;
/// technicians and duty staff see their health. The gateway itself fetches its community's device registry with HTTP Basic
/// auth (gateway id and secret), conditional on the registry version.
/// </summary>
public static class GatewaysApi
{
    public static RouteGroupBuilder MapGatewaysApi(this IEndpointRouteBuilder app)
    {
        // Policies of a group and its endpoints add up, so the read has its own group.
        app.MapGroup("/api/gateways").WithTags("Gateways").RequireAuthorization(p => p.RequireRole(Roles.Admin, Roles.Technician, Roles.EmergencyStaff))
            .MapGet("/", ListAsync)
            .WithSummary("Gateways with their health: connected, last seen, queue depth, oldest queued message, disk use (staff: their communities')");
        var group = app.MapGroup("/api/gateways").WithTags("Gateways").RequireAuthorization(p => p.RequireRole(Roles.Admin));
        group.MapPost("/", RegisterAsync).WithSummary("Registers a community's gateway; the response shows its secret once");
        group.MapPost("/{id}/rotate", RotateAsync).WithSummary("Issues a new secret (shown once); the old one stops at once and its connection is closed");
        group.MapDelete("/{id}", RevokeAsync).WithSummary("Revokes a gateway: its connection is closed and it cannot reconnect or sync");
        app.MapGet("/api/gateway/v1/registry", RegistryAsync).WithTags("Gateways").AllowAnonymous()
            .WithSummary("The gateway's community's device registry (HTTP Basic: gateway id and secret); If-None-Match → 304");
        return group;
    }

    private static async Task<Ok<List<GatewayDto>>> ListAsync(HttpContext http, HubDbContext db, AccessScopeResolver scopes, GatewayDirectory directory, CancellationToken ct)
    {
        var scope = await scopes.ResolveAsync(http.User, ct);
        var rows = await db.Gateways.AsNoTracking().OrderBy(g => g.Id).ToListAsync(ct);
        // Technicians look after every gateway; duty staff see their own communities'.
        return TypedResults.Ok(rows.Where(g => scope.Devices || scope.CanHandleCommunity(g.CommunityId)).Select(g => ToDto(g, directory.Existing(g.Id))).ToList());
    }

    private static async Task<Results<Created<GatewayCredentials>, ValidationProblem, ProblemHttpResult>> RegisterAsync(
        RegisterGatewayRequest req, HubDbContext db, TimeProvider time, ILogger<GatewayDirectory> logger, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        var id = req.Id ?? "";
        if (!GatewayIdentifier.IsValid(id))
            errors["id"] = ["id must match ^gw-[a-z0-9-]{2,28}$"];
        if (!await db.Communities.AnyAsync(c => c.Id == req.CommunityId, ct))
            errors["communityId"] = ["no such community"];
        var name = errors.CheckText(TextField.CommunityName, req.Name);
        if (errors.Count > 0)
            return ApiProblem.Invalid(errors);
        if (await db.Gateways.AnyAsync(g => g.Id == id, ct))
            return ApiProblem.Conflict($"gateway {id} is already registered; rotate its secret instead");
        if (await db.Gateways.AnyAsync(g => g.CommunityId == req.CommunityId && !g.Revoked, ct))
            return ApiProblem.Conflict($"community {req.CommunityId} already has an active gateway; revoke it first");
        var secret = DeviceSecret.Generate();
        var gateway = Gateway.Register(id, req.CommunityId, name!, DeviceSecret.Hash(secret), time.GetUtcNow());
        db.Gateways.Add(gateway);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            // Two registrations at once: the unique index kept one.
            return ApiProblem.Conflict($"gateway {id} or another active gateway of community {req.CommunityId} was registered meanwhile");
        }
        logger.LogInformation("Gateway {GatewayId} registered for community {CommunityId}", id, req.CommunityId);
        return TypedResults.Created($"/api/gateways/{id}", new GatewayCredentials(id, gateway.CommunityId, gateway.Name, secret));
    }

    private static async Task<Results<Ok<GatewayCredentials>, NotFound, ProblemHttpResult>> RotateAsync(
        string id, HubDbContext db, IServiceProvider services, ILogger<GatewayDirectory> logger, CancellationToken ct)
    {
        var gateway = await db.Gateways.SingleOrDefaultAsync(g => g.Id == id, ct);
        if (gateway is null)
            return TypedResults.NotFound();
        if (gateway.Revoked)
            return ApiProblem.Conflict($"gateway {id} is revoked; register a new one");
        var secret = DeviceSecret.Generate();
        gateway.RotateSecret(DeviceSecret.Hash(secret));
        await db.SaveChangesAsync(ct);
        await DisconnectAsync(services.GetService<MqttServer>(), id, "gateway secret replaced");
        logger.LogWarning("Gateway {GatewayId}: secret replaced; its connection was closed", id);
        return TypedResults.Ok(new GatewayCredentials(id, gateway.CommunityId, gateway.Name, secret));
    }

    private static async Task<Results<Ok<GatewayDto>, NotFound>> RevokeAsync(
        string id, HubDbContext db, IServiceProvider services, GatewayDirectory directory, TimeProvider time, ILogger<GatewayDirectory> logger, CancellationToken ct)
    {
        var gateway = await db.Gateways.SingleOrDefaultAsync(g => g.Id == id, ct);
        if (gateway is null)
            return TypedResults.NotFound();
        gateway.Revoke(time.GetUtcNow());
        await db.SaveChangesAsync(ct);
        // Stored first: a reconnect in between reads the revocation and is refused.
        await DisconnectAsync(services.GetService<MqttServer>(), id, "gateway revoked");
        logger.LogWarning("Gateway {GatewayId} of community {CommunityId} revoked; its connection was closed", id, gateway.CommunityId);
        return TypedResults.Ok(ToDto(gateway, directory.Existing(id)));
    }

    /// <summary>Closes the gateway's live connection on the embedded broker (an external broker does not carry gateways).</summary>
    private static async Task DisconnectAsync(MqttServer? server, string gatewayId, string reason)
    {
        if (server is not { IsStarted: true })
            return;
        foreach (var client in await server.GetClientsAsync())
        {
            if (GatewayGate.SessionOf(client.Session.Items) is { } session && session.GatewayId == gatewayId)
                await client.DisconnectAsync(new MqttServerClientDisconnectOptions { ReasonCode = MqttDisconnectReasonCode.NotAuthorized, ReasonString = reason });
        }
    }

    private static async Task<Results<Ok<RegistryDocument>, StatusCodeHttpResult, ProblemHttpResult>> RegistryAsync(
        HttpContext http, HubDbContext db, RejectionLog rejections, TimeProvider time, ILogger<GatewayDirectory> logger, CancellationToken ct)
    {
        if (!TryBasic(http.Request.Headers.Authorization.ToString(), out var id, out var password))
        {
            http.Response.Headers.WWWAuthenticate = "Basic realm=\"SmartCommunity gateway registry\"";
            return TypedResults.Problem("HTTP Basic credentials (gateway id and secret) are required", statusCode: StatusCodes.Status401Unauthorized);
        }
        var gateway = GatewayIdentifier.IsValid(id) ? await db.Gateways.AsNoTracking().SingleOrDefaultAsync(g => g.Id == id, ct) : null;
        if (gateway is null || gateway.Revoked || !DeviceSecret.Verify(password, gateway.SecretHash))
        {
            // Counted like a device's refused CONNECT: under the gateway when it exists, else under "(unknown)".
            rejections.Record(gateway?.Id ?? DeviceGate.UnknownDevice, gateway is null ? RejectReason.UnknownDevice : RejectReason.BadCredentials,
                $"registry sync from {http.Connection.RemoteIpAddress} refused for \"{LogText.Printable(id)}\": {(gateway is null ? "no such gateway" : gateway.Revoked ? "gateway revoked" : "wrong password")}", null);
            http.Response.Headers.WWWAuthenticate = "Basic realm=\"SmartCommunity gateway registry\"";
            return TypedResults.Problem("wrong gateway id or secret, or the gateway is revoked", statusCode: StatusCodes.Status401Unauthorized);
        }
        var places = await PlaceIndex.LoadAsync(db, ct);
        var devices = (await db.Devices.AsNoTracking().OrderBy(d => d.Id).ToListAsync(ct))
            .Where(d => places.PlaceOf(d).CommunityId == gateway.CommunityId)
            .Select(d => new RegistryDevice(d.Id, d.Kind.ToWire(), d.SecretHash, d.PreviousSecretHash, d.PreviousSecretValidUntil, d.Revoked))
            .ToList();
        var version = Version(gateway, devices);
        http.Response.Headers.ETag = $"\"{version}\"";
        if (Matches(http.Request.Headers.IfNoneMatch.ToString(), version))
            return TypedResults.StatusCode(StatusCodes.Status304NotModified);
        logger.LogInformation("Gateway {GatewayId} synced the registry of community {CommunityId}: {Count} devices, version {Version}", gateway.Id, gateway.CommunityId, devices.Count, version);
        return TypedResults.Ok(new RegistryDocument(1, gateway.Id, gateway.CommunityId, version, time.GetUtcNow(), devices));
    }

    /// <summary>The registry's version: a hash of everything a gateway acts on, so any change (a device added, moved out,
    /// rotated, revoked) is a new version on every hub instance alike, with nothing to store.</summary>
    private static string Version(Gateway gateway, IReadOnlyList<RegistryDevice> devices)
    {
        var text = new StringBuilder().Append(gateway.Id).Append('|').Append(gateway.CommunityId).Append('\n');
        foreach (var d in devices)
            text.Append(d.Id).Append('|').Append(d.Kind).Append('|').Append(d.Secret).Append('|').Append(d.PreviousSecret).Append('|')
                .Append(d.PreviousValidUntil?.UtcTicks).Append('|').Append(d.Revoked).Append('\n');
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..32];
    }

    private static bool Matches(string ifNoneMatch, string version) =>
        ifNoneMatch.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Any(tag => tag == "*" || tag.TrimStart('W', '/').Trim('"') == version);

    private static bool TryBasic(string header, out string user, out string password)
    {
        user = password = "";
        if (!header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
            return false;
        try
        {
            var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header[6..].Trim()));
            var colon = decoded.IndexOf(':');
            if (colon <= 0)
                return false;
            (user, password) = (decoded[..colon], decoded[(colon + 1)..]);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private static GatewayDto ToDto(Gateway g, GatewayLive? live)
    {
        if (live is null)
            return new GatewayDto(g.Id, g.CommunityId, g.Name, g.RegisteredAt, g.Revoked, false, false, null, null, null, null, null, null, null, null, null, null, null);
        lock (live.Sync)
        {
            var h = live.Health;
            return new GatewayDto(g.Id, g.CommunityId, g.Name, g.RegisteredAt, g.Revoked, live.Connections > 0, live.SilentReported, live.LastHealthAt,
                h?.Online, h?.DevicesConnected, h?.QueueDepth, h?.QueueBytes, h?.OldestQueuedAt, h?.DiskUsedBytes, h?.DiskQuotaBytes,
                h?.DroppedRoutine, h?.RefusedByHub, h?.Version);
        }
    }
}
