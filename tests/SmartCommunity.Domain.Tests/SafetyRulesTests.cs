using SmartCommunity.Domain.Alerts;
using SmartCommunity.Domain.Devices;
using SmartCommunity.Domain.Ingestion;

namespace SmartCommunity.Domain.Tests;

public sealed class SafetyRulesTests
{
    private static readonly DateTimeOffset T = new(2026, 11, 29, 3, 0, 0, TimeSpan.Zero);

    private static DecodedRecord Rec(string name, double value) => new(Measurement.Find(name)!, T, value);

    private static AlertSignal? Eval(DeviceKind kind, string name, double value, DeviceLocation location = DeviceLocation.Home) =>
        SafetyRules.Evaluate(new RuleContext("dev-0001", kind, location), Rec(name, value));

    [Theory]
    [InlineData(DeviceKind.Sos, "sos", AlertKind.Sos)]
    [InlineData(DeviceKind.Wearable, "fall", AlertKind.Fall)]
    [InlineData(DeviceKind.Smoke, "smoke", AlertKind.Smoke)]
    [InlineData(DeviceKind.Leak, "leak", AlertKind.WaterLeak)]
    public void Evaluate_LifeSafetyEventTrue_RaisesCritical(DeviceKind kind, string name, AlertKind expected)
    {
        var s = Eval(kind, name, 1);
        Assert.NotNull(s);
        Assert.Equal(expected, s.Value.Kind);
        Assert.Equal(Severity.Critical, s.Value.Severity);
        Assert.Equal(T, s.Value.At);
    }

    [Theory]
    [InlineData("sos")]
    [InlineData("smoke")]
    [InlineData("door")]
    public void Evaluate_EventFalse_RaisesNothing(string name) => Assert.Null(Eval(DeviceKind.Smoke, name, 0));

    [Theory]
    [InlineData(999, false)]
    [InlineData(1000, true)]
    [InlineData(5000, true)]
    public void Evaluate_Gas_RaisesAtThreshold(double ppm, bool alert)
    {
        var s = Eval(DeviceKind.Smoke, "gas", ppm);
        Assert.Equal(alert, s is { Kind: AlertKind.Gas, Severity: Severity.Critical });
    }

    [Theory]
    [InlineData(99, false)]
    [InlineData(100, true)]
    [InlineData(400, true)]
    public void Evaluate_CarbonMonoxide_RaisesCriticalAtThreshold(double ppm, bool alert)
    {
        var s = Eval(DeviceKind.Co, "co", ppm);
        Assert.Equal(alert, s is { Kind: AlertKind.CarbonMonoxide, Severity: Severity.Critical });
        if (alert)
            Assert.Equal($"Carbon monoxide at {ppm:0} ppm (alarm at 100 ppm)", s!.Value.Message);
    }

    [Fact]
    public void Evaluate_RuleMessage_CarriesItsKeyAndArgumentsForOtherLanguages()
    {
        var s = Eval(DeviceKind.Climate, "temp", 14.26)!.Value;
        Assert.Equal("Temperature 14.3 °C, below the safe 16–30 °C", s.Message);
        Assert.Equal("rule.temperature_low", s.MessageKey);
        Assert.Equal("温度 14.3 °C，低于安全范围 16–30 °C", Catalog.CatalogTexts.Format("zh-CN", s.MessageKey!, [.. s.MessageArgs!]));
    }

    [Theory]
    [InlineData(15.9, DeviceLocation.Home, AlertKind.TemperatureLow)]
    [InlineData(30.1, DeviceLocation.Bedroom, AlertKind.TemperatureHigh)]
    [InlineData(17.5, DeviceLocation.Bathroom, AlertKind.TemperatureLow)]
    public void Evaluate_TemperatureOutsideBand_RaisesHigh(double celsius, DeviceLocation location, AlertKind kind)
    {
        var s = Eval(DeviceKind.Climate, "temp", celsius, location);
        Assert.Equal(kind, s?.Kind);
        Assert.Equal(Severity.High, s?.Severity);
        Assert.Contains("°C", s?.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(16, DeviceLocation.Home)]
    [InlineData(30, DeviceLocation.Home)]
    [InlineData(6, DeviceLocation.PublicSpace)]
    public void Evaluate_TemperatureInsideBand_RaisesNothing(double celsius, DeviceLocation location) =>
        Assert.Null(Eval(DeviceKind.Climate, "temp", celsius, location));

    [Fact]
    public void Evaluate_LastWillOfPendant_RaisesOfflineHigh()
    {
        var s = Eval(DeviceKind.Sos, "online", 0);
        Assert.Equal(AlertKind.DeviceOffline, s?.Kind);
        Assert.Equal(Severity.High, s?.Severity);
    }

    [Fact]
    public void Evaluate_LastWillOfDoorContact_RaisesOfflineWarning() =>
        Assert.Equal(Severity.Warning, Eval(DeviceKind.Door, "online", 0)?.Severity);

    [Fact]
    public void Evaluate_PackWithSeveralEvents_RaisesOnePerEvent()
    {
        var pack = new DecodedPack(1, [Rec("smoke", 1), Rec("gas", 1500)]);
        var signals = SafetyRules.Evaluate(new RuleContext("smk-0001", DeviceKind.Smoke, DeviceLocation.Kitchen), pack);
        Assert.Equal([AlertKind.Smoke, AlertKind.Gas], signals.Select(s => s.Kind));
    }

    [Fact]
    public void Supervision_SilentLongerThanThreeHeartbeats_RaisesOffline()
    {
        var seen = T;
        Assert.Null(Supervision.Check("sos-1", DeviceKind.Sos, seen, false, seen + TimeSpan.FromMinutes(15)));
        var s = Supervision.Check("sos-1", DeviceKind.Sos, seen, false, seen + TimeSpan.FromMinutes(16));
        Assert.Equal(AlertKind.DeviceOffline, s?.Kind);
        Assert.Null(Supervision.Check("sos-1", DeviceKind.Sos, seen, alreadyReported: true, seen + TimeSpan.FromHours(5)));
        Assert.Null(Supervision.Check("smk-1", DeviceKind.Smoke, seen, false, seen + TimeSpan.FromHours(71)));
    }
}
