using System;
using System.Collections.Generic;
using System.Linq;
using SmartCommunity.Domain.Catalog;

namespace SmartCommunity.Domain.Cases;

public enum CaseCategory { SafetyHazard, Repair, CareNeed, Complaint, Other }

/// <summary>How the case reached the hub: the resident, their family, a grid worker on a round, or a phone call taken at the desk.</summary>
public enum CaseChannel { Resident, Family, GridWorker, DeskPhone }

public enum CaseStatus { Opened, Assigned, OnSite, Resolved }

public enum CaseOutcome { Fixed, Referred, NoActionNeeded, Withdrawn }

public sealed class CaseTransitionException(Case c, string action)
    : InvalidOperationException($"Case {c.Id} is {WireName.Of(c.Status)}: cannot {action}");

/// <summary>
/// A request a resident raises (接诉即办), taken through the same closed loop as an alert: opened → assigned → on site →
/// resolved with an outcome → rated. Each category has its own time targets (<see cref="CaseTargets"/>); a missed target
/// escalates once per step (<see cref="RecordEscalation"/> refuses a step twice, so a job run twice pages once).
/// </summary>
public sealed class Case
{
    private Case() { }

    public long Id { get; private set; }
    public CaseCategory Category { get; private set; }
    public CaseChannel Channel { get; private set; }
    public CaseStatus Status { get; private set; }
    public int CommunityId { get; private set; }
    public int? GridId { get; private set; }
    public int? HouseholdId { get; private set; }
    public int? ResidentId { get; private set; }
    public string Description { get; private set; } = "";
    public string OpenedBy { get; private set; } = "";
    public DateTimeOffset OpenedAt { get; private set; }
    public string? AssignedTo { get; private set; }
    public string? AssignedBy { get; private set; }
    public DateTimeOffset? AssignedAt { get; private set; }
    public DateTimeOffset? OnSiteAt { get; private set; }
    public string? ResolvedBy { get; private set; }
    public DateTimeOffset? ResolvedAt { get; private set; }
    public CaseOutcome? Outcome { get; private set; }
    public string? ResolutionNote { get; private set; }
    /// <summary>Escalation steps recorded (0 none, 1 response overdue, 2 resolution overdue).</summary>
    public int Escalations { get; private set; }
    public DateTimeOffset? EscalatedAt { get; private set; }
    public int? Rating { get; private set; }
    public string? RatingComment { get; private set; }
    public string? RatedBy { get; private set; }
    public DateTimeOffset? RatedAt { get; private set; }
    public string? PhotoContentType { get; private set; }
    public int Version { get; private set; }

    public bool IsOpen => Status != CaseStatus.Resolved;
    public DateTimeOffset RespondBy => OpenedAt + CaseTargets.For(Category).Respond;
    public DateTimeOffset ResolveBy => OpenedAt + CaseTargets.For(Category).Resolve;
    public bool RespondedOnTime => AssignedAt is { } a && a <= RespondBy;
    public bool ResolvedOnTime => ResolvedAt is { } r && r <= ResolveBy;

    /// <summary>Who handled it, for the scorecards: the assignee, else whoever resolved it.</summary>
    public string? Handler => AssignedTo ?? ResolvedBy;

    public static Case Open(CaseCategory category, CaseChannel channel, int communityId, int? gridId, int? householdId, int? residentId,
        string description, string by, DateTimeOffset at)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(description);
        ArgumentException.ThrowIfNullOrWhiteSpace(by);
        return new Case
        {
            Category = category, Channel = channel, Status = CaseStatus.Opened, CommunityId = communityId, GridId = gridId,
            HouseholdId = householdId, ResidentId = residentId, Description = description.Trim(), OpenedBy = by, OpenedAt = at,
        };
    }

    /// <summary>Someone takes the case (or is given it): the response the first target counts. Reassigning an open case is allowed.</summary>
    public void Assign(string by, string assignee, DateTimeOffset at)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(assignee);
        EnsureOpen("assign");
        AssignedTo = assignee;
        AssignedBy = by;
        AssignedAt ??= at;
        if (Status == CaseStatus.Opened)
            Status = CaseStatus.Assigned;
        Version++;
    }

    public void ArriveOnSite(string by, DateTimeOffset at)
    {
        if (Status != CaseStatus.Assigned)
            throw new CaseTransitionException(this, "arrive on site before it is assigned");
        OnSiteAt = at;
        Status = CaseStatus.OnSite;
        Version++;
    }

    /// <summary>Resolving is allowed from any open state (a phone call may settle it); an unassigned case counts as answered by whoever resolves it.</summary>
    public void Resolve(string by, CaseOutcome outcome, string? note, DateTimeOffset at)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(by);
        EnsureOpen("resolve");
        if (AssignedAt is null)
        {
            AssignedTo = by;
            AssignedAt = at;
        }
        ResolvedBy = by;
        ResolvedAt = at;
        Outcome = outcome;
        ResolutionNote = string.IsNullOrWhiteSpace(note) ? null : note.Trim();
        Status = CaseStatus.Resolved;
        Version++;
    }

    /// <summary>好差评: a 1–5 rating and optional comment on a resolved case, given once.</summary>
    public void Rate(string by, int rating, string? comment, DateTimeOffset at)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rating, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(rating, 5);
        if (IsOpen || Rating is not null)
            throw new CaseTransitionException(this, IsOpen ? "rate an open case" : "rate a case twice");
        Rating = rating;
        RatingComment = string.IsNullOrWhiteSpace(comment) ? null : comment.Trim();
        RatedBy = by;
        RatedAt = at;
        Version++;
    }

    public void AttachPhoto(string contentType)
    {
        PhotoContentType = contentType;
        Version++;
    }

    /// <summary>
    /// The resident asked to be forgotten: the link to them and every free text (what was asked, how it was resolved, the
    /// comment, the photo) go; category, place above the resident, times, outcome and rating stay for the statistics.
    /// A family member who opened or rated it becomes "family".
    /// </summary>
    public void ErasePersonalData(IReadOnlyCollection<string> familyUserNames)
    {
        ResidentId = null;
        Description = "";
        ResolutionNote = null;
        RatingComment = null;
        PhotoContentType = null;
        if (familyUserNames.Contains(OpenedBy))
            OpenedBy = Alerts.Alert.FamilyActor;
        if (RatedBy is { } rater && familyUserNames.Contains(rater))
            RatedBy = Alerts.Alert.FamilyActor;
        Version++;
    }

    /// <summary>Records escalation step <paramref name="step"/>; false when it was already recorded (a second run) or the case is closed.</summary>
    public bool RecordEscalation(int step, DateTimeOffset at)
    {
        if (!IsOpen || step <= Escalations)
            return false;
        Escalations = step;
        EscalatedAt = at;
        Version++;
        return true;
    }

    private void EnsureOpen(string action)
    {
        if (!IsOpen)
            throw new CaseTransitionException(this, action);
    }
}

/// <summary>How long a case of a category may wait for a response (someone takes it) and for its resolution.
/// The seed plan's promise is a response within 24 hours for everything; hazards and care needs sooner.</summary>
public sealed record CaseTargets(TimeSpan Respond, TimeSpan Resolve)
{
    public static CaseTargets For(CaseCategory category) => category switch
    {
        CaseCategory.SafetyHazard => new(TimeSpan.FromHours(1), TimeSpan.FromHours(24)),
        CaseCategory.CareNeed => new(TimeSpan.FromHours(4), TimeSpan.FromHours(72)),
        CaseCategory.Repair => new(TimeSpan.FromHours(24), TimeSpan.FromHours(72)),
        _ => new(TimeSpan.FromHours(24), TimeSpan.FromDays(7)),
    };
}

public enum CaseEscalationStep { ResponseOverdue = 1, ResolutionOverdue = 2 }

/// <summary>Which escalation step of an open case is due now, if any: response overdue (nobody took it in time), then
/// resolution overdue. A case that missed both at once gets the later step only (one page, not two).</summary>
public static class CaseEscalation
{
    public static CaseEscalationStep? Due(Case c, DateTimeOffset now)
    {
        if (!c.IsOpen)
            return null;
        if (now >= c.ResolveBy && c.Escalations < (int)CaseEscalationStep.ResolutionOverdue)
            return CaseEscalationStep.ResolutionOverdue;
        if (c.AssignedAt is null && now >= c.RespondBy && c.Escalations < (int)CaseEscalationStep.ResponseOverdue)
            return CaseEscalationStep.ResponseOverdue;
        return null;
    }

    /// <summary>When the next step falls due (for "overdue in …" on the board), or null when none remains.</summary>
    public static DateTimeOffset? NextDueAt(Case c)
    {
        if (!c.IsOpen)
            return null;
        if (c.AssignedAt is null && c.Escalations < 1)
            return c.RespondBy;
        return c.Escalations < 2 ? c.ResolveBy : null;
    }
}
