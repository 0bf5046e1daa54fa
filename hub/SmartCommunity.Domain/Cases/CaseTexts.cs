using System.Collections.Generic;
using SmartCommunity.Domain.Catalog;

namespace SmartCommunity.Domain.Cases;

/// <summary>Texts of cases and services that the hub renders: pushes to the workers a case is routed or escalated to,
/// and the labels of categories and service kinds in the monthly report.</summary>
public static class CaseTexts
{
    public static string CategoryKey(CaseCategory c) => "case_category." + WireName.Of(c);
    public static string ServiceKindKey(Services.ServiceKind k) => "service_kind." + WireName.Of(k);

    public static readonly TextCatalogue Catalogue = TextCatalogue.Of("case", new Dictionary<string, string>
    {
        ["case.push.opened"] = "New case: {0}",
        ["case.push.escalated_response"] = "Case not taken in time: {0}",
        ["case.push.escalated_resolution"] = "Case not resolved in time: {0}",
        ["case_category.safety_hazard"] = "Safety hazard",
        ["case_category.repair"] = "Repair",
        ["case_category.care_need"] = "Care need",
        ["case_category.complaint"] = "Complaint",
        ["case_category.other"] = "Other",
        ["service_kind.meal"] = "Meal",
        ["service_kind.bathing"] = "Bathing",
        ["service_kind.cleaning"] = "Cleaning",
        ["service_kind.medical_escort"] = "Medical escort",
        ["service_kind.companionship"] = "Companionship",
        ["service_kind.other"] = "Other service",
    }, new Dictionary<string, string>
    {
        ["case.push.opened"] = "新诉求：{0}",
        ["case.push.escalated_response"] = "诉求超时未受理：{0}",
        ["case.push.escalated_resolution"] = "诉求超时未办结：{0}",
        ["case_category.safety_hazard"] = "安全隐患",
        ["case_category.repair"] = "维修",
        ["case_category.care_need"] = "照护需求",
        ["case_category.complaint"] = "投诉",
        ["case_category.other"] = "其他",
        ["service_kind.meal"] = "助餐",
        ["service_kind.bathing"] = "助浴",
        ["service_kind.cleaning"] = "助洁",
        ["service_kind.medical_escort"] = "助医陪诊",
        ["service_kind.companionship"] = "陪伴",
        ["service_kind.other"] = "其他服务",
    });
}
