using System.Collections.Generic;
using SmartCommunity.Domain.Catalog;

namespace SmartCommunity.Domain.Notifications;

/// <summary>
/// Texts of Web Push notifications and webhook events: the family's (raised, pre-alarm, resolved) and the page to
/// on-call staff. {name} arguments are proper names (resident, household) and stay as entered.
/// </summary>
public static class PushTexts
{
    public static readonly TextCatalogue Catalogue = TextCatalogue.Of("push", new Dictionary<string, string>
    {
        ["push.app_name"] = "SmartCommunity",
        // {0} the alert kind's label, {1} the resident (or household), {2} the minutes left to cancel.
        ["push.family.raised"] = "{0}: {1}. Staff have been called. If you are with {1}, tell them in the app.",
        ["push.family.pre_alarm"] = "{0}: {1}? If all is well, cancel it in the app within {2} min; otherwise staff will be called.",
        ["push.family.resolved"] = "{0} for {1} was resolved. How did we do? Rate it in the app.",
        ["push.family.your_relative"] = "your relative",
        // {0} severity, {1} the alert kind's label; {0} who, {1} the alert's message.
        ["push.page.title"] = "{0}: {1}",
        ["push.page.body"] = "{0}: {1}",

        ["severity.info"] = "Info",
        ["severity.warning"] = "Warning",
        ["severity.high"] = "High",
        ["severity.critical"] = "Critical",
    }, new Dictionary<string, string>
    {
        ["push.app_name"] = "智慧社区",
        ["push.family.raised"] = "{1}：{0}。已通知工作人员。如您在老人身边，请在应用中告知。",
        ["push.family.pre_alarm"] = "{1}：{0}？如一切正常，请在 {2} 分钟内在应用中取消，否则将通知工作人员。",
        ["push.family.resolved"] = "{1}的{0}已处理完毕。请在应用中评价我们的服务。",
        ["push.family.your_relative"] = "您的家人",
        ["push.page.title"] = "{0}：{1}",
        ["push.page.body"] = "{0}：{1}",

        ["severity.info"] = "提示",
        ["severity.warning"] = "警告",
        ["severity.high"] = "高",
        ["severity.critical"] = "紧急",
    });
}
