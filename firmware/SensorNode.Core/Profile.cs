namespace SmartCommunity.SensorNode.Core;

/// <summary>Device kinds of docs/protocol.md and the sensors each one has, as a table.</summary>
public static class Profile
{
    public const int None = -1;
    public const int Sos = 0;
    public const int Wearable = 1;
    public const int Smoke = 2;
    public const int Climate = 3;
    public const int Pir = 4;
    public const int Door = 5;
    public const int Leak = 6;
    public const int Count = 7;

    public const int SensorButton = 1;
    public const int SensorAccelerometer = 2;
    public const int SensorGas = 4;
    public const int SensorClimate = 8;
    public const int SensorPir = 16;
    public const int SensorReed = 32;
    public const int SensorLeak = 64;

    private static readonly string[] Names = { "sos", "wearable", "smoke", "climate", "pir", "door", "leak" };

    // Every kind has the button: it cancels alerts, and on sos/wearable it is the SOS button.
    private static readonly int[] Sensors =
    {
        SensorButton,
        SensorButton | SensorAccelerometer,
        SensorButton | SensorGas,
        SensorButton | SensorClimate,
        SensorButton | SensorPir,
        SensorButton | SensorReed,
        SensorButton | SensorLeak,
    };

    public static string Name(int profile) => profile >= 0 && profile < Count ? Names[profile] : "";

    public static int FindByName(string name)
    {
        for (var i = 0; i < Count; i++)
        {
            if (Names[i] == name)
            {
                return i;
            }
        }

        return None;
    }

    public static bool Has(int profile, int sensor) => profile >= 0 && profile < Count && (Sensors[profile] & sensor) != 0;

    /// <summary>Only the SOS pendant and the wearable raise SOS; elsewhere the button only cancels and tests.</summary>
    public static bool RaisesSos(int profile) => profile == Sos || profile == Wearable;
}
