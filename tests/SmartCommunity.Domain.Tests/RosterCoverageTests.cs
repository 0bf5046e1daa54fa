using SmartCommunity.Domain.Escalation;

namespace SmartCommunity.Domain.Tests;

public sealed class RosterCoverageTests
{
    private static readonly EscalationLevel[] Worker = [EscalationLevel.GridWorker];

    private static RosterShift Shift(int? grid, string start, string end, WeekDays days = WeekDays.All, EscalationLevel role = EscalationLevel.GridWorker, int community = 1) =>
        new() { CommunityId = community, GridId = grid, UserId = "u", Role = role, Start = TimeOnly.Parse(start), End = TimeOnly.Parse(end), Days = days };

    [Fact]
    public void Gaps_EmptyRoster_TheWholeWeekPerGridAndLevel()
    {
        var gaps = RosterCoverage.Gaps([], 1, [10, 11], [EscalationLevel.GridWorker, EscalationLevel.DutyOfficer]);

        Assert.Equal(4, gaps.Count);
        Assert.All(gaps, g => Assert.Equal((DayOfWeek.Sunday, 0, 168), (g.Day, g.StartHour, g.Hours)));
        Assert.Equal([(10, EscalationLevel.GridWorker), (10, EscalationLevel.DutyOfficer), (11, EscalationLevel.GridWorker), (11, EscalationLevel.DutyOfficer)],
            gaps.Select(g => (g.GridId, g.Level)));
    }

    [Fact]
    public void Gaps_DayAndOvernightShifts_CoverTheWeek_NoGaps()
    {
        var gaps = RosterCoverage.Gaps([Shift(10, "08:00", "20:00"), Shift(10, "20:00", "08:00")], 1, [10], Worker);

        Assert.Empty(gaps);
    }

    [Fact]
    public void Gaps_DayShiftOnly_OneOvernightGapPerNight_AcrossSaturdayMidnightToo()
    {
        var gaps = RosterCoverage.Gaps([Shift(10, "08:00", "20:00")], 1, [10], Worker);

        Assert.Equal(7, gaps.Count);
        // Saturday 20:00 → Sunday 08:00 is one gap of 12 hours, not two.
        Assert.Contains(new CoverageGap(10, EscalationLevel.GridWorker, DayOfWeek.Saturday, 20, 12), gaps);
        Assert.Contains(new CoverageGap(10, EscalationLevel.GridWorker, DayOfWeek.Monday, 20, 12), gaps);
        Assert.DoesNotContain(gaps, g => g.Day == DayOfWeek.Sunday && g.StartHour == 0);
    }

    [Fact]
    public void Gaps_ShiftStartingHalfPast_TheHourItStartsInIsAGap()
    {
        var gaps = RosterCoverage.Gaps([Shift(10, "08:30", "08:00")], 1, [10], Worker);

        // 08:00–08:30 every day is uncovered: hour 8 each day, the rest of the clock covered.
        Assert.Equal(7, gaps.Count);
        Assert.All(gaps, g => Assert.Equal((8, 1), (g.StartHour, g.Hours)));
    }

    [Fact]
    public void Gaps_OvernightShiftOnFridayOnly_CoversSaturdayMorning()
    {
        var gaps = RosterCoverage.Gaps([Shift(10, "00:00", "00:00", WeekDays.All & ~WeekDays.Saturday), Shift(10, "22:00", "09:00", WeekDays.Friday)], 1, [10], Worker);

        // Saturday 00:00–09:00 comes from Friday's night shift; Saturday 09:00 to midnight is open.
        Assert.Equal([new CoverageGap(10, EscalationLevel.GridWorker, DayOfWeek.Saturday, 9, 15)], gaps);
    }

    [Fact]
    public void Gaps_CommunityWideDutyOfficer_CoversEveryGrid_OtherGridsShiftsDoNot()
    {
        RosterShift[] shifts = [Shift(null, "00:00", "00:00", role: EscalationLevel.DutyOfficer), Shift(10, "00:00", "00:00"), Shift(10, "00:00", "00:00", community: 2)];

        var gaps = RosterCoverage.Gaps(shifts, 1, [10, 11], [EscalationLevel.GridWorker, EscalationLevel.DutyOfficer]);

        Assert.Equal([new CoverageGap(11, EscalationLevel.GridWorker, DayOfWeek.Sunday, 0, 168)], gaps);
    }

    [Fact]
    public void Gaps_WeekdaysOnly_WeekendIsOneGap()
    {
        var weekdays = WeekDays.Monday | WeekDays.Tuesday | WeekDays.Wednesday | WeekDays.Thursday | WeekDays.Friday;

        var gaps = RosterCoverage.Gaps([Shift(10, "00:00", "00:00", weekdays)], 1, [10], Worker);

        Assert.Equal([new CoverageGap(10, EscalationLevel.GridWorker, DayOfWeek.Saturday, 0, 48)], gaps);
    }
}
