namespace SmartCommunity.Domain.Alerts;

/// <summary>
/// An alert and its lifecycle: raised → acknowledged → dispatched → on site → resolved. Repeats of the
/// same (device, kind) while the alert is open fold into it instead of paging staff again.
/// State changes go through methods that refuse illegal transitions.
/// </summary>
public sealed class Alert
{
    private Alert() { }

    public long Id { get; private set; }
    public AlertKind Kind { get; private set; }
    public Severity Severity { get; private set; }
    public AlertStatus Status { get; private set; }
    public string DeviceId { get; private set; } = "";
    public int? ResidentId { get; private set; }
    public int? HouseholdId { get; private set; }
    public int? GridId { get; private set; }
    public int? CommunityId { get; private set; }
    public string Message { get; private set; } = "";
    public DateTimeOffset RaisedAt { get; private set; }
    public DateTimeOffset LastSeenAt { get; private set; }
    public int Occurrences { get; private set; }
    public string? AcknowledgedBy { get; private set; }
    public DateTimeOffset? AcknowledgedAt { get; private set; }
    public string? AssignedTo { get; private set; }
    public DateTimeOffset? DispatchedAt { get; private set; }
    public DateTimeOffset? OnSiteAt { get; private set; }
    public string? ResolvedBy { get; private set; }
    public DateTimeOffset? ResolvedAt { get; private set; }
    public AlertOutcome? Outcome { get; private set; }
    public string? ResolutionNote { get; private set; }

    /// <summary>Bumped on every change, so clients can keep the newest copy of an alert they receive twice.</summary>
    public int Version { get; private set; }

    public bool IsOpen => Status != AlertStatus.Resolved;

    public static Alert Raise(AlertSignal signal, AlertPlace place, DateTimeOffset at) => new()
    {
        Kind = signal.Kind,
        Severity = signal.Severity,
        Status = AlertStatus.Raised,
        DeviceId = signal.DeviceId,
        ResidentId = place.ResidentId,
        HouseholdId = place.HouseholdId,
        GridId = place.GridId,
        CommunityId = place.CommunityId,
        Message = signal.Message,
        RaisedAt = at,
        LastSeenAt = at,
        Occurrences = 1,
        Version = 1,
    };

    /// <summary>A repeat of the same condition: the open alert records it instead of a new page.</summary>
    public void Fold(AlertSignal signal, DateTimeOffset at)
    {
        EnsureOpen();
        if (signal.DeviceId != DeviceId || signal.Kind != Kind)
            throw new InvalidOperationException("only a repeat of the same device and kind folds into an alert");
        Occurrences++;
        if (at > LastSeenAt)
            LastSeenAt = at;
        Message = signal.Message;
        if (signal.Severity > Severity)
            Severity = signal.Severity;
        Version++;
    }

    public void Acknowledge(string by, DateTimeOffset at)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(by);
        if (Status != AlertStatus.Raised)
            throw new AlertTransitionException(this, "acknowledge");
        Status = AlertStatus.Acknowledged;
        AcknowledgedBy = by;
        AcknowledgedAt = at;
        Version++;
    }

    public void Dispatch(string by, string assignee, DateTimeOffset at)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(assignee);
        if (Status == AlertStatus.Raised)
            Acknowledge(by, at);
        if (Status is not (AlertStatus.Acknowledged or AlertStatus.Dispatched))
            throw new AlertTransitionException(this, "dispatch");
        Status = AlertStatus.Dispatched;
        AssignedTo = assignee;
        DispatchedAt = at;
        Version++;
    }

    public void ArriveOnSite(DateTimeOffset at)
    {
        if (Status != AlertStatus.Dispatched)
            throw new AlertTransitionException(this, "arrive on site");
        Status = AlertStatus.OnSite;
        OnSiteAt = at;
        Version++;
    }

    /// <summary>Resolving is allowed from any open state: staff may close a false alarm without dispatching.</summary>
    public void Resolve(string by, AlertOutcome outcome, string? note, DateTimeOffset at)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(by);
        EnsureOpen();
        if (AcknowledgedAt is null)
        {
            AcknowledgedBy = by;
            AcknowledgedAt = at;
        }
        Status = AlertStatus.Resolved;
        ResolvedBy = by;
        ResolvedAt = at;
        Outcome = outcome;
        ResolutionNote = string.IsNullOrWhiteSpace(note) ? null : note.Trim();
        Version++;
    }

    private void EnsureOpen()
    {
        if (!IsOpen)
            throw new AlertTransitionException(this, "change a resolved alert");
    }
}

/// <summary>Where an alert happened, for routing: resident, household, grid, community (any may be unknown).</summary>
public readonly record struct AlertPlace(int? ResidentId, int? HouseholdId, int? GridId, int? CommunityId);

public sealed class AlertTransitionException(Alert alert, string action)
    : InvalidOperationException($"cannot {action}: alert {alert.Id} is {alert.Status.ToWire()}")
{
    public long AlertId { get; } = alert.Id;
}
