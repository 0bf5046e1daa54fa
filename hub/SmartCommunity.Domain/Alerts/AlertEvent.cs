using System;
using SmartCommunity.Domain.Catalog;

namespace SmartCommunity.Domain.Alerts;

/// <summary>What happened to an alert, in order: its timeline. Produced by the <see cref="Alert"/> methods themselves,
/// so a state change and its record cannot drift apart.</summary>
public enum AlertEventType
{
    Raised,
    Repeated,
    Acknowledged,
    Dispatched,
    OnSite,
    Resolved,
    Comment,
    Paged,
    PreAlarmCancelled,
    Feedback,

    /// <summary>A family member reported being with the resident.</summary>
    WithResident,

    /// <summary>The call cascade called one of the resident's people (detail: who · channels).</summary>
    Called,

    /// <summary>Staff handed the alert to an emergency centre (detail: the number called).</summary>
    HandedOff,
}

public sealed class AlertEvent
{
    private AlertEvent() { }

    public AlertEvent(AlertEventType type, string actor, DateTimeOffset at, string? detail = null, int? level = null)
    {
        Type = type;
        Actor = actor;
        At = at;
        Detail = detail;
        Level = level;
    }

    public long Id { get; private set; }
    public long AlertId { get; private set; }
    public DateTimeOffset At { get; private set; }
    public AlertEventType Type { get; private set; }

    /// <summary>User name, "system", or "device:{id}".</summary>
    public string Actor { get; private set; } = "";
    public string? Detail { get; private set; }

    /// <summary>Keeps the structured part of the detail (outcome, rating) and drops text a person wrote.</summary>
    public void EraseFreeText()
    {
        Detail = Type switch
        {
            // "false_alarm: note" and "4/5: comment": the part before the first ": " is structured.
            AlertEventType.Resolved or AlertEventType.Feedback => Detail?.Split(": ", 2)[0],
            AlertEventType.Comment or AlertEventType.Called => null,
            _ => Detail,
        };
    }

    public void ReplaceActor(string actor) => Actor = actor;

    /// <summary>Escalation level for <see cref="AlertEventType.Paged"/>.</summary>
    public int? Level { get; private set; }
}

public static class AlertEventNames
{
    public static string ToWire(this AlertEventType type) => WireName.Of(type);
}
