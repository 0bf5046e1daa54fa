using System;
using System.Collections.Generic;

namespace SmartCommunity.Domain.Alerts;

/// <summary>What a rule concluded from a reading: a condition that needs (or folds into) an alert.</summary>
/// <param name="Message">The English text, as stored on the alert.</param>
/// <param name="MessageKey">The message in the catalogue's texts, for other languages (null: free text).</param>
/// <param name="MessageArgs">The message's arguments, in the key's placeholder order.</param>
public readonly record struct AlertSignal(string DeviceId, AlertKind Kind, Severity Severity, string Message, DateTimeOffset At,
    string? MessageKey = null, IReadOnlyList<object?>? MessageArgs = null);
