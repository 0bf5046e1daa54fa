using System.Net;
using System.Net.Http.Json;
using System.Reflection;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using MQTTnet;
using SmartCommunity.Hub.Alerts;
using SmartCommunity.Hub.Devices;
using SmartCommunity.Hub.Notifications;
using SmartCommunity.Hub.People;
using SmartCommunity.Hub.Persistence;
using SmartCommunity.Hub.Places;
using SmartCommunity.Testing;

namespace SmartCommunity.Hub.Tests;

/// <summary>The people the matrix asks as. Flags, so an expectation reads "Admin | Staff | WorkerA".</summary>
[Flags]
public enum Who
{
    None = 0,
    Anonymous = 1,
    Admin = 2,
    Staff = 4,
    WorkerA = 8,
    WorkerB = 16,
    Technician = 32,
    FamilyA = 64,
    FamilyB = 128,

    Workers = WorkerA | WorkerB,
    Families = FamilyA | FamilyB,
    Responders = Admin | Staff | Workers,
    DevicePeople = Admin | Technician,
    SignedIn = Admin | Staff | Workers | Technician | Families,
    Everyone = Anonymous | SignedIn,
}

/// <summary>
/// Every HTTP endpoint the hub maps × every kind of person, with real requests against the running hub, plus the
/// SignalR hub's methods and groups. The expectations are data (<see cref="Table"/>): one row per endpoint, and for
/// routes that name an object (a resident, an alert, a device, a community) one case per object, so "family A on
/// resident B's id" and "grid worker A on grid B's alert" are checked, not assumed. An endpoint the hub maps that the
/// table does not list fails the test by name: a new endpoint cannot ship without deciding who may call it.
/// <para>
/// The world: community 1 with grids A and B (resident A, resident B, each with an SOS pendant that has raised an
/// alert) and community 2 with grid C (resident C, pendant, alert), whose only insiders are the admin (and the
/// technician for its device). Staff work community 1's desk, so community 2 is where they are outsiders.
/// </para>
/// Denied means 401 for anonymous callers and 403 or 404 for signed-in ones (object-level denials answer 404, so
/// ids cannot be probed). Allowed means anything else below 500 — a 400 or 409 for a dummy body or a state that does
/// not permit the change still proves the caller got past authorization. Object-level cases use valid bodies, so a
/// 404 there can only be the authorization.
/// </summary>
public sealed class AuthorizationMatrixTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly HubApp _hub = new();
    private Ids _ids = null!;
    private (int A, int B, int C) _households;
    private readonly Dictionary<Who, HttpClient> _clients = [];

    public static readonly Who[] People = [Who.Anonymous, Who.Admin, Who.Staff, Who.WorkerA, Who.WorkerB, Who.Technician, Who.FamilyA, Who.FamilyB];

    private static readonly Dictionary<Who, string> Emails = new()
    {
        [Who.Admin] = HubApp.AdminEmail, [Who.Staff] = World.Staff, [Who.WorkerA] = World.WorkerA, [Who.WorkerB] = World.WorkerB,
        [Who.Technician] = World.Technician, [Who.FamilyA] = World.FamilyA, [Who.FamilyB] = World.FamilyB,
    };

    /// <summary>Endpoints the matrix does not call, each with the reason. Everything else must have a row.</summary>
    private static readonly Dictionary<string, string> Excluded = new()
    {
        ["* /mqtt"] = "MQTT over WebSockets: devices authenticate in CONNECT (DeviceGate), not over HTTP; EndToEndTests and RevocationTests cover it",
        ["* /mqtt/negotiate"] = "the connection-handler negotiate of MQTT over WebSockets: hands out a connection id, nothing else; devices authenticate in CONNECT",
        ["* /hubs/alerts"] = "the SignalR transport; a connection needs a negotiated id, and what it may receive is the hub section below",
        ["GET /"] = "only mapped when the dashboard is not built: a static page saying so",
        ["GET /ack/{token}"] = "anonymous by design: the single-use token in a cascade SMS is the credential; CascadeTests cover a forged and a used one",
        ["POST /ack/{token}"] = "anonymous by design: the single-use token in a cascade SMS is the credential; CascadeTests cover a forged and a used one",
        ["GET /api/gateway/v1/registry"] = "a gateway's registry sync: HTTP Basic with the gateway's own id and secret, no person signs in; GatewayHubTests cover wrong credentials and a revoked gateway",
        ["POST /api/sms/inbound"] = "Twilio's webhook: anonymous, accepted only with a valid X-Twilio-Signature; CascadeTests cover a forged one and the unconfigured hub",
    };

    public async ValueTask InitializeAsync()
    {
        _hub.Start();
        var world = await _hub.SeedWorldAsync();
        using var admin = await _hub.AdminAsync();
        var community2 = await HubApp.PostAsync<CommunityDto>(admin, "/api/communities", new CreateCommunityRequest("Other Community", null));
        var gridC = await HubApp.PostAsync<GridDto>(admin, "/api/grids", new CreateGridRequest(community2.Id, "Grid C"));
        var homeC = await HubApp.PostAsync<HouseholdDto>(admin, "/api/households", new CreateHouseholdRequest(gridC.Id, "Bldg 5, Flat 505"));
        var residentC = await HubApp.PostAsync<ResidentDto>(admin, "/api/residents", new CreateResidentRequest(homeC.Id, "Resident C", 1938, true));
        _households = (world.HouseholdA, world.HouseholdB, homeC.Id);

        var devices = new[] { (world.ResidentA, "sos-mx-a"), (world.ResidentB, "sos-mx-b"), (residentC.Id, "sos-mx-c") };
        var alerts = new List<long>();
        foreach (var (resident, id) in devices)
        {
            var device = await _hub.RegisterDeviceAsync("sos", residentId: resident, id: id);
            using var mqtt = await _hub.ConnectDeviceAsync(device);
            await mqtt.PublishAsync(new MqttApplicationMessageBuilder().WithTopic($"sc/v1/{id}/up").WithPayload(Senml.Sos(id, 1))
                .WithQualityOfServiceLevel(MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce).Build());
            var raised = await Eventually.GetAsync(() => admin.GetFromJsonAsync<List<AlertDto>>($"/api/alerts?deviceId={id}")!, a => a!.Count == 1, what: $"the alert of {id}");
            alerts.Add(raised![0].Id);
            await mqtt.DisconnectAsync();
        }
        var users = await admin.GetFromJsonAsync<List<UserDto>>("/api/users");
        _ids = new Ids(world.CommunityId, community2.Id, world.GridA, world.GridB, gridC.Id, world.ResidentA, world.ResidentB, residentC.Id,
            alerts[0], alerts[1], alerts[2], devices[0].Item2, devices[1].Item2, devices[2].Item2, users!.Single(u => u.Email == World.Staff).Id,
            users!.Single(u => u.Email == HubApp.AdminEmail).Id);

        _clients[Who.Anonymous] = _hub.Anonymous();
        foreach (var (who, email) in Emails)
            _clients[who] = await _hub.ClientAsync(email);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients.Values)
            client.Dispose();
        await _hub.DisposeAsync();
    }

    /// <summary>Real ids from the seeded world, and what the matrix creates on the fly.</summary>
    public sealed record Ids(int Community1, int Community2, int GridA, int GridB, int GridC, int ResidentA, int ResidentB, int ResidentC,
        long AlertA, long AlertB, long AlertC, string DeviceA, string DeviceB, string DeviceC, string StaffUserId, string AdminUserId);

    /// <summary>What a case may need while building its request: the ids, and the admin's client to create a fresh object per caller.</summary>
    public sealed record Context(Ids Ids, HttpClient Admin, HubApp Hub);

    public sealed record Request(string Url, object? Body = null);

    /// <summary>A list endpoint's object-level check: the response (for those allowed to call it) names the object only for <paramref name="MaySee"/>.</summary>
    public sealed record Sees(string Object, Func<Ids, JsonElement, bool> Contains, Who MaySee);

    public sealed record Case(string Object, Who Allowed, Func<Context, Task<Request>> Build, IReadOnlyList<Sees>? Lists = null);

    /// <summary>Method "*" is a route mapped for any method (health checks, SignalR negotiate); <paramref name="Send"/> is the one the matrix uses.</summary>
    public sealed record Row(string Method, string Pattern, IReadOnlyList<Case> Cases, string? Send = null)
    {
        public string Key => $"{Method} {Pattern}";
        public string Verb => Send ?? Method;
    }

    private static Case Any(Who allowed, string url, object? body = null, params Sees[] lists) =>
        new("-", allowed, _ => Task.FromResult(new Request(url, body)), lists.Length == 0 ? null : lists);

    private static Case For(string obj, Who allowed, Func<Ids, string> url, Func<Ids, object?>? body = null) =>
        new(obj, allowed, c => Task.FromResult(new Request(url(c.Ids), body?.Invoke(c.Ids))));

    private static Case Fresh(string obj, Who allowed, Func<Context, Task<Request>> build) => new(obj, allowed, build);

    private static Row R(string method, string pattern, params Case[] cases) => new(method, pattern, cases);

    // Who is an insider of each place. Community 2's only insider is the admin.
    private const Who InGridA = Who.Admin | Who.Staff | Who.WorkerA;
    private const Who InGridB = Who.Admin | Who.Staff | Who.WorkerB;
    private const Who InCommunity1 = Who.Admin | Who.Staff | Who.Workers;
    private const Who SeesResidentA = InGridA | Who.FamilyA;
    private const Who SeesResidentB = InGridB | Who.FamilyB;
    private const string Month = "2024-05";

    private static bool HasId(JsonElement list, long id) => list.EnumerateArray().Any(e => e.GetProperty("id").GetInt64() == id);
    private static bool HasProperty(JsonElement list, string name, long value) => list.EnumerateArray().Any(e => e.GetProperty(name).ValueKind == JsonValueKind.Number && e.GetProperty(name).GetInt64() == value);

    private static Sees[] SeesAlerts =>
    [
        new("alert A", (i, j) => HasId(j, i.AlertA), SeesResidentA),
        new("alert B", (i, j) => HasId(j, i.AlertB), SeesResidentB),
        new("alert C", (i, j) => HasId(j, i.AlertC), Who.Admin),
    ];

    private static Sees[] SeesResidents =>
    [
        new("resident A", (i, j) => HasId(j, i.ResidentA), SeesResidentA),
        new("resident B", (i, j) => HasId(j, i.ResidentB), SeesResidentB),
        new("resident C", (i, j) => HasId(j, i.ResidentC), Who.Admin),
    ];

    private static Sees[] SeesCommunities =>
    [
        new("community 1", (i, j) => HasId(j, i.Community1), Who.Admin | Who.Technician | InCommunity1),
        new("community 2", (i, j) => HasId(j, i.Community2), Who.Admin | Who.Technician),
    ];

    private static Sees[] SeesVisits =>
    [
        new("visit to resident A", (i, j) => HasProperty(j, "residentId", i.ResidentA), InGridA),
        new("visit to resident B", (i, j) => HasProperty(j, "residentId", i.ResidentB), InGridB),
        new("visit to resident C", (i, j) => HasProperty(j, "residentId", i.ResidentC), Who.Admin),
    ];

    private static Sees[] SeesCases =>
    [
        new("case of resident A", (i, j) => HasProperty(j, "residentId", i.ResidentA), SeesResidentA),
        new("case of resident B", (i, j) => HasProperty(j, "residentId", i.ResidentB), SeesResidentB),
        new("case of resident C", (i, j) => HasProperty(j, "residentId", i.ResidentC), Who.Admin),
    ];

    private static Sees[] SeesServices =>
    [
        new("service to resident A", (i, j) => HasProperty(j, "residentId", i.ResidentA), SeesResidentA),
        new("service to resident B", (i, j) => HasProperty(j, "residentId", i.ResidentB), SeesResidentB),
        new("service to resident C", (i, j) => HasProperty(j, "residentId", i.ResidentC), Who.Admin),
    ];

    private static Sees[] SeesRosters =>
    [
        new("shift in community 1", (i, j) => HasProperty(j, "communityId", i.Community1), Who.Admin | Who.Staff),
        new("shift in community 2", (i, j) => HasProperty(j, "communityId", i.Community2), Who.Admin),
    ];

    // A valid body: the duty officer is community 1's staff there, and an admin (who may take any community's desk) in community 2.
    private static object Shift(Ids i, int community) =>
        new { communityId = community, gridId = (int?)null, userId = community == i.Community1 ? i.StaffUserId : i.AdminUserId, role = "duty_officer", start = "08:00", end = "20:00" };

    private static async Task<Request> FreshShiftAsync(Context c, int community)
    {
        var shift = await HubApp.PostAsync<JsonElement>(c.Admin, "/api/rosters", Shift(c.Ids, community));
        return new Request($"/api/rosters/{shift.GetProperty("id").GetInt32()}");
    }

    private static async Task<Request> FreshDeviceAsync(Context c, int resident, string suffix)
    {
        var device = await HubApp.PostAsync<DeviceCredentials>(c.Admin, "/api/devices", new RegisterDeviceRequest("sos", null, null, null, null, resident, null));
        return new Request($"/api/devices/{device.Device.Id}/{suffix}", suffix.StartsWith("provisioning-qr", StringComparison.Ordinal) ? new { secret = device.Secret } : null);
    }

    /// <summary>A gateway of a new community (one active gateway per community), so each caller acts on one.</summary>
    private static async Task<Request> FreshGatewayAsync(Context c, string suffix)
    {
        var community = await HubApp.PostAsync<CommunityDto>(c.Admin, "/api/communities", new CreateCommunityRequest("Gateway " + Guid.NewGuid().ToString("N")[..6], null));
        var id = "gw-" + Guid.NewGuid().ToString("N")[..8];
        await HubApp.PostAsync<JsonElement>(c.Admin, "/api/gateways", new { id, communityId = community.Id, name = "Matrix gate" });
        return new Request($"/api/gateways/{id}{suffix}");
    }

    private static async Task<Request> FreshResidentAsync(Context c, string suffix)
    {
        var household = await HubApp.PostAsync<JsonElement>(c.Admin, "/api/households", new { gridId = c.Ids.GridA, address = "Bldg 9, Flat " + Guid.NewGuid().ToString("N")[..4] });
        var resident = await HubApp.PostAsync<JsonElement>(c.Admin, "/api/residents", new { householdId = household.GetProperty("id").GetInt32(), name = "Erase Me", birthYear = 1940 });
        return new Request($"/api/residents/{resident.GetProperty("id").GetInt32()}/{suffix}", null);
    }

    /// <summary>A case opened by the admin for a resident (with a photo if asked), so each caller acts on one in its first state.</summary>
    private static async Task<Request> FreshCaseAsync(Context c, int resident, string suffix, object? body = null, bool photo = false)
    {
        var opened = await HubApp.PostAsync<JsonElement>(c.Admin, "/api/cases", new { category = "repair", description = "matrix", residentId = resident });
        var id = opened.GetProperty("id").GetInt64();
        if (photo)
        {
            using var content = new ByteArrayContent([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0]);
            content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("image/png");
            using var stored = await c.Admin.PutAsync($"/api/cases/{id}/photo", content);
            stored.EnsureSuccessStatusCode();
        }
        return new Request($"/api/cases/{id}{suffix}", body);
    }

    private static async Task<Request> FreshServiceAsync(Context c, int resident)
    {
        var service = await HubApp.PostAsync<JsonElement>(c.Admin, "/api/services", new { residentId = resident, kind = "meal" });
        return new Request($"/api/services/{service.GetProperty("id").GetInt64()}/rating", new { rating = 5 });
    }

    private static async Task<Request> FreshDeadLetterAsync(Context c)
    {
        await using var scope = c.Hub.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<HubDbContext>();
        // An endpoint that is not configured: the retried delivery lands in the dead letters again.
        var letter = new OutboxMessage
        {
            Channel = OutboxChannels.Webhook, Recipient = "matrix", TemplateKey = "test", Body = "{}", Language = "", IdempotencyKey = "matrix:" + Guid.NewGuid().ToString("N"),
            State = OutboxState.Dead, Attempts = 1, CreatedAt = DateTimeOffset.UtcNow, NextAttemptAt = DateTimeOffset.UtcNow,
        };
        db.Outbox.Add(letter);
        await db.SaveChangesAsync();
        return new Request($"/api/notifications/dead-letters/{letter.Id}/retry");
    }

    /// <summary>The expectation table: one row per endpoint the hub maps.</summary>
    public static IReadOnlyList<Row> Table =>
    [
        // People
        R("POST", "/api/auth/login", new Case("own credentials", Who.Everyone, _ => Task.FromResult(new Request("/api/auth/login", null)))),
        R("POST", "/api/auth/refresh", new Case("own refresh token", Who.Everyone, _ => Task.FromResult(new Request("/api/auth/refresh", null)))),
        R("POST", "/api/auth/logout", Any(Who.SignedIn, "/api/auth/logout", new { })),
        R("GET", "/api/auth/csrf", Any(Who.SignedIn, "/api/auth/csrf")),
        R("GET", "/api/me", Any(Who.SignedIn, "/api/me")),
        R("GET", "/api/auth/session", Any(Who.Everyone, "/api/auth/session")),
        R("PUT", "/api/me/language", Any(Who.SignedIn, "/api/me/language", new { language = "en" })),
        R("GET", "/api/users", Any(Who.Admin, "/api/users")),
        R("POST", "/api/users", Any(Who.Admin, "/api/users", new { email = "", password = "", displayName = "", role = "Nobody" })),

        // Contacts: one's own phone and channels; anyone's for admins. Emergency profiles: the place's staff, and the resident's family (read, masked)
        R("GET", "/api/me/contact", Any(Who.SignedIn, "/api/me/contact")),
        R("PUT", "/api/me/contact", Any(Who.SignedIn, "/api/me/contact", new { phone = (string?)null, push = true })),
        R("GET", "/api/users/{id}/contact", For("staff", Who.Admin, i => $"/api/users/{i.StaffUserId}/contact")),
        R("PUT", "/api/users/{id}/contact", For("staff", Who.Admin, i => $"/api/users/{i.StaffUserId}/contact", _ => new { phone = "+8613800138001", push = true })),
        R("GET", "/api/residents/{id:int}/emergency-profile",
            For("resident A", SeesResidentA, i => $"/api/residents/{i.ResidentA}/emergency-profile"),
            For("resident B", SeesResidentB, i => $"/api/residents/{i.ResidentB}/emergency-profile"),
            For("resident C (community 2)", Who.Admin, i => $"/api/residents/{i.ResidentC}/emergency-profile")),
        R("PUT", "/api/residents/{id:int}/emergency-profile",
            For("resident A", InGridA, i => $"/api/residents/{i.ResidentA}/emergency-profile", _ => new { medication = "matrix" }),
            For("resident C (community 2)", Who.Admin, i => $"/api/residents/{i.ResidentC}/emergency-profile", _ => new { medication = "matrix" })),
        R("GET", "/api/alerts/{id:long}/emergency",
            For("alert A", InGridA, i => $"/api/alerts/{i.AlertA}/emergency"),
            For("alert B", InGridB, i => $"/api/alerts/{i.AlertB}/emergency"),
            For("alert C", Who.Admin, i => $"/api/alerts/{i.AlertC}/emergency")),

        // Places: reads scoped to the caller, changes for admins
        R("GET", "/api/communities", Any(Who.Admin | Who.Technician | InCommunity1, "/api/communities", null, SeesCommunities)),
        R("GET", "/api/residents", Any(Who.Admin | Who.Staff | Who.Workers | Who.Families, "/api/residents", null, SeesResidents)),
        R("GET", "/api/residents/{id:int}",
            For("resident A", SeesResidentA, i => $"/api/residents/{i.ResidentA}"),
            For("resident B", SeesResidentB, i => $"/api/residents/{i.ResidentB}"),
            For("resident C (community 2)", Who.Admin, i => $"/api/residents/{i.ResidentC}")),
        // Personal data on request: export and erasure are for administrators only, whoever the resident is.
        R("GET", "/api/residents/{id:int}/export",
            For("resident A", Who.Admin, i => $"/api/residents/{i.ResidentA}/export"),
            For("resident C (community 2)", Who.Admin, i => $"/api/residents/{i.ResidentC}/export")),
        R("DELETE", "/api/residents/{id:int}/data", Fresh("a new resident in grid A", Who.Admin, c => FreshResidentAsync(c, "data"))),
        R("POST", "/api/communities", Any(Who.Admin, "/api/communities", new { name = "" })),
        R("POST", "/api/grids", Any(Who.Admin, "/api/grids", new { communityId = 0, name = "" })),
        R("POST", "/api/households", Any(Who.Admin, "/api/households", new { gridId = 0, address = "" })),
        R("POST", "/api/residents", Any(Who.Admin, "/api/residents", new { householdId = 0, name = "" })),
        // Edits: invalid bodies, so admins get 400 (allowed) and the world stays as it is
        R("PUT", "/api/communities/{id:int}", For("community 2", Who.Admin, i => $"/api/communities/{i.Community2}", _ => new { name = "" })),
        R("PUT", "/api/grids/{id:int}", For("grid C", Who.Admin, i => $"/api/grids/{i.GridC}", i => new { communityId = i.Community2, name = "" })),
        R("PUT", "/api/households/{id:int}", Fresh("a new household", Who.Admin, async c =>
            new Request($"/api/households/{(await HubApp.PostAsync<HouseholdDto>(c.Admin, "/api/households", new CreateHouseholdRequest(c.Ids.GridA, "Matrix"))).Id}", new { gridId = c.Ids.GridA, address = "" }))),
        R("PUT", "/api/residents/{id:int}", For("resident C", Who.Admin, i => $"/api/residents/{i.ResidentC}", _ => new { householdId = 0, name = "" })),

        // Devices: the fleet is for admins and technicians, every device
        R("GET", "/api/devices", Any(Who.DevicePeople, "/api/devices")),
        R("GET", "/api/devices/{id}",
            For("device A", Who.DevicePeople, i => $"/api/devices/{i.DeviceA}"),
            For("device C", Who.DevicePeople, i => $"/api/devices/{i.DeviceC}")),
        R("POST", "/api/devices", Any(Who.DevicePeople, "/api/devices", new { kind = "no-such-kind" })),
        R("POST", "/api/devices/{id}/secret", Fresh("a new device", Who.DevicePeople, c => FreshDeviceAsync(c, c.Ids.ResidentA, "secret"))),
        R("PUT", "/api/devices/{id}", For("device C", Who.DevicePeople, i => $"/api/devices/{i.DeviceC}", _ => new { location = "attic" })),
        R("POST", "/api/devices/{id}/revoke", Fresh("a new device", Who.DevicePeople, c => FreshDeviceAsync(c, c.Ids.ResidentA, "revoke"))),
        R("GET", "/api/devices/{id}/rejections", For("device B", Who.DevicePeople, i => $"/api/devices/{i.DeviceB}/rejections")),
        R("GET", "/api/rejections", Any(Who.DevicePeople, "/api/rejections")),
        R("PUT", "/api/devices/{id}/band", For("device A", Who.DevicePeople, i => $"/api/devices/{i.DeviceA}/band", _ => new { min = 10, max = 5 })),
        R("DELETE", "/api/devices/{id}/band", For("device A", Who.DevicePeople, i => $"/api/devices/{i.DeviceA}/band")),
        R("GET", "/api/gateways", Any(Who.DevicePeople | Who.Staff, "/api/gateways")),
        R("POST", "/api/gateways", Any(Who.Admin, "/api/gateways", new { id = "no-prefix", communityId = 0, name = "" })),
        R("POST", "/api/gateways/{id}/rotate", Fresh("a new gateway", Who.Admin, c => FreshGatewayAsync(c, "/rotate"))),
        R("DELETE", "/api/gateways/{id}", Fresh("a new gateway", Who.Admin, c => FreshGatewayAsync(c, ""))),
        R("POST", "/api/devices/{id}/provisioning-qr", Fresh("a new device", Who.DevicePeople, c => FreshDeviceAsync(c, c.Ids.ResidentB, "provisioning-qr"))),
        R("POST", "/api/devices/{id}/provisioning-qr.png", Fresh("a new device", Who.DevicePeople, c => FreshDeviceAsync(c, c.Ids.ResidentB, "provisioning-qr.png"))),
        R("POST", "/api/devices/{id}/test-alarm", For("device A", Who.DevicePeople, i => $"/api/devices/{i.DeviceA}/test-alarm")),
        // Device configuration: refused bodies (an unknown setting) change nothing, whoever may send them
        R("GET", "/api/devices/{id}/config", For("device A", Who.DevicePeople, i => $"/api/devices/{i.DeviceA}/config")),
        R("PUT", "/api/devices/{id}/config", For("device A", Who.DevicePeople, i => $"/api/devices/{i.DeviceA}/config", _ => new { no_such_setting = 1 })),
        R("DELETE", "/api/devices/{id}/config/{name}", For("device A", Who.DevicePeople, i => $"/api/devices/{i.DeviceA}/config/no_such_setting")),
        R("GET", "/api/device-kinds/{kind}/config", Any(Who.DevicePeople, "/api/device-kinds/sos/config")),
        R("PUT", "/api/device-kinds/{kind}/config", Any(Who.DevicePeople, "/api/device-kinds/sos/config", new { no_such_setting = 1 })),
        R("DELETE", "/api/device-kinds/{kind}/config/{name}", Any(Who.DevicePeople, "/api/device-kinds/sos/config/no_such_setting")),

        // Readings: technicians every device; everyone else devices at places they see
        R("GET", "/api/devices/{deviceId}/readings",
            For("device A", SeesResidentA | Who.Technician, i => $"/api/devices/{i.DeviceA}/readings?name=sos"),
            For("device B", SeesResidentB | Who.Technician, i => $"/api/devices/{i.DeviceB}/readings?name=sos"),
            For("device C", Who.DevicePeople, i => $"/api/devices/{i.DeviceC}/readings?name=sos")),
        R("GET", "/api/devices/{deviceId}/readings/latest",
            For("device A", SeesResidentA | Who.Technician, i => $"/api/devices/{i.DeviceA}/readings/latest"),
            For("device B", SeesResidentB | Who.Technician, i => $"/api/devices/{i.DeviceB}/readings/latest")),
        R("GET", "/api/devices/{deviceId}/readings/aggregate",
            For("device A", SeesResidentA | Who.Technician, i => $"/api/devices/{i.DeviceA}/readings/aggregate?name=sos"),
            For("device C", Who.DevicePeople, i => $"/api/devices/{i.DeviceC}/readings/aggregate?name=sos")),
        R("GET", "/api/devices/{deviceId}/readings/history",
            For("device A", SeesResidentA | Who.Technician, i => $"/api/devices/{i.DeviceA}/readings/history?name=sos"),
            For("device B", SeesResidentB | Who.Technician, i => $"/api/devices/{i.DeviceB}/readings/history?name=sos"),
            For("device C", Who.DevicePeople, i => $"/api/devices/{i.DeviceC}/readings/history?name=sos")),
        R("GET", "/api/devices/{deviceId}/readings/export.csv",
            For("device A", SeesResidentA | Who.Technician, i => $"/api/devices/{i.DeviceA}/readings/export.csv?name=sos"),
            For("device B", SeesResidentB | Who.Technician, i => $"/api/devices/{i.DeviceB}/readings/export.csv"),
            For("device C", Who.DevicePeople, i => $"/api/devices/{i.DeviceC}/readings/export.csv")),

        // Alerts: any signed-in person lists what they see (a technician sees none); responders of the place change them;
        // the family of the resident cancels an inferred alert's pre-alarm, says they are with the resident, and rates the outcome
        R("GET", "/api/alerts", Any(Who.SignedIn, "/api/alerts", null, SeesAlerts)),
        R("GET", "/api/alerts/export.csv", Any(Who.SignedIn, "/api/alerts/export.csv")), // which rows: HistoryTests
        R("GET", "/api/alerts/{id:long}",
            For("alert A", SeesResidentA, i => $"/api/alerts/{i.AlertA}"),
            For("alert B", SeesResidentB, i => $"/api/alerts/{i.AlertB}"),
            For("alert C", Who.Admin, i => $"/api/alerts/{i.AlertC}")),
        R("GET", "/api/alerts/{id:long}/timeline",
            For("alert A", SeesResidentA, i => $"/api/alerts/{i.AlertA}/timeline"),
            For("alert B", SeesResidentB, i => $"/api/alerts/{i.AlertB}/timeline"),
            For("alert C", Who.Admin, i => $"/api/alerts/{i.AlertC}/timeline")),
        R("POST", "/api/alerts/{id:long}/ack",
            For("alert A", InGridA, i => $"/api/alerts/{i.AlertA}/ack", _ => new { note = "on my way" }),
            For("alert B", InGridB, i => $"/api/alerts/{i.AlertB}/ack", _ => new { note = "on my way" }),
            For("alert C", Who.Admin, i => $"/api/alerts/{i.AlertC}/ack", _ => new { note = "on my way" })),
        R("POST", "/api/alerts/{id:long}/dispatch",
            For("alert A", InGridA, i => $"/api/alerts/{i.AlertA}/dispatch", _ => new { assignee = World.WorkerA }),
            For("alert B", InGridB, i => $"/api/alerts/{i.AlertB}/dispatch", _ => new { assignee = World.WorkerB })),
        R("POST", "/api/alerts/{id:long}/on-site",
            For("alert A", InGridA, i => $"/api/alerts/{i.AlertA}/on-site"),
            For("alert C", Who.Admin, i => $"/api/alerts/{i.AlertC}/on-site")),
        R("POST", "/api/alerts/{id:long}/comments",
            For("alert A", InGridA, i => $"/api/alerts/{i.AlertA}/comments", _ => new { text = "checked" }),
            For("alert B", InGridB, i => $"/api/alerts/{i.AlertB}/comments", _ => new { text = "checked" }),
            For("alert C", Who.Admin, i => $"/api/alerts/{i.AlertC}/comments", _ => new { text = "checked" })),
        R("POST", "/api/alerts/{id:long}/resolve",
            For("alert A", InGridA, i => $"/api/alerts/{i.AlertA}/resolve", _ => new { outcome = "false_alarm", note = "matrix" }),
            For("alert B", InGridB, i => $"/api/alerts/{i.AlertB}/resolve", _ => new { outcome = "false_alarm", note = "matrix" })),
        R("POST", "/api/alerts/{id:long}/handoff",
            For("alert A", InGridA, i => $"/api/alerts/{i.AlertA}/handoff", _ => new { centre = "120" }),
            For("alert B", InGridB, i => $"/api/alerts/{i.AlertB}/handoff", _ => new { centre = "120" })),
        R("POST", "/api/alerts/{id:long}/cancel",
            For("alert A", Who.FamilyA, i => $"/api/alerts/{i.AlertA}/cancel"),
            For("alert B", Who.FamilyB, i => $"/api/alerts/{i.AlertB}/cancel")),
        // "I am with her": the resident's own family only; staff see it on the board and still resolve the alert.
        R("POST", "/api/alerts/{id:long}/with-resident",
            For("alert A", Who.FamilyA, i => $"/api/alerts/{i.AlertA}/with-resident"),
            For("alert B", Who.FamilyB, i => $"/api/alerts/{i.AlertB}/with-resident"),
            For("alert C", Who.None, i => $"/api/alerts/{i.AlertC}/with-resident")),
        R("POST", "/api/alerts/{id:long}/feedback",
            For("alert A", Who.FamilyA, i => $"/api/alerts/{i.AlertA}/feedback", _ => new { rating = 5, comment = "thank you" }),
            For("alert B", Who.FamilyB, i => $"/api/alerts/{i.AlertB}/feedback", _ => new { rating = 4 })),

        // Rosters: responders read their own; staff and admins change their community's
        R("POST", "/api/rosters",
            For("community 1", Who.Admin | Who.Staff, _ => "/api/rosters", i => Shift(i, i.Community1)),
            For("community 2", Who.Admin, _ => "/api/rosters", i => Shift(i, i.Community2))),
        R("DELETE", "/api/rosters/{id:int}",
            Fresh("a shift in community 1", Who.Admin | Who.Staff, c => FreshShiftAsync(c, c.Ids.Community1)),
            Fresh("a shift in community 2", Who.Admin, c => FreshShiftAsync(c, c.Ids.Community2))),
        R("POST", "/api/rosters/coverage-check",
            For("community 1", Who.Admin | Who.Staff, _ => "/api/rosters/coverage-check", i => new { communityId = i.Community1, shifts = Array.Empty<object>() }),
            For("community 2", Who.Admin, _ => "/api/rosters/coverage-check", i => new { communityId = i.Community2, shifts = Array.Empty<object>() })),
        // After the writes above, so there are shifts in both communities to (not) see.
        R("GET", "/api/rosters", Any(Who.Responders, "/api/rosters", null, SeesRosters)),
        R("GET", "/api/rosters/on-duty",
            For("grid A", InGridA, i => $"/api/rosters/on-duty?gridId={i.GridA}"),
            For("grid B", InGridB, i => $"/api/rosters/on-duty?gridId={i.GridB}"),
            For("grid C", Who.Admin, i => $"/api/rosters/on-duty?gridId={i.GridC}")),

        // Visits: responders, for residents in their scope
        R("POST", "/api/visits",
            For("resident A", InGridA, _ => "/api/visits", i => new { residentId = i.ResidentA, note = "matrix" }),
            For("resident B", InGridB, _ => "/api/visits", i => new { residentId = i.ResidentB, note = "matrix" }),
            For("resident C", Who.Admin, _ => "/api/visits", i => new { residentId = i.ResidentC, note = "matrix" })),
        R("GET", "/api/visits", Any(Who.Responders, "/api/visits", null, SeesVisits)),
        R("GET", "/api/visits/overdue",
            For("community 1", InCommunity1, i => $"/api/visits/overdue?communityId={i.Community1}"),
            For("community 2", Who.Admin, i => $"/api/visits/overdue?communityId={i.Community2}")),
        R("GET", "/api/visits/coverage",
            For("community 1", InCommunity1, i => $"/api/visits/coverage?communityId={i.Community1}"),
            For("community 2", Who.Admin, i => $"/api/visits/coverage?communityId={i.Community2}")),

        // Cases (接诉即办): responders of the place and the resident's family open and see them; responders handle them; the
        // family (or the community's desk calling back) rates them. Services: responders record, the family sees and rates.
        R("POST", "/api/cases",
            For("resident A", SeesResidentA, _ => "/api/cases", i => new { category = "repair", description = "matrix", residentId = i.ResidentA }),
            For("resident B", SeesResidentB, _ => "/api/cases", i => new { category = "repair", description = "matrix", residentId = i.ResidentB }),
            For("resident C (community 2)", Who.Admin, _ => "/api/cases", i => new { category = "repair", description = "matrix", residentId = i.ResidentC })),
        R("GET", "/api/cases", Any(Who.Responders | Who.Families, "/api/cases", null, SeesCases)),
        R("GET", "/api/cases/{id:long}",
            Fresh("a case of resident A", SeesResidentA, c => FreshCaseAsync(c, c.Ids.ResidentA, "")),
            Fresh("a case of resident C", Who.Admin, c => FreshCaseAsync(c, c.Ids.ResidentC, ""))),
        R("PUT", "/api/cases/{id:long}/photo",
            Fresh("a case of resident A", SeesResidentA, c => FreshCaseAsync(c, c.Ids.ResidentA, "/photo")),
            Fresh("a case of resident B", SeesResidentB, c => FreshCaseAsync(c, c.Ids.ResidentB, "/photo"))),
        R("GET", "/api/cases/{id:long}/photo",
            Fresh("a case of resident A", SeesResidentA, c => FreshCaseAsync(c, c.Ids.ResidentA, "/photo", photo: true)),
            Fresh("a case of resident C", Who.Admin, c => FreshCaseAsync(c, c.Ids.ResidentC, "/photo", photo: true))),
        R("POST", "/api/cases/{id:long}/assign",
            Fresh("a case of resident A", InGridA, c => FreshCaseAsync(c, c.Ids.ResidentA, "/assign", new { })),
            Fresh("a case of resident B", InGridB, c => FreshCaseAsync(c, c.Ids.ResidentB, "/assign", new { }))),
        R("POST", "/api/cases/{id:long}/on-site",
            Fresh("a case of resident A", InGridA, c => FreshCaseAsync(c, c.Ids.ResidentA, "/on-site", new { })),
            Fresh("a case of resident C", Who.Admin, c => FreshCaseAsync(c, c.Ids.ResidentC, "/on-site", new { }))),
        R("POST", "/api/cases/{id:long}/resolve",
            Fresh("a case of resident A", InGridA, c => FreshCaseAsync(c, c.Ids.ResidentA, "/resolve", new { outcome = "fixed" })),
            Fresh("a case of resident B", InGridB, c => FreshCaseAsync(c, c.Ids.ResidentB, "/resolve", new { outcome = "fixed" }))),
        // Not yet resolved, so allowed callers get 409; never the grid worker, who does not grade their own work.
        R("POST", "/api/cases/{id:long}/rating",
            Fresh("a case of resident A", Who.Admin | Who.Staff | Who.FamilyA, c => FreshCaseAsync(c, c.Ids.ResidentA, "/rating", new { rating = 5 })),
            Fresh("a case of resident C", Who.Admin, c => FreshCaseAsync(c, c.Ids.ResidentC, "/rating", new { rating = 5 }))),
        R("POST", "/api/services",
            For("resident A", InGridA, _ => "/api/services", i => new { residentId = i.ResidentA, kind = "meal" }),
            For("resident B", InGridB, _ => "/api/services", i => new { residentId = i.ResidentB, kind = "meal" }),
            For("resident C", Who.Admin, _ => "/api/services", i => new { residentId = i.ResidentC, kind = "meal" })),
        R("GET", "/api/services", Any(Who.Responders | Who.Families, "/api/services", null, SeesServices)),
        R("GET", "/api/services/rate",
            For("community 1", InCommunity1, i => $"/api/services/rate?communityId={i.Community1}"),
            For("community 2", Who.Admin, i => $"/api/services/rate?communityId={i.Community2}")),
        R("POST", "/api/services/{id:long}/rating",
            Fresh("a service to resident A", Who.Admin | Who.Staff | Who.FamilyA, c => FreshServiceAsync(c, c.Ids.ResidentA)),
            Fresh("a service to resident C", Who.Admin, c => FreshServiceAsync(c, c.Ids.ResidentC))),
        R("GET", "/api/satisfaction/scorecards",
            For("community 1", Who.Admin | Who.Staff, i => $"/api/satisfaction/scorecards?communityId={i.Community1}"),
            For("community 2", Who.Admin, i => $"/api/satisfaction/scorecards?communityId={i.Community2}")),

        // Reports: admins and the community's staff
        R("GET", "/api/reports/kpi",
            For("community 1", Who.Admin | Who.Staff, i => $"/api/reports/kpi?communityId={i.Community1}"),
            For("community 2", Who.Admin, i => $"/api/reports/kpi?communityId={i.Community2}")),
        R("GET", "/api/reports/monthly/{communityId:int}/{month}.csv",
            For("community 1", Who.Admin | Who.Staff, i => $"/api/reports/monthly/{i.Community1}/{Month}.csv"),
            For("community 2", Who.Admin, i => $"/api/reports/monthly/{i.Community2}/{Month}.csv")),
        R("GET", "/api/reports/monthly/{communityId:int}/{month}.xlsx",
            For("community 1", Who.Admin | Who.Staff, i => $"/api/reports/monthly/{i.Community1}/{Month}.xlsx"),
            For("community 2", Who.Admin, i => $"/api/reports/monthly/{i.Community2}/{Month}.xlsx")),
        R("GET", "/api/reports/monthly/{communityId:int}/{month}.html",
            For("community 1", Who.Admin | Who.Staff, i => $"/api/reports/monthly/{i.Community1}/{Month}.html"),
            For("community 2", Who.Admin, i => $"/api/reports/monthly/{i.Community2}/{Month}.html")),

        // Notifications: one's own subscriptions and preferences; the webhook dead letters for admins
        R("GET", "/api/notifications/vapid-public-key", Any(Who.SignedIn, "/api/notifications/vapid-public-key")),
        R("POST", "/api/notifications/subscriptions", Any(Who.SignedIn, "/api/notifications/subscriptions", new { endpoint = "not a url", keys = new { p256dh = "x", auth = "y" } })),
        R("DELETE", "/api/notifications/subscriptions", Any(Who.SignedIn, "/api/notifications/subscriptions?endpoint=https%3A%2F%2Fpush.example%2Fnone")),
        R("GET", "/api/notifications/preferences", Any(Who.SignedIn, "/api/notifications/preferences")),
        R("PUT", "/api/notifications/preferences", Any(Who.SignedIn, "/api/notifications/preferences", new { quietStart = (string?)null, quietEnd = (string?)null, webPush = true })),
        R("GET", "/api/notifications/dead-letters", Any(Who.Admin, "/api/notifications/dead-letters")),
        R("POST", "/api/notifications/dead-letters/{id:long}/retry", Fresh("a new dead letter", Who.Admin, FreshDeadLetterAsync)),

        // Bulk onboarding: admins only (a JSON body is refused as "no file", past authorization)
        R("GET", "/api/onboarding/templates/{file}", Any(Who.Admin, "/api/onboarding/templates/devices.csv")),
        R("POST", "/api/onboarding/{kind}", Any(Who.Admin, "/api/onboarding/devices?dryRun=true", new { })),

        // Audit and operations
        R("GET", "/api/audit", Any(Who.Admin, "/api/audit")),
        R("GET", "/api/stats", Any(Who.Admin | Who.Technician | Who.Staff, "/api/stats")),
        R("GET", "/api/early-warning/status", Any(Who.Admin | Who.Technician, "/api/early-warning/status")),
        new("*", "/health", [Any(Who.Everyone, "/health")], "GET"),
        R("GET", "/openapi/{documentName:regex(^v1$)}.json", Any(Who.Everyone, "/openapi/v1.json")),
        R("GET", "/api/catalog", Any(Who.Everyone, "/api/catalog")),
        new("*", "/hubs/alerts/negotiate", [Any(Who.SignedIn, "/hubs/alerts/negotiate?negotiateVersion=1")], "POST"),
    ];

    /// <summary>Every (method, route) the running hub maps, from its endpoint data source.</summary>
    private List<string> MappedEndpoints()
    {
        var source = _hub.Services.GetRequiredService<EndpointDataSource>();
        var keys = new List<string>();
        foreach (var endpoint in source.Endpoints.OfType<RouteEndpoint>())
        {
            var pattern = endpoint.RoutePattern.RawText ?? "";
            pattern = pattern.Length > 1 ? pattern.TrimEnd('/') : pattern;
            if (!pattern.StartsWith('/'))
                pattern = "/" + pattern;
            var methods = endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods;
            if (methods is null || methods.Count == 0)
                keys.Add($"* {pattern}");
            else
                keys.AddRange(methods.Where(m => m != HttpMethods.Options).Select(m => $"{m} {pattern}"));
        }
        return keys.Distinct().Order(StringComparer.Ordinal).ToList();
    }

    private static bool IsExcluded(string key) =>
        Excluded.ContainsKey(key) || Excluded.Keys.Any(e => e.StartsWith("* ", StringComparison.Ordinal) && key.EndsWith(" " + e[2..], StringComparison.Ordinal));

    [Fact]
    public void EndpointDataSource_EveryEndpoint_HasARowInTheTable()
    {
        var mapped = MappedEndpoints();
        var rows = Table.Select(r => r.Key).ToHashSet();
        var missing = mapped.Where(k => !rows.Contains(k) && !IsExcluded(k)).ToList();
        Assert.True(missing.Count == 0,
            $"endpoints without a row in AuthorizationMatrixTests.Table (decide who may call them and add a row): {string.Join(", ", missing)}");
        var stale = rows.Where(k => !mapped.Contains(k)).ToList();
        Assert.True(stale.Count == 0, $"rows for endpoints the hub no longer maps: {string.Join(", ", stale)}");
        Assert.Equal(Table.Count, rows.Count);
    }

    [Fact]
    public async Task EveryEndpoint_EveryPerson_AllowedOrDeniedAsTheTableSays()
    {
        using var admin = await _hub.AdminAsync();
        var context = new Context(_ids, admin, _hub);
        var failures = new List<string>();
        int requests = 0, listChecks = 0, cases = 0;
        foreach (var row in Table)
        {
            foreach (var @case in row.Cases)
            {
                cases++;
                foreach (var who in People)
                {
                    var request = await @case.Build(context);
                    using var message = new HttpRequestMessage(new HttpMethod(row.Verb), request.Url);
                    if (row.Key == "POST /api/auth/login")
                        message.Content = JsonContent.Create(new { email = Emails.GetValueOrDefault(who, HubApp.AdminEmail), password = HubApp.Password });
                    else if (row.Key == "POST /api/auth/refresh")
                        message.Content = JsonContent.Create(new { refreshToken = await RefreshTokenAsync(Emails.GetValueOrDefault(who, HubApp.AdminEmail)) });
                    else if (request.Body is not null)
                        message.Content = JsonContent.Create(request.Body);
                    // Signing out revokes the session, so it is a session of its own, not the one the other rows use.
                    using var own = row.Key == "POST /api/auth/logout" && who != Who.Anonymous ? await _hub.ClientAsync(Emails[who]) : null;
                    using var response = await (own ?? _clients[who]).SendAsync(message);
                    requests++;
                    var status = (int)response.StatusCode;
                    var allowed = @case.Allowed.HasFlag(who);
                    var what = $"{row.Key} [{@case.Object}] as {who}: {status}";
                    if (status >= 500)
                        failures.Add($"{what} (server error: {await response.Content.ReadAsStringAsync()})");
                    else if (allowed && status is 401 or 403 or 404)
                        failures.Add($"{what}, expected allowed");
                    else if (!allowed && who == Who.Anonymous && status != 401)
                        failures.Add($"{what}, expected 401");
                    else if (!allowed && who != Who.Anonymous && status is not (403 or 404))
                        failures.Add($"{what}, expected 403 or 404");
                    else if (allowed && @case.Lists is { } lists && response.IsSuccessStatusCode)
                    {
                        var json = await response.Content.ReadFromJsonAsync<JsonElement>();
                        foreach (var sees in lists)
                        {
                            listChecks++;
                            if (sees.Contains(_ids, json) != sees.MaySee.HasFlag(who))
                                failures.Add($"{row.Key} as {who}: {sees.Object} {(sees.MaySee.HasFlag(who) ? "missing" : "visible but must not be")}");
                        }
                    }
                }
            }
        }
        output.WriteLine($"authorization matrix: {Table.Count} endpoints ({cases} endpoint×object cases) × {People.Length} people = {requests} requests, plus {listChecks} list-visibility checks; {failures.Count} failures");
        Assert.True(failures.Count == 0, "authorization matrix failures:\n" + string.Join("\n", failures));
    }

    private async Task<string> RefreshTokenAsync(string email)
    {
        using var anon = _hub.Anonymous();
        var response = await anon.PostAsJsonAsync("/api/auth/login", new LoginRequest(email, HubApp.Password));
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("refreshToken").GetString()!;
    }

    /// <summary>
    /// Methods a client may invoke on the hub, by name, with who may call them. Empty on purpose: the hub only pushes,
    /// and clients cannot choose groups. A new public method fails <see cref="AlertsHub_Methods_AllListedInTheTable"/>.
    /// </summary>
    private static readonly Dictionary<string, Who> HubMethods = [];

    [Fact]
    public async Task AlertsHub_Methods_AllListedInTheTable()
    {
        // What SignalR exposes: public instance methods declared on the hub class (not Hub's own or object's).
        var methods = typeof(AlertsHub).GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)
            .Where(m => !m.IsSpecialName && m.GetBaseDefinition().DeclaringType == typeof(AlertsHub))
            .Select(m => m.Name).Distinct().ToList();
        var unlisted = methods.Where(m => !HubMethods.ContainsKey(m)).ToList();
        Assert.True(unlisted.Count == 0, $"AlertsHub methods without a row in AuthorizationMatrixTests.HubMethods: {string.Join(", ", unlisted)}");

        // Clients cannot reach group management or anything else by name.
        await using var connection = await _hub.SignalRAsync(World.FamilyA);
        await connection.StartSubscribedAsync();
        foreach (var name in new[] { "AddToGroupAsync", "JoinGroup", "OnConnectedAsync", "Dispose" })
            await Assert.ThrowsAsync<HubException>(() => connection.InvokeAsync(name, $"resident:{_ids.ResidentB}", TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task AlertsHub_Anonymous_CannotConnect()
    {
        var connection = new HubConnectionBuilder().WithUrl(new Uri(_hub.BaseAddress, AlertsHub.Path)).Build();
        await using (connection)
        {
            var error = await Assert.ThrowsAsync<HttpRequestException>(() => connection.StartAsync(TestContext.Current.CancellationToken));
            Assert.Equal(HttpStatusCode.Unauthorized, error.StatusCode);
        }
    }

    /// <summary>
    /// Every group the hub puts connections in (from <see cref="AlertGroups"/>, by reflection) × every person: a probe
    /// sent to one group through the hub context reaches exactly the people the table names, and nobody else.
    /// </summary>
    [Fact]
    public async Task AlertsHub_Groups_ReachOnlyThePeopleInScope()
    {
        var ct = TestContext.Current.CancellationToken;
        var i = _ids;
        var groups = new (string Group, Who Members)[]
        {
            (AlertGroups.All, Who.Admin),
            (AlertGroups.Community(i.Community1), Who.Staff),
            (AlertGroups.Community(i.Community2), Who.None),
            (AlertGroups.Grid(i.GridA), Who.WorkerA),
            (AlertGroups.Grid(i.GridB), Who.WorkerB),
            (AlertGroups.Grid(i.GridC), Who.None),
            (AlertGroups.Resident(i.ResidentA), Who.FamilyA),
            (AlertGroups.Resident(i.ResidentB), Who.FamilyB),
            (AlertGroups.Resident(i.ResidentC), Who.None),
            // A household's shared devices (no resident): the families of its residents.
            (AlertGroups.Household(_households.A), Who.FamilyA),
            (AlertGroups.Household(_households.B), Who.FamilyB),
            (AlertGroups.Household(_households.C), Who.None),
        };
        // Group kinds by reflection: a new kind of group fails here until the table above covers it.
        var kinds = typeof(AlertGroups).GetMembers(BindingFlags.Public | BindingFlags.Static)
            .Where(m => (m is MethodInfo method && method.ReturnType == typeof(string)) || (m is FieldInfo field && field.FieldType == typeof(string)))
            .Select(m => m.Name).ToHashSet();
        Assert.Equal(new HashSet<string> { "All", "Community", "Grid", "Resident", "Household" }, kinds);

        var received = new Dictionary<Who, List<string>>();
        var connections = new List<HubConnection>();
        try
        {
            foreach (var who in People.Where(p => p != Who.Anonymous))
            {
                var connection = await _hub.SignalRAsync(Emails[who]);
                var inbox = received[who] = [];
                connection.On<AlertDto>(nameof(IAlertsClient.AlertRaised), a => { lock (inbox) inbox.Add(a.Message); });
                await connection.StartSubscribedAsync();
                connections.Add(connection);
            }
            var hub = _hub.Services.GetRequiredService<IHubContext<AlertsHub, IAlertsClient>>();
            // Connections join each group in their language (alerts are rendered per reader): probe it in every language.
            foreach (var (group, _) in groups)
                await hub.Clients.Groups(AlertGroups.InEveryLanguage(group)).AlertRaised(Probe(group));
            // A marker to everyone last: once each connection has it, everything sent before has arrived (one ordered stream per connection).
            await hub.Clients.All.AlertRaised(Probe("end"));
            await Eventually.GetAsync(() => Task.FromResult(received.Values.All(inbox => { lock (inbox) return inbox.Contains("end"); })), done => done, what: "the end marker on every connection");

            var failures = new List<string>();
            foreach (var (group, members) in groups)
            {
                foreach (var who in received.Keys)
                {
                    bool got;
                    lock (received[who])
                        got = received[who].Contains(group);
                    if (got != members.HasFlag(who))
                        failures.Add($"group {group}: {who} {(got ? "received it but must not" : "did not receive it")}");
                }
            }
            output.WriteLine($"SignalR: {groups.Length} groups × {received.Count} people = {groups.Length * received.Count} checks; {HubMethods.Count} client-callable methods");
            Assert.True(failures.Count == 0, string.Join("\n", failures));
        }
        finally
        {
            foreach (var connection in connections)
                await connection.DisposeAsync();
        }
    }

    /// <summary>End to end: a real alert in grid A and one in community 2 reach exactly the people who may see them.</summary>
    [Fact]
    public async Task AlertsHub_RealAlerts_ReachOnlyTheirAudience()
    {
        var ct = TestContext.Current.CancellationToken;
        var received = new Dictionary<Who, List<string>>();
        var connections = new List<HubConnection>();
        try
        {
            foreach (var who in People.Where(p => p != Who.Anonymous))
            {
                var connection = await _hub.SignalRAsync(Emails[who]);
                var inbox = received[who] = [];
                connection.On<AlertDto>(nameof(IAlertsClient.AlertRaised), a => { lock (inbox) inbox.Add(a.DeviceId); });
                await connection.StartSubscribedAsync();
                connections.Add(connection);
            }
            foreach (var (resident, id) in new[] { (_ids.ResidentA, "sos-mx-a2"), (_ids.ResidentB, "sos-mx-b2"), (_ids.ResidentC, "sos-mx-c2") })
            {
                var device = await _hub.RegisterDeviceAsync("sos", residentId: resident, id: id);
                using var mqtt = await _hub.ConnectDeviceAsync(device);
                await mqtt.PublishAsync(new MqttApplicationMessageBuilder().WithTopic($"sc/v1/{id}/up").WithPayload(Senml.Sos(id, 1))
                    .WithQualityOfServiceLevel(MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce).Build(), ct);
            }
            // The admin is in every audience, so once the admin has all three, the others have theirs (pushed to all groups at once).
            await Eventually.GetAsync(() => Task.FromResult(Snapshot(received[Who.Admin]).Count(d => d.EndsWith("2", StringComparison.Ordinal))), n => n == 3, what: "the admin receiving all three alerts");
            var hub = _hub.Services.GetRequiredService<IHubContext<AlertsHub, IAlertsClient>>();
            await hub.Clients.All.AlertRaised(Probe("end") with { DeviceId = "end" });
            await Eventually.GetAsync(() => Task.FromResult(received.Values.All(inbox => Snapshot(inbox).Contains("end"))), done => done, what: "the end marker on every connection");

            var expected = new Dictionary<string, Who> { ["sos-mx-a2"] = SeesResidentA, ["sos-mx-b2"] = SeesResidentB, ["sos-mx-c2"] = Who.Admin };
            var failures = new List<string>();
            foreach (var (device, audience) in expected)
            {
                foreach (var who in received.Keys)
                {
                    var got = Snapshot(received[who]).Contains(device);
                    if (got != audience.HasFlag(who))
                        failures.Add($"alert of {device}: {who} {(got ? "received it but must not" : "did not receive it")}");
                }
            }
            Assert.True(failures.Count == 0, string.Join("\n", failures));
        }
        finally
        {
            foreach (var connection in connections)
                await connection.DisposeAsync();
        }
    }

    private static List<string> Snapshot(List<string> inbox)
    {
        lock (inbox)
            return [.. inbox];
    }

    private static AlertDto Probe(string message) => new(0, "test", "info", "raised", "probe", null, null, null, null, null, null, null,
        message, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, 1, null, null, null, null, null, null, null, null, null, 1);
}
