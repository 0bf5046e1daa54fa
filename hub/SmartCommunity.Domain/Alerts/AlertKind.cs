using SmartCommunity.Domain.Catalog;

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
    // Issue 16: the carbon-monoxide detector.
    CarbonMonoxide,
    // Issue 20: a community edge gateway the hub no longer hears.
    GatewaySilent,
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

/// <summary>Wire names (snake_case, <see cref="WireName"/>) used by the API, SignalR and the dashboard.</summary>
public static class AlertNames
{
    public static string ToWire(this AlertKind kind) => WireName.Of(kind);

    public static string ToWire(this Severity severity) => WireName.Of(severity);

    public static string ToWire(this AlertStatus status) => WireName.Of(status);

    public static string ToWire(this AlertOutcome outcome) => WireName.Of(outcome);

    public static bool TryParseOutcome(string? wire, out AlertOutcome outcome) => WireName.TryParse(wire, out outcome);

    public static bool TryParseStatus(string? wire, out AlertStatus status) => WireName.TryParse(wire, out status);

    public static AlertKindSpec Spec(this AlertKind kind) => SensorCatalog.Alert(kind);
}
