using SmartCommunity.Domain.Alerts;
using SmartCommunity.Domain.Escalation;
using SmartCommunity.Hub.Escalation;
using SmartCommunity.Hub.Places;

namespace SmartCommunity.Hub.Alerts;

/// <summary>An alert as the API, SignalR and the dashboard see it: wire names, place names resolved, people by display name
/// (never an e-mail), the title and message in the reader's language (<see cref="Localization.ReaderLanguage"/>); proper
/// names stay as entered.</summary>
public sealed record AlertDto(
    long Id, string Kind, string Severity, string Status, string DeviceId,
    int? ResidentId, string? ResidentName, int? HouseholdId, string? HouseholdLabel, int? GridId, string? GridName, int? CommunityId,
    string Message, DateTimeOffset RaisedAt, DateTimeOffset LastSeenAt, int Occurrences,
    string? AcknowledgedBy, DateTimeOffset? AcknowledgedAt, string? AssignedTo, DateTimeOffset? DispatchedAt, DateTimeOffset? OnSiteAt,
    string? ResolvedBy, DateTimeOffset? ResolvedAt, string? Outcome, string? ResolutionNote, int Version,
    DateTimeOffset? PreAlarmUntil = null, int PagesSent = 0, string? EscalationLevel = null, int? FeedbackRating = null, string? FeedbackComment = null,
    DateTimeOffset? NextEscalationAt = null, string? WithResidentBy = null, DateTimeOffset? WithResidentAt = null, string? Title = null, string? Language = null,
    string? HandedOffTo = null, string? HandedOffBy = null, DateTimeOffset? HandedOffAt = null, AlertEvidence? Evidence = null)
{
    public static AlertDto From(Alert a, PlaceNames names, string? language = null) => new(
        a.Id, a.Kind.ToWire(), a.Severity.ToWire(), a.Status.ToWire(), a.DeviceId,
        a.ResidentId, names.Resident(a.ResidentId), a.HouseholdId, names.Household(a.HouseholdId), a.GridId, names.Grid(a.GridId), a.CommunityId,
        a.MessageIn(language ?? Domain.Catalog.TextCatalogues.English), a.RaisedAt, a.LastSeenAt, a.Occurrences,
        names.Person(a.AcknowledgedBy), a.AcknowledgedAt, names.Person(a.AssignedTo), a.DispatchedAt, a.OnSiteAt,
        names.Person(a.ResolvedBy), a.ResolvedAt, a.Outcome?.ToWire(), a.ResolutionNote, a.Version,
        a.PreAlarmUntil, a.PagesSent, a.EscalationLevel is { } l ? ((Domain.Escalation.EscalationLevel)l).ToWire() : null, a.FeedbackRating, a.FeedbackComment,
        EscalationSchedule.NextLevel(a)?.At, names.Person(a.WithResidentBy), a.WithResidentAt,
        a.TitleIn(language), Domain.Catalog.TextCatalogues.Normalize(language), a.HandedOffTo, names.Person(a.HandedOffBy), a.HandedOffAt,
        a.EvidenceData());
}

/// <summary>A timeline entry; <paramref name="Actor"/> is a display name (or "device:…", "system"), like a dispatch's detail (the assignee).</summary>
public sealed record AlertEventDto(long Id, DateTimeOffset At, string Type, string Actor, string? Detail, int? Level)
{
    public static AlertEventDto From(AlertEvent e, PlaceNames names) => new(e.Id, e.At, e.Type.ToWire(), names.Person(e.Actor) ?? e.Actor,
        e.Type == AlertEventType.Dispatched ? names.Person(e.Detail) : e.Detail, e.Level);

    /// <summary>The raise and its repeats carry the alert's message: in the reader's language when the alert has a key
    /// (the latest arguments; the stored English detail keeps each repeat's own).</summary>
    public static AlertEventDto From(AlertEvent e, Alert alert, string language, PlaceNames names) =>
        e.Type is AlertEventType.Raised or AlertEventType.Repeated && alert.MessageKey is not null && language != Domain.Catalog.TextCatalogues.English
            ? From(e, names) with { Detail = alert.MessageIn(language) }
            : From(e, names);
}

/// <summary>A page to on-call people: the alert, the escalation level and step.</summary>
public sealed record PageDto(AlertDto Alert, string Level, int Step);
