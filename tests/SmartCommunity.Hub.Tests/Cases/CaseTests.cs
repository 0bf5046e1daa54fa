using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using SmartCommunity.Domain.Alerts;
using SmartCommunity.Hub.Alerts;
using SmartCommunity.Hub.Cases;
using SmartCommunity.Testing;

namespace SmartCommunity.Hub.Tests;

/// <summary>
/// Cases (接诉即办) on the real hub: a phone call taken at the desk goes through the closed loop to the family's rating and
/// into the monthly report; an overdue case escalates once per missed target as the clock passes it (the Quartz job);
/// families open, see and rate only their own; the photo's limits. Services and 好差评 scorecards beside them.
/// </summary>
public sealed class CaseTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    // 10:00 on Sunday 29 November 2026 in Shanghai.
    private static readonly DateTimeOffset Morning = new(2026, 11, 29, 2, 0, 0, TimeSpan.Zero);

    private static async Task<(HubApp Hub, FakeTimeProvider Time, World World)> StartAsync()
    {
        var time = new FakeTimeProvider(Morning);
        var hub = new HubApp(time: time);
        hub.Start();
        var world = await hub.SeedWorldAsync();
        return (hub, time, world);
    }

    [Fact]
    public async Task CaseLoop_DeskPhoneCallToFamilyRating_IsPushedLiveAndCountedInReportAndScorecards()
    {
        var (hub, time, world) = await StartAsync();
        await using var _ = hub;
        using var desk = await hub.ClientAsync(World.Staff);
        using var worker = await hub.ClientAsync(World.WorkerA);
        using var family = await hub.ClientAsync(World.FamilyA);
        var familyEvents = new ConcurrentQueue<CaseDto>();
        var otherFamilyEvents = new ConcurrentQueue<CaseDto>();
        await using var familyLive = await hub.SignalRAsync(World.FamilyA);
        familyLive.On<CaseDto>("CaseUpdated", c => familyEvents.Enqueue(c));
        await familyLive.StartSubscribedAsync();
        await using var otherFamilyLive = await hub.SignalRAsync(World.FamilyB);
        otherFamilyLive.On<CaseDto>("CaseUpdated", c => otherFamilyEvents.Enqueue(c));
        await otherFamilyLive.StartSubscribedAsync();

        var opened = await HubApp.PostAsync<CaseDto>(desk, "/api/cases", new OpenCaseRequest("repair", "Caller: the bathroom grab rail is loose", ResidentId: world.ResidentA));
        Assert.Equal(("repair", "desk_phone", "opened", world.GridA, world.HouseholdA, Morning.AddHours(24)),
            (opened.Category, opened.Channel, opened.Status, opened.GridId, opened.HouseholdId, opened.RespondBy));
        Assert.Contains((await worker.GetFromJsonAsync<List<CaseDto>>("/api/cases?status=open", Ct))!, c => c.Id == opened.Id);

        time.Advance(TimeSpan.FromHours(2));
        var assigned = await HubApp.PostAsync<CaseDto>(worker, $"/api/cases/{opened.Id}/assign", new AssignCaseRequest(null));
        time.Advance(TimeSpan.FromMinutes(40));
        await HubApp.PostAsync<CaseDto>(worker, $"/api/cases/{opened.Id}/on-site", new { });
        time.Advance(TimeSpan.FromMinutes(30));
        var earlyRating = await family.PostAsJsonAsync($"/api/cases/{opened.Id}/rating", new RateRequest(5, null), Ct);
        var resolved = await HubApp.PostAsync<CaseDto>(worker, $"/api/cases/{opened.Id}/resolve", new ResolveCaseRequest("fixed", "Rail re-anchored"));
        var rated = await HubApp.PostAsync<CaseDto>(family, $"/api/cases/{opened.Id}/rating", new RateRequest(4, "Quick, thank you"));

        Assert.Equal(("Worker A", "assigned"), (assigned.AssignedTo, assigned.Status));
        Assert.Equal(HttpStatusCode.Conflict, earlyRating.StatusCode);
        Assert.Equal(("resolved", "fixed", Morning.AddMinutes(190)), (resolved.Status, resolved.Outcome, resolved.ResolvedAt));
        Assert.Equal(4, rated.Rating);
        await Eventually.TrueAsync(() => familyEvents.Any(c => c.Id == opened.Id && c.Rating == 4), "the family's live view of the rated case", Ct);
        Assert.Equal(["opened", "assigned", "on_site", "resolved"], familyEvents.Select(c => c.Status).Distinct());
        Assert.Empty(otherFamilyEvents);
        // People by display name, as on alerts: a family never sees the staff's e-mail addresses.
        Assert.DoesNotContain(familyEvents, c => $"{c.OpenedBy} {c.AssignedTo} {c.ResolvedBy}".Contains('@', StringComparison.Ordinal));

        using var admin = await hub.AdminAsync();
        var csv = await admin.GetStringAsync($"/api/reports/monthly/{world.CommunityId}/2026-11.csv", Ct);
        Assert.Contains("cases_opened,,1,", csv, StringComparison.Ordinal);
        Assert.Contains("cases_resolved_on_time,,1,", csv, StringComparison.Ordinal);
        Assert.Contains("median_time_to_respond_case_s,,7200,", csv, StringComparison.Ordinal);
        Assert.Contains("cases_by_category,repair,1/1/1,", csv, StringComparison.Ordinal);
        Assert.Contains($"satisfaction_by_worker,{World.WorkerA},4,", csv, StringComparison.Ordinal);
        var scorecards = (await desk.GetFromJsonAsync<ScorecardsDto>($"/api/satisfaction/scorecards?communityId={world.CommunityId}&month=2026-11", Ct))!;
        Assert.Equal((World.WorkerA, 1, 4.0), (scorecards.Workers.Single().Key, scorecards.Workers.Single().Ratings, scorecards.Workers.Single().Average));
        admin.DefaultRequestHeaders.AcceptLanguage.Add(new StringWithQualityHeaderValue("zh-CN"));
        var html = await admin.GetStringAsync($"/api/reports/monthly/{world.CommunityId}/2026-11.html", Ct);
        Assert.Contains("按类别的诉求", html, StringComparison.Ordinal);
        Assert.Contains("维修", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CaseEscalation_HazardNotTakenWithinAnHour_EscalatesOnceWhenTheClockPassesTheTarget()
    {
        var (hub, time, world) = await StartAsync();
        await using var _ = hub;
        using var worker = await hub.ClientAsync(World.WorkerA);
        var staffEvents = new ConcurrentQueue<CaseDto>();
        await using var staffLive = await hub.SignalRAsync(World.Staff);
        staffLive.On<CaseDto>("CaseUpdated", c => staffEvents.Enqueue(c));
        await staffLive.StartSubscribedAsync();
        var hazard = await HubApp.PostAsync<CaseDto>(worker, "/api/cases", new OpenCaseRequest("safety_hazard", "Gas smell in the stairwell", HouseholdId: world.HouseholdA));
        Assert.Equal(("grid_worker", Morning.AddHours(1), Morning.AddHours(24)), (hazard.Channel, hazard.RespondBy, hazard.ResolveBy));

        time.Advance(TimeSpan.FromMinutes(59));
        Assert.Empty(await hub.Services.GetRequiredService<CaseService>().EscalateOverdueAsync(Ct));
        time.Advance(TimeSpan.FromMinutes(2));

        // The minute job notices; one step recorded however often it runs.
        var escalated = await AsTheClockMovesAsync(hub, time, hazard.Id, c => c.Escalations > 0, "the response escalation");
        Assert.Equal(1, escalated.Escalations);
        Assert.Empty(await hub.Services.GetRequiredService<CaseService>().EscalateOverdueAsync(Ct));
        await Eventually.TrueAsync(() => staffEvents.Any(c => c.Id == hazard.Id && c.Escalations == 1), "the staff board's live view of the escalation", Ct);

        using (var again = await hub.ClientAsync(World.WorkerA))
            await HubApp.PostAsync<CaseDto>(again, $"/api/cases/{hazard.Id}/assign", new AssignCaseRequest(null));
        time.Advance(TimeSpan.FromHours(23));
        var late = await AsTheClockMovesAsync(hub, time, hazard.Id, c => c.Escalations > 1, "the resolution escalation");
        Assert.Equal(2, late.Escalations);
        time.Advance(TimeSpan.FromHours(5));
        Assert.Empty(await hub.Services.GetRequiredService<CaseService>().EscalateOverdueAsync(Ct));

        using var admin = await hub.AdminAsync();
        var csv = await admin.GetStringAsync($"/api/reports/monthly/{world.CommunityId}/2026-11.csv", Ct);
        Assert.Contains("cases_escalated,,1,", csv, StringComparison.Ordinal);
        Assert.Contains("cases_resolved,,0,", csv, StringComparison.Ordinal);
    }

    /// <summary>
    /// Waits for the minute job while the clock moves on a second per look. Quartz waits on the fake clock, and a wait it
    /// began just after a jump (its misfire check, busy with the database while the test moved the clock) only ends when the
    /// clock moves again: standing still, the test would wait on a timer no one advances (seen once on PostgreSQL).
    /// </summary>
    private static Task<CaseDto> AsTheClockMovesAsync(HubApp hub, FakeTimeProvider time, long id, Func<CaseDto, bool> done, string what) =>
        Eventually.GetAsync(() =>
        {
            time.Advance(TimeSpan.FromSeconds(1));
            return GetCaseAsync(hub, id);
        }, done, what: what);

    /// <summary>Signed in afresh: the fake clock moves past sign-in sessions' checks.</summary>
    private static async Task<CaseDto> GetCaseAsync(HubApp hub, long id)
    {
        using var worker = await hub.ClientAsync(World.WorkerA);
        return (await worker.GetFromJsonAsync<CaseDto>($"/api/cases/{id}", Ct))!;
    }

    [Fact]
    public async Task Cases_Family_OpensSeesAndRatesOnlyTheirOwnAndCannotHandle()
    {
        var (hub, _, world) = await StartAsync();
        await using var __ = hub;
        using var familyA = await hub.ClientAsync(World.FamilyA);
        using var familyB = await hub.ClientAsync(World.FamilyB);
        using var workerA = await hub.ClientAsync(World.WorkerA);
        using var workerB = await hub.ClientAsync(World.WorkerB);
        using var tech = await hub.ClientAsync(World.Technician);

        var forOthers = await familyA.PostAsJsonAsync("/api/cases", new OpenCaseRequest("care_need", "Not mine", ResidentId: world.ResidentB), Ct);
        var forGrid = await familyA.PostAsJsonAsync("/api/cases", new OpenCaseRequest("complaint", "Whole grid", GridId: world.GridA), Ct);
        var byTech = await tech.PostAsJsonAsync("/api/cases", new OpenCaseRequest("repair", "x", ResidentId: world.ResidentA), Ct);
        var byWorkerB = await workerB.PostAsJsonAsync("/api/cases", new OpenCaseRequest("repair", "Not my grid", ResidentId: world.ResidentA), Ct);
        var bad = await familyA.PostAsJsonAsync("/api/cases", new OpenCaseRequest("flood", "", ResidentId: world.ResidentA), Ct);
        var own = await HubApp.PostAsync<CaseDto>(familyA, "/api/cases", new OpenCaseRequest("care_need", "Mother needs help with shopping", Channel: "desk_phone", ResidentId: world.ResidentA));

        Assert.Equal((HttpStatusCode.NotFound, HttpStatusCode.NotFound, HttpStatusCode.Forbidden, HttpStatusCode.NotFound),
            (forOthers.StatusCode, forGrid.StatusCode, byTech.StatusCode, byWorkerB.StatusCode));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var problem = await bad.Content.ReadAsStringAsync(Ct);
        Assert.Contains("category", problem, StringComparison.Ordinal);
        Assert.Contains("description", problem, StringComparison.Ordinal);
        Assert.Equal("family", own.Channel);   // a family's case is theirs, whatever they claim
        Assert.Equal(HttpStatusCode.NotFound, (await familyB.GetAsync($"/api/cases/{own.Id}", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await workerB.GetAsync($"/api/cases/{own.Id}", Ct)).StatusCode);
        Assert.Empty((await familyB.GetFromJsonAsync<List<CaseDto>>("/api/cases", Ct))!);
        Assert.Single((await familyA.GetFromJsonAsync<List<CaseDto>>("/api/cases", Ct))!);
        Assert.Equal(HttpStatusCode.Forbidden, (await familyA.PostAsJsonAsync($"/api/cases/{own.Id}/assign", new AssignCaseRequest(null), Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await workerB.PostAsJsonAsync($"/api/cases/{own.Id}/resolve", new ResolveCaseRequest("fixed", null), Ct)).StatusCode);
        var giveToOtherGrid = await workerA.PostAsJsonAsync($"/api/cases/{own.Id}/assign", new AssignCaseRequest(World.WorkerB), Ct);
        Assert.Equal(HttpStatusCode.BadRequest, giveToOtherGrid.StatusCode);

        await HubApp.PostAsync<CaseDto>(workerA, $"/api/cases/{own.Id}/resolve", new ResolveCaseRequest("referred", "Volunteer shopping service"));
        Assert.Equal(HttpStatusCode.NotFound, (await familyB.PostAsJsonAsync($"/api/cases/{own.Id}/rating", new RateRequest(1, null), Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await workerA.PostAsJsonAsync($"/api/cases/{own.Id}/rating", new RateRequest(5, null), Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await familyA.PostAsJsonAsync($"/api/cases/{own.Id}/rating", new RateRequest(0, null), Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await familyA.PostAsJsonAsync($"/api/cases/{own.Id}/rating", new RateRequest(2, "Took long"), Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await familyA.PostAsJsonAsync($"/api/cases/{own.Id}/rating", new RateRequest(5, null), Ct)).StatusCode);
    }

    [Fact]
    public async Task CasePhoto_TypeSizeAndContentChecked_StoredPhotoServedOnlyToThoseWhoSeeTheCase()
    {
        await using var hub = new HubApp(settings: new Dictionary<string, string?> { ["Hub:Cases:MaxPhotoBytes"] = "65536" });
        hub.Start();
        var world = await hub.SeedWorldAsync();
        using var family = await hub.ClientAsync(World.FamilyA);
        using var other = await hub.ClientAsync(World.FamilyB);
        using var worker = await hub.ClientAsync(World.WorkerA);
        var c = await HubApp.PostAsync<CaseDto>(family, "/api/cases", new OpenCaseRequest("safety_hazard", "Broken step", HouseholdId: world.HouseholdA));
        byte[] png = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, .. new byte[100]];
        static ByteArrayContent Body(byte[] bytes, string type)
        {
            var content = new ByteArrayContent(bytes);
            content.Headers.ContentType = new MediaTypeHeaderValue(type);
            return content;
        }

        var wrongType = await family.PutAsync($"/api/cases/{c.Id}/photo", Body(png, "application/pdf"), Ct);
        var tooLarge = await family.PutAsync($"/api/cases/{c.Id}/photo", Body([0xFF, 0xD8, 0xFF, .. new byte[65536]], "image/jpeg"), Ct);
        var notAnImage = await family.PutAsync($"/api/cases/{c.Id}/photo", Body("<script>alert(1)</script>"u8.ToArray(), "image/jpeg"), Ct);
        var notYours = await other.PutAsync($"/api/cases/{c.Id}/photo", Body(png, "image/png"), Ct);
        var stored = await family.PutAsync($"/api/cases/{c.Id}/photo", Body(png, "image/png"), Ct);

        Assert.Equal((HttpStatusCode.UnsupportedMediaType, HttpStatusCode.RequestEntityTooLarge, HttpStatusCode.BadRequest, HttpStatusCode.NotFound, HttpStatusCode.NoContent),
            (wrongType.StatusCode, tooLarge.StatusCode, notAnImage.StatusCode, notYours.StatusCode, stored.StatusCode));
        Assert.Equal("application/problem+json", tooLarge.Content.Headers.ContentType?.MediaType);
        Assert.Contains("at most", await tooLarge.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        // The unread rest of the body ends the connection; the answer says so, and the next request above went on a new one.
        Assert.True(tooLarge.Headers.ConnectionClose);
        var served = await worker.GetAsync($"/api/cases/{c.Id}/photo", Ct);
        Assert.Equal("image/png", served.Content.Headers.ContentType?.MediaType);
        Assert.Equal(png, await served.Content.ReadAsByteArrayAsync(Ct));
        Assert.True((await worker.GetFromJsonAsync<CaseDto>($"/api/cases/{c.Id}", Ct))!.HasPhoto);
        Assert.Equal(HttpStatusCode.NotFound, (await other.GetAsync($"/api/cases/{c.Id}/photo", Ct)).StatusCode);
    }

    [Fact]
    public async Task ResidentData_ExportAndErasure_CoverCasesAndServices_CaseKeptAnonymisedForTheReport()
    {
        var (hub, time, world) = await StartAsync();
        await using var __ = hub;
        using var family = await hub.ClientAsync(World.FamilyA);
        using var worker = await hub.ClientAsync(World.WorkerA);
        using var admin = await hub.AdminAsync();
        var c = await HubApp.PostAsync<CaseDto>(family, "/api/cases", new OpenCaseRequest("care_need", "Mother cannot reach the top shelf", ResidentId: world.ResidentA));
        using (var photo = new ByteArrayContent([0xFF, 0xD8, 0xFF, 0xE0, 0, 0]))
        {
            photo.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
            (await family.PutAsync($"/api/cases/{c.Id}/photo", photo, Ct)).EnsureSuccessStatusCode();
        }
        await HubApp.PostAsync<CaseDto>(worker, $"/api/cases/{c.Id}/resolve", new ResolveCaseRequest("fixed", "Shelf lowered for Mrs A"));
        await HubApp.PostAsync<CaseDto>(family, $"/api/cases/{c.Id}/rating", new RateRequest(5, "Thank you from her son"));
        await HubApp.PostAsync<ServiceDto>(worker, "/api/services", new RecordServiceRequest(world.ResidentA, "bathing", Note: "Bath at home"));

        var export = (await admin.GetFromJsonAsync<SmartCommunity.Hub.Privacy.ResidentExport>($"/api/residents/{world.ResidentA}/export", Ct))!;
        Assert.Equal("Mother cannot reach the top shelf", Assert.Single(export.Cases!).Description);
        Assert.Equal("bathing", Assert.Single(export.Services!).Kind);

        var erased = await admin.DeleteAsync($"/api/residents/{world.ResidentA}/data", Ct);
        var result = (await erased.Content.ReadFromJsonAsync<SmartCommunity.Hub.Privacy.ErasureResult>(Ct))!;
        Assert.Equal((1, 1), (result.CasesAnonymised, result.ServicesDeleted));
        var kept = (await admin.GetFromJsonAsync<CaseDto>($"/api/cases/{c.Id}", Ct))!;
        Assert.Equal((null, "", null, null, false, "family", 5, "fixed", world.HouseholdA),
            (kept.ResidentId, kept.Description, kept.ResolutionNote, kept.RatingComment, kept.HasPhoto, kept.OpenedBy, kept.Rating, kept.Outcome, kept.HouseholdId));
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync($"/api/cases/{c.Id}/photo", Ct)).StatusCode);
        Assert.Empty((await admin.GetFromJsonAsync<List<ServiceDto>>("/api/services", Ct))!);
        time.Advance(TimeSpan.FromMinutes(1));   // the KPI period ends now, exclusive
        var csv = await admin.GetStringAsync($"/api/reports/monthly/{world.CommunityId}/2026-11.csv", Ct);
        Assert.Contains("cases_opened,,1,", csv, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CasePhoto_LargerThanTheHubsJsonLimit_AcceptedUpToThePhotoLimitThenAProblem()
    {
        // Defaults: the hub refuses request bodies over 1 MiB; a case photo may be up to 2 MiB.
        var (hub, _, world) = await StartAsync();
        await using var __ = hub;
        using var family = await hub.ClientAsync(World.FamilyA);
        var c = await HubApp.PostAsync<CaseDto>(family, "/api/cases", new OpenCaseRequest("repair", "Cracked window", HouseholdId: world.HouseholdA));
        static ByteArrayContent Jpeg(int length)
        {
            var bytes = new byte[length];
            bytes[0] = 0xFF; bytes[1] = 0xD8; bytes[2] = 0xFF;
            var content = new ByteArrayContent(bytes);
            content.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
            return content;
        }

        var large = await family.PutAsync($"/api/cases/{c.Id}/photo", Jpeg(1536 * 1024), Ct);
        var tooLarge = await family.PutAsync($"/api/cases/{c.Id}/photo", Jpeg(2 * 1024 * 1024 + 1), Ct);

        Assert.Equal((HttpStatusCode.NoContent, HttpStatusCode.RequestEntityTooLarge), (large.StatusCode, tooLarge.StatusCode));
        Assert.Equal("application/problem+json", tooLarge.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Services_WorkerRecordsMealFamilyRatesIt_ServiceRateScorecardsAndReportShowIt_AlongsideAlertFeedback()
    {
        var (hub, time, world) = await StartAsync();
        await using var __ = hub;
        using var worker = await hub.ClientAsync(World.WorkerA);
        using var workerB = await hub.ClientAsync(World.WorkerB);
        using var family = await hub.ClientAsync(World.FamilyA);
        using var staff = await hub.ClientAsync(World.Staff);
        var rateUrl = $"/api/services/rate?communityId={world.CommunityId}&month=2026-11";
        Assert.Equal((1, 0), ((await staff.GetFromJsonAsync<ServiceRateDto>(rateUrl, Ct))!.Required, (await staff.GetFromJsonAsync<ServiceRateDto>(rateUrl, Ct))!.Served));

        Assert.Equal(HttpStatusCode.NotFound, (await workerB.PostAsJsonAsync("/api/services", new RecordServiceRequest(world.ResidentA, "meal"), Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await family.PostAsJsonAsync("/api/services", new RecordServiceRequest(world.ResidentA, "meal"), Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await worker.PostAsJsonAsync("/api/services", new RecordServiceRequest(world.ResidentA, "massage"), Ct)).StatusCode);
        var meal = await HubApp.PostAsync<ServiceDto>(worker, "/api/services", new RecordServiceRequest(world.ResidentA, "meal", Note: "Lunch delivered"));
        Assert.Equal("Worker A", meal.By);   // by display name, as on alerts and cases
        var rate = (await staff.GetFromJsonAsync<ServiceRateDto>(rateUrl, Ct))!;
        Assert.Equal((1, 1, 1.0), (rate.Required, rate.Served, rate.Rate));
        Assert.Single((await family.GetFromJsonAsync<List<ServiceDto>>($"/api/services?residentId={world.ResidentA}", Ct))!);
        (await family.PostAsJsonAsync($"/api/services/{meal.Id}/rating", new RateRequest(5, "Hot and on time"), Ct)).EnsureSuccessStatusCode();

        // A resolved alert's family feedback counts in the same scorecards.
        var alert = await hub.Services.GetRequiredService<AlertService>().RaiseAsync(
            new AlertSignal("sos-sat", AlertKind.Sos, Severity.Critical, "SOS", time.GetUtcNow()),
            new AlertPlace(world.ResidentA, world.HouseholdA, world.GridA, world.CommunityId), Ct);
        (await worker.PostAsJsonAsync($"/api/alerts/{alert.Id}/resolve", new ResolveRequest("real", null), Ct)).EnsureSuccessStatusCode();
        (await family.PostAsJsonAsync($"/api/alerts/{alert.Id}/feedback", new FeedbackRequest(1, "Nobody called me"), Ct)).EnsureSuccessStatusCode();

        var cards = (await staff.GetFromJsonAsync<ScorecardsDto>($"/api/satisfaction/scorecards?communityId={world.CommunityId}&month=2026-11", Ct))!;
        Assert.Equal((2, 3.0, 1, 1), (cards.Community.Ratings, cards.Community.Average, cards.Community.Good, cards.Community.Bad));
        Assert.Equal(world.GridA.ToString(System.Globalization.CultureInfo.InvariantCulture), Assert.Single(cards.Grids).Key);
        Assert.Equal(HttpStatusCode.Forbidden, (await worker.GetAsync($"/api/satisfaction/scorecards?communityId={world.CommunityId}", Ct)).StatusCode);

        time.Advance(TimeSpan.FromMinutes(1));   // the KPI period ends now, exclusive
        using var admin = await hub.AdminAsync();
        var csv = await admin.GetStringAsync($"/api/reports/monthly/{world.CommunityId}/2026-11.csv", Ct);
        Assert.Contains("service_rate,community,1,", csv, StringComparison.Ordinal);
        Assert.Contains($"service_rate,grid {world.GridA},1,", csv, StringComparison.Ordinal);
        Assert.Contains($"satisfaction_by_grid,grid {world.GridA},3,", csv, StringComparison.Ordinal);
        var kpi = (await admin.GetFromJsonAsync<System.Text.Json.JsonElement>($"/api/reports/kpi?communityId={world.CommunityId}", Ct));
        Assert.Equal(1, kpi.GetProperty("serviceRate").GetProperty("served").GetInt32());
        Assert.Equal(2, kpi.GetProperty("satisfaction").GetProperty("ratings").GetInt32());
    }
}
