using System.Collections.Generic;
using SmartCommunity.Domain.Catalog;

namespace SmartCommunity.Domain.Devices;

/// <summary>Why a device-configuration change is refused, in both languages; {0} is always the setting's name.</summary>
public static class DeviceConfigTexts
{
    public static readonly TextCatalogue Catalogue = TextCatalogue.Of("device_config", new Dictionary<string, string>
    {
        ["device_config.unknown"] = "{0} is not a device setting",
        ["device_config.credential"] = "{0} is a credential or identity: it changes only over the serial line, at the device",
        ["device_config.not_for_kind"] = "{0} does not apply to this kind of device ({1})",
        ["device_config.not_integer"] = "{0} must be a whole number from {1} to {2}",
        ["device_config.out_of_range"] = "{0} must be from {1} to {2} (not {3})",
        ["device_config.inconsistent"] = "{0} must be below {1} ({2} and {3} would be refused by the device)",
        ["device_config.inconsistent_device"] = "{0} must be below {1}: device {4} would get {2} and {3}",
        ["device_config.empty"] = "Give at least one setting",
        ["device.band.range"] = "The band must lie within {0:0} to {1:0} °C (not {2:0.#} to {3:0.#} °C)",
        ["device.band.order"] = "The lowest temperature must be at least 1 °C below the highest (not {0:0.#} and {1:0.#} °C)",
        ["device.band.kind"] = "This device measures no temperature",
    }, new Dictionary<string, string>
    {
        ["device_config.unknown"] = "{0} 不是设备参数",
        ["device_config.credential"] = "{0} 是凭据或身份信息，只能在设备旁通过串口修改",
        ["device_config.not_for_kind"] = "{0} 不适用于{1}",
        ["device_config.not_integer"] = "{0} 必须是 {1} 到 {2} 之间的整数",
        ["device_config.out_of_range"] = "{0} 必须在 {1} 到 {2} 之间（不能是 {3}）",
        ["device_config.inconsistent"] = "{0} 必须小于 {1}（{2} 和 {3} 会被设备拒绝）",
        ["device_config.inconsistent_device"] = "{0} 必须小于 {1}：设备 {4} 将得到 {2} 和 {3}",
        ["device_config.empty"] = "请至少填写一个参数",
        ["device.band.range"] = "温度范围必须在 {0:0} 到 {1:0} °C 之内（不能是 {2:0.#} 到 {3:0.#} °C）",
        ["device.band.order"] = "最低温度必须比最高温度至少低 1 °C（不能是 {0:0.#} 和 {1:0.#} °C）",
        ["device.band.kind"] = "该设备不测量温度",
    });
}
