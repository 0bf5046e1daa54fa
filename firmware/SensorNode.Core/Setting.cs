namespace SmartCommunity.SensorNode.Core;

/// <summary>One numeric tunable: its name on every channel, default and accepted range.</summary>
public sealed class SettingRow
{
    public SettingRow(string name, int defaultValue, int min, int max)
        : this(name, defaultValue, min, max, 0, 0)
    {
    }

    public SettingRow(string name, int defaultValue, int min, int max, int sensors, int actions)
    {
        Name = name;
        Default = defaultValue;
        Min = min;
        Max = max;
        Sensors = sensors;
        Actions = actions;
    }

    public string Name { get; }

    public int Default { get; }

    public int Min { get; }

    public int Max { get; }

    /// <summary><see cref="Profile"/>.Sensor* bits of the inputs this setting tunes; with <see cref="Actions"/> both 0, every profile.</summary>
    public int Sensors { get; }

    /// <summary><see cref="Profile"/>.Action* bits of the button actions this setting tunes.</summary>
    public int Actions { get; }
}

/// <summary>
/// Numeric tunables as a table. The same names are used by the provisioning protocol (<c>SET fall_impact_mg 2500</c>),
/// the config downlink (<c>{"cmd":"config","fall_impact_mg":2500}</c>) and the persisted config file (by name, so the
/// order of the rows is free), so a new tunable is one row here.
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
    public const int VisitHoldMs = 20;
    public const int CoAlarmOnPpm = 21;
    public const int CoAlarmOffPpm = 22;
    public const int CoAlarmReadingSeconds = 23;
    public const int Count = 24;

    // The last two columns say which nodes a setting tunes (the hub offers it only for those kinds); none means every
    // node: heartbeat, debounce, the cancel hold (every button cancels what its node has pending) and the outbox batch.
    // Fall defaults follow the usual threshold detectors for a torso-worn sensor (free fall below ~0.5 g, impact
    // above ~2.5 g, then lying still with the torso tilted); tools/FallEval measures them. CO: the device reports
    // at once from 50 ppm, EN 50291's lowest alarm band, and then every co_alarm_reading_s until it is below 30 ppm.
    private static readonly SettingRow[] Rows =
    {
        new SettingRow("heartbeat_s", 300, 30, 86400),
        new SettingRow("reading_s", 300, 10, 86400, Profile.SensorGas | Profile.SensorClimate | Profile.SensorCo, 0),
        new SettingRow("pir_interval_s", 300, 10, 86400, Profile.SensorPir, 0),
        new SettingRow("pir_holdoff_ms", 2000, 0, 60000, Profile.SensorPir, 0),
        new SettingRow("debounce_ms", 50, 0, 1000),
        new SettingRow("gas_on_ppm", 300, 10, 100000, Profile.SensorGas, 0),
        new SettingRow("gas_off_ppm", 200, 0, 100000, Profile.SensorGas, 0),
        new SettingRow("gas_hold_ms", 3000, 0, 60000, Profile.SensorGas, 0),
        new SettingRow("sos_cancel_ms", 5000, 0, 30000, 0, Profile.ActionSos),
        new SettingRow("cancel_hold_ms", 2000, 500, 10000),
        new SettingRow("fall_cancel_ms", 20000, 0, 120000, Profile.SensorAccelerometer, 0),
        new SettingRow("fall_freefall_mg", 500, 100, 950, Profile.SensorAccelerometer, 0),
        new SettingRow("fall_freefall_min_ms", 60, 0, 1000, Profile.SensorAccelerometer, 0),
        new SettingRow("fall_impact_mg", 2500, 1200, 16000, Profile.SensorAccelerometer, 0),
        new SettingRow("fall_impact_window_ms", 1000, 100, 5000, Profile.SensorAccelerometer, 0),
        new SettingRow("fall_settle_ms", 1000, 0, 5000, Profile.SensorAccelerometer, 0),
        new SettingRow("fall_still_ms", 2500, 500, 30000, Profile.SensorAccelerometer, 0),
        new SettingRow("fall_still_tol_mg", 250, 50, 1000, Profile.SensorAccelerometer, 0),
        new SettingRow("fall_tilt_cos_pct", 50, -100, 100, Profile.SensorAccelerometer, 0),
        new SettingRow("queue_batch", 8, 1, 32),
        new SettingRow("visit_hold_ms", 5000, 1000, 20000, 0, Profile.ActionVisit),
        new SettingRow("co_on_ppm", 50, 10, 10000, Profile.SensorCo, 0),
        new SettingRow("co_off_ppm", 30, 0, 10000, Profile.SensorCo, 0),
        new SettingRow("co_alarm_reading_s", 10, 5, 3600, Profile.SensorCo, 0),
    };

    public static SettingRow Row(int id) => Rows[id];

    public static string Name(int id) => Rows[id].Name;

    public static int Default(int id) => Rows[id].Default;

    public static int Min(int id) => Rows[id].Min;

    public static int Max(int id) => Rows[id].Max;

    /// <summary>Whether the setting changes anything on a node of <paramref name="profile"/>.</summary>
    public static bool AppliesTo(int id, int profile)
    {
        var row = Rows[id];
        if (row.Sensors == 0 && row.Actions == 0)
        {
            return true;
        }

        return (row.Sensors != 0 && Profile.Has(profile, row.Sensors)) || (row.Actions != 0 && Profile.HasAction(profile, row.Actions));
    }

    public static int FindByName(string name)
    {
        for (var i = 0; i < Count; i++)
        {
            if (Rows[i].Name == name)
            {
                return i;
            }
        }

        return -1;
    }
}
