using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.Time.Testing;
using SmartCommunity.Hub.Escalation;
using SmartCommunity.Hub.People;
using SmartCommunity.Testing;

namespace SmartCommunity.Hub.Tests;

/// <summary>Rosters through the API on the real hub: who is on duty follows the shift's window in Shanghai time on a fake
/// clock, and only staff may create a shift.</summary>
public sealed class RosterTests
{
    // 10:00 on Sunday 29 November 2026 in Shanghai.
    private static readonly DateTimeOffset Morning = new(2026, 11, 29, 2, 0, 0, TimeSpan.Zero);

    private static async Task<(HubApp Hub, FakeTimeProvider Time, World World)> StartAsync(DateTimeOffset start)
    {
        var time = new FakeTimeProvider(start);
        var hub = new HubApp(time: time);
        hub.Start();
        var world = await hub.SeedWorldAsync();
        return (hub, time, world);
    }

    [Fact]
    public async Task RosterShift_CreatedThroughApi_IsOnDutyInsideShanghaiWindowOnlyAndOnlyStaffMayCreate()
    {
        var (hub, time, world) = await StartAsync(Morning);
        await using var _ = hub;
        using var admin = await hub.AdminAsync();
        var users = (await admin.GetFromJsonAsync<List<UserDto>>("/api/users"))!;
        var adminId = users.Single(u => u.Email == HubApp.AdminEmail).Id;
        var staffId = users.Single(u => u.Email == World.Staff).Id;
        // 09:00–17:00 Shanghai is 01:00–09:00 UTC; the clock stands at 10:00 Shanghai. An admin may take the duty officer's desk.
        var shift = new CreateShiftRequest(world.CommunityId, null, adminId, "duty_officer", "09:00", "17:00", null);
        using var worker = await hub.ClientAsync(World.WorkerA);
        using var family = await hub.ClientAsync(World.FamilyA);
        using var staff = await hub.ClientAsync(World.Staff);

        Assert.Equal(HttpStatusCode.Forbidden, (await worker.PostAsJsonAsync("/api/rosters", shift)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await family.PostAsJsonAsync("/api/rosters", shift)).StatusCode);
        Assert.Empty((await admin.GetFromJsonAsync<List<RosterShiftDto>>("/api/rosters"))!);
        var created = await staff.PostAsJsonAsync("/api/rosters", shift);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var dto = (await created.Content.ReadFromJsonAsync<RosterShiftDto>())!;
        Assert.Equal(("duty_officer", "09:00", "17:00", 127), (dto.Role, dto.Start, dto.End, dto.Days));

        async Task<List<string>> DutyOfficersAsync() =>
            (await worker.GetFromJsonAsync<List<OnDutyDto>>($"/api/rosters/on-duty?gridId={world.GridA}"))!
                .Single(l => l.Level == "duty_officer").People.Select(p => p.UserId).ToList();

        Assert.Equal([adminId], await DutyOfficersAsync());
        time.Advance(TimeSpan.FromHours(7).Add(TimeSpan.FromMinutes(-1)));   // 16:59 Shanghai
        Assert.Equal([adminId], await DutyOfficersAsync());
        time.Advance(TimeSpan.FromMinutes(1));                                  // 17:00 Shanghai: the shift has ended
        var after = await DutyOfficersAsync();
        Assert.DoesNotContain(adminId, after);
        // Nobody rostered: the level falls back to the community's emergency staff.
        Assert.Equal([staffId], after);
    }
}
