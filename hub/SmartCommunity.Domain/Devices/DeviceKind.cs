namespace SmartCommunity.Domain.Devices;

/// <summary>The classes of sensor node the hub knows. Wire names are lower case (<c>sos</c>, <c>climate</c>…).</summary>
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

/// <summary>Where a device is installed; decides e.g. the safe temperature band.</summary>
public enum DeviceLocation
{
    Home,
    Bedroom,
    Bathroom,
    Kitchen,
    PublicSpace,
}

public static class DeviceKinds
{
    public static string ToWire(this DeviceKind kind) => kind switch
    {
        DeviceKind.Sos => "sos",
        DeviceKind.Wearable => "wearable",
        DeviceKind.Smoke => "smoke",
        DeviceKind.Climate => "climate",
        DeviceKind.Pir => "pir",
        DeviceKind.Door => "door",
        DeviceKind.Leak => "leak",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    public static bool TryParse(string? wire, out DeviceKind kind)
    {
        foreach (var k in Enum.GetValues<DeviceKind>())
        {
            if (string.Equals(k.ToWire(), wire, StringComparison.OrdinalIgnoreCase))
            {
                kind = k;
                return true;
            }
        }
        kind = default;
        return false;
    }
}
