using Microsoft.EntityFrameworkCore;
using SmartCommunity.Domain.Catalog;
using SmartCommunity.Hub.People;
using SmartCommunity.Hub.Persistence;

namespace SmartCommunity.Hub.Localization;

/// <summary>
/// The language a reader gets the hub's texts in: their profile's (<see cref="HubUser.Language"/>), else the board's
/// choice (<c>?lang=</c>, which the dashboard sends on the SignalR connection, where a browser cannot set headers), else
/// the request's Accept-Language, else English. Always one of <see cref="TextCatalogues.Languages"/>.
/// </summary>
public static class ReaderLanguage
{
    public static string Of(HttpContext? http, AccessScope scope) => Of(http, scope.Language);

    public static string Of(HttpContext? http, string? profileLanguage)
    {
        if (Supported(profileLanguage) is { } profile)
            return profile;
        if (http is null)
            return TextCatalogues.English;
        if (Supported(http.Request.Query["lang"].ToString()) is { } chosen)
            return chosen;
        var accepted = http.Request.GetTypedHeaders().AcceptLanguage
            .OrderByDescending(l => l.Quality ?? 1)
            .Select(l => Supported(l.Value.ToString()))
            .FirstOrDefault(l => l is not null);
        return accepted ?? TextCatalogues.English;
    }

    /// <summary>The supported language a tag means, or null for none ("zh-TW" → zh-CN: better served than by English).</summary>
    public static string? Supported(string? tag)
    {
        if (string.IsNullOrWhiteSpace(tag))
            return null;
        if (tag.StartsWith("zh", StringComparison.OrdinalIgnoreCase))
            return TextCatalogues.Chinese;
        return tag.StartsWith("en", StringComparison.OrdinalIgnoreCase) ? TextCatalogues.English : null;
    }
}

/// <summary>The profile languages of people the hub writes to without a request of theirs (pages, pushes).</summary>
public sealed class UserLanguages(IDbContextFactory<HubDbContext> dbFactory)
{
    public async Task<Dictionary<string, string>> OfAsync(IReadOnlyCollection<string> userIds, CancellationToken ct)
    {
        if (userIds.Count == 0)
            return [];
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var rows = await db.Users.AsNoTracking().Where(u => userIds.Contains(u.Id)).Select(u => new { u.Id, u.Language }).ToListAsync(ct);
        var languages = rows.ToDictionary(r => r.Id, r => ReaderLanguage.Of(null, r.Language), StringComparer.Ordinal);
        foreach (var id in userIds)
            languages.TryAdd(id, TextCatalogues.English);
        return languages;
    }
}
