using System.Text.Json;
using Microsoft.AspNetCore.SignalR;
using Microsoft.EntityFrameworkCore;
using Quartz;
using SmartCommunity.Domain.Alerts;
using SmartCommunity.Domain.Cases;
using SmartCommunity.Domain.Catalog;
using SmartCommunity.Domain.Escalation;
using SmartCommunity.Hub.Alerts;
using SmartCommunity.Hub.Escalation;
using SmartCommunity.Hub.Localization;
using SmartCommunity.Hub.Notifications;
using SmartCommunity.Hub.Persistence;
using SmartCommunity.Hub.Places;

namespace SmartCommunity.Hub.Cases;

/// <summary>A case's photo, one per case, in the hub database (both stores, every instance sees it).</summary>
public sealed class CasePhoto
{
    public long CaseId { get; set; }
    public required string ContentType { get; set; }
    public required byte[] Bytes { get; set; }
    public required string UploadedBy { get; set; }
    public DateTimeOffset At { get; set; }
}

/// <summary>
/// The case loop's side effects, in one place: persisting a change, the live push to the boards of everyone who may see the
/// case (the alert groups: the same rule as <see cref="People.AccessScope.CanSee(AlertPlace)"/>), the push and webhook to
/// the grid worker on duty when a case opens (the roster, as for alerts), and the overdue escalation to the duty officer.
/// Notifications go through the outbox under keys of (case, step), so a step run twice sends nothing twice.
/// </summary>
public sealed class CaseService(IDbContextFactory<HubDbContext> dbFactory, IHubContext<AlertsHub, IAlertsClient> hub, OnCall onCall,
    WebPushSender push, WebhookChannel webhooks, UserLanguages languages, PlaceNames names, TimeProvider time, ILogger<CaseService> logger)
{
    public async Task<Case> OpenAsync(Case c, CancellationToken ct)
    {
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            db.Cases.Add(c);
            await db.SaveChangesAsync(ct);
        }
        logger.LogInformation("Case {CaseId} opened: {Category} by {Channel} in community {CommunityId}, grid {GridId}", c.Id, c.Category, c.Channel, c.CommunityId, c.GridId);
        await PushAsync(c);
        var recipients = await onCall.RecipientsAsync(c.CommunityId, c.GridId, c.GridId is null ? EscalationLevel.DutyOfficer : EscalationLevel.GridWorker, ct);
        await NotifyAsync(c, "case.opened", "case.push.opened", recipients, $"case-{c.Id}:opened", ct);
        return c;
    }

    /// <summary>Loads, changes and saves a case (optimistic: a concurrent change is retried once on fresh data); null if it is gone.</summary>
    public async Task<Case?> ChangeAsync(long id, Action<Case> change, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            var c = await db.Cases.SingleOrDefaultAsync(x => x.Id == id, ct);
            if (c is null)
                return null;
            change(c);
            try
            {
                await db.SaveChangesAsync(ct);
            }
            catch (DbUpdateConcurrencyException) when (attempt == 0)
            {
                continue;
            }
            await PushAsync(c);
            return c;
        }
    }

    /// <summary>
    /// Every open case whose next target has passed gets its escalation step: recorded on the case first (so a second run,
    /// on this instance or another, finds it done), then pushed and sent to the community's duty officer on call and the
    /// grid worker. Returns the cases escalated.
    /// </summary>
    public async Task<List<Case>> EscalateOverdueAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow();
        List<Case> open;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
            open = await db.Cases.AsNoTracking().Where(c => c.Status != CaseStatus.Resolved).ToListAsync(ct);
        var escalated = new List<Case>();
        foreach (var candidate in open)
        {
            if (CaseEscalation.Due(candidate, now) is not { } step)
                continue;
            var recorded = false;
            Case? c;
            try
            {
                c = await ChangeAsync(candidate.Id, x => recorded = x.RecordEscalation((int)step, now), ct);
            }
            catch (DbUpdateConcurrencyException)
            {
                continue; // another instance recorded it
            }
            if (!recorded || c is null)
                continue;
            logger.LogWarning("Case {CaseId} escalated: {Step} ({Category}, opened {OpenedAt:O})", c.Id, step, c.Category, c.OpenedAt);
            var recipients = await onCall.RecipientsAsync(c.CommunityId, c.GridId, EscalationLevel.DutyOfficer, ct);
            if (c.GridId is not null)
                recipients.AddRange(await onCall.RecipientsAsync(c.CommunityId, c.GridId, EscalationLevel.GridWorker, ct));
            var title = step == CaseEscalationStep.ResponseOverdue ? "case.push.escalated_response" : "case.push.escalated_resolution";
            await NotifyAsync(c, "case.escalated", title, recipients.DistinctBy(r => r.UserId).ToList(), $"case-{c.Id}:escalation-{(int)step}", ct);
            escalated.Add(c);
        }
        return escalated;
    }

    private async Task PushAsync(Case c)
    {
        // The case carries no rendered text (the board labels categories itself): one DTO for every language's group.
        var groups = Audience(c).SelectMany(AlertGroups.InEveryLanguage).ToList();
        await hub.Clients.Groups(groups).CaseUpdated(CaseDto.From(c, names));
    }

    public static List<string> Audience(Case c)
    {
        var groups = new List<string>(4) { AlertGroups.All, AlertGroups.Community(c.CommunityId) };
        if (c.GridId is { } g) groups.Add(AlertGroups.Grid(g));
        if (c.ResidentId is { } r) groups.Add(AlertGroups.Resident(r));
        else if (c.HouseholdId is { } h) groups.Add(AlertGroups.Household(h));
        return groups;
    }

    private async Task NotifyAsync(Case c, string eventType, string titleKey, IReadOnlyList<Recipient> recipients, string key, CancellationToken ct)
    {
        var ids = recipients.Select(r => r.UserId).ToList();
        var byUser = await languages.OfAsync(ids, ct);
        var severity = c.Category == CaseCategory.SafetyHazard ? Severity.Warning : Severity.Info;
        foreach (var group in ids.GroupBy(id => byUser[id]))
        {
            var title = TextCatalogues.Format(group.Key, titleKey, [LocalizedText.Of(CaseTexts.CategoryKey(c.Category))]);
            await push.EnqueueAsync(group.ToList(), severity, new PushPayload(title, c.Description, 0, severity.ToWire(), $"/cases?id={c.Id}", $"case-{c.Id}"), key, ct);
        }
        await webhooks.EnqueueAsync(eventType, new { @case = CaseDto.From(c, names), recipients = recipients.Select(r => new { r.UserId, r.Name, r.Phone }) }, key, null, ct);
    }
}

/// <summary>Quartz job: every minute, open cases past their targets are escalated (<see cref="CaseService.EscalateOverdueAsync"/>).</summary>
[DisallowConcurrentExecution]
public sealed class CaseEscalationJob(CaseService cases) : IJob
{
    public static readonly JobKey Key = new("case-escalation", "cases");

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default) =>
        await cases.EscalateOverdueAsync(cancellationToken);
}
