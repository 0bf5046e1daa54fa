using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using SmartCommunity.Domain.Alerts;
using SmartCommunity.Hub.Hosting;
using SmartCommunity.Hub.Persistence;
using SmartCommunity.Hub.Places;

namespace SmartCommunity.Hub.Alerts;

/// <summary>
/// Raises, folds and changes alerts: persisted first, then pushed. The alert path never waits for
/// time-series batching. Writes are serialised within an instance: alerts are rare next to readings. Across
/// instances sharing a database the unique index on open (device, kind) alerts and the alert's Version token
/// decide: a writer that loses reads again and folds, so an alert is raised once however many instances see it.
/// </summary>
public sealed class AlertService(IDbContextFactory<HubDbContext> dbFactory, AlertNotifier notifier, HubMetrics metrics,
    TimeProvider time, AlertFollowUps followUps, IOptions<AlertTestingOptions> testing, ILogger<AlertService> logger)
{
    private readonly SemaphoreSlim _write = new(1, 1);

    // Contention is between a handful of instances on one alert; a few rounds settle it.
    private const int MaxAttempts = 32;

    /// <summary>
    /// After a lost race, a short random pause before reading again, so that the slower of two instances folding into
    /// the same alert does not lose every round to the faster one (seen in CI with 8 attempts and no pause). Wall-clock
    /// on purpose: it spaces database round trips, it is not a timer of the domain, and a test's fake clock must not
    /// stall it.
    /// </summary>
    private static Task BackOffAsync(int attempt, CancellationToken ct) =>
        Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(1, 2 + 4 * Math.Min(attempt, 10))), ct);

    private static bool IsLostRace(DbUpdateException e) =>
        e is DbUpdateConcurrencyException || HubDatabase.IsUniqueViolation(e, HubDbContext.OneOpenAlertIndex);

    /// <param name="change">Applied to the alert (new or folded into) before it is stored, so its follow-ups see the result
    /// (a local acknowledgement carried over from a community gateway pages nobody).</param>
    public async Task<Alert> RaiseAsync(AlertSignal signal, AlertPlace place, CancellationToken ct, Action<Alert>? change = null)
    {
        Alert alert;
        bool isNew;
        await _write.WaitAsync(ct);
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                await using var db = await dbFactory.CreateDbContextAsync(ct);
                var open = await db.Alerts
                    .Where(a => a.DeviceId == signal.DeviceId && a.Kind == signal.Kind && a.Status != AlertStatus.Resolved)
                    .OrderByDescending(a => a.Id).FirstOrDefaultAsync(ct);
                isNew = open is null;
                if (open is null)
                {
                    alert = Alert.Raise(signal, place, time.GetUtcNow(), Domain.Alerts.PreAlarm.WindowFor(signal.Kind));
                    db.Alerts.Add(alert);
                }
                else
                {
                    alert = open;
                    alert.Fold(signal, time.GetUtcNow());
                }
                change?.Invoke(alert);
                try
                {
                    await db.SaveChangesAsync(ct);
                    break;
                }
                catch (DbUpdateException e) when (attempt < MaxAttempts && IsLostRace(e))
                {
                    // Another writer (another hub instance on the shared database) inserted the open alert of this
                    // (device, kind) first, or changed it since it was read: read it again and fold into it.
                    logger.LogDebug("Alert write for {DeviceId}/{Kind} lost a race (attempt {Attempt}); folding", signal.DeviceId, signal.Kind, attempt);
                    await BackOffAsync(attempt, ct);
                }
            }
        }
        finally
        {
            _write.Release();
        }
        if (isNew)
        {
            metrics.AlertRaised(alert.Kind.ToWire(), alert.Severity.ToWire());
            logger.LogInformation("Alert {AlertId} raised: {Kind} ({Severity}) from {DeviceId}", alert.Id, alert.Kind.ToWire(), alert.Severity.ToWire(), alert.DeviceId);
            await notifier.RaisedAsync(alert);
            if (testing.Value.SkipAlertFollowUps)
            {
                logger.LogWarning("Hub:Testing:SkipAlertFollowUps is on (test-only): follow-ups of alert {AlertId} not started", alert.Id);
                return alert;
            }
            // Run after the commit, in order, before the caller (a device's PUBACK) goes on; a process killed here loses
            // them: escalation is derived again from the alert by EscalationReconciler; the family's notification is not
            // (it has no durable outbox yet).
            foreach (var listener in await followUps.RaisedAsync(ct))
            {
                try
                {
                    await listener.OnRaisedAsync(alert, ct);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // The alert is stored and on the board; a failed follow-up must not lose it or the device's message.
                    logger.LogError(ex, "Follow-up {Handler} failed for alert {AlertId}", listener.GetType().Name, alert.Id);
                }
            }
        }
        else
        {
            await notifier.UpdatedAsync(alert);
        }
        return alert;
    }

    /// <summary>Applies a change to one alert; returns null when it does not exist.</summary>
    public Task<Alert?> ChangeAsync(long alertId, Action<Alert> change, CancellationToken ct) =>
        TryChangeAsync(alertId, a => { change(a); return true; }, ct);

    /// <summary>Like <see cref="ChangeAsync"/>, but the change may decline (return false): then nothing is saved or pushed.</summary>
    public async Task<Alert?> TryChangeAsync(long alertId, Func<Alert, bool> change, CancellationToken ct)
    {
        Alert? alert;
        bool wasPending;
        await _write.WaitAsync(ct);
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                await using var db = await dbFactory.CreateDbContextAsync(ct);
                alert = await db.Alerts.SingleOrDefaultAsync(a => a.Id == alertId, ct);
                if (alert is null)
                    return null;
                wasPending = alert.PreAlarmPending;
                if (!change(alert))
                    return alert;
                try
                {
                    await db.SaveChangesAsync(ct);
                    break;
                }
                catch (DbUpdateConcurrencyException) when (attempt < MaxAttempts)
                {
                    // Changed by another instance since it was read (the Version token): apply the change to the fresh row.
                    await BackOffAsync(attempt, ct);
                }
            }
        }
        finally
        {
            _write.Release();
        }
        await notifier.UpdatedAsync(alert);
        // Called off, acknowledged, resolved or paged: whichever change ended the pre-alarm tells the resident's devices.
        if (wasPending && !alert.PreAlarmPending)
        {
            foreach (var listener in await followUps.PreAlarmEndedAsync(ct))
            {
                try
                {
                    await listener.OnPreAlarmEndedAsync(alert, ct);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    logger.LogError(ex, "Follow-up {Handler} failed for the end of alert {AlertId}'s pre-alarm", listener.GetType().Name, alert.Id);
                }
            }
        }
        return alert;
    }

    /// <summary>Closes the open offline alert of a device that is back, so the board clears by itself.</summary>
    public async Task ResolveRecoveredAsync(string deviceId, CancellationToken ct)
    {
        await ResolveRecoveredAsync(deviceId, AlertKind.DeviceOffline, "Device is back online", ct);
        await ResolveRecoveredAsync(deviceId, AlertKind.MissedHeartbeat, "Heartbeats are back", ct);
    }

    /// <summary>Closes the open alert of this (device, kind), if any, as recovered.</summary>
    public async Task ResolveRecoveredAsync(string deviceId, AlertKind kind, string note, CancellationToken ct)
    {
        long? openId;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            openId = await db.Alerts
                .Where(a => a.DeviceId == deviceId && a.Kind == kind && a.Status != AlertStatus.Resolved)
                .Select(a => (long?)a.Id).FirstOrDefaultAsync(ct);
        }
        if (openId is { } id)
            await TryChangeAsync(id, a =>
            {
                if (!a.IsOpen)
                    return false;
                a.Resolve("system", AlertOutcome.Recovered, note, time.GetUtcNow());
                return true;
            }, ct);
    }
}

/// <summary>
/// Hub:Testing — test-only switches, all off by default; never set in production. <see cref="SkipAlertFollowUps"/> makes
/// a new alert stop after its commit and its push to the boards, as if the process had died there (the device still gets
/// its PUBACK): the crash test sets it, kills the hub after the PUBACK and restarts it without it, on the same data.
/// </summary>
public sealed class AlertTestingOptions
{
    public const string Section = "Hub:Testing";

    public bool SkipAlertFollowUps { get; set; }
}
