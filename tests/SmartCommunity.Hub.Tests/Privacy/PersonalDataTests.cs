using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using MQTTnet;
using MQTTnet.Protocol;
using SmartCommunity.Hub.Alerts;
using SmartCommunity.Hub.Audit;
using SmartCommunity.Hub.Devices;
using SmartCommunity.Hub.People;
using SmartCommunity.Hub.Privacy;
using SmartCommunity.Hub.Readings;
using SmartCommunity.Testing;
using SmartCommunity.Hub.Visits;

namespace SmartCommunity.Hub.Tests;

/// <summary>
/// Personal data: technicians see devices, not residents; reads of a resident's data are audit-logged; export and
/// erasure of one resident on request; retention of free text, visits and the audit log.
/// </summary>
public sealed class PersonalDataTests : IAsyncLifetime
{
    private const string CommentA = "Comment-about-A: daughter's number 138-0000-1111";
    private const string ResolutionA = "Resolution-note-A: fell in the bathroom";
    private const string FeedbackA = "Feedback-A: thank you";
    private const string VisitNoteA = "Visit-note-A: knee pain";
    private const string CommentB = "Comment-about-B";

    /// <summary>What must never reach someone not entitled to resident A's personal details.</summary>
    private static readonly string[] PersonalA = ["Resident A", "Bldg 1, Flat 101", "Family A", "family.a@test.local", CommentA, ResolutionA, FeedbackA, VisitNoteA];

    private readonly HubApp _hub = new();
    private World _world = null!;

    public async ValueTask InitializeAsync()
    {
        _hub.Start();
        _world = await _hub.SeedWorldAsync();
    }

    public async ValueTask DisposeAsync() => await _hub.DisposeAsync();

    private sealed record Seeded(DeviceCredentials SosA, DeviceCredentials ClimateA, DeviceCredentials SosB, DeviceCredentials ClimateB, long AlertA, long AlertB);

    /// <summary>Resident A with a pendant and a home sensor, an SOS that was handled, commented, rated and visited; resident B likewise, smaller.</summary>
    private async Task<Seeded> SeedResidentDataAsync()
    {
        var sosA = await _hub.RegisterDeviceAsync("sos", residentId: _world.ResidentA);
        var climateA = await _hub.RegisterDeviceAsync("climate", householdId: _world.HouseholdA);
        var sosB = await _hub.RegisterDeviceAsync("sos", residentId: _world.ResidentB);
        var climateB = await _hub.RegisterDeviceAsync("climate", householdId: _world.HouseholdB);
        foreach (var climate in new[] { climateA, climateB })
        {
            using var mqtt = await _hub.ConnectDeviceAsync(climate);
            for (uint seq = 1; seq <= 3; seq++)
                await mqtt.PublishAsync(Up(climate.Device.Id, Senml.Temp(climate.Device.Id, seq, 21 + seq, bt: Senml.Now - 100 + seq)));
        }
        foreach (var sos in new[] { sosA, sosB })
        {
            using var mqtt = await _hub.ConnectDeviceAsync(sos);
            await mqtt.PublishAsync(Up(sos.Device.Id, Senml.Sos(sos.Device.Id, 1)));
        }

        using var staff = await _hub.ClientAsync(World.Staff);
        var alertA = await AlertOfAsync(staff, _world.ResidentA);
        var alertB = await AlertOfAsync(staff, _world.ResidentB);
        await Ok(staff.PostAsJsonAsync($"/api/alerts/{alertA}/comments", new CommentRequest(CommentA)));
        await Ok(staff.PostAsJsonAsync($"/api/alerts/{alertA}/resolve", new ResolveRequest("real", ResolutionA)));
        await Ok(staff.PostAsJsonAsync($"/api/alerts/{alertB}/comments", new CommentRequest(CommentB)));
        using var family = await _hub.ClientAsync(World.FamilyA);
        await Ok(family.PostAsJsonAsync($"/api/alerts/{alertA}/feedback", new FeedbackRequest(4, FeedbackA)));
        using var worker = await _hub.ClientAsync(World.WorkerA);
        await Ok(worker.PostAsJsonAsync("/api/visits", new RecordVisitRequest(_world.ResidentA, VisitNoteA)));
        foreach (var climate in new[] { climateA, climateB })
            await Eventually.GetAsync(() => staff.GetFromJsonAsync<List<PointDto>>(Readings(climate.Device.Id))!, p => p!.Count == 3, what: "readings stored");
        return new Seeded(sosA, climateA, sosB, climateB, alertA, alertB);
    }

    private static MqttApplicationMessage Up(string id, byte[] payload) =>
        new MqttApplicationMessageBuilder().WithTopic($"sc/v1/{id}/up").WithPayload(payload).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build();

    private static string Readings(string deviceId) =>
        $"/api/devices/{deviceId}/readings?name=temp&from={Uri.EscapeDataString(DateTimeOffset.UtcNow.AddHours(-1).ToString("O"))}";

    private static async Task<long> AlertOfAsync(HttpClient staff, int residentId) =>
        (await Eventually.GetAsync(() => staff.GetFromJsonAsync<List<AlertDto>>($"/api/alerts?residentId={residentId}")!, a => a!.Count > 0, what: $"alert of resident {residentId}"))![0].Id;

    private static async Task Ok(Task<HttpResponseMessage> request)
    {
        using var response = await request;
        Assert.True(response.IsSuccessStatusCode, $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>
    /// Every GET under /api the hub maps, route values filled with real ids of this world (device, alert, resident,
    /// community) and the query parameters endpoints need; a new endpoint is covered without editing the test.
    /// </summary>
    private async Task<List<(string Path, HttpStatusCode Status, string Body)>> GetEverythingAsync(HttpClient http, Seeded s, string deviceId)
    {
        var routes = _hub.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods.Contains("GET") == true)
            .Select(e => e.RoutePattern.RawText!)
            .Where(p => p.StartsWith("/api", StringComparison.Ordinal))
            .Distinct().Order(StringComparer.Ordinal).ToList();
        Assert.True(routes.Count >= 20, "endpoints found: " + string.Join(", ", routes));
        var month = DateTimeOffset.UtcNow.ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture);
        var results = new List<(string, HttpStatusCode, string)>();
        foreach (var route in routes)
        {
            var path = System.Text.RegularExpressions.Regex.Replace(route, @"\{(\w+)(:\w+)?\}", m => m.Groups[1].Value switch
            {
                "deviceId" => deviceId,
                "communityId" => _world.CommunityId.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "month" => month,
                "id" when route.StartsWith("/api/devices", StringComparison.Ordinal) => deviceId,
                "id" when route.StartsWith("/api/alerts", StringComparison.Ordinal) => s.AlertA.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "id" when route.StartsWith("/api/residents", StringComparison.Ordinal) => _world.ResidentA.ToString(System.Globalization.CultureInfo.InvariantCulture),
                _ => "1",
            });
            path += $"?name=temp&communityId={_world.CommunityId}&residentId={_world.ResidentA}";
            using var response = await http.GetAsync(path);
            results.Add((path, response.StatusCode, await response.Content.ReadAsStringAsync()));
        }
        return results;
    }

    private static void AssertNothingOf(IEnumerable<(string Path, HttpStatusCode Status, string Body)> responses, IEnumerable<string> secrets)
    {
        foreach (var (path, _, body) in responses)
        {
            // JSON escapes apostrophes and non-ASCII; compare the decoded text when it is JSON.
            var text = body;
            try { text = JsonSerializer.Deserialize<JsonElement>(body).ToString(); } catch (JsonException) { }
            foreach (var secret in secrets)
                Assert.False(text.Contains(secret, StringComparison.Ordinal) || body.Contains(secret, StringComparison.Ordinal), $"{path} shows '{secret}'");
        }
    }

    [Fact]
    public async Task Technician_EveryGetEndpointAndDeviceTool_ShowsDevicesButNoResidentPersonalData()
    {
        var s = await SeedResidentDataAsync();
        using var tech = await _hub.ClientAsync(World.Technician);

        var responses = new List<(string, HttpStatusCode, string)>();
        foreach (var device in new[] { s.SosA, s.ClimateA })
            responses.AddRange(await GetEverythingAsync(tech, s, device.Device.Id));
        // The technician's own tools: register, rotate, QR, test alarm.
        var registered = await tech.PostAsJsonAsync("/api/devices", new RegisterDeviceRequest("wearable", null, null, null, null, _world.ResidentA, null));
        responses.Add(("POST /api/devices", registered.StatusCode, await registered.Content.ReadAsStringAsync()));
        var rotated = await tech.PostAsync($"/api/devices/{s.ClimateA.Device.Id}/secret", null);
        var rotatedBody = await rotated.Content.ReadAsStringAsync();
        responses.Add(("POST secret", rotated.StatusCode, rotatedBody));
        var secret = JsonSerializer.Deserialize<DeviceCredentials>(rotatedBody, JsonSerializerOptions.Web)!.Secret;
        var qr = await tech.PostAsJsonAsync($"/api/devices/{s.ClimateA.Device.Id}/provisioning-qr", new ProvisioningQrRequest(secret));
        responses.Add(("POST qr", qr.StatusCode, await qr.Content.ReadAsStringAsync()));
        var test = await tech.PostAsync($"/api/devices/{s.SosA.Device.Id}/test-alarm", null);
        responses.Add(("POST test-alarm", test.StatusCode, await test.Content.ReadAsStringAsync()));

        AssertNothingOf(responses, PersonalA);
        // What the technician does get: the fleet, the device, its place as ids, its readings.
        var ok = responses.Where(r => r.Item2 == HttpStatusCode.OK).Select(r => r.Item1).ToList();
        Assert.Contains(ok, p => p.StartsWith($"/api/devices/{s.ClimateA.Device.Id}/readings/latest", StringComparison.Ordinal));
        Assert.Contains(ok, p => p.StartsWith($"/api/devices/{s.SosA.Device.Id}?", StringComparison.Ordinal));
        Assert.All(responses.Where(r => r.Item1.StartsWith("/api/residents", StringComparison.Ordinal) || r.Item1.StartsWith("/api/visits", StringComparison.Ordinal)),
            r => Assert.Equal(HttpStatusCode.Forbidden, r.Item2));
        using var _ = await tech.GetAsync("/api/alerts");
        Assert.Empty((await tech.GetFromJsonAsync<List<AlertDto>>("/api/alerts"))!);
        // Live alerts: the hub puts a technician's SignalR connection in no group, so no alert (with its names) is pushed.
        var scope = await _hub.Services.GetRequiredService<AccessScopeResolver>().ResolveAsync(await PrincipalAsync(World.Technician), CancellationToken.None);
        Assert.Empty(AlertGroups.For(scope));
    }

    private async Task<System.Security.Claims.ClaimsPrincipal> PrincipalAsync(string email)
    {
        using var scope = _hub.Services.CreateScope();
        var users = scope.ServiceProvider.GetRequiredService<Microsoft.AspNetCore.Identity.UserManager<HubUser>>();
        var user = await users.FindByEmailAsync(email);
        return new System.Security.Claims.ClaimsPrincipal(new System.Security.Claims.ClaimsIdentity([new System.Security.Claims.Claim(System.Security.Claims.ClaimTypes.NameIdentifier, user!.Id)], "test"));
    }

    [Fact]
    public async Task ReadsOfResidentData_EachRequestAuditedOnce_WithWhoWhatAndWhichResident()
    {
        var s = await SeedResidentDataAsync();
        using var staff = await _hub.ClientAsync(World.Staff);
        using var family = await _hub.ClientAsync(World.FamilyA);
        using var tech = await _hub.ClientAsync(World.Technician);
        using var admin = await _hub.AdminAsync();
        var before = (await admin.GetFromJsonAsync<List<AuditEntryDto>>("/api/audit?reads=true&limit=1000"))!.Select(a => a.Id).DefaultIfEmpty().Max();

        await staff.GetStringAsync($"/api/residents/{_world.ResidentA}");
        await staff.GetStringAsync("/api/alerts?status=all");
        await staff.GetStringAsync($"/api/visits?residentId={_world.ResidentA}");
        await family.GetStringAsync($"/api/alerts/{s.AlertA}/timeline");
        await tech.GetStringAsync(Readings(s.SosA.Device.Id));
        await tech.GetStringAsync($"/api/devices/{s.SosA.Device.Id}"); // device metadata is not the resident's data
        using (var denied = await family.GetAsync($"/api/alerts/{s.AlertB}"))
            Assert.Equal(HttpStatusCode.NotFound, denied.StatusCode); // refused reads return nothing, so nothing is logged

        var reads = (await admin.GetFromJsonAsync<List<AuditEntryDto>>($"/api/audit?residentId={_world.ResidentA}&reads=true&limit=1000"))!.Where(a => a.Id > before).ToList();
        Assert.Contains(reads, a => a.UserName == World.Staff && a.Action == $"GET /api/residents/{_world.ResidentA}" && a.Detail == "resident details" && a.ResidentIds.SequenceEqual([_world.ResidentA]));
        // One row for the whole alert list, naming every resident in it.
        var list = Assert.Single(reads, a => a.UserName == World.Staff && a.Action == "GET /api/alerts");
        Assert.Equal([_world.ResidentA, _world.ResidentB], list.ResidentIds);
        Assert.Equal("alerts", list.Detail);
        Assert.Contains(reads, a => a.UserName == World.Staff && a.Action == "GET /api/visits" && a.Detail == "visits");
        Assert.Contains(reads, a => a.UserName == World.FamilyA && a.Detail == "alert timeline");
        Assert.Contains(reads, a => a.UserName == World.Technician && a.Detail == $"readings of {s.SosA.Device.Id}");
        Assert.DoesNotContain(reads, a => a.Action == $"GET /api/devices/{s.SosA.Device.Id}");
        Assert.All(reads, a => Assert.Equal(200, a.Status));
        Assert.DoesNotContain(reads, a => a.UserName == World.FamilyA && a.Action == $"GET /api/alerts/{s.AlertB}");
        // Filtering by resident B does not return the reads of A's details.
        var ofB = (await admin.GetFromJsonAsync<List<AuditEntryDto>>($"/api/audit?residentId={_world.ResidentB}&reads=true&limit=1000"))!;
        Assert.DoesNotContain(ofB, a => a.Action == $"GET /api/residents/{_world.ResidentA}");
        Assert.Contains(ofB, a => a.Id == list.Id);
    }

    [Fact]
    public async Task Export_ResidentA_HoldsProfileFamilyDevicesAlertsVisitsReadingsAndAccessLog_AdminOnly()
    {
        var s = await SeedResidentDataAsync();
        using var staff = await _hub.ClientAsync(World.Staff);
        using (var denied = await staff.GetAsync($"/api/residents/{_world.ResidentA}/export"))
            Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
        using var admin = await _hub.AdminAsync();

        using var response = await admin.GetAsync($"/api/residents/{_world.ResidentA}/export");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var export = (await response.Content.ReadFromJsonAsync<ResidentExport>())!;

        Assert.Equal(("Resident A", "Bldg 1, Flat 101", "Grid A"), (export.Resident.Name, export.Resident.HouseholdAddress, export.Resident.GridName));
        Assert.Equal("family.a@test.local", Assert.Single(export.Family).Email);
        Assert.Equal(new[] { s.ClimateA.Device.Id, s.SosA.Device.Id }.Order(StringComparer.Ordinal), export.Devices.Select(d => d.Id));
        var alert = Assert.Single(export.Alerts);
        Assert.Equal((s.AlertA, ResolutionA, FeedbackA, 4), (alert.Alert.Id, alert.Alert.ResolutionNote, alert.Alert.FeedbackComment, alert.Alert.FeedbackRating));
        Assert.Contains(alert.Timeline, e => e.Type == "comment" && e.Detail == CommentA);
        Assert.Equal(VisitNoteA, Assert.Single(export.Visits).Note);
        var temp = Assert.Single(export.Readings, r => r.DeviceId == s.ClimateA.Device.Id && r.Name == "temp");
        Assert.Equal([22.0, 23.0, 24.0], temp.Points.Select(p => p.V));
        Assert.Contains(export.Access, a => a.UserName == World.Staff);
        var text = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("Resident B", text, StringComparison.Ordinal);
        Assert.DoesNotContain(CommentB, text, StringComparison.Ordinal);

        var audit = (await admin.GetFromJsonAsync<List<AuditEntryDto>>($"/api/audit?residentId={_world.ResidentA}&limit=1000"))!;
        Assert.Contains(audit, a => a.UserName == HubApp.AdminEmail && a.Action == $"GET /api/residents/{_world.ResidentA}/export" && a.Detail == "export");
    }

    [Fact]
    public async Task Erase_ResidentA_NothingPersonalOfARemainsAnywhere_AlertKeptAnonymous_ResidentBUntouched()
    {
        var s = await SeedResidentDataAsync();
        using var admin = await _hub.AdminAsync();
        using (var staffClient = await _hub.ClientAsync(World.Staff))
        using (var denied = await staffClient.DeleteAsync($"/api/residents/{_world.ResidentA}/data"))
            Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
        var alertsBefore = (await admin.GetFromJsonAsync<List<AlertDto>>("/api/alerts?status=all"))!;

        using var erase = await admin.DeleteAsync($"/api/residents/{_world.ResidentA}/data");
        Assert.Equal(HttpStatusCode.OK, erase.StatusCode);
        var result = (await erase.Content.ReadFromJsonAsync<ErasureResult>())!;
        // Readings: three temperatures and the pendant's SOS point.
        Assert.Equal((1, 1, 1, 1, 4L), (result.AlertsAnonymised, result.VisitsDeleted, result.FamilyLinksRemoved, result.DevicesUnlinked, result.ReadingsDeleted));
        Assert.Equal(new[] { s.ClimateA.Device.Id, s.SosA.Device.Id }.Order(StringComparer.Ordinal), result.DevicesErased);

        // Nothing personal about A through any GET, for any role — the family account itself remains (an admin removes it).
        var personal = PersonalA.Except(["Family A", "family.a@test.local"]).ToArray();
        foreach (var user in new[] { HubApp.AdminEmail, World.Staff, World.WorkerA, World.Technician, World.FamilyA })
        {
            using var http = await _hub.ClientAsync(user);
            foreach (var device in new[] { s.SosA, s.ClimateA })
                AssertNothingOf(await GetEverythingAsync(http, s, device.Device.Id), personal);
        }
        using (var gone = await admin.GetAsync($"/api/residents/{_world.ResidentA}/export"))
            Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        Assert.Empty((await admin.GetFromJsonAsync<List<PointDto>>(Readings(s.ClimateA.Device.Id)))!);
        using (var family = await _hub.ClientAsync(World.FamilyA))
            Assert.Empty((await family.GetFromJsonAsync<List<AlertDto>>("/api/alerts"))!);

        // The alert stays for the statistics: kind, times, outcome, rating and handlers; no resident, no text.
        var alertsAfter = (await admin.GetFromJsonAsync<List<AlertDto>>("/api/alerts?status=all"))!;
        Assert.Equal(alertsBefore.Count, alertsAfter.Count);
        var kept = alertsAfter.Single(a => a.Id == s.AlertA);
        var was = alertsBefore.Single(a => a.Id == s.AlertA);
        Assert.Equal((was.Kind, was.RaisedAt, was.AcknowledgedAt, was.ResolvedAt, was.Outcome, was.FeedbackRating, was.GridId, was.HouseholdId),
            (kept.Kind, kept.RaisedAt, kept.AcknowledgedAt, kept.ResolvedAt, kept.Outcome, kept.FeedbackRating, kept.GridId, kept.HouseholdId));
        Assert.Equal((null, null, null, null), (kept.ResidentId, kept.ResidentName, kept.ResolutionNote, kept.FeedbackComment));
        var timeline = (await admin.GetFromJsonAsync<List<AlertEventDto>>($"/api/alerts/{s.AlertA}/timeline"))!;
        Assert.Contains(timeline, e => e.Type == "resolved" && e.Detail == "real");
        Assert.Contains(timeline, e => e.Type == "feedback" && e.Detail == "4/5" && e.Actor == "family");
        // Devices stay registered at the household, without a wearer.
        var pendant = (await admin.GetFromJsonAsync<DeviceDto>($"/api/devices/{s.SosA.Device.Id}"))!;
        Assert.Equal((null, (int?)_world.HouseholdA), (pendant.ResidentId, pendant.HouseholdId));

        // Resident B: profile, alert with its comment, readings — all there.
        using var staff = await _hub.ClientAsync(World.Staff);
        var residents = (await staff.GetFromJsonAsync<List<SmartCommunity.Hub.Places.ResidentDto>>("/api/residents"))!;
        Assert.Equal("Resident B", Assert.Single(residents).Name);
        Assert.Equal("Resident B", (await staff.GetFromJsonAsync<AlertDto>($"/api/alerts/{s.AlertB}"))!.ResidentName);
        Assert.Contains((await staff.GetFromJsonAsync<List<AlertEventDto>>($"/api/alerts/{s.AlertB}/timeline"))!, e => e.Detail == CommentB);
        Assert.Equal(3, (await staff.GetFromJsonAsync<List<PointDto>>(Readings(s.ClimateB.Device.Id)))!.Count);

        // The erasure is in the audit log by id and counts, without A's personal data.
        var audit = (await admin.GetFromJsonAsync<List<AuditEntryDto>>($"/api/audit?residentId={_world.ResidentA}&limit=1000"))!;
        var row = Assert.Single(audit, a => a.Action == $"DELETE /api/residents/{_world.ResidentA}/data");
        Assert.Equal((HubApp.AdminEmail, 200), (row.UserName, row.Status));
        Assert.StartsWith("erasure: 1 alerts anonymised", row.Detail, StringComparison.Ordinal);
        AssertNothingOf([("audit", HttpStatusCode.OK, JsonSerializer.Serialize(audit))], personal);
    }
}

/// <summary>Retention of personal data on the Quartz clock (FakeTimeProvider), and its options.</summary>
public sealed class RetentionTests
{
    [Fact]
    public async Task RetentionJob_ClockPassesTheCutoff_FreeTextVisitsAndAuditRowsGo_AlertsStay()
    {
        // 03:00 on 29 November 2026 in Shanghai; the job runs daily at 03:40.
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 28, 19, 0, 0, TimeSpan.Zero));
        await using var hub = new HubApp(time: time, settings: new Dictionary<string, string?>
        {
            ["Hub:Retention:AlertFreeTextMonths"] = "1",
            ["Hub:Retention:VisitMonths"] = "1",
            ["Hub:Retention:AuditMonths"] = "1",
        });
        hub.Start();
        var world = await hub.SeedWorldAsync();
        var device = await hub.RegisterDeviceAsync("sos", residentId: world.ResidentA);
        using (var mqtt = await hub.ConnectDeviceAsync(device))
            await mqtt.PublishAsync(new MqttApplicationMessageBuilder().WithTopic($"sc/v1/{device.Device.Id}/up")
                .WithPayload(Senml.Pack(device.Device.Id, 1, "{\"n\":\"sos\",\"vb\":true}", time.GetUtcNow().ToUnixTimeSeconds()))
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
        using var staff = await hub.ClientAsync(World.Staff);
        var alert = (await Eventually.GetAsync(() => staff.GetFromJsonAsync<List<AlertDto>>("/api/alerts")!, a => a!.Count > 0, what: "the alert"))![0];
        (await staff.PostAsJsonAsync($"/api/alerts/{alert.Id}/comments", new CommentRequest("call the son"))).EnsureSuccessStatusCode();
        (await staff.PostAsJsonAsync($"/api/alerts/{alert.Id}/resolve", new ResolveRequest("false_alarm", "pressed by mistake"))).EnsureSuccessStatusCode();
        (await staff.PostAsJsonAsync("/api/visits", new RecordVisitRequest(world.ResidentA, "all well"))).EnsureSuccessStatusCode();
        using (var early = await hub.AdminAsync())
            Assert.NotEmpty((await early.GetFromJsonAsync<List<AuditEntryDto>>("/api/audit"))!);

        // A month and a day later, past 03:40: the day's run (or the misfired one) applies the one-month limits.
        time.Advance(TimeSpan.FromDays(31) + TimeSpan.FromHours(1));
        using var admin = await hub.AdminAsync(); // a new sign-in: tokens expire after 12 hours

        var kept = await Eventually.GetAsync(() => admin.GetFromJsonAsync<AlertDto>($"/api/alerts/{alert.Id}")!, a => a!.ResolutionNote is null, what: "the resolution note erased");
        Assert.Equal(("false_alarm", world.ResidentA), (kept!.Outcome, kept.ResidentId));
        var timeline = (await admin.GetFromJsonAsync<List<AlertEventDto>>($"/api/alerts/{alert.Id}/timeline"))!;
        Assert.Contains(timeline, e => e.Type == "comment" && e.Detail is null);
        Assert.Contains(timeline, e => e.Type == "resolved" && e.Detail == "false_alarm");
        Assert.Empty((await admin.GetFromJsonAsync<List<VisitDto>>("/api/visits"))!);
        var cutoff = time.GetUtcNow().AddMonths(-1);
        var audit = await Eventually.GetAsync(() => admin.GetFromJsonAsync<List<AuditEntryDto>>("/api/audit?limit=1000")!, a => a!.All(r => r.At >= cutoff), what: "old audit rows deleted");
        Assert.NotEmpty(audit!); // the reads just made are recent
    }

    [Theory]
    [InlineData("Hub:Retention:VisitMonths", "-1")]
    [InlineData("Hub:Retention:Schedule", "every night")]
    public async Task Start_InvalidRetentionSetting_Refused(string key, string value)
    {
        await using var hub = new HubApp(settings: new Dictionary<string, string?> { [key] = value }).ExpectLoggedErrors("Retention");
        var error = Assert.ThrowsAny<Exception>(() => hub.Start());
        Assert.Contains("Retention", error.ToString(), StringComparison.Ordinal);
    }
}
