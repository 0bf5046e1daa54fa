using System.Globalization;
using SmartCommunity.Domain.Alerts;
using SmartCommunity.Domain.Devices;
using SmartCommunity.Domain.Protocol;

namespace SmartCommunity.Domain.Rules;

/// <summary>The per-device facts the rules need.</summary>
public sealed record RuleContext(string DeviceId, DeviceKind Kind, DeviceLocation Location, TemperatureBand? TemperatureOverride = null, double GasAlarmPpm = SafetyRules.DefaultGasAlarmPpm)
{
    public TemperatureBand TemperatureBand => TemperatureOverride ?? TemperatureBand.For(Location);
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
}

/// <summary>
/// Rules that need no history: life-safety events, thresholds and the device's last will.
/// Pure: a decoded pack in, alert signals out.
/// </summary>
public static class SafetyRules
{
    // 1,000 ppm of LPG/natural gas on an MQ-2 is ~2-5 % of the lower explosive limit: early enough to ventilate.
    public const double DefaultGasAlarmPpm = 1000;

    public static IReadOnlyList<AlertSignal> Evaluate(RuleContext ctx, DecodedPack pack)
    {
        List<AlertSignal>? signals = null;
        foreach (var r in pack.Records)
        {
            var signal = Evaluate(ctx, r);
            if (signal is { } s)
                (signals ??= []).Add(s);
        }
        return signals ?? (IReadOnlyList<AlertSignal>)[];
    }

    public static AlertSignal? Evaluate(RuleContext ctx, DecodedRecord r)
    {
        var id = ctx.DeviceId;
        switch (r.Name)
        {
            case "sos" when r.IsTrue:
                return new(id, AlertKind.Sos, Severity.Critical, "SOS button pressed", r.Time);
            case "fall" when r.IsTrue:
                return new(id, AlertKind.Fall, Severity.Critical, "Fall detected by the wearable", r.Time);
            case "smoke" when r.IsTrue:
                return new(id, AlertKind.Smoke, Severity.Critical, "Smoke detected", r.Time);
            case "leak" when r.IsTrue:
                return new(id, AlertKind.WaterLeak, Severity.Critical, "Water leak detected", r.Time);
            case "gas" when r.Value >= ctx.GasAlarmPpm:
                return new(id, AlertKind.Gas, Severity.Critical, Invariant($"Gas at {r.Value:0} ppm (alarm at {ctx.GasAlarmPpm:0} ppm)"), r.Time);
            case "temp":
                var band = ctx.TemperatureBand;
                if (r.Value < band.Min)
                    return new(id, AlertKind.TemperatureLow, Severity.High, Invariant($"Temperature {r.Value:0.0} °C, below the safe {band.Min:0}–{band.Max:0} °C"), r.Time);
                if (r.Value > band.Max)
                    return new(id, AlertKind.TemperatureHigh, Severity.High, Invariant($"Temperature {r.Value:0.0} °C, above the safe {band.Min:0}–{band.Max:0} °C"), r.Time);
                return null;
            case "test" when r.IsTrue:
                return new(id, AlertKind.Test, Severity.Info, "Test alarm from the device", r.Time);
            case "online" when !r.IsTrue:
                return new(id, AlertKind.DeviceOffline, OfflineSeverity(ctx.Kind), "Device went offline (connection lost)", r.Time);
            default:
                return null;
        }
    }

    /// <summary>A silent life-safety device means a resident who cannot call for help.</summary>
    public static Severity OfflineSeverity(DeviceKind kind) =>
        kind is DeviceKind.Sos or DeviceKind.Wearable or DeviceKind.Smoke ? Severity.High : Severity.Warning;

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
