using System;
using System.Collections.Frozen;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.Json;

namespace SmartCommunity.Domain.Catalog;

/// <summary>
/// One table of texts: key → text, in every language the product speaks (composite format, invariant numbers:
/// <c>{0:0.0}</c>). Each catalogue is listed in <see cref="TextCatalogues.All"/>, where lookups and the key-walking test
/// find it.
/// </summary>
public sealed record TextCatalogue(string Name, FrozenDictionary<string, string> En, FrozenDictionary<string, string> ZhCn)
{
    public FrozenDictionary<string, string> For(string language) => TextCatalogues.IsChinese(language) ? ZhCn : En;

    public static TextCatalogue Of(string name, Dictionary<string, string> en, Dictionary<string, string> zhCn) =>
        new(name, en.ToFrozenDictionary(StringComparer.Ordinal), zhCn.ToFrozenDictionary(StringComparer.Ordinal));
}

/// <summary>
/// Every text a person reads that the hub produces comes from one of these catalogues, in the reader's language.
/// Keys are unique across catalogues (a test checks), so a stored key needs no catalogue name beside it.
/// </summary>
public static class TextCatalogues
{
    public const string English = "en";
    public const string Chinese = "zh-CN";

    public static readonly IReadOnlyList<string> Languages = [English, Chinese];

    /// <summary>Every catalogue: add a new one here (the key-walking test also finds catalogues left out).</summary>
    public static readonly IReadOnlyList<TextCatalogue> All =
    [
        CatalogTexts.Catalogue,
        Alerts.AlertTexts.Catalogue,
        Notifications.PushTexts.Catalogue,
        Reports.ReportTexts.Catalogue,
        Escalation.CascadeTexts.Catalogue,
        Onboarding.OnboardingTexts.Catalogue,
        Cases.CaseTexts.Catalogue,
        Devices.DeviceConfigTexts.Catalogue,
        ProblemTexts.Catalogue,
    ];

    private static readonly FrozenDictionary<string, string> AllEn = Merge(c => c.En);
    private static readonly FrozenDictionary<string, string> AllZhCn = Merge(c => c.ZhCn);

    private static FrozenDictionary<string, string> Merge(Func<TextCatalogue, FrozenDictionary<string, string>> pick)
    {
        var merged = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var c in All)
            foreach (var (k, v) in pick(c))
                merged.TryAdd(k, v);
        return merged.ToFrozenDictionary(StringComparer.Ordinal);
    }

    public static bool IsChinese(string? language) => language is not null && language.StartsWith("zh", StringComparison.OrdinalIgnoreCase);

    /// <summary>The supported language closest to a tag ("zh-TW" → zh-CN, "fr" → en).</summary>
    public static string Normalize(string? language) => IsChinese(language) ? Chinese : English;

    /// <summary>Every key's text in <paramref name="language"/>.</summary>
    public static FrozenDictionary<string, string> For(string? language) => IsChinese(language) ? AllZhCn : AllEn;

    /// <summary>The text of <paramref name="key"/> in <paramref name="language"/> (English when missing, the key when unknown),
    /// formatted with invariant numbers; <see cref="LocalizedText"/> arguments are rendered in the same language first.</summary>
    public static string Format(string? language, string key, IReadOnlyList<object?> args)
    {
        var template = For(language).GetValueOrDefault(key) ?? AllEn.GetValueOrDefault(key) ?? key;
        if (args.Count == 0)
            return template;
        var resolved = args.Select(a => a is LocalizedText t ? t.Render(language) : a).ToArray();
        try
        {
            return string.Format(CultureInfo.InvariantCulture, template, resolved);
        }
        catch (FormatException)
        {
            // Stored arguments that no longer fit the template (an edited text): the text without them beats no message.
            return template;
        }
    }
}

/// <summary>
/// A text as a key and its arguments, rendered per reader. Arguments are numbers (formatted by the template, invariant),
/// strings inserted as they are (proper names, times already formatted as digits) or texts themselves (a measurement's
/// label, "weekdays"), rendered in the same language. Stored as the key and <see cref="ArgsJson"/>.
/// </summary>
public sealed record LocalizedText(string Key, IReadOnlyList<object?> Args)
{
    public static LocalizedText Of(string key, params object?[] args) => new(key, args);

    public string Render(string? language) => TextCatalogues.Format(language, Key, Args);

    /// <summary>The English text: what older rows and logs carry.</summary>
    public string English => Render(TextCatalogues.English);

    public override string ToString() => English;

    // Value equality over the arguments too (a record compares the list by reference): findings and signals compare by what they say.
    public bool Equals(LocalizedText? other) =>
        other is not null && Key == other.Key && Args.Count == other.Args.Count && Args.Zip(other.Args).All(p => Equals(p.First, p.Second));

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(Key, StringComparer.Ordinal);
        foreach (var a in Args)
            hash.Add(a);
        return hash.ToHashCode();
    }

    public string ArgsJson => SerializeArgs(Args);

    /// <summary>A time of day as an argument: digits read the same in every language.</summary>
    public static string Clock(DateTimeOffset at) => at.ToString("HH:mm", CultureInfo.InvariantCulture);

    /// <summary>A time of day in the community's zone (what the reader's clock on the wall says, not UTC).</summary>
    public static string Clock(DateTimeOffset at, TimeZoneInfo zone) => Clock(TimeZoneInfo.ConvertTime(at, zone));

    public static string SerializeArgs(IReadOnlyList<object?> args) => JsonSerializer.Serialize(Plain(args));

    private static List<object?> Plain(IReadOnlyList<object?> args) => args.Select(a => a switch
    {
        null => (object?)null,
        LocalizedText t => new Dictionary<string, object> { ["key"] = t.Key, ["args"] = Plain(t.Args) },
        string s => s,
        IConvertible c when a is not bool => c.ToDouble(CultureInfo.InvariantCulture),
        _ => Convert.ToString(a, CultureInfo.InvariantCulture),
    }).ToList();

    /// <summary>Reads stored arguments back: numbers as doubles, strings, <c>{"key": …, "args": […]}</c> as nested texts.
    /// Arguments that cannot be read render as empty rather than losing the message.</summary>
    public static IReadOnlyList<object?> ParseArgs(string? json)
    {
        if (string.IsNullOrEmpty(json))
            return [];
        try
        {
            using var doc = JsonDocument.Parse(json);
            return doc.RootElement.ValueKind == JsonValueKind.Array ? Read(doc.RootElement) : [];
        }
        catch (JsonException)
        {
            return [];
        }
    }

    private static List<object?> Read(JsonElement array) => array.EnumerateArray().Select(e => e.ValueKind switch
    {
        JsonValueKind.Number => (object?)e.GetDouble(),
        JsonValueKind.String => e.GetString(),
        JsonValueKind.Object when e.TryGetProperty("key", out var k) && k.ValueKind == JsonValueKind.String =>
            new LocalizedText(k.GetString()!, e.TryGetProperty("args", out var a) && a.ValueKind == JsonValueKind.Array ? Read(a) : []),
        _ => null,
    }).ToList();
}
