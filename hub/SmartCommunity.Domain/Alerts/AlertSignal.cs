using System;
using System.Collections.Generic;
using SmartCommunity.Domain.Catalog;

namespace SmartCommunity.Domain.Alerts;

/// <summary>What a rule concluded from a reading: a condition that needs (or folds into) an alert.</summary>
/// <param name="Message">The English text, as stored on the alert (older rows and logs read it).</param>
/// <param name="MessageKey">The message in the text catalogues (<see cref="TextCatalogues"/>), rendered per reader (null: free text).</param>
/// <param name="MessageArgs">The message's arguments, in the key's placeholder order.</param>
/// <param name="Evidence">What an early-warning or routine alert was decided on (the series and the expected band), or null.</param>
/// <param name="Seq">The sequence number of the device's pack the signal came from (null: not from a pack, or the pack had none).</param>
/// <param name="Local">Raised by a community gateway's local alert for that pack, not by the pack itself: the two are one event
/// (<see cref="Alert.Fold"/> counts it once).</param>
public readonly record struct AlertSignal(string DeviceId, AlertKind Kind, Severity Severity, string Message, DateTimeOffset At,
    string? MessageKey = null, IReadOnlyList<object?>? MessageArgs = null, AlertEvidence? Evidence = null, uint? Seq = null, bool Local = false)
{
    public static AlertSignal Of(string deviceId, AlertKind kind, Severity severity, LocalizedText text, DateTimeOffset at) =>
        new(deviceId, kind, severity, text.English, at, text.Key, text.Args);

    public LocalizedText? Text => MessageKey is null ? null : new LocalizedText(MessageKey, MessageArgs ?? []);
}
