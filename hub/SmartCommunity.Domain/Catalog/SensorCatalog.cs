using System;
using System.Collections.Frozen;
using System.Collections.Generic;
using System.Linq;
using SmartCommunity.Domain.Alerts;
using SmartCommunity.Domain.Devices;
using SmartCommunity.Domain.Ingestion;
using ValueType = SmartCommunity.Domain.Ingestion.ValueType;

namespace SmartCommunity.Domain.Catalog;

/// <summary>
/// The one sensor vocabulary: device kinds, measurements, alert kinds and the safety rules, as data. The decoder,
/// the rules, supervision, the simulator and the dashboard (through <c>GET /api/catalog</c>) read it; the firmware
/// keeps its own tables (nanoFramework has no generics) and a test holds them equal to these rows. Adding a sensor
/// kind is a row here, its texts in <see cref="CatalogTexts"/>, a golden vector, a simulator signal and the firmware
/// driver. Enum members (<see cref="DeviceKind"/>, <see cref="AlertKind"/>) are the compile-time names of the rows;
/// their wire names come from <see cref="WireName"/>.
/// </summary>
public static class SensorCatalog
{
    // ---- measurements: what a device may put in a SenML record (docs/protocol.md, "Measurements") ----

    public static readonly IReadOnlyList<Measurement> Measurements =
    [
        new("sos", null, ValueType.Bool, 0, 1, 0, Urgency.Critical),
        new("fall", null, ValueType.Bool, 0, 1, 0, Urgency.Critical),
        new("smoke", null, ValueType.Bool, 0, 1, 0, Urgency.Critical),
        new("gas", "ppm", ValueType.Number, 0, 100_000, 0, Urgency.Routine),
        // A CO reading is the alarm itself (the hub's rule decides), so it outranks routine readings; as an event, not a
        // critical record, a long outage keeps the freshest readings (the oldest go first) and an SOS still finds room.
        new("co", "ppm", ValueType.Number, 0, 10_000, 0, Urgency.Event),
        new("temp", "Cel", ValueType.Number, -40, 85, 2, Urgency.Routine),
        new("hum", "%RH", ValueType.Number, 0, 100, 1, Urgency.Routine),
        new("motion", "count", ValueType.Number, 0, 10_000, 0, Urgency.Routine),
        new("door", null, ValueType.Bool, 0, 1, 0, Urgency.Event),
        new("leak", null, ValueType.Bool, 0, 1, 0, Urgency.Critical),
        new("test", null, ValueType.Bool, 0, 1, 0, Urgency.Event),
        // Button events of pendants and wearables: "cancel" calls off a hub pre-alarm, "visit" confirms a grid worker's visit.
        new("cancel", null, ValueType.Bool, 0, 1, 0, Urgency.Event),
        new("visit", null, ValueType.Bool, 0, 1, 0, Urgency.Event),
        new("online", null, ValueType.Bool, 0, 1, 0, Urgency.Event, MeasurementChannel.Status),
        new("bat", "%EL", ValueType.Number, 0, 100, 0, Urgency.Routine, MeasurementChannel.Status),
        new("rssi", "dBm", ValueType.Number, -130, 0, 0, Urgency.Routine, MeasurementChannel.Status),
        new("fw", null, ValueType.String, 0, 0, 0, Urgency.Routine, MeasurementChannel.Status),
    ];

    // ---- device kinds ----

    // Pendants and wearables are life-safety devices: supervised every few minutes. Smoke and CO detectors on battery
    // report daily (EN 14604 / EN 50291 class devices do the same) and warn of a weak battery earlier: a detector
    // that chirps for its battery tends to be unplugged.
    public static readonly IReadOnlyList<DeviceKindSpec> DeviceKinds =
    [
        new(DeviceKind.Sos, "pendant", TimeSpan.FromMinutes(5), 20, LifeSafety: true,
            ["sos", "test", "cancel", "visit"], [ButtonAction.Sos, ButtonAction.Cancel, ButtonAction.Visit]),
        new(DeviceKind.Wearable, "wearable", TimeSpan.FromMinutes(5), 20, LifeSafety: true,
            ["sos", "fall", "test", "cancel", "visit"], [ButtonAction.Sos, ButtonAction.Cancel, ButtonAction.Visit]),
        new(DeviceKind.Smoke, "smoke", TimeSpan.FromHours(24), 30, LifeSafety: true, ["smoke", "gas", "test"], []),
        new(DeviceKind.Climate, "thermometer", TimeSpan.FromMinutes(30), 20, LifeSafety: false, ["temp", "hum", "test"], []),
        new(DeviceKind.Pir, "motion", TimeSpan.FromMinutes(30), 20, LifeSafety: false, ["motion", "test"], []),
        new(DeviceKind.Door, "door", TimeSpan.FromMinutes(30), 20, LifeSafety: false, ["door", "test"], []),
        new(DeviceKind.Leak, "drop", TimeSpan.FromMinutes(30), 20, LifeSafety: false, ["leak", "test"], []),
        new(DeviceKind.Co, "co", TimeSpan.FromHours(24), 30, LifeSafety: true, ["co", "test"], []),
    ];

    // ---- alert kinds ----

    /// <summary>How long an inferred alert waits for the resident or family to call it off before staff are paged.
    /// Only inferred alerts wait: a device event (SOS, fall, smoke…) had its one cancel window on the device (a fall's
    /// is the wearable's <c>fall_cancel_ms</c>, 20 s), so it pages at once — impact to page within 30 s.</summary>
    public static readonly TimeSpan InactivityPreAlarm = TimeSpan.FromMinutes(10);

    public static readonly IReadOnlyList<AlertKindSpec> AlertKinds =
    [
        new(AlertKind.Sos, Severity.Critical, AlertSource.Device, "pendant"),
        new(AlertKind.Fall, Severity.Critical, AlertSource.Device, "fall"),
        new(AlertKind.Smoke, Severity.Critical, AlertSource.Device, "smoke"),
        new(AlertKind.Gas, Severity.Critical, AlertSource.Threshold, "flame"),
        new(AlertKind.CarbonMonoxide, Severity.Critical, AlertSource.Threshold, "co"),
        new(AlertKind.WaterLeak, Severity.Critical, AlertSource.Device, "drop"),
        new(AlertKind.TemperatureLow, Severity.High, AlertSource.Threshold, "thermometer"),
        new(AlertKind.TemperatureHigh, Severity.High, AlertSource.Threshold, "thermometer"),
        new(AlertKind.DeviceOffline, Severity.High, AlertSource.Supervision, "offline", ForFamily: false),
        new(AlertKind.Test, Severity.Info, AlertSource.Device, "test", ForFamily: false),
        new(AlertKind.MissedHeartbeat, Severity.Warning, AlertSource.Supervision, "offline", ForFamily: false),
        new(AlertKind.LowBattery, Severity.Warning, AlertSource.Supervision, "battery", ForFamily: false),
        new(AlertKind.Inactivity, Severity.Warning, AlertSource.Routine, "motion", InactivityPreAlarm),
        new(AlertKind.Anomaly, Severity.Warning, AlertSource.EarlyWarning, "chart"),
        new(AlertKind.Routine, Severity.Warning, AlertSource.Routine, "clock"),
        new(AlertKind.HeatingFailure, Severity.High, AlertSource.EarlyWarning, "thermometer"),
        new(AlertKind.HeatStress, Severity.High, AlertSource.EarlyWarning, "thermometer"),
        new(AlertKind.GasRising, Severity.Warning, AlertSource.EarlyWarning, "flame"),
        new(AlertKind.DoorLeftOpen, Severity.Warning, AlertSource.EarlyWarning, "door"),
        new(AlertKind.GatewaySilent, Severity.High, AlertSource.Supervision, "offline", ForFamily: false),
    ];

    // ---- safety rules: no history needed, one row per (measurement, condition) ----

    public static readonly IReadOnlyList<SafetyRule> Rules =
    [
        new("sos", RuleCondition.IsTrue, Threshold.None, AlertKind.Sos, Severity.Critical, "rule.sos"),
        new("fall", RuleCondition.IsTrue, Threshold.None, AlertKind.Fall, Severity.Critical, "rule.fall"),
        new("smoke", RuleCondition.IsTrue, Threshold.None, AlertKind.Smoke, Severity.Critical, "rule.smoke"),
        new("leak", RuleCondition.IsTrue, Threshold.None, AlertKind.WaterLeak, Severity.Critical, "rule.water_leak"),
        new("gas", RuleCondition.AtLeast, Threshold.GasAlarmPpm, AlertKind.Gas, Severity.Critical, "rule.gas"),
        new("co", RuleCondition.AtLeast, Threshold.CoAlarmPpm, AlertKind.CarbonMonoxide, Severity.Critical, "rule.carbon_monoxide"),
        new("temp", RuleCondition.Below, Threshold.TemperatureMin, AlertKind.TemperatureLow, Severity.High, "rule.temperature_low"),
        new("temp", RuleCondition.Above, Threshold.TemperatureMax, AlertKind.TemperatureHigh, Severity.High, "rule.temperature_high"),
        new("test", RuleCondition.IsTrue, Threshold.None, AlertKind.Test, Severity.Info, "rule.test"),
        // The last will: severity from the device kind (a silent life-safety device means a resident who cannot call for help).
        new("online", RuleCondition.IsFalse, Threshold.None, AlertKind.DeviceOffline, null, "rule.device_offline"),
    ];

    private static readonly FrozenDictionary<DeviceKind, DeviceKindSpec> KindIndex = DeviceKinds.ToFrozenDictionary(k => k.Kind);
    private static readonly FrozenDictionary<AlertKind, AlertKindSpec> AlertIndex = AlertKinds.ToFrozenDictionary(k => k.Kind);
    private static readonly FrozenDictionary<string, Measurement> MeasurementIndex = Measurements.ToFrozenDictionary(m => m.Name, StringComparer.Ordinal);
    private static readonly FrozenDictionary<string, SafetyRule[]> RulesByMeasurement =
        Rules.GroupBy(r => r.Measurement, StringComparer.Ordinal).ToFrozenDictionary(g => g.Key, g => g.ToArray(), StringComparer.Ordinal);

    public static DeviceKindSpec Kind(DeviceKind kind) => KindIndex[kind];

    public static AlertKindSpec Alert(AlertKind kind) => AlertIndex[kind];

    public static Measurement? Measurement(string name) => MeasurementIndex.GetValueOrDefault(name);

    public static IReadOnlyList<SafetyRule> RulesFor(string measurement) => RulesByMeasurement.GetValueOrDefault(measurement) ?? [];
}

/// <summary>What a device's full outbox gives up first: routine readings, then events; critical records never.</summary>
public enum Urgency
{
    Routine,
    Event,
    Critical,
}

/// <summary>The topic a measurement travels on: readings and events on <c>up</c>, health on <c>status</c>.</summary>
public enum MeasurementChannel
{
    Up,
    Status,
}

/// <summary>What a device's button does (firmware gestures, docs/protocol.md "Buttons").</summary>
public enum ButtonAction
{
    /// <summary>A press: an SOS after the device's cancel window.</summary>
    Sos,

    /// <summary>A hold during a pre-alarm: calls it off (<c>cancel</c>).</summary>
    Cancel,

    /// <summary>The grid worker's gesture: records a visit (<c>visit</c>).</summary>
    Visit,
}

public sealed record DeviceKindSpec(
    DeviceKind Kind, string Icon, TimeSpan HeartbeatInterval, double LowBatteryPercent, bool LifeSafety,
    IReadOnlyList<string> Measurements, IReadOnlyList<ButtonAction> Button)
{
    /// <summary>Silence longer than this many heartbeat intervals means the device is offline.</summary>
    public const int MissedHeartbeatsForOffline = 3;

    public string Wire => WireName.Of(Kind);

    public string LabelKey => "device_kind." + Wire;

    public TimeSpan OfflineAfter => HeartbeatInterval * MissedHeartbeatsForOffline;

    /// <summary>One missed heartbeat, with half an interval of grace for clock drift and retries.</summary>
    public TimeSpan MissedHeartbeatAfter => HeartbeatInterval * 1.5;

    /// <summary>A silent life-safety device means a resident who cannot call for help.</summary>
    public Severity OfflineSeverity => LifeSafety ? Severity.High : Severity.Warning;

    /// <summary>Life-safety devices warn (someone must change the battery this week); others inform.</summary>
    public Severity LowBatterySeverity => LifeSafety ? Severity.Warning : Severity.Info;

    // A loop, not Enumerable.Contains with a comparer: that enumerates through an allocated enumerator, and the
    // decoder asks this once per record of every message (32 B each, 64 of a climate pack's 200).
    public bool Sends(string measurement)
    {
        for (var i = 0; i < Measurements.Count; i++)
        {
            if (string.Equals(Measurements[i], measurement, StringComparison.Ordinal))
                return true;
        }
        return false;
    }
}

/// <summary>Where alerts of a kind come from: a device event, a threshold on a reading, supervision of the device,
/// the resident's routine, or early warning on a series.</summary>
public enum AlertSource
{
    Device,
    Threshold,
    Supervision,
    Routine,
    EarlyWarning,
}

/// <param name="Severity">The usual severity; a producer may choose another (early warning grades its findings).</param>
/// <param name="PreAlarm">Inferred alerts only (<see cref="IsInferred"/>): the hub waits this long for a cancel before
/// paging, and asks the resident's pendant "are you OK?" meanwhile.</param>
/// <param name="ForFamily">False for device-health alerts: those are for technicians, not families.</param>
public sealed record AlertKindSpec(AlertKind Kind, Severity Severity, AlertSource Source, string Icon, TimeSpan? PreAlarm = null, bool ForFamily = true)
{
    public string Wire => WireName.Of(Kind);

    /// <summary>The hub concluded it (a routine, early warning) rather than a device reporting an event or a reading.</summary>
    public bool IsInferred => Source is AlertSource.Routine or AlertSource.EarlyWarning;

    public string LabelKey => "alert_kind." + Wire;
}

public enum RuleCondition
{
    IsTrue,
    IsFalse,
    AtLeast,
    Below,
    Above,
}

/// <summary>The per-device limits a rule compares with (<see cref="Alerts.RuleContext"/> supplies them).</summary>
public enum Threshold
{
    None,
    GasAlarmPpm,
    CoAlarmPpm,
    TemperatureMin,
    TemperatureMax,
}

/// <summary>One safety rule: when <paramref name="Measurement"/> meets the condition, raise <paramref name="Alert"/>.</summary>
/// <param name="Severity">Null: the device kind's <see cref="DeviceKindSpec.OfflineSeverity"/>.</param>
/// <param name="MessageKey">The message in <see cref="CatalogTexts"/>; arguments {0} value, {1} threshold, {2}/{3} the safe band.</param>
public sealed record SafetyRule(string Measurement, RuleCondition Condition, Threshold Threshold, AlertKind Alert, Severity? Severity, string MessageKey);
