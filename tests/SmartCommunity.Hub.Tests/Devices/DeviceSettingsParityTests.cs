using System.Text;
using System.Text.Json;
using SmartCommunity.Domain.Devices;
using SmartCommunity.Domain.Provisioning;
using SmartCommunity.Hub.Devices;
using SmartCommunity.SensorNode.Core;
using DeviceKind = SmartCommunity.Domain.Devices.DeviceKind;

namespace SmartCommunity.Hub.Tests;

/// <summary>
/// The hub's checks of a configuration change against a real firmware core: whatever the hub would send, a node of
/// that kind (provisioned as the hub provisions it) applies; whatever the node refuses, the hub refuses first. Values
/// at and around every applicable setting's limits, credentials, unknown keys and the cross-field rules.
/// </summary>
public sealed class DeviceSettingsParityTests
{
    public static TheoryData<string> Kinds() => new(Enum.GetValues<DeviceKind>().Select(k => k.ToWire()));

    [Theory]
    [MemberData(nameof(Kinds))]
    public void ChangeOfOneSetting_HubAcceptsExactlyWhatTheFirmwareCoreApplies(string wire)
    {
        Assert.True(DeviceKinds.TryParse(wire, out var kind));
        var cases = new List<(string Json, string Name, long Value)>();
        foreach (var id in DeviceSettings.Applicable(kind))
        {
            var name = Setting.Name(id);
            long min = Setting.Min(id), max = DeviceSettings.Max(kind, id);
            foreach (var value in new[] { min - 1, min, DeviceSettings.Default(kind, id), max, max + 1, Setting.Max(id) + 1 })
                cases.Add(($"{{\"{name}\":{value}}}", name, value));
        }
        cases.Add(("""{"device_secret":"0123456789abcdef"}""", "device_secret", 0));
        cases.Add(("""{"no_such_setting":1}""", "no_such_setting", 0));
        cases.Add(("""{"reading_s":60.5}""", "reading_s", 0));
        Assert.NotEmpty(cases);

        var accepted = 0;
        foreach (var (json, name, value) in cases)
        {
            var request = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(json)!;
            var (changes, problems) = DeviceSettings.Parse(kind, request);
            var overrides = changes.Where(c => c.Value is not null).ToDictionary(c => c.Key, c => c.Value!.Value);
            var hubAccepts = problems.Count == 0 && DeviceSettings.Inconsistency(kind, overrides, null, null) is null;
            var node = Provisioned(wire);
            var bytes = Encoding.UTF8.GetBytes(json);
            var firmware = node.OnDownlink(bytes, bytes.Length, 0);
            if (hubAccepts)
            {
                Assert.True(firmware == ErrorCode.None, $"{wire}: the hub accepts {json}, the firmware refuses it: {ErrorCode.Text(firmware)}");
                Assert.Equal(value, node.Config.Get(Setting.FindByName(name)));
                accepted++;
            }
            else if (!(name == "heartbeat_s" && value > DeviceSettings.Max(kind, Setting.HeartbeatSeconds) && value <= Setting.Max(Setting.HeartbeatSeconds)))
            {
                // The one deliberate difference: a heartbeat slower than the kind's supervision interval, which the node
                // accepts and then ignores (it never beats less often than that).
                Assert.True(firmware != ErrorCode.None, $"{wire}: the hub refuses {json} ({string.Join("; ", problems.Select(p => p.Text.English))}), the firmware applies it");
            }
        }
        Assert.True(accepted > 0);
    }

    [Fact]
    public void GasThresholds_OffAtOrAboveOn_RefusedByHubAndCore_NamingTheRule()
    {
        var (changes, problems) = DeviceSettings.Parse(DeviceKind.Smoke, JsonSerializer.Deserialize<Dictionary<string, JsonElement>>("""{"gas_on_ppm":250,"gas_off_ppm":250}""")!);
        Assert.Empty(problems);
        var broken = DeviceSettings.Inconsistency(DeviceKind.Smoke, changes.ToDictionary(c => c.Key, c => c.Value!.Value), null, null);
        Assert.Equal("gas_off_ppm must be below gas_on_ppm (250 and 250 would be refused by the device)", broken?.Text.English);

        var node = Provisioned("smoke");
        var bytes = """{"gas_on_ppm":250,"gas_off_ppm":250}"""u8.ToArray();
        Assert.Equal(ErrorCode.Inconsistent, node.OnDownlink(bytes, bytes.Length, 0));
    }

    /// <summary>A node of <paramref name="wire"/>'s profile as the hub provisions it (its kind's settings from the QR code).</summary>
    private static NodeCore Provisioned(string wire)
    {
        Assert.True(DeviceKinds.TryParse(wire, out var kind));
        var node = new NodeCore(new MemoryStorage(), 0);
        var c = new DeviceConfig();
        Assert.Equal(ErrorCode.None, c.Set("wifi_ssid", "Home"));
        Assert.Equal(ErrorCode.None, c.Set("broker_url", "mqtts://hub.local:8883"));
        Assert.Equal(ErrorCode.None, c.Set("device_id", wire + "-0001"));
        Assert.Equal(ErrorCode.None, c.Set("device_secret", "s3cret-s3cret-s3cret"));
        Assert.Equal(ErrorCode.None, c.Set("ca_sha256", new string('a', 64)));
        Assert.Equal(ErrorCode.None, c.Set("profile", wire));
        foreach (var (name, value) in ProvisioningDocument.KindSettings(kind))
            Assert.Equal(ErrorCode.None, c.SetNumber(Setting.FindByName(name), value));
        Assert.Equal(ErrorCode.None, node.Commit(c, 0));
        return node;
    }
}
