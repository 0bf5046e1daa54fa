using System.Text.RegularExpressions;
using SmartCommunity.Domain.Alerts;
using SmartCommunity.Domain.Catalog;
using SmartCommunity.Domain.Notifications;
using SmartCommunity.Gateway.Alerts;

namespace SmartCommunity.Gateway.Tests;

/// <summary>The duty phones' SMS: every text in en and zh-CN, the same placeholders, Chinese without English words, one
/// segment with the longest labels the catalogue has.</summary>
public sealed partial class SmsTextsTests
{
    [Fact]
    public void SmsTexts_EveryKey_InEnAndZhCnWithTheSamePlaceholders()
    {
        Assert.NotEmpty(SmsTexts.En);
        Assert.Equal(SmsTexts.En.Keys.Order(), SmsTexts.ZhCn.Keys.Order());
        foreach (var key in SmsTexts.En.Keys)
        {
            Assert.Equal(Placeholder().Matches(SmsTexts.En[key]).Select(m => m.Value).Order(), Placeholder().Matches(SmsTexts.ZhCn[key]).Select(m => m.Value).Order());
            Assert.DoesNotMatch(Latin(), Placeholder().Replace(SmsTexts.ZhCn[key], ""));
        }
    }

    [Fact]
    public void SmsTexts_LongestLabelsRealisticDevice_OneSegmentInTheReadersLanguage()
    {
        var raised = new DateTimeOffset(2026, 12, 7, 10, 5, 0, TimeSpan.Zero);
        foreach (var language in CatalogTexts.Languages)
        {
            var catalog = CatalogTexts.For(language);
            var longestKind = Enum.GetValues<AlertKind>().Select(k => k.Spec().LabelKey["alert_kind.".Length..]).MaxBy(k => catalog["alert_kind." + k].Length)!;
            var longestDevice = catalog.Keys.Where(k => k.StartsWith("device_kind.", StringComparison.Ordinal)).MaxBy(k => catalog[k].Length)!["device_kind.".Length..];
            var alert = new LocalAlert(Guid.NewGuid().ToString(), "sos-b12-u3-1502", longestKind, 4711, raised, null, null, null);
            var text = SmsTexts.Render(language, alert, longestDevice, TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai"));
            Assert.DoesNotContain("{", text, StringComparison.Ordinal);
            Assert.Contains("12-07 18:05", text, StringComparison.Ordinal);
            Assert.Contains(catalog["alert_kind." + longestKind], text, StringComparison.Ordinal);
            Assert.True(NotificationTexts.SmsSegments(text) == 1, $"{language}: {NotificationTexts.SmsSegments(text)} segments ({text.Length} chars): {text}");
        }
    }

    [GeneratedRegex(@"\{[A-Za-z]+\}")]
    private static partial Regex Placeholder();

    [GeneratedRegex(@"[A-Za-z]{2,}")]
    private static partial Regex Latin();
}
