using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using SmartCommunity.Hub.Persistence;

namespace SmartCommunity.Hub.Notifications;

/// <summary>One outgoing notification for the outbox. <paramref name="Recipient"/> is a user id, a phone number (E.164), a
/// Web Push subscription ("sub:{id}") or a webhook endpoint's name; <paramref name="Phone"/> the number an SMS or call goes to.
/// <paramref name="TemplateKey"/> names the text (<see cref="Domain.Notifications.NotificationTexts"/>) rendered in
/// <paramref name="Language"/> with <paramref name="Args"/> at send time, or the event type of a webhook. <paramref name="Body"/>
/// is content already rendered (a webhook's JSON, a push payload). The same <paramref name="IdempotencyKey"/> twice is one
/// delivery; the receiver is given it (webhook: X-SC-Delivery; SMS/voice: the status callback's <c>key</c>).</summary>
public sealed record OutgoingNotification(string Channel, string Recipient, string? Phone, string TemplateKey, IReadOnlyDictionary<string, string> Args,
    string Language, string IdempotencyKey, long? AlertId, bool Critical, string? Body = null);

/// <summary>Where every outgoing notification goes first: a row in the hub's database, sent by <see cref="OutboxDispatcher"/>.</summary>
public interface INotificationOutbox
{
    /// <summary>Stores the deliveries (idempotent by key: a key already stored is left as it is) and wakes the dispatcher.
    /// Once this returns, each is sent at least once, across crashes and restarts, or ends as a dead letter.</summary>
    Task EnqueueAsync(IReadOnlyList<OutgoingNotification> items, CancellationToken ct);
}

public static class OutboxChannels
{
    public const string Push = "push";
    public const string Sms = "sms";
    public const string Voice = "voice";
    public const string Webhook = "webhook";
}

public enum OutboxState
{
    Pending,
    Sending,
    Sent,
    Dead,
}

/// <summary>A delivery in the outbox. <see cref="Attempts"/> counts claims, so an attempt cut short by a crash counts too;
/// <see cref="NextAttemptAt"/> carries the back-off across restarts; <see cref="LeaseOwner"/>/<see cref="LeaseUntil"/>
/// make one instance of a cluster the sender of a row, and hand it to another when that one dies mid-send.</summary>
public sealed class OutboxMessage
{
    public long Id { get; set; }
    public required string Channel { get; set; }
    public required string Recipient { get; set; }
    public string? Phone { get; set; }
    public required string TemplateKey { get; set; }
    /// <summary>The template's arguments, a JSON object of strings.</summary>
    public string? Args { get; set; }
    public string? Body { get; set; }
    public required string Language { get; set; }
    public required string IdempotencyKey { get; set; }
    public long? AlertId { get; set; }
    public bool Critical { get; set; }
    public OutboxState State { get; set; }
    public int Attempts { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset NextAttemptAt { get; set; }
    public DateTimeOffset? SentAt { get; set; }
    public string? LastError { get; set; }
    public string? LeaseOwner { get; set; }
    public DateTimeOffset? LeaseUntil { get; set; }

    public IReadOnlyDictionary<string, string> ArgsMap() =>
        Args is null ? new Dictionary<string, string>() : JsonSerializer.Deserialize<Dictionary<string, string>>(Args) ?? [];
}

/// <summary>Hub:Outbox — how the dispatcher claims and retries deliveries (the webhook's attempts are Hub:Webhooks').</summary>
public sealed class OutboxOptions
{
    public const string Section = "Hub:Outbox";

    /// <summary>Attempts of an SMS, call or push before it becomes a dead letter.</summary>
    public int MaxAttempts { get; set; } = 6;

    /// <summary>The first retry's delay, doubled each attempt up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan FirstRetryDelay { get; set; } = TimeSpan.FromSeconds(2);

    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How long a claimed row is this instance's. Longer than any channel's request timeout: a row is taken over
    /// by another instance (or this one after a restart) only when its lease has run out.</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How often the outbox is looked at without a wake-up (rows enqueued by other instances, leases run out).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Deliveries in flight at once on this instance.</summary>
    public int MaxConcurrency { get; set; } = 32;
}

/// <summary>Writes deliveries to the outbox. A key already there (a retried page, another instance's enqueue) is skipped.</summary>
public sealed class NotificationOutbox(IDbContextFactory<HubDbContext> dbFactory, TimeProvider time, OutboxSignal signal, ILogger<NotificationOutbox> logger)
    : INotificationOutbox
{
    public async Task EnqueueAsync(IReadOnlyList<OutgoingNotification> items, CancellationToken ct)
    {
        if (items.Count == 0)
            return;
        var now = time.GetUtcNow();
        var rows = items.DistinctBy(i => i.IdempotencyKey).Select(i => new OutboxMessage
        {
            Channel = i.Channel, Recipient = i.Recipient, Phone = i.Phone, TemplateKey = i.TemplateKey,
            Args = i.Args.Count == 0 ? null : JsonSerializer.Serialize(i.Args), Body = i.Body, Language = i.Language,
            IdempotencyKey = i.IdempotencyKey, AlertId = i.AlertId, Critical = i.Critical,
            State = OutboxState.Pending, CreatedAt = now, NextAttemptAt = now,
        }).ToList();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var keys = rows.Select(r => r.IdempotencyKey).ToList();
        var known = (await db.Outbox.AsNoTracking().Where(m => keys.Contains(m.IdempotencyKey)).Select(m => m.IdempotencyKey).ToListAsync(ct)).ToHashSet(StringComparer.Ordinal);
        var fresh = rows.Where(r => !known.Contains(r.IdempotencyKey)).ToList();
        if (fresh.Count > 0)
        {
            db.Outbox.AddRange(fresh);
            try
            {
                await db.SaveChangesAsync(ct);
            }
            catch (DbUpdateException)
            {
                // Another instance stored one of these keys between the read and the write: one row at a time, the duplicate skipped.
                db.ChangeTracker.Clear();
                foreach (var row in fresh)
                {
                    row.Id = 0;
                    db.Outbox.Add(row);
                    try
                    {
                        await db.SaveChangesAsync(ct);
                    }
                    catch (DbUpdateException)
                    {
                        db.ChangeTracker.Clear();
                        if (!await db.Outbox.AsNoTracking().AnyAsync(m => m.IdempotencyKey == row.IdempotencyKey, ct))
                            throw;
                        logger.LogDebug("Outbox: {Key} was enqueued by another instance", row.IdempotencyKey);
                    }
                    db.ChangeTracker.Clear();
                }
            }
        }
        signal.Wake();
    }
}

/// <summary>Wakes the dispatcher: a fresh row is sent at once, not at the next poll.</summary>
public sealed class OutboxSignal
{
    private readonly System.Threading.Channels.Channel<bool> _wake =
        System.Threading.Channels.Channel.CreateBounded<bool>(new System.Threading.Channels.BoundedChannelOptions(1) { FullMode = System.Threading.Channels.BoundedChannelFullMode.DropWrite });

    public void Wake() => _wake.Writer.TryWrite(true);

    /// <summary>Waits for a wake-up or <paramref name="delay"/> on <paramref name="time"/>, whichever is first.</summary>
    public async Task WaitAsync(TimeSpan delay, TimeProvider time, CancellationToken ct)
    {
        if (_wake.Reader.TryRead(out _))
            return;
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var timer = Task.Delay(delay, time, cts.Token);
        var woken = _wake.Reader.WaitToReadAsync(cts.Token).AsTask();
        await Task.WhenAny(timer, woken);
        await cts.CancelAsync();
        _wake.Reader.TryRead(out _);
        ct.ThrowIfCancellationRequested();
    }
}
