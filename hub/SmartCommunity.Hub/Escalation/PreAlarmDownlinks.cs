using Microsoft.EntityFrameworkCore;
using SmartCommunity.Domain.Alerts;
using SmartCommunity.Domain.Catalog;
using SmartCommunity.Domain.Devices;
using SmartCommunity.Hub.Alerts;
using SmartCommunity.Hub.Persistence;

namespace SmartCommunity.Hub.Escalation;

/// <summary>
/// The resident's side of an inferred alert's pre-alarm (inactivity, a routine). When one is raised, the resident's
/// pendants and wearables — the kinds whose button can cancel (<see cref="ButtonAction.Cancel"/>) — are asked "are you
/// OK?" with the seconds left (<c>{"cmd":"pre-alarm","s":N}</c>); a hold there sends <c>cancel</c>, which
/// <see cref="DeviceButtons"/> turns into the call-off. When the pre-alarm ends — called off (device or family),
/// acknowledged, resolved, or run out into paging — or the resident presses SOS meanwhile, they are told to stop asking
/// (<c>{"cmd":"pre-alarm-end"}</c>). A device that misses the end stops by itself after <c>s</c> seconds.
/// </summary>
public sealed class PreAlarmDownlinks(IDbContextFactory<HubDbContext> dbFactory, Downlink downlink, TimeProvider time, ILogger<PreAlarmDownlinks> logger)
    : IAlertRaisedListener, IPreAlarmEndedListener
{
    public async Task OnRaisedAsync(Alert alert, CancellationToken ct)
    {
        if (alert.ResidentId is not { } residentId)
            return;
        if (alert.PreAlarmPending && alert.PreAlarmUntil is { } until)
            await AskAsync(residentId, until, ct);
        else if (alert.Kind == AlertKind.Sos && await LatestPendingAsync(residentId, ct) is not null)
        {
            // The resident answered "are you OK?" by calling for help: the question is over on the device (the inferred
            // alert itself stays for staff, who are on their way for the SOS anyway).
            logger.LogInformation("SOS from resident {ResidentId} during a pre-alarm: the devices stop asking", residentId);
            await SendAsync(residentId, Downlink.PreAlarmEnd, ct);
        }
    }

    public async Task OnPreAlarmEndedAsync(Alert alert, CancellationToken ct)
    {
        if (alert.ResidentId is not { } residentId)
            return;
        // Another pre-alarm of the same resident still open (rare: two inferred alerts at once) keeps the question asked.
        if (await LatestPendingAsync(residentId, ct) is { } other)
            await AskAsync(residentId, other, ct);
        else
            await SendAsync(residentId, Downlink.PreAlarmEnd, ct);
    }

    private Task AskAsync(int residentId, DateTimeOffset until, CancellationToken ct)
    {
        var left = until - time.GetUtcNow();
        // Already over (a raise delayed past its own window): the first page says the rest.
        return left <= TimeSpan.Zero ? Task.CompletedTask : SendAsync(residentId, Downlink.PreAlarm((int)Math.Ceiling(left.TotalSeconds)), ct);
    }

    private async Task<DateTimeOffset?> LatestPendingAsync(int residentId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var untils = await db.Alerts.AsNoTracking()
            .Where(a => a.ResidentId == residentId && a.Status == AlertStatus.Raised && a.PreAlarmUntil != null && a.AcknowledgedAt == null && a.PagesSent == 0)
            .Select(a => a.PreAlarmUntil!.Value).ToListAsync(ct);
        return untils.Count == 0 ? null : untils.Max();
    }

    private async Task SendAsync(int residentId, string command, CancellationToken ct)
    {
        List<(string Id, DeviceKind Kind)> devices;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            devices = (await db.Devices.AsNoTracking().Where(d => d.ResidentId == residentId && !d.Revoked)
                .Select(d => new { d.Id, d.Kind }).ToListAsync(ct)).Select(d => (d.Id, d.Kind)).ToList();
        }
        foreach (var (id, kind) in devices)
        {
            if (kind.Spec().Button.Contains(ButtonAction.Cancel))
                await downlink.SendAsync(id, command, ct);
        }
    }
}
