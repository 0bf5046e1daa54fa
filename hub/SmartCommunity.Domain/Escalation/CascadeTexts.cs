using System;
using System.Collections.Frozen;
using System.Collections.Generic;
using SmartCommunity.Domain.Catalog;

namespace SmartCommunity.Domain.Escalation;

/// <summary>
/// What the call cascade says to people outside the board — the SMS (short: one segment where the link allows), the
/// voice call, the acknowledgement page behind the link and the reply to an SMS code — in every language the product
/// speaks. Named placeholders: {kind} the alert kind's label, {who} the resident, {code} the reply code, {link} the
/// acknowledgement link, {by} who acknowledged, {centre} an emergency number.
/// </summary>
public static class CascadeTexts
{
    public static readonly FrozenDictionary<string, string> En = new Dictionary<string, string>
    {
        ["cascade.sms"] = "{kind}: {who} needs help. Staff have not answered. Reply {code} if you are handling it: {link}",
        ["cascade.voice"] = "This is SmartCommunity. {kind} for {who}. Staff have not answered yet. Please reply to our text message with the code, or call the community desk.",
        ["ack.title"] = "SmartCommunity",
        ["ack.question"] = "{kind} for {who}: are you handling it?",
        ["ack.button"] = "Yes, I am handling it",
        ["ack.done"] = "Thank you. Staff can see that you are handling it.",
        ["ack.already"] = "Already acknowledged by {by}.",
        ["ack.invalid"] = "This link is not valid or has expired.",
        ["reply.done"] = "Thank you: {kind} for {who} is acknowledged. Staff can see it.",
        ["reply.already"] = "{kind} for {who} was already acknowledged by {by}.",
        ["reply.unknown"] = "This code does not match an open alert for your number.",
        ["handoff.note"] = "Handed to the emergency centre {centre}",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    public static readonly FrozenDictionary<string, string> ZhCn = new Dictionary<string, string>
    {
        ["cascade.sms"] = "{who}{kind}求助，工作人员未响应。如您在处理请回复{code}：{link}",
        ["cascade.voice"] = "这里是智慧社区。{who}发生{kind}，工作人员尚未响应。请按短信提示回复确认码，或致电社区值班室。",
        ["ack.title"] = "智慧社区",
        ["ack.question"] = "{who}的{kind}：您正在处理吗？",
        ["ack.button"] = "是，我来处理",
        ["ack.done"] = "谢谢。工作人员已看到您正在处理。",
        ["ack.already"] = "已由{by}确认。",
        ["ack.invalid"] = "此链接无效或已过期。",
        ["reply.done"] = "谢谢：{who}的{kind}已确认，工作人员可以看到。",
        ["reply.already"] = "{who}的{kind}已由{by}确认。",
        ["reply.unknown"] = "此确认码与您号码的未处理告警不符。",
        ["handoff.note"] = "已转交急救/报警中心 {centre}",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    public static FrozenDictionary<string, string> For(string? language) =>
        CatalogTexts.For(language ?? CatalogTexts.English) == CatalogTexts.ZhCn ? ZhCn : En;

    /// <summary>The text for <paramref name="key"/> with its named placeholders filled.</summary>
    public static string Format(string? language, string key, IReadOnlyDictionary<string, string> args)
    {
        var text = For(language)[key];
        foreach (var (name, value) in args)
            text = text.Replace("{" + name + "}", value, StringComparison.Ordinal);
        return text;
    }

    /// <summary>The language's own name for the page's lang attribute.</summary>
    public static string LanguageTag(string? language) =>
        CatalogTexts.For(language ?? CatalogTexts.English) == CatalogTexts.ZhCn ? CatalogTexts.Chinese : CatalogTexts.English;
}
