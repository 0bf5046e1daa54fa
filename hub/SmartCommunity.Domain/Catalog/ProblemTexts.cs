using System.Collections.Generic;

namespace SmartCommunity.Domain.Catalog;

/// <summary>
/// Titles of the hub's problem details (RFC 9457) when a handler gives none of its own: the HTTP reason phrase, and the
/// framework's validation title, in the reader's language — the dashboard shows the title above the field errors.
/// </summary>
public static class ProblemTexts
{
    public const string Validation = "problem.validation";

    public static string Status(int status) => "problem." + status.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public static readonly TextCatalogue Catalogue = TextCatalogue.Of("problem",
        new Dictionary<string, string>
        {
            [Validation] = "One or more validation errors occurred.",
            ["problem.400"] = "Bad Request",
            ["problem.401"] = "Unauthorized",
            ["problem.403"] = "Forbidden",
            ["problem.404"] = "Not Found",
            ["problem.405"] = "Method Not Allowed",
            ["problem.409"] = "Conflict",
            ["problem.413"] = "Payload Too Large",
            ["problem.415"] = "Unsupported Media Type",
            ["problem.422"] = "Unprocessable Entity",
            ["problem.429"] = "Too Many Requests",
            ["problem.500"] = "An error occurred while processing your request.",
            ["problem.502"] = "Bad Gateway",
            ["problem.503"] = "Service Unavailable",
        },
        new Dictionary<string, string>
        {
            [Validation] = "提交的内容有误。",
            ["problem.400"] = "请求无效",
            ["problem.401"] = "未登录或登录已过期",
            ["problem.403"] = "没有权限",
            ["problem.404"] = "未找到",
            ["problem.405"] = "不支持该操作",
            ["problem.409"] = "与当前状态冲突",
            ["problem.413"] = "内容过大",
            ["problem.415"] = "不支持的内容类型",
            ["problem.422"] = "无法处理的内容",
            ["problem.429"] = "请求过于频繁",
            ["problem.500"] = "处理请求时出错。",
            ["problem.502"] = "上游服务出错",
            ["problem.503"] = "服务暂不可用",
        });
}
