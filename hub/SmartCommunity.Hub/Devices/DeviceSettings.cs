using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using SmartCommunity.Domain.Catalog;
using SmartCommunity.Domain.Devices;
using SmartCommunity.Domain.Provisioning;
using Fw = SmartCommunity.SensorNode.Core;

namespace SmartCommunity.Hub.Devices;

/// <summary>Where a setting's effective value comes from: the kind's default, an override for the kind, one for the device.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<SettingSource>))]
public enum SettingSource
{
    [JsonStringEnumMemberName("default")]
    Default,
    [JsonStringEnumMemberName("kind")]
    Kind,
    [JsonStringEnumMemberName("device")]
    Device,
}

/// <summary>One setting as a device (or a kind) has it: the value in force, where it comes from, and what may be set.</summary>
public sealed record SettingView(string Name, int Value, SettingSource Source, int Default, int Min, int Max, int? KindValue, int? DeviceValue);

/// <summary>A refused setting: its name and why, in the reader's language.</summary>
public sealed record SettingProblem(string Name, LocalizedText Text);

/// <summary>
/// The numeric settings a technician may change from the hub, read from the firmware's own table
/// (<see cref="Fw.Setting"/>: names, defaults, ranges, which nodes each tunes) and its cross-field rules
/// (<see cref="Fw.DeviceConfig.OrderedPairs"/>), so the hub refuses exactly what a device would. Kinds map to firmware
/// profiles by wire name (CatalogParityTests hold the two tables equal). The "default" of a kind is what the hub
/// provisions it with (<see cref="ProvisioningDocument.KindSettings"/>: the firmware's default, the catalogue's heartbeat).
/// Pure: the API and the publisher give it the stored overrides.
/// </summary>
public static class DeviceSettings
{
    public static int ProfileOf(DeviceKind kind) => Fw.Profile.FindByName(kind.ToWire());

    /// <summary>The firmware's setting ids that tune a node of <paramref name="kind"/>, in table order.</summary>
    public static IEnumerable<int> Applicable(DeviceKind kind)
    {
        var profile = ProfileOf(kind);
        for (var id = 0; id < Fw.Setting.Count; id++)
        {
            if (Fw.Setting.AppliesTo(id, profile))
                yield return id;
        }
    }

    public static int Default(DeviceKind kind, int id)
    {
        var name = Fw.Setting.Name(id);
        foreach (var (key, value) in ProvisioningDocument.KindSettings(kind))
        {
            if (key == name)
                return value;
        }
        return Fw.Setting.Default(id);
    }

    public static int Min(int id) => Fw.Setting.Min(id);

    /// <summary>The firmware's maximum, except the heartbeat: a node never beats less often than its kind's supervision
    /// interval (it would be reported silent), so a longer one would change nothing.</summary>
    public static int Max(DeviceKind kind, int id) =>
        id == Fw.Setting.HeartbeatSeconds ? Math.Min(Fw.Setting.Max(id), Fw.Profile.Row(ProfileOf(kind)).HeartbeatSeconds) : Fw.Setting.Max(id);

    /// <summary>
    /// Reads a change request (<c>{"reading_s":60,"gas_on_ppm":null}</c>: a number sets an override, null removes it)
    /// for <paramref name="kind"/>; every refused key is a problem naming it and the allowed range.
    /// </summary>
    public static (Dictionary<string, int?> Changes, List<SettingProblem> Problems) Parse(DeviceKind kind, IReadOnlyDictionary<string, JsonElement> request)
    {
        var changes = new Dictionary<string, int?>(StringComparer.Ordinal);
        var problems = new List<SettingProblem>();
        if (request.Count == 0)
            problems.Add(new SettingProblem("settings", LocalizedText.Of("device_config.empty")));
        foreach (var (name, value) in request)
        {
            // Credentials and identity change only over the serial line, in the technician's hands (as the firmware refuses them).
            if (Fw.DeviceConfig.IsCredentialKey(name))
            {
                problems.Add(new SettingProblem(name, LocalizedText.Of("device_config.credential", name)));
                continue;
            }
            var id = Fw.Setting.FindByName(name);
            if (id < 0)
            {
                problems.Add(new SettingProblem(name, LocalizedText.Of("device_config.unknown", name)));
                continue;
            }
            if (!Fw.Setting.AppliesTo(id, ProfileOf(kind)))
            {
                problems.Add(new SettingProblem(name, LocalizedText.Of("device_config.not_for_kind", name, LocalizedText.Of("device_kind." + kind.ToWire()))));
                continue;
            }
            if (value.ValueKind == JsonValueKind.Null)
            {
                changes[name] = null;
                continue;
            }
            int min = Min(id), max = Max(kind, id);
            if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out var number))
            {
                problems.Add(new SettingProblem(name, LocalizedText.Of("device_config.not_integer", name, min, max)));
                continue;
            }
            if (number < min || number > max)
            {
                problems.Add(new SettingProblem(name, LocalizedText.Of("device_config.out_of_range", name, min, max, number)));
                continue;
            }
            changes[name] = (int)number;
        }
        return (changes, problems);
    }

    /// <summary>Applies <paramref name="changes"/> to a scope's overrides.</summary>
    public static Dictionary<string, int> Apply(IReadOnlyDictionary<string, int> overrides, IReadOnlyDictionary<string, int?> changes)
    {
        var result = new Dictionary<string, int>(overrides, StringComparer.Ordinal);
        foreach (var (name, value) in changes)
        {
            if (value is { } v)
                result[name] = v;
            else
                result.Remove(name);
        }
        return result;
    }

    /// <summary>Every applicable setting of <paramref name="kind"/> with its effective value and source (a kind's page: no device overrides).</summary>
    public static IReadOnlyList<SettingView> View(DeviceKind kind, IReadOnlyDictionary<string, int> kindOverrides, IReadOnlyDictionary<string, int>? deviceOverrides)
    {
        var views = new List<SettingView>();
        foreach (var id in Applicable(kind))
        {
            var name = Fw.Setting.Name(id);
            int? kindValue = kindOverrides.TryGetValue(name, out var k) ? k : null;
            int? deviceValue = deviceOverrides is not null && deviceOverrides.TryGetValue(name, out var d) ? d : null;
            var (value, source) = deviceValue is { } dv ? (dv, SettingSource.Device)
                : kindValue is { } kv ? (kv, SettingSource.Kind)
                : (Default(kind, id), SettingSource.Default);
            views.Add(new SettingView(name, value, source, Default(kind, id), Min(id), Max(kind, id), kindValue, deviceValue));
        }
        return views;
    }

    /// <summary>
    /// The cross-field rule the effective settings would break, as the firmware checks it at every commit (a device
    /// refuses the whole config then), or null. Settings that do not apply to the kind count at their default, which is
    /// what a device provisioned by the hub holds.
    /// </summary>
    public static SettingProblem? Inconsistency(DeviceKind kind, IReadOnlyDictionary<string, int> kindOverrides, IReadOnlyDictionary<string, int>? deviceOverrides, string? deviceId)
    {
        var config = new Fw.DeviceConfig();
        for (var id = 0; id < Fw.Setting.Count; id++)
            config.SetNumber(id, Default(kind, id));
        foreach (var view in View(kind, kindOverrides, deviceOverrides))
            config.SetNumber(Fw.Setting.FindByName(view.Name), view.Value);
        var rule = config.BrokenRule();
        if (rule < 0)
            return null;
        int lower = Fw.DeviceConfig.OrderedPairs[2 * rule], higher = Fw.DeviceConfig.OrderedPairs[2 * rule + 1];
        var args = new object?[] { Fw.Setting.Name(lower), Fw.Setting.Name(higher), config.Get(lower), config.Get(higher), deviceId };
        return new SettingProblem(Fw.Setting.Name(lower), LocalizedText.Of(deviceId is null ? "device_config.inconsistent" : "device_config.inconsistent_device", args));
    }

    /// <summary>
    /// The retained <c>cfg</c> payload for a device (<c>{"reading_s":60}</c>, table order): the effective value of every
    /// setting that is overridden for it or its kind, and of every setting the hub sent it before, so removing an override
    /// sends the default back instead of leaving the device on the old value. Null when there is nothing to say.
    /// </summary>
    public static string? Document(DeviceKind kind, IReadOnlyDictionary<string, int> kindOverrides, IReadOnlyDictionary<string, int> deviceOverrides, IReadOnlyCollection<string> sentBefore)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        var any = false;
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            foreach (var view in View(kind, kindOverrides, deviceOverrides))
            {
                if (view.Source == SettingSource.Default && !sentBefore.Contains(view.Name))
                    continue;
                w.WriteNumber(view.Name, view.Value);
                any = true;
            }
            w.WriteEndObject();
        }
        return any ? Encoding.UTF8.GetString(buffer.WrittenSpan) : null;
    }

    /// <summary>The setting names of a payload <see cref="Document"/> made.</summary>
    public static IReadOnlyCollection<string> Names(string? document)
    {
        if (string.IsNullOrEmpty(document))
            return [];
        using var parsed = JsonDocument.Parse(document);
        return parsed.RootElement.EnumerateObject().Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
    }
}
