using Microsoft.AspNetCore.Http.HttpResults;
using SmartCommunity.Domain.Catalog;

namespace SmartCommunity.Hub.Catalog;

/// <summary>
/// <c>GET /api/catalog</c>: the sensor vocabulary (<see cref="SensorCatalog"/>) with its texts in every language, so
/// the dashboard keeps no list of kinds, readings or alert kinds of its own. Public: it describes the product, not a
/// community, and the sign-in page may need it.
/// </summary>
public static class CatalogApi
{
    public static void MapCatalogApi(this WebApplication app) =>
        app.MapGet("/api/catalog", Get).WithTags("Catalog").AllowAnonymous()
            .WithSummary("Device kinds, measurements, alert kinds and safety rules, with their labels in en and zh-CN");

    private static readonly CatalogDto Dto = Build();

    // Like every /api answer it is not cached (one rule, SecurityHeaders): a few kilobytes, fetched once per page load.
    private static Ok<CatalogDto> Get() => TypedResults.Ok(Dto);

    private static CatalogDto Build() => new(
        [.. SensorCatalog.DeviceKinds.Select(k => new DeviceKindDto(k.Wire, k.LabelKey, k.Icon, (int)k.HeartbeatInterval.TotalSeconds,
            k.LowBatteryPercent, k.LifeSafety, k.Measurements, [.. k.Button.Select(WireName.Of)]))],
        [.. SensorCatalog.Measurements.Select(m => new MeasurementDto(m.Name, m.LabelKey, m.Unit, WireName.Of(m.Type), m.Min, m.Max, m.Precision,
            WireName.Of(m.Urgency), WireName.Of(m.Channel)))],
        [.. SensorCatalog.AlertKinds.Select(a => new AlertKindDto(a.Wire, a.LabelKey, WireName.Of(a.Severity), WireName.Of(a.Source), a.Icon,
            a.PreAlarm is { } w ? (int)w.TotalSeconds : null, a.ForFamily))],
        [.. SensorCatalog.Rules.Select(r => new SafetyRuleDto(r.Measurement, WireName.Of(r.Condition), WireName.Of(r.Threshold), WireName.Of(r.Alert),
            r.Severity is { } s ? WireName.Of(s) : null, r.MessageKey))],
        new Dictionary<string, IReadOnlyDictionary<string, string>>
        {
            [TextCatalogues.English] = TextCatalogues.For(TextCatalogues.English),
            [TextCatalogues.Chinese] = TextCatalogues.For(TextCatalogues.Chinese),
        });
}

public sealed record CatalogDto(
    IReadOnlyList<DeviceKindDto> DeviceKinds, IReadOnlyList<MeasurementDto> Measurements, IReadOnlyList<AlertKindDto> AlertKinds,
    IReadOnlyList<SafetyRuleDto> Rules, IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> Texts);

public sealed record DeviceKindDto(string Kind, string Label, string Icon, int HeartbeatSeconds, double LowBatteryPercent, bool LifeSafety,
    IReadOnlyList<string> Measurements, IReadOnlyList<string> Button);

/// <param name="Type">number, bool or string.</param>
/// <param name="Channel">up or status.</param>
public sealed record MeasurementDto(string Name, string Label, string? Unit, string Type, double Min, double Max, int Precision, string Urgency, string Channel);

public sealed record AlertKindDto(string Kind, string Label, string Severity, string Source, string Icon, int? PreAlarmSeconds, bool ForFamily);

/// <param name="Severity">Null: the device kind's offline severity.</param>
public sealed record SafetyRuleDto(string Measurement, string Condition, string Threshold, string Alert, string? Severity, string Message);
