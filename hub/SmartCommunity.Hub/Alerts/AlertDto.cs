using SmartCommunity.Domain.Alerts;
using SmartCommunity.Domain.Escalation;
using SmartCommunity.Hub.Escalation;
using SmartCommunity.Hub.Places;

namespace SmartCommunity.Hub.Alerts;

/// <summary>An alert as the API, SignalR and the dashboard see it: wire names, place names resolved, people by display name (never an e-mail).</summary>
public sealed record AlertDto(
    long Id, string Kind, string Severity, string Status, string DeviceId,
    int? ResidentId, string? ResidentName, int? HouseholdId, string? HouseholdLabel, int? GridId, string? GridName, int? CommunityId,
    string Message, DateTimeOffset RaisedAt, DateTimeOffset LastSeenAt, int Occurrences,
    string? AcknowledgedBy, DateTimeOffset? AcknowledgedAt, string? AssignedTo, DateTimeOffset? DispatchedAt, DateTimeOffset? OnSiteAt,
    string? ResolvedBy, DateTimeOffset? ResolvedAt, string? Outcome, string? ResolutionNote, int Version,
    DateTimeOffset? PreAlarmUntil = null, int PagesSent = 0, string? EscalationLevel = null, int? FeedbackRating = null, string? FeedbackComment = null,
    DateTimeOffset? NextEscalationAt = null, string? WithResidentBy = null, DateTimeOffset? WithResidentAt = null)
{
    public static AlertDto From(Alert a, PlaceNames names) => new(
        a.Id, a.Kind.ToWire(), a.Severity.ToWire(), a.Status.ToWire(), a.DeviceId,
        a.ResidentId, names.Resident(a.ResidentId), a.HouseholdId, names.Household(a.HouseholdId), a.GridId, names.Grid(a.GridId), a.CommunityId,
        a.Message, a.RaisedAt, a.LastSeenAt, a.Occurrences,
        names.Person(a.AcknowledgedBy), a.AcknowledgedAt, names.Person(a.AssignedTo), a.DispatchedAt, a.OnSiteAt,
        names.Person(a.ResolvedBy), a.ResolvedAt, a.Outcome?.ToWire(), a.ResolutionNote, a.Version,
        a.PreAlarmUntil, a.PagesSent, a.EscalationLevel is { } l ? ((Domain.Escalation.EscalationLevel)l).ToWire() : null, a.FeedbackRating, a.FeedbackComment,
        EscalationSchedule.NextLevel(a)?.At, names.Person(a.WithResidentBy), a.WithResidentAt);
}

/// <summary>A timeline entry; <paramref name="Actor"/> is a display name (or "device:…", "system"), like a dispatch's detail (the assignee).</summary>
public sealed record AlertEventDto(long Id, DateTimeOffset At, string Type, string Actor, string? Detail, int? Level)
{
    public static AlertEventDto From(AlertEvent e, PlaceNames names) => new(e.Id, e.At, e.Type.ToWire(), names.Person(e.Actor) ?? e.Actor,
        e.Type == AlertEventType.Dispatched ? names.Person(e.Detail) : e.Detail, e.Level);
}

/// <summary>A page to on-call people: the alert, the escalation level and step.</summary>
public sealed record PageDto(AlertDto Alert, string Level, int Step);
