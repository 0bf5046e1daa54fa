using SmartCommunity.Domain.Catalog;

namespace SmartCommunity.Domain.Devices;

/// <summary>The classes of sensor node the hub knows; each is a row of <see cref="SensorCatalog.DeviceKinds"/>
/// (stored by member name, so members are only ever appended). Wire names: <see cref="WireName"/>.</summary>
public enum DeviceKind
{
    Sos,
    Wearable,
    Smoke,
    Climate,
    Pir,
    Door,
    Leak,
    Co,
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
    public static string ToWire(this DeviceKind kind) => WireName.Of(kind);

    public static bool TryParse(string? wire, out DeviceKind kind) => WireName.TryParse(wire, out kind);

    public static DeviceKindSpec Spec(this DeviceKind kind) => SensorCatalog.Kind(kind);
}
