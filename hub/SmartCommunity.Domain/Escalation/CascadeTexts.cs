using System.Collections.Generic;
using SmartCommunity.Domain.Catalog;

namespace SmartCommunity.Domain.Escalation;

/// <summary>
/// What the call cascade says to people outside the board — the SMS (short: one segment where the link allows), the
/// voice call, the acknowledgement page behind the link and the answer to an SMS reply — in every language the
/// product speaks. {kind} is the alert kind's label in the reader's language; names stay as entered.
/// </summary>
public static class CascadeTexts
{
    public const string Sms = "cascade.sms";
    public const string Voice = "cascade.voice";

    public static readonly TextCatalogue Catalogue = TextCatalogue.Of("cascade", new Dictionary<string, string>
    {
        // {0} kind, {1} who, {2} the reply code, {3} the acknowledgement link (empty when the hub has no public address).
        [Sms] = "{0}: {1} needs help. Staff have not answered. Reply {2} if you are handling it: {3}",
        [Voice] = "This is SmartCommunity. {0} for {1}. Staff have not answered yet. Please reply to our text message with the code, or call the community desk.",
        ["cascade.ack.title"] = "SmartCommunity",
        ["cascade.ack.question"] = "{0} for {1}: are you handling it?",
        ["cascade.ack.button"] = "Yes, I am handling it",
        ["cascade.ack.done"] = "Thank you. Staff can see that you are handling it.",
        // {0} who acknowledged.
        ["cascade.ack.already"] = "Already acknowledged by {0}.",
        ["cascade.ack.invalid"] = "This link is not valid or has expired.",
        ["cascade.reply.done"] = "Thank you: {0} for {1} is acknowledged. Staff can see it.",
        ["cascade.reply.already"] = "{0} for {1} was already acknowledged by {2}.",
        ["cascade.reply.unknown"] = "This code does not match an open alert for your number.",
    }, new Dictionary<string, string>
    {
        [Sms] = "{1}{0}求助，工作人员未响应。如您在处理请回复{2}：{3}",
        [Voice] = "这里是智慧社区。{1}发生{0}，工作人员尚未响应。请按短信提示回复确认码，或致电社区值班室。",
        ["cascade.ack.title"] = "智慧社区",
        ["cascade.ack.question"] = "{1}的{0}：您正在处理吗？",
        ["cascade.ack.button"] = "是，我来处理",
        ["cascade.ack.done"] = "谢谢。工作人员已看到您正在处理。",
        ["cascade.ack.already"] = "已由{0}确认。",
        ["cascade.ack.invalid"] = "此链接无效或已过期。",
        ["cascade.reply.done"] = "谢谢：{1}的{0}已确认，工作人员可以看到。",
        ["cascade.reply.already"] = "{1}的{0}已由{2}确认。",
        ["cascade.reply.unknown"] = "此确认码与您号码的未处理告警不符。",
    });

    public static string Format(string? language, string key, params object?[] args) => TextCatalogues.Format(language, key, args);
}
