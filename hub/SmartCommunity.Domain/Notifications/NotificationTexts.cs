using System;
using System.Collections.Frozen;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using SmartCommunity.Domain.Catalog;

namespace SmartCommunity.Domain.Notifications;

/// <summary>
/// The texts of SMS and voice calls, per language, with named placeholders (<c>{kind}</c>, <c>{who}</c>, <c>{place}</c>,
/// <c>{code}</c>, <c>{desk}</c>). An SMS should fit one segment (160 GSM-7 characters, or 70 UCS-2 ones when any character
/// is outside GSM-7, as every Chinese text is): each segment more is a message more to pay for and, on some networks,
/// arrives out of order. A test renders every SMS template with long, realistic arguments and counts its segments.
/// <c>{code}</c> is the short reply code that acknowledges the alert ("Reply 1234 …").
/// </summary>
public static class NotificationTexts
{
    public const string SmsPage = "sms.page";
    public const string SmsFamilyRaised = "sms.family_raised";
    public const string SmsFamilyResolved = "sms.family_resolved";
    public const string VoicePage = "voice.page";
    public const string VoiceFamilyRaised = "voice.family_raised";

    public static readonly FrozenDictionary<string, string> En = new Dictionary<string, string>
    {
        [SmsPage] = "ALERT {kind}: {who}, {place}. Reply {code} to acknowledge.",
        [SmsFamilyRaised] = "{kind}: {who}. Staff have been called. Reply {code} if you are with them.",
        [SmsFamilyResolved] = "{kind} for {who} was resolved. Details in the app.",
        [VoicePage] = "This is SmartCommunity. {kind} for {who}, at {place}. Please open the app, or reply {code} by SMS, to acknowledge.",
        [VoiceFamilyRaised] = "This is SmartCommunity. {kind} for {who}. Staff have been called. If you are with them, reply {code} by SMS.",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    public static readonly FrozenDictionary<string, string> ZhCn = new Dictionary<string, string>
    {
        [SmsPage] = "告警 {kind}：{who}，{place}。回复 {code} 确认。",
        [SmsFamilyRaised] = "{who}：{kind}。已通知工作人员。如您在老人身边，请回复 {code}。",
        [SmsFamilyResolved] = "{who}的{kind}已处理完毕，详情请见应用。",
        [VoicePage] = "这里是智慧社区。{who}，{place}，{kind}。请打开应用，或回复短信 {code} 确认。",
        [VoiceFamilyRaised] = "这里是智慧社区。{who}：{kind}。已通知工作人员。如您在老人身边，请回复短信 {code}。",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    public static IEnumerable<string> Keys => En.Keys;

    /// <summary>The template of a key in a language (zh-CN for any Chinese tag, English otherwise).</summary>
    public static string Template(string language, string key)
    {
        var texts = CatalogTexts.For(language) == CatalogTexts.ZhCn ? ZhCn : En;
        return texts.TryGetValue(key, out var text) ? text : throw new ArgumentException($"no notification text '{key}'", nameof(key));
    }

    /// <summary>Fills a template's <c>{name}</c> placeholders from <paramref name="args"/>; an unknown placeholder stays as written.</summary>
    public static string Render(string language, string key, IReadOnlyDictionary<string, string> args) => Fill(Template(language, key), args);

    public static string Fill(string template, IReadOnlyDictionary<string, string> args)
    {
        var sb = new StringBuilder(template.Length + 32);
        var i = 0;
        while (i < template.Length)
        {
            var open = template.IndexOf('{', i);
            var close = open < 0 ? -1 : template.IndexOf('}', open + 1);
            if (open < 0 || close < 0)
            {
                sb.Append(template, i, template.Length - i);
                break;
            }
            sb.Append(template, i, open - i);
            var name = template[(open + 1)..close];
            if (args.TryGetValue(name, out var value))
                sb.Append(value);
            else
                sb.Append(template, open, close - open + 1);
            i = close + 1;
        }
        return sb.ToString();
    }

    /// <summary>The 4-digit code an alert's SMS asks to reply with (the cascade's acknowledgement by SMS checks it with the sender's number).</summary>
    public static string ReplyCode(long alertId) => (1000 + alertId % 9000).ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>SMS segments a text needs (3GPP TS 23.038): GSM-7 160 per single message, 153 when concatenated (extension
    /// characters count twice); UCS-2 70, 67 when concatenated (characters outside the BMP count twice).</summary>
    public static int SmsSegments(string text)
    {
        if (text.Length == 0)
            return 1;
        var septets = 0;
        foreach (var c in text)
        {
            if (GsmBasic.Contains(c))
                septets++;
            else if (GsmExtension.Contains(c))
                septets += 2;
            else
                return Segments(text.Length, 70, 67);
        }
        return Segments(septets, 160, 153);
    }

    private static int Segments(int units, int single, int multi) => units <= single ? 1 : (units + multi - 1) / multi;

    private const string GsmBasicChars =
        "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";

    private static readonly FrozenSet<char> GsmBasic = GsmBasicChars.ToFrozenSet();
    private static readonly FrozenSet<char> GsmExtension = "^{}\\[~]|€\f".ToFrozenSet();
}
