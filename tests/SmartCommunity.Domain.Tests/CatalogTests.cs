using System.Text.RegularExpressions;
using SmartCommunity.Domain.Alerts;
using SmartCommunity.Domain.Catalog;
using SmartCommunity.Domain.Devices;

namespace SmartCommunity.Domain.Tests;

public sealed partial class CatalogTests
{
    [Fact]
    public void Catalog_EveryEnumMember_HasExactlyOneRow()
    {
        Assert.Equal(Enum.GetValues<DeviceKind>().Order(), SensorCatalog.DeviceKinds.Select(k => k.Kind).Order());
        Assert.Equal(Enum.GetValues<AlertKind>().Order(), SensorCatalog.AlertKinds.Select(k => k.Kind).Order());
        Assert.Equal(SensorCatalog.Measurements.Count, SensorCatalog.Measurements.Select(m => m.Name).Distinct().Count());
    }

    [Fact]
    public void Catalog_EveryNameADeviceOrRuleUses_IsAMeasurementOfTheRightChannel()
    {
        foreach (var kind in SensorCatalog.DeviceKinds)
        {
            foreach (var name in kind.Measurements)
                Assert.True(SensorCatalog.Measurement(name) is { Channel: MeasurementChannel.Up }, $"{kind.Wire} sends unknown or status-only \"{name}\"");
            // Every kind can be tested from the hub, and the button's events are among what the kind may send.
            Assert.Contains("test", kind.Measurements);
            foreach (var action in kind.Button)
                Assert.Contains(WireName.Of(action), kind.Measurements);
        }
        foreach (var rule in SensorCatalog.Rules)
            Assert.NotNull(SensorCatalog.Measurement(rule.Measurement));
    }

    [Fact]
    public void Catalog_LifeSafetyEvents_AreNeverDroppedByADevice()
    {
        // An event that raises a critical alert on its own must survive a full outbox (firmware OfflineQueue). Gas
        // readings may go: the detector's own alarm (smoke) travels with the reading that set it off.
        foreach (var rule in SensorCatalog.Rules.Where(r => r.Severity == Severity.Critical && r.Condition == RuleCondition.IsTrue))
            Assert.Equal(Urgency.Critical, SensorCatalog.Measurement(rule.Measurement)!.Urgency);
    }

    [Fact]
    public void Catalog_OnlyInferredAlerts_WaitAPreAlarm()
    {
        // One cancel window per alert: a device's event (an SOS, a fall) had its own on the device, so the hub pages at once;
        // only what the hub inferred (no movement, a routine) waits for the resident or family to call it off.
        Assert.All(SensorCatalog.AlertKinds.Where(k => k.PreAlarm is not null), k => Assert.True(k.IsInferred, $"{k.Wire} waits a pre-alarm but is not inferred"));
        Assert.Null(AlertKind.Fall.Spec().PreAlarm);
        Assert.Null(AlertKind.Sos.Spec().PreAlarm);
        Assert.Equal(TimeSpan.FromMinutes(10), AlertKind.Inactivity.Spec().PreAlarm);
    }

    [Fact]
    public void CatalogTexts_EveryRowInEveryLanguage_HasItsText()
    {
        var keys = SensorCatalog.DeviceKinds.Select(k => k.LabelKey)
            .Concat(SensorCatalog.Measurements.Select(m => m.LabelKey))
            .Concat(SensorCatalog.AlertKinds.Select(a => a.LabelKey))
            .Concat(SensorCatalog.Rules.Select(r => r.MessageKey))
            .ToHashSet();
        foreach (var language in CatalogTexts.Languages)
        {
            var texts = CatalogTexts.For(language);
            foreach (var key in keys)
                Assert.False(string.IsNullOrWhiteSpace(texts.GetValueOrDefault(key)), $"{language} has no text for {key}");
            // No text without a row: a stale text is a kind that was renamed in one place only.
            Assert.Empty(texts.Keys.Except(keys));
        }
    }

    [Fact]
    public void CatalogTexts_ChineseMessages_UseTheSamePlaceholdersAsEnglish()
    {
        foreach (var (key, english) in CatalogTexts.En)
        {
            var zh = CatalogTexts.ZhCn[key];
            Assert.Equal(Placeholders(english), Placeholders(zh));
            Assert.Matches(Han(), zh);
        }
    }

    [Theory]
    [InlineData(AlertKind.WaterLeak, "water_leak")]
    [InlineData(AlertKind.TemperatureLow, "temperature_low")]
    [InlineData(AlertKind.DeviceOffline, "device_offline")]
    [InlineData(AlertKind.CarbonMonoxide, "carbon_monoxide")]
    [InlineData(AlertKind.Sos, "sos")]
    public void WireName_AlertKind_IsSnakeCaseAndRoundTrips(AlertKind kind, string wire)
    {
        Assert.Equal(wire, kind.ToWire());
        Assert.True(WireName.TryParse<AlertKind>(wire, out var parsed));
        Assert.Equal(kind, parsed);
    }

    [Fact]
    public void WireName_NamesStoredBeforeTheCatalog_AreUnchanged()
    {
        // The wire names the hand-written switches produced: the API, stored webhooks and the dashboard rely on them.
        string[] before = ["sos", "fall", "smoke", "gas", "water_leak", "temperature_low", "temperature_high", "device_offline", "test",
            "missed_heartbeat", "low_battery", "inactivity", "anomaly", "routine", "heating_failure", "heat_stress", "gas_rising", "door_left_open"];
        Assert.Equal(before, Enum.GetValues<AlertKind>().Take(before.Length).Select(k => k.ToWire()));
        Assert.Equal(["raised", "acknowledged", "dispatched", "on_site", "resolved"], Enum.GetValues<AlertStatus>().Select(s => s.ToWire()));
        Assert.Equal(["real", "false_alarm", "device_fault", "resident_cancelled", "recovered"], Enum.GetValues<AlertOutcome>().Select(o => o.ToWire()));
        Assert.Equal(["sos", "wearable", "smoke", "climate", "pir", "door", "leak", "co"], Enum.GetValues<DeviceKind>().Select(k => k.ToWire()));
        Assert.Equal("pre_alarm_cancelled", AlertEventType.PreAlarmCancelled.ToWire());
        Assert.Equal("with_resident", AlertEventType.WithResident.ToWire());
    }

    [Fact]
    public void WireName_UnknownOrNull_IsRefused()
    {
        Assert.False(WireName.TryParse<DeviceKind>("toaster", out _));
        Assert.False(WireName.TryParse<DeviceKind>(null, out _));
        Assert.True(WireName.TryParse<DeviceKind>("SOS", out var sos));
        Assert.Equal(DeviceKind.Sos, sos);
    }

    private static string[] Placeholders(string text) => [.. PlaceholderPattern().Matches(text).Select(m => m.Value).Order()];

    [GeneratedRegex(@"\{\d+(:[^}]*)?\}")]
    private static partial Regex PlaceholderPattern();

    [GeneratedRegex(@"\p{IsCJKUnifiedIdeographs}")]
    private static partial Regex Han();
}
