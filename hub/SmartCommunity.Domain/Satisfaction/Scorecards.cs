using System;
using System.Collections.Generic;
using System.Linq;
using SmartCommunity.Domain.Alerts;
using SmartCommunity.Domain.Cases;
using SmartCommunity.Domain.Services;

namespace SmartCommunity.Domain.Satisfaction;

/// <summary>One rating (好差评) of something handled: an alert, a case or a service, with where and by whom.</summary>
public sealed record Rating(string Subject, long SubjectId, int? GridId, string? Worker, int Stars, DateTimeOffset At)
{
    public static Rating? Of(Alert a) => a.FeedbackRating is { } s && a.FeedbackAt is { } at
        ? new("alert", a.Id, a.GridId, a.AssignedTo ?? a.ResolvedBy, s, at) : null;

    public static Rating? Of(Case c) => c.Rating is { } s && c.RatedAt is { } at
        ? new("case", c.Id, c.GridId, c.Handler, s, at) : null;

    public static Rating? Of(ServiceRecord r) => r.Rating is { } s && r.RatedAt is { } at
        ? new("service", r.Id, r.GridId, r.Deliverer, s, at) : null;
}

/// <summary>A grid's or a worker's ratings: how many, the average, and the 好评 (4–5) and 差评 (1–2) counts.</summary>
public sealed record Scorecard(string Key, int Ratings, double Average, int Good, int Bad)
{
    public double GoodShare => Ratings == 0 ? 0 : (double)Good / Ratings;
}

public static class Scorecards
{
    public const int GoodFrom = 4;
    public const int BadUpTo = 2;

    /// <summary>Per grid, by grid id; ratings of no grid (a community-wide case) are left out.</summary>
    public static IReadOnlyList<Scorecard> ByGrid(IEnumerable<Rating> ratings) =>
        Group(ratings.Where(r => r.GridId is not null), r => r.GridId!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture), byKey: g => g.Min(r => r.GridId!.Value));

    /// <summary>Per worker, worst average first (whom to talk to); ratings of nobody in particular are left out.</summary>
    public static IReadOnlyList<Scorecard> ByWorker(IEnumerable<Rating> ratings) =>
        Group(ratings.Where(r => r.Worker is not null), r => r.Worker!, byKey: null);

    public static Scorecard Total(string key, IEnumerable<Rating> ratings)
    {
        var list = ratings.ToList();
        return Card(key, list);
    }

    private static List<Scorecard> Group(IEnumerable<Rating> ratings, Func<Rating, string> key, Func<IGrouping<string, Rating>, int>? byKey)
    {
        var groups = ratings.GroupBy(key, StringComparer.Ordinal);
        var cards = groups.Select(g => (Card: Card(g.Key, g.ToList()), Order: byKey?.Invoke(g) ?? 0));
        return byKey is not null
            ? cards.OrderBy(c => c.Order).Select(c => c.Card).ToList()
            : cards.Select(c => c.Card).OrderBy(c => c.Average).ThenBy(c => c.Key, StringComparer.Ordinal).ToList();
    }

    private static Scorecard Card(string key, List<Rating> list) =>
        new(key, list.Count, list.Count == 0 ? 0 : list.Average(r => r.Stars), list.Count(r => r.Stars >= GoodFrom), list.Count(r => r.Stars <= BadUpTo));
}
