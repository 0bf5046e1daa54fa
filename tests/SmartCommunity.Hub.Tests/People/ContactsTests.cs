using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MQTTnet;
using MQTTnet.Protocol;
using SmartCommunity.Domain.Contacts;
using SmartCommunity.Hub.Alerts;
using SmartCommunity.Hub.Contacts;
using SmartCommunity.Hub.People;
using SmartCommunity.Hub.Persistence;
using SmartCommunity.Hub.Privacy;
using SmartCommunity.Testing;

namespace SmartCommunity.Hub.Tests;

/// <summary>
/// People's phones and channels, residents' emergency profiles (who sees them, masked or in full, audited, exported,
/// erased; never in an alert or a push) and names instead of e-mails on alerts.
/// </summary>
public sealed class ContactsTests : IAsyncLifetime
{
    private const string Medication = "Warfarin 3 mg daily";
    private const string ContactPhone = "+8613800138011";
    private readonly HubApp _hub = new();
    private World _world = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _hub.Start();
        _world = await _hub.SeedWorldAsync();
    }

    public async ValueTask DisposeAsync() => await _hub.DisposeAsync();

    private static EmergencyProfileRequest Profile(params EmergencyContactRequest[] contacts) => new("Hypertension", Medication, "Penicillin", "Uses a walker",
        "Neighbour in 302", "Door code 4721#", "Dr Huang", "First People's Hospital", contacts);

    private async Task<EmergencyProfileDto> PutProfileAsync(string email, int residentId, EmergencyProfileRequest req)
    {
        using var http = await _hub.ClientAsync(email);
        var response = await http.PutAsJsonAsync($"/api/residents/{residentId}/emergency-profile", req, Ct);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync(Ct));
        return (await response.Content.ReadFromJsonAsync<EmergencyProfileDto>(Ct))!;
    }

    private async Task<AlertDto> RaiseSosAsync(int residentId)
    {
        var device = await _hub.RegisterDeviceAsync("sos", residentId: residentId);
        using (var mqtt = await _hub.ConnectDeviceAsync(device))
            await mqtt.PublishAsync(new MqttApplicationMessageBuilder().WithTopic($"sc/v1/{device.Device.Id}/up").WithPayload(Senml.Sos(device.Device.Id, 1))
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build(), Ct);
        using var admin = await _hub.AdminAsync();
        return await Eventually.GetAsync(async () => (await admin.GetFromJsonAsync<List<AlertDto>>($"/api/alerts?deviceId={device.Device.Id}", Ct))!.SingleOrDefault(),
            a => a is not null, what: "the SOS alert") ?? throw new InvalidOperationException();
    }

    [Fact]
    public async Task MyContact_GoodAndBadPhones_StoredAsE164OrProblemDetails()
    {
        using var family = await _hub.ClientAsync(World.FamilyA);
        var ok = await family.PutAsJsonAsync("/api/me/contact", new ContactRequest("+86 138-0013-8004", true, true, false, "22:00", "07:00"), Ct);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal(new ContactDto("+8613800138004", true, true, false, "22:00", "07:00"), await family.GetFromJsonAsync<ContactDto>("/api/me/contact", Ct));

        foreach (var bad in new[] { "13800138004", "+0 1234 5678", "+86 138 0013 800x", "+123" })
        {
            var refused = await family.PutAsJsonAsync("/api/me/contact", new ContactRequest(bad, true, true, false, null, null), Ct);
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
            var problem = (await refused.Content.ReadFromJsonAsync<ValidationProblemDetails>(Ct))!;
            Assert.Contains("phone", problem.Errors.Keys);
        }
        var noPhoneSms = await family.PutAsJsonAsync("/api/me/contact", new ContactRequest(null, true, true, false, null, null), Ct);
        Assert.Equal(HttpStatusCode.BadRequest, noPhoneSms.StatusCode);
        // Refusals changed nothing.
        Assert.Equal("+8613800138004", (await family.GetFromJsonAsync<ContactDto>("/api/me/contact", Ct))!.Phone);
    }

    [Fact]
    public async Task UserContact_AdminEditsAnyone_OthersOnlyThemselves()
    {
        using var admin = await _hub.AdminAsync();
        var ids = (await admin.GetFromJsonAsync<List<UserDto>>("/api/users", Ct))!.ToDictionary(u => u.Email, u => u.Id);
        var set = await admin.PutAsJsonAsync($"/api/users/{ids[World.WorkerA]}/contact", new ContactRequest("+8613800138002", true, true, true, null, null), Ct);
        Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        Assert.Equal("+8613800138002", (await admin.GetFromJsonAsync<List<UserDto>>("/api/users", Ct))!.Single(u => u.Email == World.WorkerA).Phone);
        using var worker = await _hub.ClientAsync(World.WorkerA);
        Assert.Equal(new ContactDto("+8613800138002", true, true, true, null, null), await worker.GetFromJsonAsync<ContactDto>("/api/me/contact", Ct));

        using var staff = await _hub.ClientAsync(World.Staff);
        Assert.Equal(HttpStatusCode.Forbidden, (await staff.PutAsJsonAsync($"/api/users/{ids[World.WorkerA]}/contact", new ContactRequest("+8613800000000", true, false, false, null, null), Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await worker.GetAsync($"/api/users/{ids[World.Staff]}/contact", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync("/api/users/no-such-user/contact", Ct)).StatusCode);
    }

    [Fact]
    public async Task EmergencyProfile_PerRole_FullToStaffOfThePlace_MaskedToOwnFamily_HiddenFromEveryoneElse()
    {
        await PutProfileAsync(World.Staff, _world.ResidentA, Profile(new EmergencyContactRequest("Wang Qiang", "son", "+86 138 0013 8011", "zh-CN", true)));

        async Task<(HttpStatusCode Status, EmergencyProfileDto? Profile)> ReadAsync(string email)
        {
            using var http = await _hub.ClientAsync(email);
            var response = await http.GetAsync($"/api/residents/{_world.ResidentA}/emergency-profile", Ct);
            return (response.StatusCode, response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<EmergencyProfileDto>(Ct) : null);
        }

        foreach (var full in new[] { HubApp.AdminEmail, World.Staff, World.WorkerA })
        {
            var (status, profile) = await ReadAsync(full);
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal((Medication, ContactPhone, false), (profile!.Medication, Assert.Single(profile.Contacts).Phone, profile.PhonesMasked));
        }
        var own = await ReadAsync(World.FamilyA);
        Assert.Equal((HttpStatusCode.OK, "+86 138****8011", true), (own.Status, Assert.Single(own.Profile!.Contacts).Phone, own.Profile.PhonesMasked));
        foreach (var other in new[] { World.FamilyB, World.WorkerB })
            Assert.Equal(HttpStatusCode.NotFound, (await ReadAsync(other)).Status);
        // Technicians never read residents' personal data, whoever the resident.
        Assert.Equal(HttpStatusCode.Forbidden, (await ReadAsync(World.Technician)).Status);

        // Writing: staff of the place; the family proposes changes to the desk, the other grid's worker cannot.
        using var familyA = await _hub.ClientAsync(World.FamilyA);
        Assert.Equal(HttpStatusCode.Forbidden, (await familyA.PutAsJsonAsync($"/api/residents/{_world.ResidentA}/emergency-profile", Profile(), Ct)).StatusCode);
        using var workerB = await _hub.ClientAsync(World.WorkerB);
        Assert.Equal(HttpStatusCode.NotFound, (await workerB.PutAsJsonAsync($"/api/residents/{_world.ResidentA}/emergency-profile", Profile(), Ct)).StatusCode);
        using var staff = await _hub.ClientAsync(World.Staff);
        var bad = await staff.PutAsJsonAsync($"/api/residents/{_world.ResidentA}/emergency-profile",
            Profile(new EmergencyContactRequest("Wang Qiang", "son", "13800138011", "zh-CN", true), new EmergencyContactRequest("", null, "+8613800138012", "fr", true)), Ct);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var errors = (await bad.Content.ReadFromJsonAsync<ValidationProblemDetails>(Ct))!.Errors.Keys;
        Assert.Equal(["contacts[0].phone", "contacts[1].language", "contacts[1].name"], errors.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task EmergencyProfile_EveryRead_OneAuditRowNamingTheResident()
    {
        await PutProfileAsync(World.Staff, _world.ResidentA, Profile());
        var alert = await RaiseSosAsync(_world.ResidentA);
        using (var worker = await _hub.ClientAsync(World.WorkerA))
        {
            (await worker.GetAsync($"/api/residents/{_world.ResidentA}/emergency-profile", Ct)).EnsureSuccessStatusCode();
            (await worker.GetAsync($"/api/alerts/{alert.Id}/emergency", Ct)).EnsureSuccessStatusCode();
        }
        using (var family = await _hub.ClientAsync(World.FamilyA))
            (await family.GetAsync($"/api/residents/{_world.ResidentA}/emergency-profile", Ct)).EnsureSuccessStatusCode();

        var factory = _hub.Services.GetRequiredService<IDbContextFactory<HubDbContext>>();
        var marker = PersonalDataAccess.FormatResidentIds([_world.ResidentA]);
        var rows = await Eventually.GetAsync(async () =>
        {
            await using var db = await factory.CreateDbContextAsync(Ct);
            return await db.AuditLog.AsNoTracking().Where(a => a.Detail == "emergency profile" && a.ResidentIds == marker).OrderBy(a => a.Id).ToListAsync(Ct);
        }, r => r.Count >= 3, what: "three audit rows");
        Assert.Equal(
            [(World.WorkerA, $"GET /api/residents/{_world.ResidentA}/emergency-profile"), (World.WorkerA, $"GET /api/alerts/{alert.Id}/emergency"), (World.FamilyA, $"GET /api/residents/{_world.ResidentA}/emergency-profile")],
            rows.Select(r => (r.UserName, r.Action)));
    }

    [Fact]
    public async Task AlertOfProfiledResident_FamiliesAndPushes_NeverCarryTheProfile_StaffGetItWithTheCallOrder()
    {
        await PutProfileAsync(World.Staff, _world.ResidentA, Profile(
            new EmergencyContactRequest("Wang Qiang", "son", ContactPhone, "zh-CN", true),
            new EmergencyContactRequest("Anna", "granddaughter abroad", "+4915112345678", "en", false),
            new EmergencyContactRequest("Li Ming", "nephew", "+8613800138013", null, true)));
        using (var admin = await _hub.AdminAsync())
        {
            var ids = (await admin.GetFromJsonAsync<List<UserDto>>("/api/users", Ct))!.ToDictionary(u => u.Email, u => u.Id);
            (await admin.PutAsJsonAsync($"/api/users/{ids[World.WorkerA]}/contact", new ContactRequest("+8613800138002", true, true, false, "22:00", "07:00"), Ct)).EnsureSuccessStatusCode();
            (await admin.PutAsJsonAsync($"/api/users/{ids[World.FamilyA]}/contact", new ContactRequest("+8613800138004", true, true, true, null, null), Ct)).EnsureSuccessStatusCode();
        }

        var pushes = new ConcurrentDictionary<string, ConcurrentQueue<string>>();
        var connections = new List<HubConnection>();
        foreach (var email in new[] { World.FamilyA, World.FamilyB, World.Staff })
        {
            var queue = pushes.GetOrAdd(email, _ => new ConcurrentQueue<string>());
            var connection = await _hub.SignalRAsync(email);
            connection.On<JsonElement>("AlertRaised", a => queue.Enqueue(a.GetRawText()));
            connection.On<JsonElement>("AlertUpdated", a => queue.Enqueue(a.GetRawText()));
            await connection.StartSubscribedAsync();
            connections.Add(connection);
        }
        try
        {
            var alert = await RaiseSosAsync(_world.ResidentA);
            using var staff = await _hub.ClientAsync(World.Staff);
            (await staff.PostAsJsonAsync($"/api/alerts/{alert.Id}/ack", new { }, Ct)).EnsureSuccessStatusCode();
            await Eventually.GetAsync(() => Task.FromResult(pushes[World.FamilyA].Count), c => c >= 2, what: "family A's pushes (raised, acknowledged)");
            await Eventually.GetAsync(() => Task.FromResult(pushes[World.Staff].Count), c => c >= 2, what: "the board's pushes");

            // Nothing of the profile in any push, to any family (their own relative's included) or the board.
            foreach (var (who, queue) in pushes)
                foreach (var json in queue)
                    Assert.True(!json.Contains("Warfarin", StringComparison.Ordinal) && !json.Contains("138001380", StringComparison.Ordinal), $"{who} was pushed {json}");
            Assert.DoesNotContain(pushes[World.FamilyB], j => j.Contains($"\"id\":{alert.Id},", StringComparison.Ordinal));

            using var familyB = await _hub.ClientAsync(World.FamilyB);
            Assert.Equal(HttpStatusCode.Forbidden, (await familyB.GetAsync($"/api/alerts/{alert.Id}/emergency", Ct)).StatusCode);
            Assert.DoesNotContain("Warfarin", await familyB.GetStringAsync("/api/alerts?status=all", Ct), StringComparison.Ordinal);
            using var familyA = await _hub.ClientAsync(World.FamilyA);
            Assert.Equal(HttpStatusCode.Forbidden, (await familyA.GetAsync($"/api/alerts/{alert.Id}/emergency", Ct)).StatusCode);
            Assert.DoesNotContain("Warfarin", await familyA.GetStringAsync($"/api/alerts/{alert.Id}", Ct), StringComparison.Ordinal);
            using var workerB = await _hub.ClientAsync(World.WorkerB);
            Assert.Equal(HttpStatusCode.NotFound, (await workerB.GetAsync($"/api/alerts/{alert.Id}/emergency", Ct)).StatusCode);

            // Staff on the case: the profile, and whom to call in order (grid worker, family, emergency contacts that may be called).
            var emergency = (await staff.GetFromJsonAsync<AlertEmergencyDto>($"/api/alerts/{alert.Id}/emergency", Ct))!;
            Assert.Equal(Medication, emergency.Profile.Medication);
            Assert.Equal(
                [("grid_worker", "Worker A", "+8613800138002", true), ("family", "Family A", "+8613800138004", true), ("emergency_contact", "Wang Qiang", ContactPhone, true),
                 ("emergency_contact", "Li Ming", "+8613800138013", true)],
                emergency.Call.Select(c => (c.Role, c.Name, c.Phone, c.Sms)));

            // The service the call cascade reads: language and quiet hours too; critical alerts pass quiet hours.
            await using var db = await _hub.Services.GetRequiredService<IDbContextFactory<HubDbContext>>().CreateDbContextAsync(Ct);
            var domainAlert = await db.Alerts.AsNoTracking().SingleAsync(a => a.Id == alert.Id, Ct);
            var cascade = await _hub.Services.GetRequiredService<ContactDirectory>().CascadeForAsync(domainAlert, Ct);
            var worker = cascade.Contacts[0];
            Assert.Equal((CascadeRole.GridWorker, ContactChannels.Push | ContactChannels.Sms), (worker.Role, worker.Channels));
            var night = new DateTimeOffset(2026, 12, 7, 23, 30, 0, TimeSpan.Zero);
            Assert.False(worker.ReachableNow(Domain.Alerts.Severity.Warning, night, TimeZoneInfo.Utc));
            Assert.True(worker.ReachableNow(Domain.Alerts.Severity.Critical, night, TimeZoneInfo.Utc));
            Assert.Equal(("zh-CN", ContactChannels.Sms | ContactChannels.Voice), (cascade.Contacts[2].Language, cascade.Contacts[2].Channels));
        }
        finally
        {
            foreach (var c in connections)
                await c.DisposeAsync();
        }
    }

    [Fact]
    public async Task Acknowledgement_OnDtoTimelineAndPush_NamesThePersonNotTheirEmail()
    {
        var alert = await RaiseSosAsync(_world.ResidentA);
        await using var board = await _hub.SignalRAsync(World.WorkerA);
        var pushed = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        board.On<JsonElement>("AlertUpdated", a => { if (a.GetProperty("id").GetInt64() == alert.Id) pushed.TrySetResult(a.GetRawText()); });
        await board.StartSubscribedAsync();

        using var staff = await _hub.ClientAsync(World.Staff);
        var acked = (await (await staff.PostAsJsonAsync($"/api/alerts/{alert.Id}/ack", new { }, Ct)).Content.ReadFromJsonAsync<AlertDto>(Ct))!;
        Assert.Equal("Staff", acked.AcknowledgedBy);
        using var admin = await _hub.AdminAsync();
        var ids = (await admin.GetFromJsonAsync<List<UserDto>>("/api/users", Ct))!.ToDictionary(u => u.Email, u => u.Id);
        var dispatched = (await (await staff.PostAsJsonAsync($"/api/alerts/{alert.Id}/dispatch", new DispatchRequest(ids[World.WorkerA]), Ct)).Content.ReadFromJsonAsync<AlertDto>(Ct))!;
        Assert.Equal("Worker A", dispatched.AssignedTo);

        var timeline = (await staff.GetFromJsonAsync<List<AlertEventDto>>($"/api/alerts/{alert.Id}/timeline", Ct))!;
        Assert.Contains(timeline, e => e.Type == "acknowledged" && e.Actor == "Staff");
        Assert.Contains(timeline, e => e.Type == "dispatched" && e.Actor == "Staff" && e.Detail == "Worker A");
        Assert.Contains("\"acknowledgedBy\":\"Staff\"", await Eventually.ReceiveAsync(pushed, what: "AlertUpdated"), StringComparison.Ordinal);
        foreach (var json in new[] { await staff.GetStringAsync($"/api/alerts/{alert.Id}", Ct), await staff.GetStringAsync($"/api/alerts/{alert.Id}/timeline", Ct), await pushed.Task })
            Assert.DoesNotContain("@test.local", json, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Export_ContainsTheEmergencyProfile_ErasureRemovesIt()
    {
        await PutProfileAsync(World.Staff, _world.ResidentA, Profile(new EmergencyContactRequest("Wang Qiang", "son", ContactPhone, "zh-CN", true)));
        using var admin = await _hub.AdminAsync();
        var export = (await admin.GetFromJsonAsync<ResidentExport>($"/api/residents/{_world.ResidentA}/export", Ct))!;
        Assert.Equal((Medication, ContactPhone, "Staff"), (export.EmergencyProfile!.Medication, Assert.Single(export.EmergencyProfile.Contacts).Phone, export.EmergencyProfile.UpdatedBy));

        var erased = (await (await admin.DeleteAsync($"/api/residents/{_world.ResidentA}/data", Ct)).Content.ReadFromJsonAsync<ErasureResult>(Ct))!;
        Assert.True(erased.EmergencyProfileDeleted);
        await using var db = await _hub.Services.GetRequiredService<IDbContextFactory<HubDbContext>>().CreateDbContextAsync(Ct);
        Assert.False(await db.EmergencyProfiles.AnyAsync(p => p.ResidentId == _world.ResidentA, Ct));
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync($"/api/residents/{_world.ResidentA}/emergency-profile", Ct)).StatusCode);
    }
}

/// <summary>The demo shows contacts: staff, grid workers and families have phones, residents have emergency profiles.</summary>
public sealed class DemoContactsTests
{
    [Fact]
    public async Task DemoCommunity_Seeded_PeopleHavePhonesAndResidentsEmergencyProfiles()
    {
        await using var hub = new HubApp(settings: new Dictionary<string, string?> { ["Hub:Demo"] = "true" });
        hub.Start();
        await using var db = await hub.Services.GetRequiredService<IDbContextFactory<HubDbContext>>().CreateDbContextAsync(TestContext.Current.CancellationToken);
        var phones = await db.Users.AsNoTracking().Where(u => u.PhoneNumber != null).Select(u => new { u.Email, u.PhoneNumber }).ToListAsync(TestContext.Current.CancellationToken);
        Assert.Contains(phones, p => p.Email == "worker1@demo.local");
        Assert.Contains(phones, p => p.Email == "wang.family@demo.local");
        Assert.All(phones, p => Assert.True(PhoneNumber.IsValid(p.PhoneNumber), p.PhoneNumber));
        var profiles = await db.EmergencyProfiles.AsNoTracking().ToListAsync(TestContext.Current.CancellationToken);
        Assert.True(profiles.Count >= 3, $"{profiles.Count} demo profiles");
        Assert.All(profiles.SelectMany(p => p.Contacts), c => Assert.True(PhoneNumber.IsValid(c.Phone), c.Phone));
    }
}
