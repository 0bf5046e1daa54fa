using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using SmartCommunity.Domain.Devices;
using SmartCommunity.Hub.Audit;
using SmartCommunity.Hub.Hosting;
using SmartCommunity.Hub.Localization;
using SmartCommunity.Hub.People;
using SmartCommunity.Hub.Persistence;

namespace SmartCommunity.Hub.Devices;

/// <summary>
/// Device configuration (the firmware's numeric settings, docs/protocol.md <c>cfg</c>): overrides per kind and per
/// device, each change checked against the firmware's own table and rules, stored, and published retained to every
/// device it reaches. A body is <c>{"reading_s":60}</c>; null removes an override. Writes are audited with what changed.
/// </summary>
public static class DeviceConfigApi
{
    public static void MapDeviceConfigApi(this IEndpointRouteBuilder app)
    {
        var device = app.MapGroup("/api/devices/{id}/config").WithTags("Devices").RequireAuthorization(p => p.RequireRole(Roles.Admin, Roles.Technician));
        device.MapGet("/", GetDeviceAsync).WithSummary("Every setting of the device: effective value, source (default, kind, device), range; what was sent and whether the device has been heard since");
        device.MapPut("/", PutDeviceAsync).WithSummary("Sets (or, with null, removes) device overrides and publishes the device's retained cfg");
        device.MapDelete("/{name}", DeleteDeviceAsync).WithSummary("Removes one device override (the kind's value or the default applies again)");

        var kind = app.MapGroup("/api/device-kinds/{kind}/config").WithTags("Devices").RequireAuthorization(p => p.RequireRole(Roles.Admin, Roles.Technician));
        kind.MapGet("/", GetKindAsync).WithSummary("Every setting of a device kind: effective value for its devices without an override, source, range");
        kind.MapPut("/", PutKindAsync).WithSummary("Sets (or, with null, removes) kind overrides and publishes the retained cfg of every device of the kind");
        kind.MapDelete("/{name}", DeleteKindAsync).WithSummary("Removes one kind override");
    }

    private static async Task<Results<Ok<DeviceConfigDto>, NotFound>> GetDeviceAsync(string id, HubDbContext db, DeviceConfigService config, CancellationToken ct) =>
        await config.DeviceAsync(db, id, ct) is { } dto ? TypedResults.Ok(dto) : TypedResults.NotFound();

    private static Task<Results<Ok<DeviceConfigDto>, NotFound, ValidationProblem>> PutDeviceAsync(string id, Dictionary<string, JsonElement> body, HubDbContext db,
        DeviceConfigService config, AccessScopeResolver scopes, HttpContext http, CancellationToken ct) =>
        ChangeDeviceAsync(id, body, db, config, scopes, http, ct);

    private static Task<Results<Ok<DeviceConfigDto>, NotFound, ValidationProblem>> DeleteDeviceAsync(string id, string name, HubDbContext db,
        DeviceConfigService config, AccessScopeResolver scopes, HttpContext http, CancellationToken ct) =>
        ChangeDeviceAsync(id, Removal(name), db, config, scopes, http, ct);

    private static async Task<Results<Ok<DeviceConfigDto>, NotFound, ValidationProblem>> ChangeDeviceAsync(string id, Dictionary<string, JsonElement> body, HubDbContext db,
        DeviceConfigService config, AccessScopeResolver scopes, HttpContext http, CancellationToken ct)
    {
        var device = await db.Devices.FindAsync([id], ct);
        if (device is null)
            return TypedResults.NotFound();
        var (changes, problems) = DeviceSettings.Parse(device.Kind, body);
        var kindOverrides = await DeviceConfigService.OverridesAsync(db, DeviceConfigService.KindScope, device.Kind.ToWire(), ct);
        var deviceOverrides = DeviceSettings.Apply(await DeviceConfigService.OverridesAsync(db, DeviceConfigService.DeviceScope, id, ct), changes);
        if (problems.Count == 0 && DeviceSettings.Inconsistency(device.Kind, kindOverrides, deviceOverrides, null) is { } broken)
            problems.Add(broken);
        if (problems.Count > 0)
            return await RefusedAsync(problems, scopes, http, ct);
        await config.ChangeAsync(db, DeviceConfigService.DeviceScope, id, changes, http.User.Identity?.Name, ct);
        await db.SaveChangesAsync(ct);
        http.Features.Set(new AuditNote($"device {id} config: {Describe(changes)}"));
        await config.PublishAsync([id], force: false, ct);
        return TypedResults.Ok((await config.DeviceAsync(db, id, ct))!);
    }

    private static async Task<Results<Ok<KindConfigDto>, NotFound>> GetKindAsync(string kind, HubDbContext db, CancellationToken ct)
    {
        if (!DeviceKinds.TryParse(kind, out var k))
            return TypedResults.NotFound();
        return TypedResults.Ok(await KindDtoAsync(db, k, ct));
    }

    private static Task<Results<Ok<KindConfigDto>, NotFound, ValidationProblem>> PutKindAsync(string kind, Dictionary<string, JsonElement> body, HubDbContext db,
        DeviceConfigService config, AccessScopeResolver scopes, HttpContext http, CancellationToken ct) =>
        ChangeKindAsync(kind, body, db, config, scopes, http, ct);

    private static Task<Results<Ok<KindConfigDto>, NotFound, ValidationProblem>> DeleteKindAsync(string kind, string name, HubDbContext db,
        DeviceConfigService config, AccessScopeResolver scopes, HttpContext http, CancellationToken ct) =>
        ChangeKindAsync(kind, Removal(name), db, config, scopes, http, ct);

    private static async Task<Results<Ok<KindConfigDto>, NotFound, ValidationProblem>> ChangeKindAsync(string kind, Dictionary<string, JsonElement> body, HubDbContext db,
        DeviceConfigService config, AccessScopeResolver scopes, HttpContext http, CancellationToken ct)
    {
        if (!DeviceKinds.TryParse(kind, out var k))
            return TypedResults.NotFound();
        var wire = k.ToWire();
        var (changes, problems) = DeviceSettings.Parse(k, body);
        var kindOverrides = DeviceSettings.Apply(await DeviceConfigService.OverridesAsync(db, DeviceConfigService.KindScope, wire, ct), changes);
        var devices = await DeviceConfigService.DevicesOfKindAsync(db, k, ct);
        if (problems.Count == 0 && DeviceSettings.Inconsistency(k, kindOverrides, null, null) is { } broken)
            problems.Add(broken);
        if (problems.Count == 0)
        {
            // A device's own overrides on top of the kind's new values must still pass the device's rules.
            var withOverrides = await db.DeviceSettingOverrides.AsNoTracking().Where(o => o.Scope == DeviceConfigService.DeviceScope && devices.Contains(o.Target)).ToListAsync(ct);
            foreach (var group in withOverrides.GroupBy(o => o.Target))
            {
                if (DeviceSettings.Inconsistency(k, kindOverrides, group.ToDictionary(o => o.Name, o => o.Value, StringComparer.Ordinal), group.Key) is { } conflict)
                {
                    problems.Add(conflict);
                    break;
                }
            }
        }
        if (problems.Count > 0)
            return await RefusedAsync(problems, scopes, http, ct);
        await config.ChangeAsync(db, DeviceConfigService.KindScope, wire, changes, http.User.Identity?.Name, ct);
        await db.SaveChangesAsync(ct);
        http.Features.Set(new AuditNote($"kind {wire} config: {Describe(changes)}; {devices.Count} device(s)"));
        await config.PublishAsync(devices, force: false, ct);
        return TypedResults.Ok(await KindDtoAsync(db, k, ct));
    }

    private static async Task<KindConfigDto> KindDtoAsync(HubDbContext db, DeviceKind kind, CancellationToken ct)
    {
        var overrides = await DeviceConfigService.OverridesAsync(db, DeviceConfigService.KindScope, kind.ToWire(), ct);
        var devices = (await DeviceConfigService.DevicesOfKindAsync(db, kind, ct)).Count;
        return new KindConfigDto(kind.ToWire(), DeviceSettings.View(kind, overrides, null), devices);
    }

    private static Dictionary<string, JsonElement> Removal(string name) => new() { [name] = JsonDocument.Parse("null").RootElement };

    /// <summary>400 naming each refused setting, in the reader's language (profile, <c>?lang=</c>, Accept-Language).</summary>
    private static async Task<ValidationProblem> RefusedAsync(List<SettingProblem> problems, AccessScopeResolver scopes, HttpContext http, CancellationToken ct)
    {
        var language = ReaderLanguage.Of(http, await scopes.ResolveAsync(http.User, ct));
        return ApiProblem.Invalid(problems.GroupBy(p => p.Name).ToDictionary(g => g.Key, g => g.Select(p => p.Text.Render(language)).ToArray()));
    }

    private static string Describe(IReadOnlyDictionary<string, int?> changes) =>
        string.Join(", ", changes.Select(c => c.Value is { } v ? $"{c.Key}={v}" : $"{c.Key} removed"));
}
