using System.Text.RegularExpressions;
using SmartCommunity.Domain.Alerts;
using SmartCommunity.Domain.Catalog;
using SmartCommunity.Domain.Notifications;

namespace SmartCommunity.Domain.Tests;

public sealed partial class NotificationTextsTests
{
    [Fact]
    public void Templates_EveryKey_ExistsInEveryLanguageWithTheSamePlaceholders()
    {
        Assert.Equal(NotificationTexts.En.Keys.Order(), NotificationTexts.ZhCn.Keys.Order());
        foreach (var key in NotificationTexts.Keys)
        {
            Assert.Equal(Placeholders(NotificationTexts.En[key]), Placeholders(NotificationTexts.ZhCn[key]));
            Assert.DoesNotMatch(Latin(), StripPlaceholders(NotificationTexts.ZhCn[key]));
        }
    }

    /// <summary>Every SMS text, with the longest arguments the product produces (the longest alert-kind label in that
    /// language, a long resident name, a long address), fits one segment: 160 GSM-7 characters in English, 70 UCS-2 in Chinese.</summary>
    [Fact]
    public void SmsTemplates_LongRealisticArguments_FitOneSegment()
    {
        foreach (var language in CatalogTexts.Languages)
        {
            var kinds = Enum.GetValues<AlertKind>().Select(k => CatalogTexts.Format(language, k.Spec().LabelKey)).ToList();
            var longestKind = kinds.OrderByDescending(k => k.Length).First();
            var args = language == CatalogTexts.Chinese
                ? new Dictionary<string, string> { ["kind"] = longestKind, ["who"] = "欧阳淑芬", ["place"] = "12号楼3单元1502", ["code"] = "9999" }
                : new Dictionary<string, string> { ["kind"] = longestKind, ["who"] = "Margaret Whitfield-Jones", ["place"] = "Bldg 12, Entrance 3, Flat 1502", ["code"] = "9999" };
            foreach (var key in NotificationTexts.Keys.Where(k => k.StartsWith("sms.", StringComparison.Ordinal)))
            {
                var text = NotificationTexts.Render(language, key, args);
                Assert.DoesNotContain("{", text, StringComparison.Ordinal);
                Assert.True(NotificationTexts.SmsSegments(text) == 1, $"{language} {key} needs {NotificationTexts.SmsSegments(text)} segments ({text.Length} chars): {text}");
            }
        }
    }

    [Theory]
    [InlineData(160, "a", 1)]
    [InlineData(161, "a", 2)]
    [InlineData(306, "a", 2)]
    [InlineData(307, "a", 3)]
    [InlineData(80, "€", 1)]   // extension characters take two septets
    [InlineData(81, "€", 2)]
    [InlineData(70, "告", 1)]
    [InlineData(71, "告", 2)]
    [InlineData(134, "告", 2)]
    [InlineData(135, "告", 3)]
    public void SmsSegments_GsmAndUcs2Lengths_CountAsTheNetworkDoes(int count, string character, int segments) =>
        Assert.Equal(segments, NotificationTexts.SmsSegments(string.Concat(Enumerable.Repeat(character, count))));

    [Fact]
    public void SmsSegments_OneCharacterOutsideGsm_MakesTheWholeTextUcs2() =>
        Assert.Equal(2, NotificationTexts.SmsSegments(new string('a', 70) + "告"));

    [Fact]
    public void Render_UnknownPlaceholder_StaysAsWritten_ZhTagsGetChinese()
    {
        Assert.Equal("ALERT x: {who}, . Reply 1 to acknowledge.", NotificationTexts.Render("en", NotificationTexts.SmsPage, new Dictionary<string, string> { ["kind"] = "x", ["place"] = "", ["code"] = "1" }));
        Assert.StartsWith("告警", NotificationTexts.Render("zh-Hans-CN", NotificationTexts.SmsPage, new Dictionary<string, string>()), StringComparison.Ordinal);
    }

    private static List<string> Placeholders(string template) => [.. Placeholder().Matches(template).Select(m => m.Value).Order()];

    private static string StripPlaceholders(string template) => Placeholder().Replace(template, "");

    [GeneratedRegex(@"\{[a-z]+\}")]
    private static partial Regex Placeholder();

    // Latin words in a Chinese text (apart from placeholders): an English word left untranslated.
    [GeneratedRegex(@"[A-Za-z]{2,}")]
    private static partial Regex Latin();
}
