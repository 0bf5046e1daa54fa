using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MiniExcelLibs;
using SmartCommunity.Hub.Devices;
using SmartCommunity.Hub.Escalation;
using SmartCommunity.Hub.People;
using SmartCommunity.Hub.Places;
using SmartCommunity.Testing;

namespace SmartCommunity.Hub.Tests;

/// <summary>The manager console's own endpoints on the real hub: the roster coverage check, the report as XLSX, the
/// session probe, and the edits of places and devices — with their refusals as problem details.</summary>
public sealed class ConsoleApiTests : IAsyncLifetime
{
    private readonly HubApp _hub = new();
    private World _world = null!;

    public async ValueTask InitializeAsync()
    {
        _hub.Start();
        _world = await _hub.SeedWorldAsync();
    }

    public async ValueTask DisposeAsync() => await _hub.DisposeAsync();

    private static async Task<JsonElement> ProblemAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    [Fact]
    public async Task CoverageCheck_DraftWithDayShiftOnly_NightsAreGaps_FullDraftPasses_SavedRosterChecked()
    {
        using var admin = await _hub.AdminAsync();
        DraftShift[] day = [new(_world.GridA, "grid_worker", "08:00", "20:00", null), new(_world.GridB, "grid_worker", "00:00", "00:00", null)];

        var partial = await (await admin.PostAsJsonAsync("/api/rosters/coverage-check", new CoverageCheckRequest(_world.CommunityId, day, ["grid_worker"])))
            .Content.ReadFromJsonAsync<CoverageCheckDto>();
        Assert.False(partial!.Covered);
        Assert.Equal(7, partial.Gaps.Count);
        Assert.All(partial.Gaps, g => Assert.Equal((_world.GridA, "Grid A", 20, 12), (g.GridId, g.GridName, g.StartHour, g.Hours)));

        DraftShift[] full = [.. day, new(_world.GridA, "grid_worker", "20:00", "08:00", null)];
        var whole = await (await admin.PostAsJsonAsync("/api/rosters/coverage-check", new CoverageCheckRequest(_world.CommunityId, full, ["grid_worker"])))
            .Content.ReadFromJsonAsync<CoverageCheckDto>();
        Assert.True(whole!.Covered);
        Assert.Empty(whole.Gaps);

        // Without a draft: the saved roster (empty here) leaves every grid and level uncovered all week.
        var saved = await (await admin.PostAsJsonAsync("/api/rosters/coverage-check", new CoverageCheckRequest(_world.CommunityId, null, null)))
            .Content.ReadFromJsonAsync<CoverageCheckDto>();
        Assert.Equal(6, saved!.Gaps.Count);
        Assert.All(saved.Gaps, g => Assert.Equal(168, g.Hours));
    }

    [Fact]
    public async Task CoverageCheck_BadDraft_ProblemDetailsPerShift_OtherCommunity404()
    {
        using var admin = await _hub.AdminAsync();
        var bad = await admin.PostAsJsonAsync("/api/rosters/coverage-check",
            new CoverageCheckRequest(_world.CommunityId, [new(_world.GridA, "janitor", "25:00", "08:00", 500)], null));
        var errors = (await ProblemAsync(bad)).GetProperty("errors");
        Assert.True(errors.TryGetProperty("shifts[0].role", out _));
        Assert.True(errors.TryGetProperty("shifts[0].start", out _));
        Assert.True(errors.TryGetProperty("shifts[0].days", out _));

        Assert.Equal(HttpStatusCode.NotFound, (await admin.PostAsJsonAsync("/api/rosters/coverage-check", new CoverageCheckRequest(999_999, [], null))).StatusCode);
        using var worker = await _hub.ClientAsync(World.WorkerA);
        Assert.Equal(HttpStatusCode.Forbidden, (await worker.PostAsJsonAsync("/api/rosters/coverage-check", new CoverageCheckRequest(_world.CommunityId, [], null))).StatusCode);
    }

    [Fact]
    public async Task MonthlyXlsx_Admin_OpensWithMiniExcel_FiguresMatchTheCsv()
    {
        using var admin = await _hub.AdminAsync();
        var month = DateTimeOffset.UtcNow.ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture);
        var response = await admin.GetAsync($"/api/reports/monthly/{_world.CommunityId}/{month}.xlsx");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", response.Content.Headers.ContentType?.MediaType);
        using var stream = new MemoryStream(await response.Content.ReadAsByteArrayAsync());
        var rows = stream.Query(useHeaderRow: true).Cast<IDictionary<string, object?>>().ToList();

        var csv = await admin.GetStringAsync($"/api/reports/monthly/{_world.CommunityId}/{month}.csv");
        var csvRows = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(l => l.Split(',')).ToList();
        Assert.Equal(csvRows.Count, rows.Count);
        // The resident in grid A needs a visit this month and has had none: coverage 0 there, kept as a number.
        var coverage = rows.Single(r => (string?)r["metric"] == "visit_coverage" && (string?)r["key"] == $"grid {_world.GridA}");
        Assert.Equal(0d, Convert.ToDouble(coverage["value"], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("0", csvRows.Single(r => r[0] == "visit_coverage" && r[1] == $"grid {_world.GridA}")[2]);

        Assert.Equal(HttpStatusCode.BadRequest, (await admin.GetAsync($"/api/reports/monthly/{_world.CommunityId}/2026-13.xlsx")).StatusCode);
        using var worker = await _hub.ClientAsync(World.WorkerA);
        Assert.Equal(HttpStatusCode.Forbidden, (await worker.GetAsync($"/api/reports/monthly/{_world.CommunityId}/{month}.xlsx")).StatusCode);
    }

    [Fact]
    public async Task Session_Anonymous_200NotSignedIn_SignedIn_MeAsApiMe()
    {
        using var anon = _hub.Anonymous();
        var none = await anon.GetAsync("/api/auth/session");
        Assert.Equal(HttpStatusCode.OK, none.StatusCode);
        var body = await none.Content.ReadFromJsonAsync<SessionDto>();
        Assert.False(body!.SignedIn);
        Assert.Null(body.Me);

        using var staff = await _hub.ClientAsync(World.Staff);
        var mine = await staff.GetFromJsonAsync<SessionDto>("/api/auth/session");
        Assert.True(mine!.SignedIn);
        Assert.Equal(World.Staff, mine.Me!.UserName);
        Assert.Equal(_world.CommunityId, mine.Me.CommunityId);
    }

    [Fact]
    public async Task PutPlaces_Admin_RenamesAndMoves_BadInputProblemDetails_OthersRefused()
    {
        using var admin = await _hub.AdminAsync();
        var grid = await (await admin.PutAsJsonAsync($"/api/grids/{_world.GridA}", new CreateGridRequest(_world.CommunityId, "东区 East"))).Content.ReadFromJsonAsync<GridDto>();
        Assert.Equal("东区 East", grid!.Name);
        var home = await admin.PutAsJsonAsync($"/api/households/{_world.HouseholdA}", new CreateHouseholdRequest(_world.GridB, "Bldg 2, Flat 202"));
        Assert.Equal(HttpStatusCode.OK, home.StatusCode);
        var resident = await (await admin.PutAsJsonAsync($"/api/residents/{_world.ResidentA}", new CreateResidentRequest(_world.HouseholdA, "Resident A2", 1941, true)))
            .Content.ReadFromJsonAsync<ResidentDto>();
        // The resident followed the household into grid B.
        Assert.Equal(("Resident A2", _world.GridB), (resident!.Name, resident.GridId));

        var errors = (await ProblemAsync(await admin.PutAsJsonAsync($"/api/residents/{_world.ResidentA}", new CreateResidentRequest(999_999, "", 1700, false)))).GetProperty("errors");
        Assert.True(errors.TryGetProperty("householdId", out _));
        Assert.True(errors.TryGetProperty("birthYear", out _));
        Assert.Equal(HttpStatusCode.NotFound, (await admin.PutAsJsonAsync("/api/grids/999999", new CreateGridRequest(_world.CommunityId, "x"))).StatusCode);
        using var staff = await _hub.ClientAsync(World.Staff);
        Assert.Equal(HttpStatusCode.Forbidden, (await staff.PutAsJsonAsync($"/api/grids/{_world.GridA}", new CreateGridRequest(_world.CommunityId, "x"))).StatusCode);
    }

    [Fact]
    public async Task PutDevice_MovedToAnotherHousehold_ItsNextAlertIsInThatGrid()
    {
        var device = await _hub.RegisterDeviceAsync("sos", residentId: _world.ResidentA);
        using var admin = await _hub.AdminAsync();
        var bad = await admin.PutAsJsonAsync($"/api/devices/{device.Device.Id}", new UpdateDeviceRequest("x", "attic", 999_999, null, null));
        var errors = (await ProblemAsync(bad)).GetProperty("errors");
        Assert.True(errors.TryGetProperty("location", out _));
        Assert.True(errors.TryGetProperty("householdId", out _));

        var moved = await admin.PutAsJsonAsync($"/api/devices/{device.Device.Id}", new UpdateDeviceRequest("Bedside button", null, _world.HouseholdB, _world.ResidentB, null));
        Assert.Equal(HttpStatusCode.OK, moved.StatusCode);

        using (var mqtt = await _hub.ConnectDeviceAsync(device))
            await mqtt.PublishAsync(new MQTTnet.MqttApplicationMessageBuilder().WithTopic($"sc/v1/{device.Device.Id}/up").WithPayload(Senml.Sos(device.Device.Id, 1))
                .WithQualityOfServiceLevel(MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce).Build());
        using var workerB = await _hub.ClientAsync(World.WorkerB);
        var alerts = await Eventually.GetAsync(() => workerB.GetFromJsonAsync<List<JsonElement>>("/api/alerts"), a => a!.Count > 0, what: "the alert in grid B");
        Assert.Equal(_world.GridB, alerts![0].GetProperty("gridId").GetInt32());
        Assert.Equal(_world.ResidentB, alerts[0].GetProperty("residentId").GetInt32());

        using var family = await _hub.ClientAsync(World.FamilyA);
        Assert.Equal(HttpStatusCode.Forbidden, (await family.PutAsJsonAsync($"/api/devices/{device.Device.Id}", new UpdateDeviceRequest(null, null, null, null, null))).StatusCode);
    }

    [Fact]
    public async Task Audit_DateRange_OnlyEntriesInside_ToBeforeFromIsAProblem()
    {
        using var admin = await _hub.AdminAsync();
        await admin.GetAsync($"/api/residents/{_world.ResidentA}");
        var all = await Eventually.GetAsync(() => admin.GetFromJsonAsync<List<JsonElement>>("/api/audit?limit=1000"), a => a!.Count > 0, what: "audit entries");
        var future = DateTimeOffset.UtcNow.AddDays(1).ToString("O");
        Assert.Empty((await admin.GetFromJsonAsync<List<JsonElement>>($"/api/audit?from={Uri.EscapeDataString(future)}"))!);
        var past = DateTimeOffset.UtcNow.AddDays(-1).ToString("O");
        Assert.NotEmpty((await admin.GetFromJsonAsync<List<JsonElement>>($"/api/audit?from={Uri.EscapeDataString(past)}&to={Uri.EscapeDataString(future)}"))!);
        await ProblemAsync(await admin.GetAsync($"/api/audit?from={Uri.EscapeDataString(future)}&to={Uri.EscapeDataString(past)}"));
        Assert.NotEmpty(all!);
    }
}
