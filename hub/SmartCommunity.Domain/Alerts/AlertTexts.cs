using System.Collections.Generic;
using SmartCommunity.Domain.Catalog;

namespace SmartCommunity.Domain.Alerts;

/// <summary>
/// The messages of alerts that no catalogue row describes: device supervision (offline, missed heartbeat, battery) and
/// early warning's explanations (watches, the streaming detector, routines). Arguments are numbers (formatted here,
/// invariant), times already as digits, units, and nested texts (a measurement's label, a weekday).
/// </summary>
public static class AlertTexts
{
    public static readonly TextCatalogue Catalogue = TextCatalogue.Of("alerts", new Dictionary<string, string>
    {
        ["unit.min"] = "min",
        ["unit.h"] = "h",

        ["supervision.offline"] = "No heartbeat for {0:0.#} {1} (expected every {2:0.#} {3})",
        ["supervision.missed_heartbeat"] = "Missed heartbeat: silent for {0:0.#} {1} while connected (expected every {2:0.#} {3})",
        ["supervision.low_battery"] = "Battery at {0:0} % (replace below {1:0} %)",
        ["gateway.silent"] = "Community gateway {0} ({1}) silent for {2} s: devices behind it may be alarming unheard",
        ["gateway.offline"] = "Community gateway {0} ({1}) went offline: devices behind it may be alarming unheard",

        ["early.heating_failure.below"] = "Heating failure likely: {0:0.0} °C, below the safe {1:0} °C and falling {2:0.0} °C/h (falling since {3})",
        ["early.heating_failure.falling"] = "Heating failure likely: {0:0.0} °C and falling {1:0.0} °C/h; below the safe {2:0} °C in about {3:0.0} h (falling since {4})",
        ["early.heat_stress.humid"] = "Heat stress: {0:0.0} °C at {1:0}% humidity feels like {2:0} °C (strain from {3:0} °C)",
        ["early.heat_stress.rising"] = "Heat stress: {0:0.0} °C and rising (strain from {1:0} °C)",
        ["early.gas_rising"] = "Gas rising: {0:0} ppm against a usual {1:0} ppm, +{2:0} ppm/h since {3}; alarm level {4:0} ppm in about {5:0.0} h",
        ["early.door_left_open"] = "Door open for {0:0} min since {1}; it is usually closed again within {2:0.#} min",

        ["early.anomaly.range"] = "{0} {1:0.#} {2}, outside everything seen so far; unusual since {3}",
        ["early.anomaly.seasonal"] = "{0} {1:0.#} {2} where about {3:0.#} {2} is usual at this time of day; unusual since {4}",
        ["early.anomaly.model"] = "{0} {1:0.#} {2}: the recent pattern is unlike this sensor's usual pattern; unusual since {3}",
        ["early.anomaly.novel"] = "{0} {1:0.#} {2}: a course of readings this sensor has never shown before; unusual since {3}",
        ["early.anomaly.steady"] = "{0} {1:0.#} {2}: it moved after staying at exactly {3:0.#} {2} for longer than ever before (a stuck or idle sensor changed); unusual since {4}",
        ["early.anomaly.expected"] = "{0} {1:0.#} {2} where about {3:0.#} {2} was expected; unusual since {4}",

        ["early.door_open_at_night"] = "Front door opened at {0}; at this hour it is opened on fewer than {1:P0} of nights",
        ["early.not_up"] = "No movement this morning (last movement {0}); usually up by {1} on {2}",
        ["early.inactive"] = "No movement since {0}; {1} of the silent hours usually have movement",
        ["early.pre_alarm_open"] = "{0} (pre-alarm: can be cancelled)",
        ["early.pre_alarm_not_cancelled"] = "{0} — pre-alarm not cancelled",
        ["early.day_time"] = "{0} {1}",
        ["early.unknown"] = "unknown",
        ["early.weekdays"] = "weekdays",
        ["early.weekends"] = "weekends",
        ["weekday.0"] = "Sun",
        ["weekday.1"] = "Mon",
        ["weekday.2"] = "Tue",
        ["weekday.3"] = "Wed",
        ["weekday.4"] = "Thu",
        ["weekday.5"] = "Fri",
        ["weekday.6"] = "Sat",
    }, new Dictionary<string, string>
    {
        ["unit.min"] = "分钟",
        ["unit.h"] = "小时",

        ["supervision.offline"] = "已 {0:0.#} {1}未收到心跳（应每 {2:0.#} {3}一次）",
        ["supervision.missed_heartbeat"] = "漏报心跳：连接中但已 {0:0.#} {1}无消息（应每 {2:0.#} {3}一次）",
        ["supervision.low_battery"] = "电量 {0:0} %（低于 {1:0} % 请更换电池）",
        ["gateway.silent"] = "社区网关 {0}（{1}）已 {2} 秒无消息：其下设备的报警可能无法送达",
        ["gateway.offline"] = "社区网关 {0}（{1}）已离线：其下设备的报警可能无法送达",

        ["early.heating_failure.below"] = "疑似供暖故障：{0:0.0} °C，低于安全温度 {1:0} °C，且每小时下降 {2:0.0} °C（自 {3} 起下降）",
        ["early.heating_failure.falling"] = "疑似供暖故障：{0:0.0} °C，每小时下降 {1:0.0} °C；约 {3:0.0} 小时后将低于安全温度 {2:0} °C（自 {4} 起下降）",
        ["early.heat_stress.humid"] = "高温风险：{0:0.0} °C、湿度 {1:0}%，体感 {2:0} °C（{3:0} °C 起身体承压）",
        ["early.heat_stress.rising"] = "高温风险：{0:0.0} °C 且仍在上升（{1:0} °C 起身体承压）",
        ["early.gas_rising"] = "燃气浓度上升：{0:0} ppm（平常 {1:0} ppm），自 {3} 起每小时上升 {2:0} ppm；约 {5:0.0} 小时后达到报警值 {4:0} ppm",
        ["early.door_left_open"] = "门自 {1} 起已开 {0:0} 分钟；平常 {2:0.#} 分钟内就会关上",

        ["early.anomaly.range"] = "{0} {1:0.#} {2}，超出以往所有读数；自 {3} 起异常",
        ["early.anomaly.seasonal"] = "{0} {1:0.#} {2}，此时段通常约为 {3:0.#} {2}；自 {4} 起异常",
        ["early.anomaly.model"] = "{0} {1:0.#} {2}：近期变化规律与该传感器平常不同；自 {3} 起异常",
        ["early.anomaly.novel"] = "{0} {1:0.#} {2}：出现该传感器此前从未有过的变化走势；自 {3} 起异常",
        ["early.anomaly.steady"] = "{0} {1:0.#} {2}：此前一直停在 {3:0.#} {2}，停留时间比以往任何一次都长，现在变了（卡住或闲置的传感器有了变化）；自 {4} 起异常",
        ["early.anomaly.expected"] = "{0} {1:0.#} {2}，预期约为 {3:0.#} {2}；自 {4} 起异常",

        ["early.door_open_at_night"] = "大门在 {0} 被打开；这个时段开门的夜晚不到 {1:P0}",
        ["early.not_up"] = "今早没有活动（最后一次活动：{0}）；{2}通常 {1} 前起床",
        ["early.inactive"] = "自 {0} 起没有活动；这段时间中通常有活动的有 {1} 个小时",
        ["early.pre_alarm_open"] = "{0}（预警：可取消）",
        ["early.pre_alarm_not_cancelled"] = "{0}——预警未被取消",
        ["early.day_time"] = "{0} {1}",
        ["early.unknown"] = "未知",
        ["early.weekdays"] = "工作日",
        ["early.weekends"] = "周末",
        ["weekday.0"] = "周日",
        ["weekday.1"] = "周一",
        ["weekday.2"] = "周二",
        ["weekday.3"] = "周三",
        ["weekday.4"] = "周四",
        ["weekday.5"] = "周五",
        ["weekday.6"] = "周六",
    });
}
