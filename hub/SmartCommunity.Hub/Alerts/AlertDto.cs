using SmartCommunity.Domain.Alerts;
using SmartCommunity.Hub.Places;

namespace SmartCommunity.Hub.Alerts;

/// <summary>An alert as the API, SignalR and the dashboard see it: wire names, place names resolved.</summary>
public sealed record AlertDto(
    long Id, string Kind, string Severity, string Status, string DeviceId,
    int? ResidentId, string? ResidentName, int? HouseholdId, string? HouseholdLabel, int? GridId, string? GridName, int? CommunityId,
    string Message, DateTimeOffset RaisedAt, DateTimeOffset LastSeenAt, int Occurrences,
    string? AcknowledgedBy, DateTimeOffset? AcknowledgedAt, string? AssignedTo, DateTimeOffset? DispatchedAt, DateTimeOffset? OnSiteAt,
    string? ResolvedBy, DateTimeOffset? ResolvedAt, string? Outcome, string? ResolutionNote, int Version)
{
    public static AlertDto From(Alert a, PlaceNames names) => new(
        a.Id, a.Kind.ToWire(), a.Severity.ToWire(), a.Status.ToWire(), a.DeviceId,
        a.ResidentId, names.Resident(a.ResidentId), a.HouseholdId, names.Household(a.HouseholdId), a.GridId, names.Grid(a.GridId), a.CommunityId,
        a.Message, a.RaisedAt, a.LastSeenAt, a.Occurrences,
        a.AcknowledgedBy, a.AcknowledgedAt, a.AssignedTo, a.DispatchedAt, a.OnSiteAt,
        a.ResolvedBy, a.ResolvedAt, a.Outcome?.ToWire(), a.ResolutionNote, a.Version);
}
