using System.Globalization;
using SmartCommunity.Simulator.Protocol;

namespace SmartCommunity.Simulator.Scenarios;

/// <summary>A scenario to fire on a device after a (real-time) delay.</summary>
public sealed record ScenarioRequest(Scenario Scenario, string DeviceId, TimeSpan Delay)
{
    /// <summary>Parses the CLI form <c>scenario:deviceId[@delay]</c>, e.g. <c>sos:sos-0001@30s</c>.</summary>
    public static ScenarioRequest Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var at = text.LastIndexOf('@');
        var head = at < 0 ? text : text[..at];
        var delay = at < 0 ? TimeSpan.Zero : Durations.Parse(text[(at + 1)..]);
        var colon = head.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
        {
            throw new FormatException($"Expected scenario:deviceId[@delay], got '{text}'.");
        }

        return Create(head[..colon], head[(colon + 1)..], delay);
    }

    /// <summary>Parses an interactive line <c>scenario deviceId</c>, e.g. <c>sos sos-0001</c>.</summary>
    public static ScenarioRequest ParseLine(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length != 2)
        {
            throw new FormatException($"Expected '<scenario> <deviceId>', got '{line}'.");
        }

        return Create(parts[0], parts[1], TimeSpan.Zero);
    }

    private static ScenarioRequest Create(string scenarioText, string deviceId, TimeSpan delay)
    {
        if (!ScenarioNames.TryParse(scenarioText, out var scenario))
        {
            throw new FormatException($"Unknown scenario '{scenarioText}' (one of: {string.Join(", ", ScenarioNames.CliNames)}).");
        }

        if (!Topics.IsValidDeviceId(deviceId))
        {
            throw new FormatException($"'{deviceId}' is not a valid device id.");
        }

        return new ScenarioRequest(scenario, deviceId, delay);
    }
}

/// <summary>Durations written as <c>500ms</c>, <c>30s</c>, <c>5m</c>, <c>2h</c>, <c>1d</c>, plain seconds, or <c>hh:mm:ss</c>.</summary>
public static class Durations
{
    public static TimeSpan Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        text = text.Trim();
        (string Suffix, double Seconds)[] units = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86400)];
        foreach (var (suffix, seconds) in units)
        {
            if (text.EndsWith(suffix, StringComparison.OrdinalIgnoreCase)
                && double.TryParse(text[..^suffix.Length], NumberStyles.Float, CultureInfo.InvariantCulture, out var n))
            {
                return Checked(n * seconds, text);
            }
        }

        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var plain))
        {
            return Checked(plain, text);
        }

        if (TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span) && span >= TimeSpan.Zero)
        {
            return span;
        }

        throw new FormatException($"'{text}' is not a duration (e.g. 500ms, 30s, 5m, 2h).");
    }

    private static TimeSpan Checked(double seconds, string text) =>
        double.IsFinite(seconds) && seconds >= 0 && seconds <= TimeSpan.FromDays(365).TotalSeconds
            ? TimeSpan.FromSeconds(seconds)
            : throw new FormatException($"'{text}' is not a duration between 0 and 365 days.");
}
