namespace SmartCommunity.Simulator.Devices;

/// <summary>The device kinds of wire protocol v1 (wire names are the lower-case member names).</summary>
public enum DeviceKind
{
    Sos,
    Wearable,
    Smoke,
    Climate,
    Pir,
    Door,
    Leak,
}

public static class DeviceKinds
{
    /// <summary>The wire name: <c>sos</c>, <c>wearable</c>, <c>smoke</c>, ...</summary>
    public static string ToWireName(this DeviceKind kind) => kind switch
    {
        DeviceKind.Sos => "sos",
        DeviceKind.Wearable => "wearable",
        DeviceKind.Smoke => "smoke",
        DeviceKind.Climate => "climate",
        DeviceKind.Pir => "pir",
        DeviceKind.Door => "door",
        DeviceKind.Leak => "leak",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary>Parses a wire name (case-insensitive).</summary>
    public static bool TryParse(string? text, out DeviceKind kind)
    {
        foreach (var candidate in Enum.GetValues<DeviceKind>())
        {
            if (string.Equals(candidate.ToWireName(), text, StringComparison.OrdinalIgnoreCase))
            {
                kind = candidate;
                return true;
            }
        }

        kind = default;
        return false;
    }
}
