using System.Collections.Generic;
using SmartCommunity.Domain.Catalog;

namespace SmartCommunity.Domain.Onboarding;

/// <summary>Why an import row is refused (<see cref="ImportProblem"/>), in both languages; the key is <c>onboarding.</c> + the reason code.</summary>
public static class OnboardingTexts
{
    public static readonly TextCatalogue Catalogue = TextCatalogue.Of("onboarding", new Dictionary<string, string>
    {
        ["onboarding.missing_column"] = "The file has no column \"{0}\" (the template's first row names every column)",
        ["onboarding.unknown_column"] = "Unknown column \"{0}\"; the template's columns are: {1}",
        ["onboarding.required"] = "{0} is required",
        ["onboarding.too_long"] = "{0} is at most {1} characters",
        ["onboarding.bad_text"] = "{0} has characters that are not allowed (control, line break or bidirectional override)",
        ["onboarding.duplicate"] = "The same {0} is on line {1} already",
        ["onboarding.unknown_community"] = "No community \"{0}\" (import households first, or check the spelling)",
        ["onboarding.unknown_grid"] = "No grid \"{0}\" in this community",
        ["onboarding.unknown_household"] = "No household at \"{0}\" in this community (import households first)",
        ["onboarding.unknown_resident"] = "No resident with external id \"{0}\" (import residents first)",
        ["onboarding.bad_phone"] = "\"{0}\" is not a phone number: write + and the country code (E.164, e.g. +8613812345678)",
        ["onboarding.bad_kind"] = "Unknown device kind \"{0}\"; one of: {1}",
        ["onboarding.kind_changed"] = "Device {0} is already registered as {1}; a kind cannot change (register a new device)",
        ["onboarding.bad_location"] = "Unknown location \"{0}\"; one of: {1}",
        ["onboarding.bad_device_id"] = "A device id is 3–32 lowercase letters, digits and dashes, starting with a letter or digit",
        ["onboarding.reserved_device_id"] = "A device id may not start with \"{0}\": that prefix is for community gateways",
        ["onboarding.bad_year"] = "A birth year is a year between 1900 and 2030",
        ["onboarding.bad_bool"] = "Write yes or no (also 1/0, true/false, 是/否)",
        ["onboarding.bad_email"] = "Not an e-mail address",
        ["onboarding.bad_role"] = "Unknown role \"{0}\"; one of: {1}",
        ["onboarding.role_changed"] = "{0} already has the role {1}; a role is not changed by an import",
        ["onboarding.bad_language"] = "Language is {0} or {1}",
        ["onboarding.needs_community"] = "Emergency staff and grid workers need a community",
        ["onboarding.needs_grid"] = "Grid workers need a grid",
        ["onboarding.needs_resident"] = "Family members need at least one resident (external ids separated by ;)",
        ["onboarding.needs_place"] = "A device needs a household (community and address) or, in a public space, a grid",
        ["onboarding.resident_elsewhere"] = "Resident {0} lives at another household than \"{1}\"",
        ["onboarding.no_rows"] = "The file has no rows under its header",
        ["onboarding.too_many_rows"] = "The file has more than {0} rows; split it",
        ["onboarding.unreadable"] = "The file cannot be read as {0}: {1}",
    }, new Dictionary<string, string>
    {
        ["onboarding.missing_column"] = "文件缺少“{0}”列（模板第一行列出全部列名）",
        ["onboarding.unknown_column"] = "未知列“{0}”；模板的列为：{1}",
        ["onboarding.required"] = "{0} 为必填项",
        ["onboarding.too_long"] = "{0} 最多 {1} 个字符",
        ["onboarding.bad_text"] = "{0} 含有不允许的字符（控制字符、换行或双向覆盖字符）",
        ["onboarding.duplicate"] = "相同的 {0} 已出现在第 {1} 行",
        ["onboarding.unknown_community"] = "没有名为“{0}”的社区（请先导入住户，或检查拼写）",
        ["onboarding.unknown_grid"] = "该社区没有名为“{0}”的网格",
        ["onboarding.unknown_household"] = "该社区没有地址为“{0}”的住户（请先导入住户）",
        ["onboarding.unknown_resident"] = "没有外部编号为“{0}”的居民（请先导入居民）",
        ["onboarding.bad_phone"] = "“{0}”不是有效电话号码：请以 + 和国家代码开头（例如 +8613812345678）",
        ["onboarding.bad_kind"] = "未知设备类型“{0}”；可选：{1}",
        ["onboarding.kind_changed"] = "设备 {0} 已登记为 {1}；类型不能更改（请登记新设备）",
        ["onboarding.bad_location"] = "未知位置“{0}”；可选：{1}",
        ["onboarding.bad_device_id"] = "设备编号为 3–32 个小写字母、数字和连字符，以字母或数字开头",
        ["onboarding.reserved_device_id"] = "设备编号不能以“{0}”开头：该前缀留给社区网关",
        ["onboarding.bad_year"] = "出生年份应在 1900 至 2030 之间",
        ["onboarding.bad_bool"] = "请填写“是”或“否”（也可填 1 或 0）",
        ["onboarding.bad_email"] = "电子邮箱地址无效",
        ["onboarding.bad_role"] = "未知角色“{0}”；可选：{1}",
        ["onboarding.role_changed"] = "{0} 已有角色 {1}；导入不会更改角色",
        ["onboarding.bad_language"] = "语言应为 {0} 或 {1}",
        ["onboarding.needs_community"] = "应急值守人员和网格员需要填写社区",
        ["onboarding.needs_grid"] = "网格员需要填写网格",
        ["onboarding.needs_resident"] = "家属至少关联一位居民（外部编号，用 ; 分隔）",
        ["onboarding.needs_place"] = "设备需要住户（社区和地址），公共区域设备需要网格",
        ["onboarding.resident_elsewhere"] = "居民 {0} 不住在“{1}”",
        ["onboarding.no_rows"] = "文件表头下没有数据行",
        ["onboarding.too_many_rows"] = "文件超过 {0} 行，请拆分",
        ["onboarding.unreadable"] = "无法按 {0} 读取文件：{1}",
    });
}
