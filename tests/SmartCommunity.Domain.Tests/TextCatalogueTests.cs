using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using SmartCommunity.Domain.Alerts;
using SmartCommunity.Domain.Catalog;
using SmartCommunity.Domain.Devices;
using SmartCommunity.Testing;

namespace SmartCommunity.Domain.Tests;

/// <summary>
/// Every text the hub renders for a person, walked key by key in both languages: the same keys, the same placeholders,
/// no empty text, Chinese that is Chinese (CJK, and no English left over beyond units and abbreviations), and every key
/// the code names present.
/// </summary>
public sealed partial class TextCatalogueTests
{
    /// <summary>Latin tokens a Chinese text may keep: units, abbreviations, and the percentile "p90".</summary>
    public static readonly IReadOnlySet<string> AllowedLatin = new HashSet<string>(StringComparer.Ordinal) { "ppm", "UTC", "KPI", "p90" };

    [Fact]
    public void TextCatalogues_EveryCatalogueDeclaredInTheDomain_IsListed()
    {
        var declared = typeof(TextCatalogue).Assembly.GetTypes()
            .SelectMany(t => t.GetFields(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static))
            .Where(f => f.FieldType == typeof(TextCatalogue))
            .Select(f => (TextCatalogue)f.GetValue(null)!)
            .ToList();
        Assert.NotEmpty(declared);
        foreach (var catalogue in declared)
            Assert.True(TextCatalogues.All.Contains(catalogue), $"catalogue {catalogue.Name} is not in TextCatalogues.All: its keys would render as keys");
    }

    [Fact]
    public void TextCatalogues_Keys_AreUniqueAcrossCatalogues()
    {
        var duplicates = TextCatalogues.All.SelectMany(c => c.En.Keys.Select(k => (Key: k, c.Name))).GroupBy(x => x.Key).Where(g => g.Count() > 1)
            .Select(g => $"{g.Key} in {string.Join(", ", g.Select(x => x.Name))}").ToList();
        Assert.True(duplicates.Count == 0, string.Join("\n", duplicates));
    }

    public static TheoryData<string> Catalogues() => [.. TextCatalogues.All.Select(c => c.Name)];

    [Theory]
    [MemberData(nameof(Catalogues))]
    public void Catalogue_EveryKeyInBothLanguages_SameKeysPlaceholdersAndChineseText(string name)
    {
        var catalogue = TextCatalogues.All.Single(c => c.Name == name);
        Assert.Equal(catalogue.En.Keys.Order(StringComparer.Ordinal), catalogue.ZhCn.Keys.Order(StringComparer.Ordinal));
        var failures = new List<string>();
        foreach (var (key, en) in catalogue.En)
        {
            var zh = catalogue.ZhCn[key];
            if (string.IsNullOrWhiteSpace(en) || string.IsNullOrWhiteSpace(zh))
                failures.Add($"{key}: empty text");
            if (!Placeholders(en).SetEquals(Placeholders(zh)))
                failures.Add($"{key}: placeholders differ ({string.Join(" ", Placeholders(en))} / {string.Join(" ", Placeholders(zh))})");
            failures.AddRange(ChineseProblems(zh).Select(p => $"{key}: {p} in \"{zh}\""));
            // Renders with arguments of every placeholder, in both languages (a broken format string throws in string.Format).
            object?[] args = [.. Enumerable.Repeat<object?>(1.5, Placeholders(en).Select(p => p.Index + 1).DefaultIfEmpty(0).Max())];
            foreach (var language in TextCatalogues.Languages)
            {
                var rendered = TextCatalogues.Format(language, key, args);
                if (rendered.Contains('{', StringComparison.Ordinal))
                    failures.Add($"{key} ({language}): left a placeholder in \"{rendered}\"");
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public void ChineseProblems_EnglishLeftInAChineseText_AreFound()
    {
        // The check itself must be able to fail.
        Assert.Contains(ChineseProblems("Heating failure likely: 15.1 °C"), p => p.Contains("no CJK", StringComparison.Ordinal));
        Assert.Contains(ChineseProblems("疑似供暖故障 falling"), p => p.Contains("falling", StringComparison.Ordinal));
        Assert.Empty(ChineseProblems("燃气浓度 {0:0} ppm（报警值 {1:0} ppm）"));
    }

    /// <summary>Every key the code names as a literal (in the hub's projects) exists in the catalogues.</summary>
    [Fact]
    public void SourceCode_EveryLiteralTextKey_IsInTheCatalogues()
    {
        var root = RepoPaths.Root;
        var known = TextCatalogues.For(TextCatalogues.English);
        var missing = new List<string>();
        var seen = 0;
        foreach (var file in Directory.EnumerateFiles(Path.Combine(root, "hub"), "*.cs", SearchOption.AllDirectories)
                     .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal) && !f.Contains("Migrations", StringComparison.Ordinal)))
        {
            foreach (Match m in KeyLiteral().Matches(File.ReadAllText(file)))
            {
                seen++;
                if (!known.ContainsKey(m.Groups[1].Value))
                    missing.Add($"{Path.GetRelativePath(root, file)}: {m.Groups[1].Value}");
            }
        }
        Assert.True(seen > 50, $"only {seen} key literals found: is the pattern still right?");
        Assert.True(missing.Count == 0, string.Join("\n", missing));
    }

    [Fact]
    public void AlertMessage_StoredAsKeyAndArguments_RendersInEachLanguageAfterTheRoundTrip()
    {
        var at = new DateTimeOffset(2026, 12, 7, 3, 0, 0, TimeSpan.Zero);
        var signal = Supervision.Check("sos-1", DeviceKind.Sos, at.AddHours(-3), alreadyReported: false, at)!.Value;
        var alert = Alert.Raise(signal, new AlertPlace(1, 1, 1, 1), at);

        Assert.Equal("supervision.offline", alert.MessageKey);
        Assert.Equal(signal.Message, alert.MessageIn("en"));
        Assert.StartsWith("No heartbeat for 3 h", alert.MessageIn("en"), StringComparison.Ordinal);
        var zh = alert.MessageIn("zh-CN");
        Assert.StartsWith("已 3 小时未收到心跳", zh, StringComparison.Ordinal);
        Assert.Empty(ChineseProblems(zh));
        Assert.Equal("设备离线", alert.TitleIn("zh-CN"));
    }

    [Fact]
    public void Format_NumbersInAChineseCulture_StayInvariant()
    {
        var before = CultureInfo.CurrentCulture;
        try
        {
            // A decimal comma culture must not turn 14.3 into 14,3.
            CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo("de-DE");
            Assert.Equal("温度 14.3 °C，低于安全范围 16–30 °C", TextCatalogues.Format("zh-CN", "rule.temperature_low", [14.3, 16.0, 16.0, 30.0]));
        }
        finally
        {
            CultureInfo.CurrentCulture = before;
        }
    }

    /// <summary>What makes a text not Chinese: no CJK at all (unless it is only placeholders and punctuation), or a Latin
    /// word outside <see cref="AllowedLatin"/>.</summary>
    public static List<string> ChineseProblems(string text)
    {
        var problems = new List<string>();
        var bare = Placeholder().Replace(text, " ").Replace("°C", " ", StringComparison.Ordinal);
        if (!Han().IsMatch(bare) && bare.Any(char.IsLetter))
            problems.Add("no CJK");
        foreach (Match word in LatinWord().Matches(bare))
        {
            if (!AllowedLatin.Contains(word.Value))
                problems.Add($"English \"{word.Value}\"");
        }
        return problems;
    }

    private static HashSet<(int Index, string Format)> Placeholders(string text) =>
        [.. Placeholder().Matches(text).Select(m => (int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), m.Groups[2].Value))];

    [GeneratedRegex(@"\{(\d+)(?::([^}]*))?\}")]
    private static partial Regex Placeholder();

    [GeneratedRegex(@"\p{IsCJKUnifiedIdeographs}")]
    private static partial Regex Han();

    [GeneratedRegex(@"[A-Za-z][A-Za-z0-9]*")]
    private static partial Regex LatinWord();

    // "push." only for its own sections: push.example.org is a host name, not a key.
    [GeneratedRegex(@"""((?:supervision|early|report|severity|unit|weekday|rule|alert_kind|device_kind|measurement)\.[a-z0-9_]+(?:\.[a-z0-9_]+)*|push\.(?:family|page)\.[a-z0-9_]+|push\.app_name)""")]
    private static partial Regex KeyLiteral();
}
