using System;
using System.Collections.Generic;
using System.Linq;

namespace SmartCommunity.Domain.Escalation;

/// <summary>
/// A stretch of the week in which nobody is on call at one level for one grid: <see cref="Hours"/> whole hours from
/// <see cref="Day"/> at <see cref="StartHour"/> (community local time). A gap that runs past Saturday midnight into
/// Sunday is one gap.
/// </summary>
public sealed record CoverageGap(int GridId, EscalationLevel Level, DayOfWeek Day, int StartHour, int Hours);

/// <summary>
/// Which hours of the week a roster leaves uncovered. An hour counts as covered only when every minute of it is: with a
/// shift starting at 08:30, an alert at 08:10 pages nobody, so "08:00 uncovered" is what the manager must read. Same
/// shift semantics as <see cref="Roster.Covers"/>.
/// </summary>
public static class RosterCoverage
{
    public const int MinutesPerWeek = 7 * 24 * 60;

    /// <summary>Every gap, grid by grid and level by level, in week order (Sunday 00:00 first).</summary>
    public static IReadOnlyList<CoverageGap> Gaps(IEnumerable<RosterShift> shifts, int communityId, IEnumerable<int> gridIds, IEnumerable<EscalationLevel> levels)
    {
        var inCommunity = shifts.Where(s => s.CommunityId == communityId).ToList();
        var levelList = levels.Distinct().OrderBy(l => l).ToList();
        var gaps = new List<CoverageGap>();
        foreach (var grid in gridIds.Distinct().OrderBy(g => g))
        {
            foreach (var level in levelList)
            {
                // A community-wide shift (no grid) covers every grid, as Roster.OnDuty pages it.
                var minutes = Covered(inCommunity.Where(s => s.Role == level && (s.GridId is null || s.GridId == grid)));
                gaps.AddRange(HourGaps(minutes, grid, level).OrderBy(g => g.Day).ThenBy(g => g.StartHour));
            }
        }
        return gaps;
    }

    /// <summary>The minutes of the week (0 = Sunday 00:00) some shift covers.</summary>
    public static bool[] Covered(IEnumerable<RosterShift> shifts)
    {
        var covered = new bool[MinutesPerWeek];
        foreach (var s in shifts)
        {
            var start = s.Start.Hour * 60 + s.Start.Minute;
            var end = s.End.Hour * 60 + s.End.Minute;
            // Equal start and end: round the clock; an end not after the start runs past midnight into the next day.
            var length = start == end ? 24 * 60 : end > start ? end - start : 24 * 60 - start + end;
            for (var day = 0; day < 7; day++)
            {
                if ((s.Days & (WeekDays)(1 << day)) == 0)
                    continue;
                var from = day * 24 * 60 + (start == end ? 0 : start);
                for (var m = 0; m < length; m++)
                    covered[(from + m) % MinutesPerWeek] = true;
            }
        }
        return covered;
    }

    private static IEnumerable<CoverageGap> HourGaps(bool[] minutes, int grid, EscalationLevel level)
    {
        var open = new bool[7 * 24];
        for (var h = 0; h < open.Length; h++)
            open[h] = Enumerable.Range(h * 60, 60).Any(m => !minutes[m]);
        if (open.All(o => o))
        {
            yield return new CoverageGap(grid, level, DayOfWeek.Sunday, 0, open.Length);
            yield break;
        }
        // Start the walk just after a covered hour so a gap across Saturday midnight is not split in two.
        var first = Array.FindIndex(open, o => !o);
        var run = 0;
        var runStart = 0;
        for (var i = 1; i <= open.Length; i++)
        {
            var h = (first + i) % open.Length;
            if (open[h])
            {
                if (run == 0)
                    runStart = h;
                run++;
            }
            else if (run > 0)
            {
                yield return new CoverageGap(grid, level, (DayOfWeek)(runStart / 24), runStart % 24, run);
                run = 0;
            }
        }
    }
}
