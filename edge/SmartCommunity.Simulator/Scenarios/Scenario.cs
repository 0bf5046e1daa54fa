using SmartCommunity.Simulator.Devices;

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
}

public static class ScenarioNames
{
    private static readonly Dictionary<Scenario, string> WireNames = new()
    {
        [Scenario.Sos] = "sos",
        [Scenario.Fall] = "fall",
        [Scenario.Smoke] = "smoke",
        [Scenario.Leak] = "leak",
        [Scenario.HeatingFailure] = "heating-failure",
        [Scenario.Offline] = "offline",
        [Scenario.Online] = "online",
        [Scenario.Test] = "test",
    };

    /// <summary>The CLI name: sos, fall, smoke, leak, heating-failure, offline, online, test.</summary>
    public static string ToCliName(this Scenario scenario) => WireNames[scenario];

    public static IEnumerable<string> CliNames => WireNames.Values;

    public static bool TryParse(string? text, out Scenario scenario)
    {
        foreach (var (candidate, name) in WireNames)
        {
            if (string.Equals(name, text, StringComparison.OrdinalIgnoreCase))
            {
                scenario = candidate;
                return true;
            }
        }

        scenario = default;
        return false;
    }

    /// <summary>The SenML record (<c>vb</c> = true) the device's core sends for an event scenario.</summary>
    internal static string RecordName(this Scenario scenario) => scenario switch
    {
        Scenario.Sos => "sos",
        Scenario.Fall => "fall",
        Scenario.Smoke => "smoke",
        Scenario.Leak => "leak",
        Scenario.Test => "test",
        _ => throw new ArgumentOutOfRangeException(nameof(scenario), scenario, "Not an event scenario."),
    };

    /// <summary>True when the scenario makes sense for the kind (e.g. a fall only on a wearable).</summary>
    public static bool AppliesTo(this Scenario scenario, DeviceKind kind) => scenario switch
    {
        Scenario.Sos => kind is DeviceKind.Sos or DeviceKind.Wearable,
        Scenario.Fall => kind is DeviceKind.Wearable,
        Scenario.Smoke => kind is DeviceKind.Smoke,
        Scenario.Leak => kind is DeviceKind.Leak,
        Scenario.HeatingFailure => kind is DeviceKind.Climate,
        Scenario.Offline or Scenario.Online or Scenario.Test => true,
        _ => false,
    };
}

/// <summary>What <c>InjectAsync</c> did.</summary>
/// <param name="DeviceId">The device.</param>
/// <param name="Scenario">The scenario.</param>
/// <param name="Sequence">The sequence number of the published pack; null when nothing was published (heating-failure, offline, online).</param>
/// <param name="Timestamp">The pack's base time (whole seconds), or when the scenario took effect.</param>
/// <param name="Payload">The exact bytes published, or empty.</param>
public sealed record InjectionResult(string DeviceId, Scenario Scenario, uint? Sequence, DateTimeOffset Timestamp, ReadOnlyMemory<byte> Payload);
