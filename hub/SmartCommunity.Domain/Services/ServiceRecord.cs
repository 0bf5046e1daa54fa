using System;
using System.Collections.Generic;
using System.Linq;
using SmartCommunity.Domain.Visits;

namespace SmartCommunity.Domain.Services;

public enum ServiceKind { Meal, Bathing, Cleaning, MedicalEscort, Companionship, Other }

/// <summary>A service delivered to a resident in special difficulty by a worker or an outside provider, with the family's rating.</summary>
public sealed class ServiceRecord
{
    public long Id { get; set; }
    public int ResidentId { get; set; }
    public int GridId { get; set; }
    public int CommunityId { get; set; }
    public ServiceKind Kind { get; set; }
    public DateTimeOffset At { get; set; }
    /// <summary>The user who recorded it (the worker, or the desk for a provider).</summary>
    public required string By { get; set; }
    /// <summary>An outside provider's name, when not delivered by the recording worker.</summary>
    public string? Provider { get; set; }
    public string? Note { get; set; }
    public int? Rating { get; set; }
    public string? RatingComment { get; set; }
    public string? RatedBy { get; set; }
    public DateTimeOffset? RatedAt { get; set; }

    /// <summary>Who delivered it, for the scorecards: the provider when named, else the recording worker.</summary>
    public string Deliverer => Provider ?? By;
}

public sealed record ServiceRateRow(int? GridId, int Required, int Served)
{
    public double Rate => Required == 0 ? 1 : (double)Served / Required;
}

/// <summary>The monthly service rule, like visit coverage: every special-difficulty resident gets at least one service per
/// local calendar month.</summary>
public static class ServiceRate
{
    public static IReadOnlyList<ServiceRateRow> ByGrid(IReadOnlyList<ResidentToVisit> residents, IEnumerable<ServiceRecord> services, LocalMonth month, TimeZoneInfo zone)
    {
        var served = Served(services, month, zone);
        return residents.GroupBy(r => r.GridId).OrderBy(g => g.Key)
            .Select(g => new ServiceRateRow(g.Key, g.Count(), g.Count(r => served.Contains(r.ResidentId)))).ToList();
    }

    public static ServiceRateRow Total(IReadOnlyList<ResidentToVisit> residents, IEnumerable<ServiceRecord> services, LocalMonth month, TimeZoneInfo zone)
    {
        var served = Served(services, month, zone);
        return new ServiceRateRow(null, residents.Count, residents.Count(r => served.Contains(r.ResidentId)));
    }

    private static HashSet<int> Served(IEnumerable<ServiceRecord> services, LocalMonth month, TimeZoneInfo zone) =>
        services.Where(s => month.Contains(s.At, zone)).Select(s => s.ResidentId).ToHashSet();
}
