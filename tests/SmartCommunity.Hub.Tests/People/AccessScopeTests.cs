using SmartCommunity.Domain.Escalation;
using SmartCommunity.Domain.Visits;
using SmartCommunity.Hub.People;

namespace SmartCommunity.Hub.Tests;

/// <summary>The responders' rule as AccessScope writes it once: per role, per place, and its query forms agreeing with it.
/// Community 1 has grids 10 and 11; community 2 has grid 20.</summary>
public sealed class AccessScopeTests
{
    private static readonly AccessScope Admin = new("a", "admin", true, [], [], [], true);
    private static readonly AccessScope Staff1 = new("s", "staff", false, [1], [], [], false);
    private static readonly AccessScope GridWorker10 = new("g", "grid", false, [], [10], [], false);
    private static readonly AccessScope Family = new("f", "family", false, [], [], [7], false) { HouseholdIds = [3] };
    private static readonly AccessScope Technician = new("t", "tech", false, [], [], [], true);

    private static readonly (int Community, int? Grid)[] Places = [(1, null), (1, 10), (1, 11), (2, null), (2, 20)];

    public static TheoryData<string> Scopes => ["admin", "staff", "grid worker", "family", "technician"];

    private static AccessScope Scope(string name) => name switch
    {
        "admin" => Admin,
        "staff" => Staff1,
        "grid worker" => GridWorker10,
        "family" => Family,
        _ => Technician,
    };

    [Fact]
    public void CanHandle_ByRole_AdminsEverywhereStaffTheirCommunityGridWorkersTheirGrid()
    {
        Assert.All(Places, p => Assert.True(Admin.CanHandle(p.Community, p.Grid)));
        Assert.Equal([true, true, true, false, false], Places.Select(p => Staff1.CanHandle(p.Community, p.Grid)));
        Assert.Equal([false, true, false, false, false], Places.Select(p => GridWorker10.CanHandle(p.Community, p.Grid)));
        Assert.All(Places, p => Assert.False(Family.CanHandle(p.Community, p.Grid)));
        Assert.All(Places, p => Assert.False(Technician.CanHandle(p.Community, p.Grid)));
    }

    [Fact]
    public void CanHandleCommunity_OnlyItsStaffAndAdmins()
    {
        Assert.Equal((true, true, false), (Admin.CanHandleCommunity(2), Staff1.CanHandleCommunity(1), Staff1.CanHandleCommunity(2)));
        Assert.False(GridWorker10.CanHandleCommunity(1));
        Assert.False(Family.CanHandleCommunity(1));
    }

    [Fact]
    public void CanHandleSomewhereIn_GridWorkerOfOneOfItsGrids_Yes()
    {
        Assert.True(GridWorker10.CanHandleSomewhereIn(1, [10, 11]));
        Assert.False(GridWorker10.CanHandleSomewhereIn(2, [20]));
        Assert.True(Staff1.CanHandleSomewhereIn(1, []));
        Assert.False(Technician.CanHandleSomewhereIn(1, [10, 11]));
    }

    [Theory]
    [MemberData(nameof(Scopes))]
    public void Filter_VisitsAndShifts_SameAnswerAsCanHandle(string name)
    {
        var scope = Scope(name);
        var visits = Places.Where(p => p.Grid is not null)
            .Select((p, i) => new Visit { Id = i, CommunityId = p.Community, GridId = p.Grid!.Value, By = "x", Source = "api" }).ToList();
        var shifts = Places.Select((p, i) => new RosterShift { Id = i, CommunityId = p.Community, GridId = p.Grid, UserId = "u" }).ToList();

        Assert.Equal(visits.Where(v => scope.CanHandle(v.CommunityId, v.GridId)).Select(v => v.Id), scope.Filter(visits.AsQueryable()).Select(v => v.Id));
        Assert.Equal(shifts.Where(s => scope.CanHandle(s.CommunityId, s.GridId)).Select(s => s.Id), scope.Filter(shifts.AsQueryable()).Select(s => s.Id));
    }
}
