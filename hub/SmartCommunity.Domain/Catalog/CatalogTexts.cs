using System;
using System.Collections.Frozen;
using System.Collections.Generic;

namespace SmartCommunity.Domain.Catalog;

/// <summary>
/// The texts of the catalogue's rows, in every language the product speaks: device-kind and measurement labels,
/// alert-kind titles and the safety rules' messages (composite format: {0} value, {1} threshold, {2}/{3} the safe
/// band). The dashboard takes them from <c>GET /api/catalog</c>; a test checks that every row has its texts in
/// every language and that the placeholders agree.
/// </summary>
public static class CatalogTexts
{
    public const string English = "en";
    public const string Chinese = "zh-CN";

    public static readonly IReadOnlyList<string> Languages = [English, Chinese];

    public static readonly FrozenDictionary<string, string> En = new Dictionary<string, string>
    {
        ["device_kind.sos"] = "SOS pendant",
        ["device_kind.wearable"] = "Fall-detecting wearable",
        ["device_kind.smoke"] = "Smoke / gas detector",
        ["device_kind.climate"] = "Temperature / humidity",
        ["device_kind.pir"] = "Motion sensor",
        ["device_kind.door"] = "Door contact",
        ["device_kind.leak"] = "Water leak sensor",
        ["device_kind.co"] = "Carbon monoxide detector",

        ["measurement.sos"] = "SOS",
        ["measurement.fall"] = "Fall",
        ["measurement.smoke"] = "Smoke",
        ["measurement.gas"] = "Gas",
        ["measurement.co"] = "Carbon monoxide",
        ["measurement.temp"] = "Temperature",
        ["measurement.hum"] = "Humidity",
        ["measurement.motion"] = "Motion",
        ["measurement.door"] = "Door open",
        ["measurement.leak"] = "Water leak",
        ["measurement.test"] = "Test",
        ["measurement.cancel"] = "Cancelled",
        ["measurement.visit"] = "Visit",
        ["measurement.online"] = "Online",
        ["measurement.bat"] = "Battery",
        ["measurement.rssi"] = "Signal",
        ["measurement.fw"] = "Firmware",

        ["alert_kind.sos"] = "SOS call",
        ["alert_kind.fall"] = "Fall detected",
        ["alert_kind.smoke"] = "Smoke",
        ["alert_kind.gas"] = "Gas leak",
        ["alert_kind.carbon_monoxide"] = "Carbon monoxide",
        ["alert_kind.water_leak"] = "Water leak",
        ["alert_kind.temperature_low"] = "Temperature too low",
        ["alert_kind.temperature_high"] = "Temperature too high",
        ["alert_kind.device_offline"] = "Device offline",
        ["alert_kind.gateway_silent"] = "Community gateway silent",
        ["alert_kind.test"] = "Test alarm",
        ["alert_kind.missed_heartbeat"] = "Missed check-in",
        ["alert_kind.low_battery"] = "Low battery",
        ["alert_kind.inactivity"] = "No activity",
        ["alert_kind.anomaly"] = "Unusual pattern",
        ["alert_kind.routine"] = "Routine changed",
        ["alert_kind.heating_failure"] = "Heating failure",
        ["alert_kind.heat_stress"] = "Heat stress",
        ["alert_kind.gas_rising"] = "Gas rising",
        ["alert_kind.door_left_open"] = "Door left open",

        ["rule.sos"] = "SOS button pressed",
        ["rule.fall"] = "Fall detected by the wearable",
        ["rule.smoke"] = "Smoke detected",
        ["rule.water_leak"] = "Water leak detected",
        ["rule.gas"] = "Gas at {0:0} ppm (alarm at {1:0} ppm)",
        ["rule.carbon_monoxide"] = "Carbon monoxide at {0:0} ppm (alarm at {1:0} ppm)",
        ["rule.temperature_low"] = "Temperature {0:0.0} °C, below the safe {2:0}–{3:0} °C",
        ["rule.temperature_high"] = "Temperature {0:0.0} °C, above the safe {2:0}–{3:0} °C",
        ["rule.test"] = "Test alarm from the device",
        ["rule.device_offline"] = "Device went offline (connection lost)",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    public static readonly FrozenDictionary<string, string> ZhCn = new Dictionary<string, string>
    {
        ["device_kind.sos"] = "紧急呼叫器",
        ["device_kind.wearable"] = "跌倒检测手环",
        ["device_kind.smoke"] = "烟雾/燃气探测器",
        ["device_kind.climate"] = "温湿度传感器",
        ["device_kind.pir"] = "人体感应器",
        ["device_kind.door"] = "门磁",
        ["device_kind.leak"] = "漏水传感器",
        ["device_kind.co"] = "一氧化碳探测器",

        ["measurement.sos"] = "紧急呼叫",
        ["measurement.fall"] = "跌倒",
        ["measurement.smoke"] = "烟雾",
        ["measurement.gas"] = "燃气",
        ["measurement.co"] = "一氧化碳",
        ["measurement.temp"] = "温度",
        ["measurement.hum"] = "湿度",
        ["measurement.motion"] = "活动",
        ["measurement.door"] = "门已开",
        ["measurement.leak"] = "漏水",
        ["measurement.test"] = "测试",
        ["measurement.cancel"] = "已取消",
        ["measurement.visit"] = "走访",
        ["measurement.online"] = "在线",
        ["measurement.bat"] = "电量",
        ["measurement.rssi"] = "信号",
        ["measurement.fw"] = "固件",

        ["alert_kind.sos"] = "紧急呼叫",
        ["alert_kind.fall"] = "跌倒",
        ["alert_kind.smoke"] = "烟雾",
        ["alert_kind.gas"] = "燃气泄漏",
        ["alert_kind.carbon_monoxide"] = "一氧化碳",
        ["alert_kind.water_leak"] = "漏水",
        ["alert_kind.temperature_low"] = "温度过低",
        ["alert_kind.temperature_high"] = "温度过高",
        ["alert_kind.device_offline"] = "设备离线",
        ["alert_kind.gateway_silent"] = "社区网关失联",
        ["alert_kind.test"] = "测试告警",
        ["alert_kind.missed_heartbeat"] = "设备未按时上报",
        ["alert_kind.low_battery"] = "电量低",
        ["alert_kind.inactivity"] = "长时间无活动",
        ["alert_kind.anomaly"] = "异常模式",
        ["alert_kind.routine"] = "作息异常",
        ["alert_kind.heating_failure"] = "供暖故障",
        ["alert_kind.heat_stress"] = "高温风险",
        ["alert_kind.gas_rising"] = "燃气浓度上升",
        ["alert_kind.door_left_open"] = "门未关",

        ["rule.sos"] = "紧急呼叫按钮被按下",
        ["rule.fall"] = "手环检测到跌倒",
        ["rule.smoke"] = "检测到烟雾",
        ["rule.water_leak"] = "检测到漏水",
        ["rule.gas"] = "燃气浓度 {0:0} ppm（报警值 {1:0} ppm）",
        ["rule.carbon_monoxide"] = "一氧化碳浓度 {0:0} ppm（报警值 {1:0} ppm）",
        ["rule.temperature_low"] = "温度 {0:0.0} °C，低于安全范围 {2:0}–{3:0} °C",
        ["rule.temperature_high"] = "温度 {0:0.0} °C，高于安全范围 {2:0}–{3:0} °C",
        ["rule.test"] = "设备发出的测试告警",
        ["rule.device_offline"] = "设备离线（连接中断）",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    public static readonly TextCatalogue Catalogue = new("catalog", En, ZhCn);

    public static FrozenDictionary<string, string> For(string language) => TextCatalogues.IsChinese(language) ? ZhCn : En;

    /// <summary>The text of <paramref name="key"/> in <paramref name="language"/> (English when missing), formatted
    /// with invariant numbers (<see cref="TextCatalogues.Format"/>).</summary>
    public static string Format(string language, string key, params object?[] args) => TextCatalogues.Format(language, key, args);
}
