using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using SmartCommunity.Domain.Alerts;
using SmartCommunity.Domain.Escalation;
using SmartCommunity.Hub.Alerts;
using SmartCommunity.Hub.Escalation;
using SmartCommunity.Hub.People;
using SmartCommunity.Hub.Persistence;
using SmartCommunity.Hub.Places;
using SmartCommunity.Testing;

namespace SmartCommunity.Hub.Tests;

/// <summary>
/// A page and a dispatch carry residents' names and addresses, so they go to staff of that place only: rosters and
/// dispatch refuse anyone else with the reason, and paging skips a roster row that no longer fits (saved before a role
/// change, or written around the API).
/// </summary>
public sealed class PagingScopeTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<(HubApp Hub, World World, Dictionary<string, string> Ids, int OtherCommunity)> StartAsync(FakeTimeProvider? time = null)
    {
        var hub = new HubApp(time: time);
        hub.Start();
        var world = await hub.SeedWorldAsync();
        using var admin = await hub.AdminAsync();
        var other = await HubApp.PostAsync<CommunityDto>(admin, "/api/communities", new CreateCommunityRequest("Other Community", null));
        await HubApp.PostAsync<UserDto>(admin, "/api/users", new CreateUserRequest("other.staff@test.local", HubApp.Password, "Other Staff", Roles.EmergencyStaff, other.Id, null, null, null));
        var users = (await admin.GetFromJsonAsync<List<UserDto>>("/api/users", Ct))!;
        return (hub, world, users.ToDictionary(u => u.Email, u => u.Id), other.Id);
    }

    [Fact]
    public async Task RosterShift_FamilyTechnicianOtherGridOrOtherCommunity_RefusedWithTheReason()
    {
        var (hub, world, ids, _) = await StartAsync();
        await using var _ = hub;
        using var staff = await hub.ClientAsync(World.Staff);

        async Task<HttpResponseMessage> RosterAsync(string email, string role, int? grid) =>
            await staff.PostAsJsonAsync("/api/rosters", new CreateShiftRequest(world.CommunityId, grid, ids[email], role, "00:00", "00:00", null), Ct);

        var refused = new[]
        {
            (World.FamilyA, "grid_worker", (int?)world.GridA),          // a family member: would receive other residents' pages
            (World.FamilyB, "duty_officer", null),
            (World.Technician, "duty_officer", null),
            (World.WorkerB, "grid_worker", world.GridA),                // another grid's worker
            (World.WorkerA, "duty_officer", null),                      // a grid worker is not the community's desk
            ("other.staff@test.local", "duty_officer", null),           // another community's staff
            ("other.staff@test.local", "emergency_centre", null),
        };
        foreach (var (email, role, grid) in refused)
        {
            using var response = await RosterAsync(email, role, grid);
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{email} as {role}: {(int)response.StatusCode}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            var problem = (await response.Content.ReadFromJsonAsync<HttpValidationProblemDetails>(Ct))!;
            Assert.Contains("only", Assert.Single(problem.Errors["userId"]), StringComparison.Ordinal);
        }
        using (var worker = await RosterAsync(World.WorkerA, "grid_worker", world.GridA))
            Assert.Equal(HttpStatusCode.Created, worker.StatusCode);
        using (var desk = await RosterAsync(World.Staff, "duty_officer", null))
            Assert.Equal(HttpStatusCode.Created, desk.StatusCode);
        using (var admin = await RosterAsync(HubApp.AdminEmail, "emergency_centre", null))
            Assert.Equal(HttpStatusCode.Created, admin.StatusCode);
        Assert.Equal(3, (await staff.GetFromJsonAsync<List<RosterShiftDto>>("/api/rosters", Ct))!.Count);
    }

    [Fact]
    public async Task Dispatch_AnotherFamilysAccountOrNonStaff_RefusedWithTheReasonAndAlertUnchanged()
    {
        var (hub, world, _, _) = await StartAsync();
        await using var _ = hub;
        var alert = await hub.Services.GetRequiredService<AlertService>().RaiseAsync(
            new AlertSignal("sos-dispatch", AlertKind.Sos, Severity.Critical, "SOS", DateTimeOffset.UtcNow),
            new AlertPlace(world.ResidentA, world.HouseholdA, world.GridA, world.CommunityId), Ct);
        using var staff = await hub.ClientAsync(World.Staff);

        foreach (var assignee in new[] { World.FamilyB, World.FamilyA, World.Technician, World.WorkerB, "other.staff@test.local" })
        {
            using var response = await staff.PostAsJsonAsync($"/api/alerts/{alert.Id}/dispatch", new DispatchRequest(assignee), Ct);
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{assignee}: {(int)response.StatusCode}");
            var problem = (await response.Content.ReadFromJsonAsync<HttpValidationProblemDetails>(Ct))!;
            Assert.Contains("only staff who handle this alert", Assert.Single(problem.Errors["assignee"]), StringComparison.Ordinal);
        }
        var unchanged = (await staff.GetFromJsonAsync<AlertDto>($"/api/alerts/{alert.Id}", Ct))!;
        Assert.Equal(("raised", null), (unchanged.Status, unchanged.AssignedTo));

        using var ok = await staff.PostAsJsonAsync($"/api/alerts/{alert.Id}/dispatch", new DispatchRequest(World.WorkerA), Ct);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal("Worker A", (await ok.Content.ReadFromJsonAsync<AlertDto>(Ct))!.AssignedTo);
    }

    [Fact]
    public async Task Page_FamilyMemberRosteredInTheDatabase_SkippedAndLoggedGridWorkerPagedInstead()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 29, 2, 0, 0, TimeSpan.Zero));
        var (hub, world, ids, _) = await StartAsync(time);
        await using var _ = hub;
        // A round-the-clock grid-worker shift for family A, as a roster saved before a role change or written around the API.
        await using (var db = await hub.Services.GetRequiredService<IDbContextFactory<HubDbContext>>().CreateDbContextAsync(Ct))
        {
            db.RosterShifts.Add(new RosterShift
            {
                CommunityId = world.CommunityId, GridId = world.GridA, UserId = ids[World.FamilyA], Role = EscalationLevel.GridWorker,
                Start = new TimeOnly(0, 0), End = new TimeOnly(0, 0),
            });
            await db.SaveChangesAsync(Ct);
        }
        var familyEvents = new ConcurrentQueue<string>();
        var acknowledged = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var family = await hub.SignalRAsync(World.FamilyA);
        family.On<PageDto>("Paged", p => familyEvents.Enqueue($"paged {p.Alert.Id}"));
        family.On<AlertDto>("AlertUpdated", a =>
        {
            familyEvents.Enqueue($"updated {a.Id} {a.Status}");
            if (a.Status == "acknowledged")
                acknowledged.TrySetResult(true);
        });
        await family.StartSubscribedAsync();
        var workerPaged = new TaskCompletionSource<PageDto>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var worker = await hub.SignalRAsync(World.WorkerA);
        worker.On<PageDto>("Paged", p => workerPaged.TrySetResult(p));
        await worker.StartSubscribedAsync();

        using var staff = await hub.ClientAsync(World.Staff);
        var onDuty = (await staff.GetFromJsonAsync<List<OnDutyDto>>($"/api/rosters/on-duty?gridId={world.GridA}", Ct))!;
        Assert.Equal([ids[World.WorkerA]], onDuty.Single(l => l.Level == "grid_worker").People.Select(p => p.UserId));

        var alert = await hub.Services.GetRequiredService<AlertService>().RaiseAsync(
            new AlertSignal("sos-roster", AlertKind.Sos, Severity.Critical, "SOS", time.GetUtcNow()),
            new AlertPlace(world.ResidentA, world.HouseholdA, world.GridA, world.CommunityId), Ct);
        var page = await Eventually.ReceiveAsync(workerPaged, what: "worker A's page");
        Assert.Equal((alert.Id, "grid_worker"), (page.Alert.Id, page.Level));
        // The family's connection gets the acknowledgement after anything sent to it before: a page would be in front of it.
        (await staff.PostAsJsonAsync($"/api/alerts/{alert.Id}/ack", new AcknowledgeRequest(null), Ct)).EnsureSuccessStatusCode();
        await Eventually.ReceiveAsync(acknowledged, what: "the family's view of the acknowledgement");

        Assert.DoesNotContain(familyEvents, e => e.StartsWith("paged", StringComparison.Ordinal));
        var timeline = (await staff.GetFromJsonAsync<List<AlertEventDto>>($"/api/alerts/{alert.Id}/timeline", Ct))!;
        Assert.Equal("grid_worker: Worker A", Assert.Single(timeline, e => e.Type == "paged").Detail);
    }
}
