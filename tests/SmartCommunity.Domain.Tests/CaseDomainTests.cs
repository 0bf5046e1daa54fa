using SmartCommunity.Domain.Alerts;
using SmartCommunity.Domain.Cases;
using SmartCommunity.Domain.Escalation;
using SmartCommunity.Domain.Satisfaction;
using SmartCommunity.Domain.Services;
using SmartCommunity.Domain.Visits;

namespace SmartCommunity.Domain.Tests;

/// <summary>Cases (接诉即办), services for residents in special difficulty and 好差评 scorecards: the pure rules.</summary>
public sealed class CaseDomainTests
{
    private static readonly DateTimeOffset T = new(2026, 11, 29, 2, 0, 0, TimeSpan.Zero);
    private static readonly TimeZoneInfo Shanghai = Roster.Zone("Asia/Shanghai");

    private static Case Open(CaseCategory category = CaseCategory.Repair, DateTimeOffset? at = null, int? gridId = 10) =>
        Case.Open(category, CaseChannel.DeskPhone, 1, gridId, 100, 1000, "Stairwell light broken", "desk", at ?? T);

    [Fact]
    public void Case_ClosedLoop_OpenAssignOnSiteResolveRate_RecordsEachStepOnce()
    {
        var c = Open();

        c.Assign("desk", "worker", T.AddHours(1));
        c.ArriveOnSite("worker", T.AddHours(2));
        c.Resolve("worker", CaseOutcome.Fixed, " bulb replaced ", T.AddHours(3));
        c.Rate("family", 5, null, T.AddHours(4));

        Assert.Equal((CaseStatus.Resolved, "worker", T.AddHours(1), T.AddHours(2), T.AddHours(3), CaseOutcome.Fixed, "bulb replaced", 5),
            (c.Status, c.AssignedTo, c.AssignedAt, c.OnSiteAt, c.ResolvedAt, c.Outcome, c.ResolutionNote, c.Rating));
        Assert.Equal(4, c.Version);
        Assert.True(c.RespondedOnTime && c.ResolvedOnTime);
    }

    [Fact]
    public void Case_ErasePersonalData_DropsResidentAndFreeTextKeepsWhatTheReportCounts()
    {
        var c = Case.Open(CaseCategory.CareNeed, CaseChannel.Family, 1, 10, 100, 1000, "Mother cannot reach the shelf", "son@example.org", T);
        c.AttachPhoto("image/jpeg");
        c.Resolve("worker", CaseOutcome.Fixed, "Shelf lowered", T.AddHours(2));
        c.Rate("son@example.org", 4, "Thanks", T.AddHours(3));

        c.ErasePersonalData(["son@example.org"]);

        Assert.Equal((null, "", null, null, null, "family", "family"), (c.ResidentId, c.Description, c.ResolutionNote, c.RatingComment, c.PhotoContentType, c.OpenedBy, c.RatedBy));
        Assert.Equal((100, CaseOutcome.Fixed, 4, "worker", true), (c.HouseholdId, c.Outcome, c.Rating, c.ResolvedBy, c.ResolvedOnTime));
    }

    [Fact]
    public void Case_IllegalTransitions_AreRefused()
    {
        var c = Open();
        Assert.Throws<CaseTransitionException>(() => c.ArriveOnSite("worker", T));
        Assert.Throws<CaseTransitionException>(() => c.Rate("family", 4, null, T));
        c.Resolve("desk", CaseOutcome.NoActionNeeded, null, T.AddMinutes(5));
        Assert.Throws<CaseTransitionException>(() => c.Assign("desk", "worker", T));
        Assert.Throws<CaseTransitionException>(() => c.Resolve("desk", CaseOutcome.Fixed, null, T));
        c.Rate("family", 2, "slow", T.AddHours(1));
        Assert.Throws<CaseTransitionException>(() => c.Rate("family", 5, null, T.AddHours(2)));
        Assert.Throws<ArgumentOutOfRangeException>(() => Open().Rate("family", 6, null, T));
    }

    [Fact]
    public void Case_ResolvedWithoutAssignment_CountsTheResolverAsResponder()
    {
        var c = Open();
        c.Resolve("desk", CaseOutcome.NoActionNeeded, "answered on the phone", T.AddMinutes(10));
        Assert.Equal(("desk", T.AddMinutes(10)), (c.AssignedTo, c.AssignedAt));
    }

    [Theory]
    [InlineData(CaseCategory.SafetyHazard, 1, 24)]
    [InlineData(CaseCategory.CareNeed, 4, 72)]
    [InlineData(CaseCategory.Repair, 24, 72)]
    [InlineData(CaseCategory.Complaint, 24, 168)]
    [InlineData(CaseCategory.Other, 24, 168)]
    public void CaseTargets_EveryCategory_RespondsWithin24Hours(CaseCategory category, int respondHours, int resolveHours)
    {
        var c = Open(category);
        Assert.Equal((T.AddHours(respondHours), T.AddHours(resolveHours)), (c.RespondBy, c.ResolveBy));
        Assert.True(respondHours <= 24);
    }

    [Fact]
    public void CaseEscalation_NotTakenInTime_ThenNotResolvedInTime_EscalatesEachStepOnce()
    {
        var c = Open(CaseCategory.SafetyHazard);

        Assert.Null(CaseEscalation.Due(c, T.AddMinutes(59)));
        Assert.Equal(CaseEscalationStep.ResponseOverdue, CaseEscalation.Due(c, T.AddHours(1)));
        Assert.True(c.RecordEscalation((int)CaseEscalationStep.ResponseOverdue, T.AddHours(1)));
        Assert.False(c.RecordEscalation((int)CaseEscalationStep.ResponseOverdue, T.AddHours(1)));
        Assert.Null(CaseEscalation.Due(c, T.AddHours(2)));

        c.Assign("staff", "worker", T.AddHours(2));
        Assert.Null(CaseEscalation.Due(c, T.AddHours(23)));
        Assert.Equal(CaseEscalationStep.ResolutionOverdue, CaseEscalation.Due(c, T.AddHours(24)));
        Assert.True(c.RecordEscalation((int)CaseEscalationStep.ResolutionOverdue, T.AddHours(24)));
        Assert.Null(CaseEscalation.Due(c, T.AddHours(48)));
        Assert.Equal(2, c.Escalations);
    }

    [Fact]
    public void CaseEscalation_TakenInTime_OnlyResolutionCanEscalate_AndResolvedNever()
    {
        var c = Open(CaseCategory.CareNeed);
        c.Assign("staff", "worker", T.AddHours(1));
        Assert.Null(CaseEscalation.Due(c, T.AddHours(10)));
        Assert.Equal(T.AddHours(72), CaseEscalation.NextDueAt(c));
        c.Resolve("worker", CaseOutcome.Referred, null, T.AddHours(80));
        Assert.Null(CaseEscalation.Due(c, T.AddHours(100)));
        Assert.False(c.RecordEscalation(2, T.AddHours(100)));
        Assert.False(c.ResolvedOnTime);
    }

    [Fact]
    public void CaseKpi_MixedCases_CountsOnTimeSharesMediansAndCategories()
    {
        var fast = Open(CaseCategory.Repair);
        fast.Assign("d", "w", T.AddHours(1));
        fast.Resolve("w", CaseOutcome.Fixed, null, T.AddHours(5));
        var late = Open(CaseCategory.SafetyHazard, T.AddHours(1));
        late.Assign("d", "w", T.AddHours(3));                                  // 2 h: response target (1 h) missed
        late.RecordEscalation(1, T.AddHours(2));
        late.Resolve("w", CaseOutcome.Fixed, null, T.AddHours(31));            // 30 h: resolution target (24 h) missed
        var open = Open(CaseCategory.Repair, T.AddHours(2));
        var outside = Open(CaseCategory.Repair, T.AddDays(40));

        var kpi = CaseKpi.Compute([fast, late, open, outside], T, T.AddDays(30));

        Assert.Equal((3, 2, 1, 1, 0.5, 1), (kpi.Opened, kpi.Resolved, kpi.RespondedOnTime, kpi.ResolvedOnTime, kpi.ShareResolvedOnTime, kpi.Escalated));
        Assert.Equal(TimeSpan.FromHours(1), kpi.MedianTimeToRespond);
        Assert.Equal(TimeSpan.FromHours(5), kpi.MedianTimeToResolve);   // nearest rank of 5 h and 30 h
        Assert.Equal([new CaseCategoryRow("safety_hazard", 1, 1, 0), new CaseCategoryRow("repair", 2, 1, 1)], kpi.ByCategory);
    }

    [Fact]
    public void ServiceRate_ServiceAtUtcMonthEndIsNextMonthInShanghai_CountsForNextMonth()
    {
        var residents = new List<ResidentToVisit> { new(1, "A", 10, 1), new(2, "B", 10, 1), new(3, "C", 11, 1) };
        ServiceRecord S(int resident, DateTimeOffset at) => new() { ResidentId = resident, GridId = 10, CommunityId = 1, Kind = ServiceKind.Meal, At = at, By = "w" };
        var services = new[]
        {
            S(1, new DateTimeOffset(2026, 11, 10, 0, 0, 0, TimeSpan.Zero)),
            S(1, new DateTimeOffset(2026, 11, 12, 0, 0, 0, TimeSpan.Zero)),    // a second service does not count twice
            S(2, new DateTimeOffset(2026, 11, 30, 17, 0, 0, TimeSpan.Zero)),   // 1 December 01:00 in Shanghai
        };

        var november = ServiceRate.ByGrid(residents, services, new LocalMonth(2026, 11), Shanghai);
        var december = ServiceRate.Total(residents, services, new LocalMonth(2026, 12), Shanghai);

        Assert.Equal([new ServiceRateRow(10, 2, 1), new ServiceRateRow(11, 1, 0)], november);
        Assert.Equal(0.5, november[0].Rate);
        Assert.Equal((3, 1), (december.Required, december.Served));
        Assert.Equal(1, ServiceRate.Total([], services, new LocalMonth(2026, 11), Shanghai).Rate);
    }

    [Fact]
    public void Scorecards_RatingsOfAlertsCasesAndServices_GroupByGridAndWorkerWorstFirst()
    {
        var ratings = new List<Rating>
        {
            new("alert", 1, 10, "ann", 5, T), new("case", 2, 10, "ann", 4, T), new("service", 3, 11, "bob", 1, T),
            new("case", 4, 11, "bob", 3, T), new("case", 5, null, "carl", 2, T), new("case", 6, 11, null, 5, T),
        };

        var grids = Scorecards.ByGrid(ratings);
        var workers = Scorecards.ByWorker(ratings);
        var total = Scorecards.Total("community", ratings);

        Assert.Equal([new Scorecard("10", 2, 4.5, 2, 0), new Scorecard("11", 3, 3, 1, 1)], grids);
        Assert.Equal(["bob", "carl", "ann"], workers.Select(w => w.Key));
        Assert.Equal(new Scorecard("carl", 1, 2, 0, 1), workers[1]);
        Assert.Equal((6, 3, 2), (total.Ratings, total.Good, total.Bad));
        Assert.Equal(0.5, total.GoodShare);
    }

    [Fact]
    public void Rating_OfAlertCaseAndService_TakesTheHandler()
    {
        var c = Open();
        c.Assign("desk", "worker", T);
        c.Resolve("worker", CaseOutcome.Fixed, null, T.AddHours(1));
        Assert.Null(Rating.Of(c));
        c.Rate("family", 4, null, T.AddHours(2));
        Assert.Equal(new Rating("case", c.Id, 10, "worker", 4, T.AddHours(2)), Rating.Of(c));

        var service = new ServiceRecord { ResidentId = 1, GridId = 10, CommunityId = 1, Kind = ServiceKind.Bathing, At = T, By = "desk", Provider = "Sunshine Care", Rating = 3, RatedAt = T };
        Assert.Equal("Sunshine Care", Rating.Of(service)!.Worker);

        var alert = Alert.Raise(new AlertSignal("sos-1", AlertKind.Sos, Severity.Critical, "SOS", T), new AlertPlace(1, 1, 10, 1), T);
        alert.Dispatch("staff", "worker", T.AddSeconds(30));
        alert.Resolve("worker", AlertOutcome.Real, null, T.AddMinutes(5));
        alert.GiveFeedback("family", 5, null, T.AddMinutes(10));
        Assert.Equal(new Rating("alert", alert.Id, 10, "worker", 5, T.AddMinutes(10)), Rating.Of(alert));
    }
}
