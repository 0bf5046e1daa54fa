namespace SmartCommunity.Domain.Alerts;

/// <summary>What a rule concluded from a reading: a condition that needs (or folds into) an alert.</summary>
public readonly record struct AlertSignal(string DeviceId, AlertKind Kind, Severity Severity, string Message, DateTimeOffset At);
