using System;
using System.Collections.Generic;
using System.Linq;

namespace SmartCommunity.Domain.Visits;

/// <summary>A grid worker's visit to a resident, from the dashboard check-in or a button press on the resident's device.</summary>
public sealed class Visit
{
    public long Id { get; set; }
    public int ResidentId { get; set; }
    public int GridId { get; set; }
    public int CommunityId { get; set; }
    public DateTimeOffset At { get; set; }
    public required string By { get; set; }
    /// <summary>"api" or "device:{id}".</summary>
    public required string Source { get; set; }
    public string? Note { get; set; }
}

/// <summary>A calendar month in a community's local time; its UTC bounds move with the zone (UTC+8: the month starts at 16:00 UTC the day before).</summary>
public readonly record struct LocalMonth(int Year, int Month)
{
    public static LocalMonth Of(DateTimeOffset at, TimeZoneInfo zone)
    {
        var local = TimeZoneInfo.ConvertTime(at, zone);
        return new(local.Year, local.Month);
    }

    public static bool TryParse(string? text, out LocalMonth month)
    {
        month = default;
        if (text is not { Length: 7 } || text[4] != '-' || !int.TryParse(text.AsSpan(0, 4), out var y) || !int.TryParse(text.AsSpan(5, 2), out var m) || m is < 1 or > 12 || y is < 2000 or > 2200)
            return false;
        month = new(y, m);
        return true;
    }

    public DateTimeOffset StartUtc(TimeZoneInfo zone) => ToUtc(new DateTime(Year, Month, 1), zone);
    public DateTimeOffset EndUtc(TimeZoneInfo zone) => Next.StartUtc(zone);
    public LocalMonth Next => Month == 12 ? new(Year + 1, 1) : new(Year, Month + 1);
    public LocalMonth Previous => Month == 1 ? new(Year - 1, 12) : new(Year, Month - 1);
    public bool Contains(DateTimeOffset at, TimeZoneInfo zone) => Of(at, zone) == this;
    public override string ToString() => $"{Year:0000}-{Month:00}";

    private static DateTimeOffset ToUtc(DateTime local, TimeZoneInfo zone) => new(local, zone.GetUtcOffset(local));
}

public sealed record ResidentToVisit(int ResidentId, string Name, int GridId, int CommunityId);

public sealed record VisitCoverageRow(int? GridId, int Required, int Visited)
{
    public double Coverage => Required == 0 ? 1 : (double)Visited / Required;
}

public sealed record OverdueResident(int ResidentId, string Name, int GridId, DateTimeOffset? LastVisit);

/// <summary>The monthly visit rule: every "special difficulty" resident is visited at least once per local calendar month.</summary>
public static class VisitCoverage
{
    public static IReadOnlyList<VisitCoverageRow> ByGrid(IReadOnlyList<ResidentToVisit> residents, IEnumerable<Visit> visits, LocalMonth month, TimeZoneInfo zone)
    {
        var visited = Visited(visits, month, zone);
        return residents.GroupBy(r => r.GridId).OrderBy(g => g.Key)
            .Select(g => new VisitCoverageRow(g.Key, g.Count(), g.Count(r => visited.Contains(r.ResidentId))))
            .ToList();
    }

    public static VisitCoverageRow Total(IReadOnlyList<ResidentToVisit> residents, IEnumerable<Visit> visits, LocalMonth month, TimeZoneInfo zone)
    {
        var visited = Visited(visits, month, zone);
        return new VisitCoverageRow(null, residents.Count, residents.Count(r => visited.Contains(r.ResidentId)));
    }

    /// <summary>Residents not visited yet this month, the longest-unvisited first.</summary>
    public static IReadOnlyList<OverdueResident> Overdue(IReadOnlyList<ResidentToVisit> residents, IReadOnlyList<Visit> visits, LocalMonth month, TimeZoneInfo zone)
    {
        var visited = Visited(visits, month, zone);
        var last = visits.GroupBy(v => v.ResidentId).ToDictionary(g => g.Key, g => g.Max(v => v.At));
        return residents.Where(r => !visited.Contains(r.ResidentId))
            .Select(r => new OverdueResident(r.ResidentId, r.Name, r.GridId, last.TryGetValue(r.ResidentId, out var at) ? at : null))
            .OrderBy(o => o.LastVisit ?? DateTimeOffset.MinValue).ThenBy(o => o.ResidentId)
            .ToList();
    }

    private static HashSet<int> Visited(IEnumerable<Visit> visits, LocalMonth month, TimeZoneInfo zone) =>
        visits.Where(v => month.Contains(v.At, zone)).Select(v => v.ResidentId).ToHashSet();
}
