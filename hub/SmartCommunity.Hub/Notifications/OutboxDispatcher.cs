using System.Diagnostics.Metrics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using SmartCommunity.Hub.Hosting;
using SmartCommunity.Hub.Persistence;

namespace SmartCommunity.Hub.Notifications;

/// <summary>What became of one attempt.</summary>
public readonly record struct SendOutcome(SendResult Result, string? Error)
{
    public static readonly SendOutcome Sent = new(SendResult.Sent, null);
    public static SendOutcome Retry(string error) => new(SendResult.Retry, error);
    public static SendOutcome Dead(string error) => new(SendResult.Dead, error);
}

public enum SendResult
{
    /// <summary>Handed to the receiver or provider.</summary>
    Sent,
    /// <summary>Failed in a way that may pass (5xx, 429, timeout, network): tried again after the back-off.</summary>
    Retry,
    /// <summary>Will not get better by retrying (4xx, no such subscription, not configured): a dead letter at once.</summary>
    Dead,
}

/// <summary>A way out of the outbox. Errors it returns are shown to admins and logged: never a secret or a capability URL.</summary>
public interface IOutboxChannel
{
    string Name { get; }

    /// <summary>Attempts before a dead letter, and the first retry delay; null for Hub:Outbox's.</summary>
    (int MaxAttempts, TimeSpan FirstRetryDelay)? RetryPolicy => null;

    Task<SendOutcome> SendAsync(OutboxMessage message, CancellationToken ct);
}

/// <summary>
/// Sends the outbox. Each due row is claimed with a conditional UPDATE (pending and due, or sending with its lease run out)
/// that only one instance can win, on SQLite as on PostgreSQL (whose UPDATE re-checks the condition on the row it locked);
/// the claim counts the attempt and takes a lease. The outcome is written back only while the lease is still this
/// instance's. Back-off doubles per attempt from the channel's first delay and is stored in the row, so it survives a
/// restart; after the last attempt the row is a dead letter, listed for admins, who may send it again.
/// At-least-once: a crash after the receiver accepted and before the row says so sends it again when the lease has run
/// out, with the same idempotency key for the receiver to drop it.
/// </summary>
public sealed class OutboxDispatcher : BackgroundService
{
    private readonly IDbContextFactory<HubDbContext> _dbFactory;
    private readonly Dictionary<string, IOutboxChannel> _channels;
    private readonly OutboxSignal _signal;
    private readonly OutboxOptions _options;
    private readonly TimeProvider _time;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly ILogger<OutboxDispatcher> _logger;
    private readonly Counter<long> _sentCounter;
    private readonly Counter<long> _failedCounter;
    private readonly Counter<long> _deadCounter;
    private readonly HashSet<Task> _inFlight = [];
    private readonly Lock _sync = new();

    public OutboxDispatcher(IDbContextFactory<HubDbContext> dbFactory, IEnumerable<IOutboxChannel> channels, OutboxSignal signal, IOptions<OutboxOptions> options,
        IMeterFactory meters, TimeProvider time, IHostApplicationLifetime lifetime, ILogger<OutboxDispatcher> logger)
    {
        (_dbFactory, _signal, _options, _time, _lifetime, _logger) = (dbFactory, signal, options.Value, time, lifetime, logger);
        _channels = channels.ToDictionary(c => c.Name, StringComparer.Ordinal);
        var meter = meters.Create(HubMetrics.MeterName);
        _sentCounter = meter.CreateCounter<long>("sc.outbox.sent", description: "Outbox deliveries handed to their receiver or provider, by channel");
        _failedCounter = meter.CreateCounter<long>("sc.outbox.failed", description: "Outbox attempts that failed, by channel");
        _deadCounter = meter.CreateCounter<long>("sc.outbox.dead", description: "Outbox deliveries that became dead letters, by channel");
    }

    /// <summary>This instance's name on the leases it takes.</summary>
    public string Owner { get; } = $"{Environment.ProcessId}-{Guid.NewGuid():N}";

    /// <summary>Raised after a row is marked sent (its channel, key and alert); the bench and the cascade listen.</summary>
    public event Action<OutboxMessage>? Sent;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // After start-up: the database is migrated by then.
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (_lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        using (stoppingToken.Register(() => started.TrySetCanceled(stoppingToken)))
        {
            try
            {
                await started.Task;
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
        using var slots = new SemaphoreSlim(_options.MaxConcurrency);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var free = slots.CurrentCount;
                var claimed = free > 0 ? await ClaimAsync(free, stoppingToken) : [];
                foreach (var row in claimed)
                {
                    await slots.WaitAsync(stoppingToken);
                    Track(RunAsync(row, slots, stoppingToken));
                }
                if (free > 0 && claimed.Count == free)
                    continue;
                var wait = free > 0 ? await UntilNextDueAsync(stoppingToken) : _options.PollInterval;
                await _signal.WaitAsync(wait, _time, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                _logger.LogError(ex, "Outbox: could not read the due deliveries; next try in {Interval}", _options.PollInterval);
                try
                {
                    await Task.Delay(_options.PollInterval, _time, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
        Task[] pending;
        lock (_sync)
            pending = [.. _inFlight];
        await Task.WhenAll(pending).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private async Task<List<OutboxMessage>> ClaimAsync(int limit, CancellationToken ct)
    {
        var now = _time.GetUtcNow();
        var until = now + _options.LeaseDuration;
        await using var db = await _dbFactory.CreateDbContextAsync(ct);
        var candidates = await Due(db.Outbox, now).OrderBy(m => m.NextAttemptAt).Select(m => m.Id).Take(limit).ToListAsync(ct);
        var claimed = new List<OutboxMessage>(candidates.Count);
        foreach (var id in candidates)
        {
            // The condition again in the UPDATE: of instances racing for a row, one changes it, the others change nothing.
            var won = await Due(db.Outbox.Where(m => m.Id == id), now).ExecuteUpdateAsync(s => s
                .SetProperty(m => m.State, OutboxState.Sending)
                .SetProperty(m => m.LeaseOwner, Owner)
                .SetProperty(m => m.LeaseUntil, until)
                .SetProperty(m => m.Attempts, m => m.Attempts + 1), ct);
            if (won == 1 && await db.Outbox.AsNoTracking().SingleOrDefaultAsync(m => m.Id == id && m.LeaseOwner == Owner, ct) is { } row)
                claimed.Add(row);
        }
        return claimed;
    }

    private static IQueryable<OutboxMessage> Due(IQueryable<OutboxMessage> rows, DateTimeOffset now) =>
        rows.Where(m => (m.State == OutboxState.Pending && m.NextAttemptAt <= now) || (m.State == OutboxState.Sending && m.LeaseUntil < now));

    private async Task<TimeSpan> UntilNextDueAsync(CancellationToken ct)
    {
        await using var db = await _dbFactory.CreateDbContextAsync(ct);
        var next = await db.Outbox.Where(m => m.State == OutboxState.Pending).OrderBy(m => m.NextAttemptAt).Select(m => (DateTimeOffset?)m.NextAttemptAt).FirstOrDefaultAsync(ct);
        var lease = await db.Outbox.Where(m => m.State == OutboxState.Sending).OrderBy(m => m.LeaseUntil).Select(m => m.LeaseUntil).FirstOrDefaultAsync(ct);
        var first = (next, lease) switch
        {
            ({ } a, { } b) => a < b ? a : b,
            ({ } a, null) => a,
            (null, { } b) => b,
            _ => (DateTimeOffset?)null,
        };
        if (first is null)
            return _options.PollInterval;
        var wait = first.Value - _time.GetUtcNow();
        return wait <= TimeSpan.Zero ? TimeSpan.Zero : wait < _options.PollInterval ? wait : _options.PollInterval;
    }

    private async Task RunAsync(OutboxMessage row, SemaphoreSlim slots, CancellationToken stopping)
    {
        try
        {
            var channel = _channels.GetValueOrDefault(row.Channel);
            var (maxAttempts, firstDelay) = channel?.RetryPolicy ?? (_options.MaxAttempts, _options.FirstRetryDelay);
            SendOutcome outcome;
            if (channel is null)
                outcome = SendOutcome.Dead($"no channel '{row.Channel}' is configured");
            else if (row.Attempts > maxAttempts)
                outcome = SendOutcome.Dead("the instance sending it stopped (lease ran out) on the last attempt");
            else
            {
                try
                {
                    outcome = await channel.SendAsync(row, stopping);
                }
                catch (OperationCanceledException) when (stopping.IsCancellationRequested)
                {
                    await ReleaseAsync(row);
                    return;
                }
                catch (Exception ex)
                {
                    // The type only: a message may quote a URL or number.
                    outcome = SendOutcome.Retry(ex.GetType().Name);
                }
            }
            await RecordAsync(row, outcome, maxAttempts, firstDelay);
        }
        catch (Exception ex)
        {
            // The row keeps its lease and is taken again when it runs out.
            _logger.LogError(ex, "Outbox: could not record the outcome of delivery {Id}", row.Id);
        }
        finally
        {
            slots.Release();
            _signal.Wake();
        }
    }

    private async Task RecordAsync(OutboxMessage row, SendOutcome outcome, int maxAttempts, TimeSpan firstDelay)
    {
        var now = _time.GetUtcNow();
        var error = outcome.Error is { Length: > 1000 } e ? e[..1000] : outcome.Error;
        var channel = new KeyValuePair<string, object?>("channel", row.Channel);
        await using var db = await _dbFactory.CreateDbContextAsync(CancellationToken.None);
        var mine = db.Outbox.Where(m => m.Id == row.Id && m.LeaseOwner == Owner && m.State == OutboxState.Sending);
        if (outcome.Result == SendResult.Sent)
        {
            await mine.ExecuteUpdateAsync(s => s.SetProperty(m => m.State, OutboxState.Sent).SetProperty(m => m.SentAt, now)
                .SetProperty(m => m.LeaseOwner, (string?)null).SetProperty(m => m.LeaseUntil, (DateTimeOffset?)null).SetProperty(m => m.LastError, (string?)null));
            _sentCounter.Add(1, channel);
            row.State = OutboxState.Sent;
            row.SentAt = now;
            Sent?.Invoke(row);
            return;
        }
        _failedCounter.Add(1, channel);
        if (outcome.Result == SendResult.Dead || row.Attempts >= maxAttempts)
        {
            await mine.ExecuteUpdateAsync(s => s.SetProperty(m => m.State, OutboxState.Dead).SetProperty(m => m.LastError, error)
                .SetProperty(m => m.LeaseOwner, (string?)null).SetProperty(m => m.LeaseUntil, (DateTimeOffset?)null).SetProperty(m => m.NextAttemptAt, now));
            _deadCounter.Add(1, channel);
            _logger.LogWarning("Outbox: {Channel} delivery {Id} (alert {AlertId}) failed after {Attempts} attempts ({Error}); dead-lettered",
                row.Channel, row.Id, row.AlertId, row.Attempts, error);
            return;
        }
        var delay = Backoff(firstDelay, row.Attempts, _options.MaxRetryDelay);
        await mine.ExecuteUpdateAsync(s => s.SetProperty(m => m.State, OutboxState.Pending).SetProperty(m => m.LastError, error).SetProperty(m => m.NextAttemptAt, now + delay)
            .SetProperty(m => m.LeaseOwner, (string?)null).SetProperty(m => m.LeaseUntil, (DateTimeOffset?)null));
        _logger.LogInformation("Outbox: {Channel} delivery {Id} attempt {Attempts} failed ({Error}); next in {Delay}", row.Channel, row.Id, row.Attempts, error, delay);
    }

    /// <summary>The delay after attempt <paramref name="attempt"/> (1-based): first, 2×first, 4×first …, at most <paramref name="max"/>.</summary>
    public static TimeSpan Backoff(TimeSpan first, int attempt, TimeSpan max)
    {
        var factor = Math.Pow(2, Math.Clamp(attempt - 1, 0, 30));
        var ticks = first.Ticks * factor;
        return ticks >= max.Ticks ? max : TimeSpan.FromTicks((long)ticks);
    }

    /// <summary>A send cut short by the hub stopping: the row is due again at once, for the next start or another instance,
    /// and the attempt it had not finished is not counted.</summary>
    private async Task ReleaseAsync(OutboxMessage row)
    {
        try
        {
            await using var db = await _dbFactory.CreateDbContextAsync(CancellationToken.None);
            await db.Outbox.Where(m => m.Id == row.Id && m.LeaseOwner == Owner && m.State == OutboxState.Sending).ExecuteUpdateAsync(s => s
                .SetProperty(m => m.State, OutboxState.Pending).SetProperty(m => m.Attempts, m => m.Attempts - 1)
                .SetProperty(m => m.LeaseOwner, (string?)null).SetProperty(m => m.LeaseUntil, (DateTimeOffset?)null));
        }
        catch (Exception ex)
        {
            _logger.LogWarning(ex, "Outbox: delivery {Id} keeps its lease until it runs out (the hub stopped mid-send)", row.Id);
        }
    }

    /// <summary>Sends a dead letter again (admin action): pending, due now, attempts from zero, the same idempotency key.</summary>
    public async Task<bool> RetryAsync(long id, CancellationToken ct)
    {
        await using var db = await _dbFactory.CreateDbContextAsync(ct);
        var now = _time.GetUtcNow();
        var changed = await db.Outbox.Where(m => m.Id == id && m.State == OutboxState.Dead).ExecuteUpdateAsync(s => s
            .SetProperty(m => m.State, OutboxState.Pending).SetProperty(m => m.Attempts, 0).SetProperty(m => m.NextAttemptAt, now), ct);
        if (changed == 1)
            _signal.Wake();
        return changed == 1;
    }

    private void Track(Task task)
    {
        lock (_sync)
            _inFlight.Add(task);
        task.ContinueWith(t => { lock (_sync) _inFlight.Remove(t); }, TaskScheduler.Default);
    }
}
