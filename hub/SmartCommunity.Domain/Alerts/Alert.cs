using System;
using System.Collections.Generic;
using System.Linq;
using SmartCommunity.Domain.Catalog;

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
    /// <summary>The message in English, as raised: what rows from before <see cref="MessageKey"/> carry, and logs.</summary>
    public string Message { get; private set; } = "";

    /// <summary>The message in the text catalogues and its arguments (JSON): every reader gets it in their language.</summary>
    public string? MessageKey { get; private set; }
    public string? MessageArgs { get; private set; }

    /// <summary>Early warning's evidence (<see cref="AlertEvidence"/>, JSON): the recent series, the expected band, the moment
    /// it fired; the latest repeat's. Null for every other alert.</summary>
    public string? Evidence { get; private set; }

    public AlertEvidence? EvidenceData() => AlertEvidence.Parse(Evidence);
    public DateTimeOffset RaisedAt { get; private set; }
    public DateTimeOffset LastSeenAt { get; private set; }
    public int Occurrences { get; private set; }

    /// <summary>
    /// The device packs counted in <see cref="Occurrences"/> whose other copy may still come, by the path they came:
    /// <c>l4711</c> from a community gateway's local alert (the replayed pack follows), <c>p4711</c> from the pack (a late
    /// local alert may follow); space-separated, the newest <see cref="MaxSeenSeqs"/>. A press reaches the hub both ways
    /// after an outage, and is one occurrence.
    /// </summary>
    public string? SeenSeqs { get; private set; }

    public const int MaxSeenSeqs = 16;
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

    /// <summary>Set for pre-alarms: staff are paged only after this, unless the resident or family cancel first.</summary>
    public DateTimeOffset? PreAlarmUntil { get; private set; }

    /// <summary>How many escalation pages went out; the next step is this index (idempotence guard for timers).</summary>
    public int PagesSent { get; private set; }
    public int? EscalationLevel { get; private set; }

    /// <summary>A family member reported being with the resident (who, when): shown to staff, who still resolve the alert.</summary>
    public string? WithResidentBy { get; private set; }
    public DateTimeOffset? WithResidentAt { get; private set; }

    /// <summary>The emergency centre staff handed the alert to (120, 110, 119), who called it and when.</summary>
    public string? HandedOffTo { get; private set; }
    public string? HandedOffBy { get; private set; }
    public DateTimeOffset? HandedOffAt { get; private set; }

    public int? FeedbackRating { get; private set; }
    public string? FeedbackComment { get; private set; }
    public string? FeedbackBy { get; private set; }
    public DateTimeOffset? FeedbackAt { get; private set; }

    private readonly List<AlertEvent> _timeline = [];

    /// <summary>Timeline entries: all of them when loaded with the alert, otherwise the ones added since loading.</summary>
    public IReadOnlyList<AlertEvent> Timeline => _timeline;

    public bool IsOpen => Status != AlertStatus.Resolved;

    /// <summary>The message in <paramref name="language"/>; free text and older rows (no key) as stored.</summary>
    public string MessageIn(string? language) =>
        MessageKey is null ? Message : TextCatalogues.Format(language, MessageKey, LocalizedText.ParseArgs(MessageArgs));

    /// <summary>The alert kind's title in <paramref name="language"/>.</summary>
    public string TitleIn(string? language) => TextCatalogues.Format(language, Kind.Spec().LabelKey, []);

    /// <summary>When escalation starts: at once, or when the pre-alarm window ends.</summary>
    public DateTimeOffset PagingStartsAt => PreAlarmUntil ?? RaisedAt;

    public bool InPreAlarm(DateTimeOffset now) => IsOpen && PreAlarmUntil is { } until && now < until && AcknowledgedAt is null;

    /// <summary>The pre-alarm's question is still open: nobody called it off, acknowledged it or was paged for it yet (its
    /// window may have run out a moment ago, with the first page on its way). The resident's pendant asks "are you OK?"
    /// for as long as this holds.</summary>
    public bool PreAlarmPending => IsOpen && PreAlarmUntil is not null && AcknowledgedAt is null && PagesSent == 0;

    public static Alert Raise(AlertSignal signal, AlertPlace place, DateTimeOffset at, TimeSpan? preAlarm = null)
    {
        var alert = Create(signal, place, at);
        alert.PreAlarmUntil = preAlarm is { } w && w > TimeSpan.Zero ? at + w : null;
        alert._timeline.Add(new AlertEvent(AlertEventType.Raised, "device:" + signal.DeviceId, at,
            alert.PreAlarmUntil is { } u ? $"{signal.Message} (pre-alarm until {u:O})" : signal.Message));
        return alert;
    }

    private static Alert Create(AlertSignal signal, AlertPlace place, DateTimeOffset at) => new()
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
        MessageKey = signal.MessageKey,
        MessageArgs = signal.MessageKey is null ? null : LocalizedText.SerializeArgs(signal.MessageArgs ?? []),
        Evidence = signal.Evidence?.ToJson(),
        RaisedAt = at,
        LastSeenAt = at,
        Occurrences = 1,
        SeenSeqs = Remember(null, signal, out _),
        Version = 1,
    };

    /// <summary>
    /// The list of <see cref="SeenSeqs"/> after <paramref name="signal"/>; <paramref name="isNew"/> is false when the signal
    /// is the other copy of an event already counted (a gateway's local alert and the forwarded pack with the same
    /// sequence number), which is then taken off the list.
    /// </summary>
    private static string? Remember(string? seen, AlertSignal signal, out bool isNew)
    {
        isNew = true;
        if (signal.Seq is not { } seq)
            return seen;
        var n = seq.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var list = string.IsNullOrEmpty(seen) ? [] : seen.Split(' ').ToList();
        var other = list.IndexOf((signal.Local ? "p" : "l") + n);
        isNew = other < 0;
        if (!isNew)
            list.RemoveAt(other);
        else
        {
            list.Add((signal.Local ? "l" : "p") + n);
            if (list.Count > MaxSeenSeqs)
                list.RemoveRange(0, list.Count - MaxSeenSeqs);
        }
        return list.Count == 0 ? null : string.Join(' ', list);
    }

    /// <summary>A repeat of the same condition: the open alert records it instead of a new page.</summary>
    public void Fold(AlertSignal signal, DateTimeOffset at)
    {
        EnsureOpen();
        if (signal.DeviceId != DeviceId || signal.Kind != Kind)
            throw new InvalidOperationException("only a repeat of the same device and kind folds into an alert");
        SeenSeqs = Remember(SeenSeqs, signal, out var isNew);
        if (!isNew)
        {
            // The pack a community gateway already reported as a local alert (or the reverse): the same event, counted once.
            Version++;
            return;
        }
        Occurrences++;
        if (at > LastSeenAt)
            LastSeenAt = at;
        Message = signal.Message;
        MessageKey = signal.MessageKey;
        MessageArgs = signal.MessageKey is null ? null : LocalizedText.SerializeArgs(signal.MessageArgs ?? []);
        if (signal.Evidence is { } evidence)
            Evidence = evidence.ToJson();
        if (signal.Severity > Severity)
            Severity = signal.Severity;
        _timeline.Add(new AlertEvent(AlertEventType.Repeated, "device:" + DeviceId, at, signal.Message));
        Version++;
    }

    /// <summary>
    /// The community gateway raised this alert in its duty room while the hub was unreachable (docs/gateway.md): the alert
    /// keeps the earlier raised time, and an acknowledgement made there is carried over with its time, so an alert already
    /// being handled locally pages nobody.
    /// </summary>
    public void CarryOverLocal(string gatewayId, DateTimeOffset raisedAt, string? ackBy, DateTimeOffset? ackAt)
    {
        EnsureOpen();
        if (raisedAt < RaisedAt)
            RaisedAt = raisedAt;
        if (ackAt is { } at && Status == AlertStatus.Raised)
        {
            Status = AlertStatus.Acknowledged;
            AcknowledgedBy = string.IsNullOrWhiteSpace(ackBy) ? "gateway:" + gatewayId : ackBy.Trim();
            AcknowledgedAt = at;
            _timeline.Add(new AlertEvent(AlertEventType.Acknowledged, AcknowledgedBy, at, "gateway:" + gatewayId));
        }
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
        _timeline.Add(new AlertEvent(AlertEventType.Acknowledged, by, at));
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
        _timeline.Add(new AlertEvent(AlertEventType.Dispatched, by, at, assignee));
        Version++;
    }

    public void ArriveOnSite(DateTimeOffset at, string? by = null)
    {
        if (Status != AlertStatus.Dispatched)
            throw new AlertTransitionException(this, "arrive on site");
        Status = AlertStatus.OnSite;
        OnSiteAt = at;
        _timeline.Add(new AlertEvent(AlertEventType.OnSite, by ?? AssignedTo ?? "system", at));
        Version++;
    }

    public void Comment(string by, string text, DateTimeOffset at)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(by);
        ArgumentException.ThrowIfNullOrWhiteSpace(text);
        _timeline.Add(new AlertEvent(AlertEventType.Comment, by, at, text.Trim()));
        Version++;
    }

    /// <summary>Records escalation page <paramref name="step"/>; false when it was already sent (a timer firing twice) or
    /// the alert no longer needs paging, so the caller sends nothing.</summary>
    public bool RecordPage(int step, int level, string recipients, DateTimeOffset at)
    {
        if (!IsOpen || AcknowledgedAt is not null || step != PagesSent)
            return false;
        PagesSent = step + 1;
        EscalationLevel = level;
        _timeline.Add(new AlertEvent(AlertEventType.Paged, "system", at, recipients, level));
        Version++;
        return true;
    }

    /// <summary>Records that the call cascade called <paramref name="contact"/> on <paramref name="channels"/>.</summary>
    public void RecordCall(string contact, string channels, DateTimeOffset at)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(contact);
        _timeline.Add(new AlertEvent(AlertEventType.Called, "system", at, $"{contact} · {channels}"));
        Version++;
    }

    /// <summary>Staff called an emergency centre for this alert: who, which number, when. Said again (another centre), the
    /// latest is shown; each is on the timeline. Handing off is also taking the alert, so an unacknowledged one is
    /// acknowledged by the same person.</summary>
    public void HandOff(string by, string centre, DateTimeOffset at)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(by);
        ArgumentException.ThrowIfNullOrWhiteSpace(centre);
        EnsureOpen();
        if (Status == AlertStatus.Raised)
            Acknowledge(by, at);
        HandedOffTo = centre;
        HandedOffBy = by;
        HandedOffAt = at;
        _timeline.Add(new AlertEvent(AlertEventType.HandedOff, by, at, centre));
        Version++;
    }

    /// <summary>The resident or family called it off inside the pre-alarm window; afterwards only staff can resolve. Only
    /// inferred alerts have one: a device event (an SOS, a fall) had its cancel window on the device, and staff resolve it.</summary>
    public void CancelPreAlarm(string by, DateTimeOffset at)
    {
        if (!Kind.Spec().IsInferred)
            throw new AlertTransitionException(this, "cancel a device's alert (staff resolve it)");
        if (!InPreAlarm(at))
            throw new AlertTransitionException(this, "cancel outside the pre-alarm window");
        _timeline.Add(new AlertEvent(AlertEventType.PreAlarmCancelled, by, at));
        Resolve(by, AlertOutcome.ResidentCancelled, "Cancelled during the pre-alarm window", at);
    }

    /// <summary>A family member is with the resident ("I am with her"): recorded and shown, the alert stays open and
    /// escalates as before, for staff to resolve. Said again, the latest report is shown; each is on the timeline.</summary>
    public void ReportWithResident(string by, DateTimeOffset at)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(by);
        EnsureOpen();
        WithResidentBy = by;
        WithResidentAt = at;
        _timeline.Add(new AlertEvent(AlertEventType.WithResident, by, at));
        Version++;
    }

    /// <summary>Family feedback on a closed alert: a 1–5 rating and an optional comment, given once.</summary>
    public void GiveFeedback(string by, int rating, string? comment, DateTimeOffset at)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(by);
        ArgumentOutOfRangeException.ThrowIfLessThan(rating, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(rating, 5);
        if (IsOpen || FeedbackRating is not null)
            throw new AlertTransitionException(this, IsOpen ? "rate an open alert" : "rate an alert twice");
        FeedbackRating = rating;
        FeedbackComment = string.IsNullOrWhiteSpace(comment) ? null : comment.Trim();
        FeedbackBy = by;
        FeedbackAt = at;
        _timeline.Add(new AlertEvent(AlertEventType.Feedback, by, at, $"{rating}/5" + (FeedbackComment is null ? "" : ": " + FeedbackComment)));
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
        _timeline.Add(new AlertEvent(AlertEventType.Resolved, by, at, outcome.ToWire() + (ResolutionNote is null ? "" : ": " + ResolutionNote)));
        Version++;
    }

    /// <summary>
    /// Retention: drops what people wrote (resolution note, comments, the family's feedback text) and keeps what the
    /// KPIs need: kind, place, times, outcome, rating, who handled it.
    /// </summary>
    public void EraseFreeText()
    {
        ResolutionNote = null;
        FeedbackComment = null;
        foreach (var e in _timeline)
            e.EraseFreeText();
        Version++;
    }

    /// <summary>
    /// Erasure of the resident on request: the free text goes, the link to the resident goes, and the names of their
    /// family members (who cancelled or rated) become "family". The alert stays, anonymous, for the community's statistics.
    /// </summary>
    public void ErasePersonalData(IReadOnlyCollection<string> familyUserNames)
    {
        EraseFreeText();
        ResidentId = null;
        // The evidence is the resident's own readings (their activity by the hour): it goes with them.
        Evidence = null;
        if (FeedbackBy is not null)
            FeedbackBy = FamilyActor;
        if (WithResidentBy is not null)
            WithResidentBy = FamilyActor;
        if (AcknowledgedBy is { } ack && (familyUserNames.Contains(ack) || ack.StartsWith(ContactActorPrefix, StringComparison.Ordinal)))
            AcknowledgedBy = FamilyActor;
        foreach (var e in _timeline)
        {
            if (familyUserNames.Contains(e.Actor) || e.Actor.StartsWith(ContactActorPrefix, StringComparison.Ordinal))
                e.ReplaceActor(FamilyActor);
        }
    }

    public const string FamilyActor = "family";

    /// <summary>The actor of an emergency contact without an account who acknowledged by SMS or link: "contact:{name}".</summary>
    public const string ContactActorPrefix = "contact:";

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
