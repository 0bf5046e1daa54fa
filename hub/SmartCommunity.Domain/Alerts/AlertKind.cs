namespace SmartCommunity.Domain.Alerts;

public enum AlertKind
{
    Sos,
    Fall,
    Smoke,
    Gas,
    WaterLeak,
    TemperatureLow,
    TemperatureHigh,
    DeviceOffline,
    Test,
    // Closed loop (supervision and routine): appended so stored names and other additions stay put.
    MissedHeartbeat,
    LowBattery,
    Inactivity,
    // Early warning (issue 7), appended for the same reason.
    Anomaly,
    Routine,
    HeatingFailure,
    HeatStress,
    GasRising,
    DoorLeftOpen,
}

public enum Severity
{
    Info = 0,
    Warning = 1,
    High = 2,
    Critical = 3,
}

public enum AlertStatus
{
    Raised,
    Acknowledged,
    Dispatched,
    OnSite,
    Resolved,
}

public enum AlertOutcome
{
    Real,
    FalseAlarm,
    DeviceFault,
    ResidentCancelled,
    Recovered,
}

/// <summary>Wire names (snake_case) used by the API, SignalR and the dashboard.</summary>
public static class AlertNames
{
    public static string ToWire(this AlertKind kind) => kind switch
    {
        AlertKind.Sos => "sos",
        AlertKind.Fall => "fall",
        AlertKind.Smoke => "smoke",
        AlertKind.Gas => "gas",
        AlertKind.WaterLeak => "water_leak",
        AlertKind.TemperatureLow => "temperature_low",
        AlertKind.TemperatureHigh => "temperature_high",
        AlertKind.DeviceOffline => "device_offline",
        AlertKind.Test => "test",
        AlertKind.Anomaly => "anomaly",
        AlertKind.Routine => "routine",
        AlertKind.HeatingFailure => "heating_failure",
        AlertKind.HeatStress => "heat_stress",
        AlertKind.GasRising => "gas_rising",
        AlertKind.DoorLeftOpen => "door_left_open",
        AlertKind.MissedHeartbeat => "missed_heartbeat",
        AlertKind.LowBattery => "low_battery",
        AlertKind.Inactivity => "inactivity",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    public static string ToWire(this Severity severity) => severity switch
    {
        Severity.Info => "info",
        Severity.Warning => "warning",
        Severity.High => "high",
        Severity.Critical => "critical",
        _ => throw new ArgumentOutOfRangeException(nameof(severity)),
    };

    public static string ToWire(this AlertStatus status) => status switch
    {
        AlertStatus.Raised => "raised",
        AlertStatus.Acknowledged => "acknowledged",
        AlertStatus.Dispatched => "dispatched",
        AlertStatus.OnSite => "on_site",
        AlertStatus.Resolved => "resolved",
        _ => throw new ArgumentOutOfRangeException(nameof(status)),
    };

    public static string ToWire(this AlertOutcome outcome) => outcome switch
    {
        AlertOutcome.Real => "real",
        AlertOutcome.FalseAlarm => "false_alarm",
        AlertOutcome.DeviceFault => "device_fault",
        AlertOutcome.ResidentCancelled => "resident_cancelled",
        AlertOutcome.Recovered => "recovered",
        _ => throw new ArgumentOutOfRangeException(nameof(outcome)),
    };

    public static bool TryParseOutcome(string? wire, out AlertOutcome outcome)
    {
        foreach (var o in Enum.GetValues<AlertOutcome>())
        {
            if (o.ToWire() == wire)
            {
                outcome = o;
                return true;
            }
        }
        outcome = default;
        return false;
    }

    public static bool TryParseStatus(string? wire, out AlertStatus status)
    {
        foreach (var s in Enum.GetValues<AlertStatus>())
        {
            if (s.ToWire() == wire)
            {
                status = s;
                return true;
            }
        }
        status = default;
        return false;
    }
}
