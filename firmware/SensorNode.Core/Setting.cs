namespace SmartCommunity.SensorNode.Core;

/// <summary>
/// Numeric tunables as a table (name, default, min, max). The same names are used by the provisioning
/// protocol (<c>SET fall_impact_mg 2500</c>), the config downlink (<c>{"cmd":"config","fall_impact_mg":2500}</c>)
/// and the persisted config file, so a new tunable is one row here.
/// </summary>
public static class Setting
{
    public const int HeartbeatSeconds = 0;
    public const int ReadingSeconds = 1;
    public const int PirIntervalSeconds = 2;
    public const int PirHoldoffMs = 3;
    public const int DebounceMs = 4;
    public const int GasAlarmOnPpm = 5;
    public const int GasAlarmOffPpm = 6;
    public const int GasHoldMs = 7;
    public const int SosCancelMs = 8;
    public const int CancelHoldMs = 9;
    public const int FallCancelMs = 10;
    public const int FallFreeFallMg = 11;
    public const int FallFreeFallMinMs = 12;
    public const int FallImpactMg = 13;
    public const int FallImpactWindowMs = 14;
    public const int FallSettleMs = 15;
    public const int FallStillMs = 16;
    public const int FallStillToleranceMg = 17;
    public const int FallTiltCosPercent = 18;
    public const int QueueBatch = 19;
    public const int Count = 20;

    private static readonly string[] Names =
    {
        "heartbeat_s", "reading_s", "pir_interval_s", "pir_holdoff_ms", "debounce_ms",
        "gas_on_ppm", "gas_off_ppm", "gas_hold_ms", "sos_cancel_ms", "cancel_hold_ms", "fall_cancel_ms",
        "fall_freefall_mg", "fall_freefall_min_ms", "fall_impact_mg", "fall_impact_window_ms",
        "fall_settle_ms", "fall_still_ms", "fall_still_tol_mg", "fall_tilt_cos_pct", "queue_batch",
    };

    // Fall defaults follow the usual threshold detectors for a torso-worn sensor (free fall below ~0.5 g,
    // impact above ~2.5 g, then lying still with the torso tilted); tools/FallEval measures them.
    private static readonly int[] Defaults =
    {
        300, 300, 300, 2000, 50,
        300, 200, 3000, 5000, 2000, 20000,
        500, 60, 2500, 1000,
        1000, 2500, 250, 50, 8,
    };

    private static readonly int[] Minimums =
    {
        30, 10, 10, 0, 0,
        10, 0, 0, 0, 500, 0,
        100, 0, 1200, 100,
        0, 500, 50, -100, 1,
    };

    private static readonly int[] Maximums =
    {
        86400, 86400, 86400, 60000, 1000,
        100000, 100000, 60000, 30000, 10000, 120000,
        950, 1000, 16000, 5000,
        5000, 30000, 1000, 100, 32,
    };

    public static string Name(int id) => Names[id];

    public static int Default(int id) => Defaults[id];

    public static int Min(int id) => Minimums[id];

    public static int Max(int id) => Maximums[id];

    public static int FindByName(string name)
    {
        for (var i = 0; i < Count; i++)
        {
            if (Names[i] == name)
            {
                return i;
            }
        }

        return -1;
    }
}
