using SmartCommunity.Domain.Catalog;
using SmartCommunity.Domain.Devices;
using ValueType = SmartCommunity.Domain.Ingestion.ValueType;

namespace SmartCommunity.Simulator.Scenarios;

/// <summary>Something that can be made to happen to a device on demand.</summary>
public enum Scenario
{
    /// <summary>The SOS button is pressed (sos, wearable).</summary>
    Sos,

    /// <summary>The wearable detects a fall.</summary>
    Fall,

    /// <summary>The smoke detector alarms, with a gas spike.</summary>
    Smoke,

    /// <summary>The leak sensor detects water.</summary>
    Leak,

    /// <summary>The heating stops: the climate sensor's room cools ~1 °C per 20 min toward 10 °C.</summary>
    HeatingFailure,

    /// <summary>The device loses power or network: the connection drops without DISCONNECT, so the broker publishes its last will. It stays offline until <see cref="Online"/>.</summary>
    Offline,

    /// <summary>The device comes back after <see cref="Offline"/>.</summary>
    Online,

    /// <summary>A technician's test alarm (<c>test</c> = true), on every kind.</summary>
    Test,

    /// <summary>The wearer holds the button (2.5 s): an SOS or fall still in its cancel window is called off on the device
    /// (nothing is sent), and a hub pre-alarm ("are you OK?") is answered with <c>cancel</c>.</summary>
    Cancel,

    /// <summary>The grid worker's visit gesture: press, release, press and hold 5.5 s (<c>visit</c> = true).</summary>
    Visit,

    /// <summary>A blocked flue: the CO detector reads 20 → 250 ppm over 90 seconds.</summary>
    Co,
}

/// <summary>What a scenario drives on the device: a button action, or the input behind a measurement. A scenario
/// applies to the kinds whose catalogue row has that button action or sends that measurement; one that drives
/// neither (offline, online) applies to every kind.</summary>
/// <param name="CliName">The CLI name.</param>
/// <param name="Measurement">The measurement it drives (an event scenario's record, or the reading it changes).</param>
/// <param name="Button">The button action it performs, when it is a press.</param>
internal sealed record ScenarioSpec(Scenario Scenario, string CliName, string? Measurement, ButtonAction? Button = null);

public static class ScenarioNames
{
    private static readonly ScenarioSpec[] Specs =
    [
        new(Scenario.Sos, "sos", "sos", ButtonAction.Sos),
        new(Scenario.Fall, "fall", "fall"),
        new(Scenario.Smoke, "smoke", "smoke"),
        new(Scenario.Leak, "leak", "leak"),
        new(Scenario.HeatingFailure, "heating-failure", "temp"),
        new(Scenario.Offline, "offline", null),
        new(Scenario.Online, "online", null),
        new(Scenario.Test, "test", "test"),
        new(Scenario.Cancel, "cancel", "cancel", ButtonAction.Cancel),
        new(Scenario.Visit, "visit", "visit", ButtonAction.Visit),
        new(Scenario.Co, "co", "co"),
    ];

    private static readonly Dictionary<Scenario, ScenarioSpec> ByScenario = Specs.ToDictionary(s => s.Scenario);

    internal static ScenarioSpec Spec(this Scenario scenario) => ByScenario[scenario];

    /// <summary>The CLI name: sos, fall, smoke, leak, heating-failure, offline, online, test, cancel, visit, co.</summary>
    public static string ToCliName(this Scenario scenario) => scenario.Spec().CliName;

    public static IEnumerable<string> CliNames => Specs.Select(s => s.CliName);

    public static bool TryParse(string? text, out Scenario scenario)
    {
        foreach (var spec in Specs)
        {
            if (string.Equals(spec.CliName, text, StringComparison.OrdinalIgnoreCase))
            {
                scenario = spec.Scenario;
                return true;
            }
        }

        scenario = default;
        return false;
    }

    /// <summary>The SenML record (<c>vb</c> = true) the device's core sends for an event scenario: its measurement,
    /// when that is a true/false event in the catalogue.</summary>
    internal static string RecordName(this Scenario scenario) =>
        scenario.Spec().Measurement is { } name && SensorCatalog.Measurement(name)?.Type == ValueType.Bool
            ? name
            : throw new ArgumentOutOfRangeException(nameof(scenario), scenario, "Not an event scenario.");

    /// <summary>True when the kind's catalogue row has the button action or sends the measurement the scenario drives
    /// (e.g. a fall only on a wearable).</summary>
    public static bool AppliesTo(this Scenario scenario, DeviceKind kind)
    {
        var spec = scenario.Spec();
        var row = kind.Spec();
        return spec.Button is { } button ? row.Button.Contains(button)
            : spec.Measurement is { } measurement ? row.Sends(measurement)
            : true;
    }
}

/// <summary>What <c>InjectAsync</c> did.</summary>
/// <param name="DeviceId">The device.</param>
/// <param name="Scenario">The scenario.</param>
/// <param name="Sequence">The sequence number of the published pack; null when nothing was published (heating-failure, co,
/// offline, online, and a cancel that called off a device's own alert rather than answering a pre-alarm).</param>
/// <param name="Timestamp">The pack's base time (whole seconds), or when the scenario took effect.</param>
/// <param name="Payload">The exact bytes published, or empty.</param>
public sealed record InjectionResult(string DeviceId, Scenario Scenario, uint? Sequence, DateTimeOffset Timestamp, ReadOnlyMemory<byte> Payload);
