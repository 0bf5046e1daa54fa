using System;
using System.Collections.Generic;
using System.Linq;
using SmartCommunity.Domain.Catalog;
using SmartCommunity.Domain.Reports;

namespace SmartCommunity.Domain.Cases;

public sealed record CaseCategoryRow(string Category, int Opened, int Resolved, int ResolvedOnTime);

/// <summary>The 接诉即办 figures for cases opened in a period: how many, how many resolved and how many of those within
/// their category's target, and the median times to respond (taken by someone) and to resolve.</summary>
public sealed record CaseKpi(int Opened, int Resolved, int RespondedOnTime, int ResolvedOnTime, double? ShareResolvedOnTime,
    TimeSpan? MedianTimeToRespond, TimeSpan? MedianTimeToResolve, int Escalated, IReadOnlyList<CaseCategoryRow> ByCategory)
{
    public static CaseKpi Compute(IEnumerable<Case> cases, DateTimeOffset from, DateTimeOffset to)
    {
        var opened = cases.Where(c => c.OpenedAt >= from && c.OpenedAt < to).ToList();
        var resolved = opened.Where(c => c.ResolvedAt is not null).ToList();
        var respond = opened.Where(c => c.AssignedAt is not null).Select(c => c.AssignedAt!.Value - c.OpenedAt).OrderBy(t => t).ToList();
        var resolve = resolved.Select(c => c.ResolvedAt!.Value - c.OpenedAt).OrderBy(t => t).ToList();
        var onTime = resolved.Count(c => c.ResolvedOnTime);
        var byCategory = opened.GroupBy(c => c.Category).OrderBy(g => g.Key)
            .Select(g => new CaseCategoryRow(WireName.Of(g.Key), g.Count(), g.Count(c => c.ResolvedAt is not null), g.Count(c => c.ResolvedOnTime))).ToList();
        return new CaseKpi(opened.Count, resolved.Count, opened.Count(c => c.RespondedOnTime), onTime,
            resolved.Count == 0 ? null : (double)onTime / resolved.Count,
            Kpi.Percentile(respond, 0.5), Kpi.Percentile(resolve, 0.5), opened.Count(c => c.Escalations > 0), byCategory);
    }
}
