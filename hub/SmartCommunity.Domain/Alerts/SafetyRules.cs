using System.Collections.Generic;
using SmartCommunity.Domain.Catalog;
using SmartCommunity.Domain.Devices;
using SmartCommunity.Domain.Ingestion;

namespace SmartCommunity.Domain.Alerts;

/// <summary>The per-device facts the rules need.</summary>
public sealed record RuleContext(string DeviceId, DeviceKind Kind, DeviceLocation Location, TemperatureBand? TemperatureOverride = null,
    double GasAlarmPpm = SafetyRules.DefaultGasAlarmPpm, double CoAlarmPpm = SafetyRules.DefaultCoAlarmPpm)
{
    public TemperatureBand TemperatureBand => TemperatureOverride ?? TemperatureBand.For(Location);

    public double Limit(Threshold threshold) => threshold switch
    {
        Threshold.GasAlarmPpm => GasAlarmPpm,
        Threshold.CoAlarmPpm => CoAlarmPpm,
        Threshold.TemperatureMin => TemperatureBand.Min,
        Threshold.TemperatureMax => TemperatureBand.Max,
        _ => 0,
    };
}

/// <summary>Safe indoor temperature for the location. Elderly people are at risk below 16 °C (WHO housing
/// and health guidelines recommend at least 18 °C; 16 °C is where cardiovascular strain is documented)
/// and from heat stress above 30 °C indoors.</summary>
public readonly record struct TemperatureBand(double Min, double Max)
{
    public static TemperatureBand For(DeviceLocation location) => location switch
    {
        DeviceLocation.PublicSpace => new(5, 35),
        DeviceLocation.Bathroom => new(18, 32),
        _ => new(16, 30),
    };

    /// <summary>What a probe can be given: within the sensor's range (−40…85 °C), the floor below the ceiling by 1 °C or
    /// more. Null when acceptable, else the reason as a text key and its arguments.</summary>
    public static LocalizedText? Problem(double min, double max) =>
        double.IsNaN(min) || double.IsNaN(max) || min < Lowest || max > Highest ? LocalizedText.Of("device.band.range", Lowest, Highest, min, max)
        : max - min < 1 ? LocalizedText.Of("device.band.order", min, max)
        : null;

    public const double Lowest = -40;
    public const double Highest = 85;
}

/// <summary>
/// The engine of <see cref="SensorCatalog.Rules"/>: rules that need no history (life-safety events, thresholds, the
/// device's last will). Pure: a decoded pack in, alert signals out, messages in English (the stored text) with the
/// message key and arguments beside them for other languages.
/// </summary>
public static class SafetyRules
{
    // 1,000 ppm of LPG/natural gas on an MQ-2 is ~2-5 % of the lower explosive limit: early enough to ventilate.
    public const double DefaultGasAlarmPpm = 1000;

    // EN 50291-1 detectors must sound within 10–40 min at 100 ppm; the hub pages at the first reading that high, and
    // the detector's own sounder covers lower, longer exposures.
    public const double DefaultCoAlarmPpm = 100;

    public static IReadOnlyList<AlertSignal> Evaluate(RuleContext ctx, DecodedPack pack)
    {
        List<AlertSignal>? signals = null;
        foreach (var r in pack.Records)
        {
            var signal = Evaluate(ctx, r);
            if (signal is { } s)
                (signals ??= []).Add(s with { Seq = pack.Seq });
        }
        return signals ?? (IReadOnlyList<AlertSignal>)[];
    }

    public static AlertSignal? Evaluate(RuleContext ctx, DecodedRecord r)
    {
        foreach (var rule in SensorCatalog.RulesFor(r.Name))
        {
            var limit = ctx.Limit(rule.Threshold);
            var met = rule.Condition switch
            {
                RuleCondition.IsTrue => r.IsTrue,
                RuleCondition.IsFalse => !r.IsTrue,
                RuleCondition.AtLeast => r.Value >= limit,
                RuleCondition.Below => r.Value < limit,
                RuleCondition.Above => r.Value > limit,
                _ => false,
            };
            if (!met)
                continue;
            var band = ctx.TemperatureBand;
            object?[] args = [r.Value, limit, band.Min, band.Max];
            var severity = rule.Severity ?? ctx.Kind.Spec().OfflineSeverity;
            return AlertSignal.Of(ctx.DeviceId, rule.Alert, severity, new LocalizedText(rule.MessageKey, args), r.Time);
        }
        return null;
    }

    /// <summary>A silent life-safety device means a resident who cannot call for help.</summary>
    public static Severity OfflineSeverity(DeviceKind kind) => kind.Spec().OfflineSeverity;
}
