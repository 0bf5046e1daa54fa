using System;
using System.Collections.Generic;
using System.Linq;

namespace SmartCommunity.Domain.Escalation;

/// <summary>
/// One on-call shift: a person, a role, a place (a grid, or the whole community) and a daily window in the
/// community's local time. A window whose end is not after its start runs past midnight (22:00–06:00);
/// equal start and end mean round the clock. <see cref="Days"/> are the days the shift <em>starts</em> on.
/// </summary>
public sealed class RosterShift
{
    public int Id { get; set; }
    public int CommunityId { get; set; }
    /// <summary>Null for community-wide roles (duty officer, emergency centre).</summary>
    public int? GridId { get; set; }
    public required string UserId { get; set; }
    public EscalationLevel Role { get; set; }
    public TimeOnly Start { get; set; }
    public TimeOnly End { get; set; }
    public WeekDays Days { get; set; } = WeekDays.All;
}

[Flags]
public enum WeekDays
{
    None = 0,
    Sunday = 1,
    Monday = 2,
    Tuesday = 4,
    Wednesday = 8,
    Thursday = 16,
    Friday = 32,
    Saturday = 64,
    All = 127,
}

public static class Roster
{
    /// <summary>Communities run on China Standard Time (UTC+8, no daylight saving).</summary>
    public static readonly TimeZoneInfo DefaultZone = Zone("Asia/Shanghai");

    public static TimeZoneInfo Zone(string? id)
    {
        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(string.IsNullOrWhiteSpace(id) ? "Asia/Shanghai" : id);
        }
        catch (TimeZoneNotFoundException)
        {
            // Hosts without tzdata (minimal containers): China has had no DST since 1991, so a fixed offset is exact.
            return TimeZoneInfo.CreateCustomTimeZone("UTC+8", TimeSpan.FromHours(8), "UTC+8", "UTC+8");
        }
    }

    public static bool Covers(RosterShift shift, DateTimeOffset now, TimeZoneInfo zone)
    {
        var local = TimeZoneInfo.ConvertTime(now, zone);
        var time = TimeOnly.FromTimeSpan(local.TimeOfDay);
        var today = Day(local.DayOfWeek);
        var yesterday = Day(local.AddDays(-1).DayOfWeek);
        if (shift.Start == shift.End)
            return (shift.Days & today) != 0;
        if (shift.Start < shift.End)
            return (shift.Days & today) != 0 && time >= shift.Start && time < shift.End;
        // Runs past midnight: the evening part belongs to today's shift, the early-morning part to yesterday's.
        return ((shift.Days & today) != 0 && time >= shift.Start) || ((shift.Days & yesterday) != 0 && time < shift.End);
    }

    public static IEnumerable<RosterShift> OnDuty(IEnumerable<RosterShift> shifts, EscalationLevel role, int communityId, int? gridId, DateTimeOffset now, TimeZoneInfo zone) =>
        shifts.Where(s => s.Role == role && s.CommunityId == communityId && (s.GridId is null || s.GridId == gridId) && Covers(s, now, zone));

    private static WeekDays Day(DayOfWeek d) => (WeekDays)(1 << (int)d);
}
