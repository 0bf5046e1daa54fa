using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using SmartCommunity.Domain.Alerts;
using SmartCommunity.Domain.Escalation;
using SmartCommunity.Domain.Catalog;
using SmartCommunity.Domain.Notifications;
using SmartCommunity.Hub.Alerts;
using SmartCommunity.Hub.Notifications;
using SmartCommunity.Hub.Persistence;

namespace SmartCommunity.Hub.Escalation.Cascade;

/// <summary>
/// One cascade call's way back: the link in the message (<see cref="Token"/>, 128 random bits, so it cannot be guessed
/// or forged) and the code to reply by SMS (<see cref="Code"/>, 4 digits, unique among the open calls to that phone).
/// Single-use: the first acknowledgement stamps <see cref="UsedAt"/>, and it expires after Hub:Cascade:LinkLifetime.
/// </summary>
public sealed class AlertAckToken
{
    public string Token { get; set; } = "";
    public long AlertId { get; set; }
    public string ContactKey { get; set; } = "";
    public string ContactName { get; set; } = "";

    /// <summary>A family member with an account: the acknowledgement is theirs (their user name).</summary>
    public string? UserId { get; set; }
    public string? Phone { get; set; }
    public string Code { get; set; } = "";
    public string Language { get; set; } = "en";
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset ExpiresAt { get; set; }
    public DateTimeOffset? UsedAt { get; set; }
}

public enum AckOutcome
{
    Acknowledged,
    AlreadyAcknowledged,
    Invalid,
}

public sealed record AckResult(AckOutcome Outcome, AlertAckToken? Token, Alert? Alert);

/// <summary>Issues the link and reply code of a cascade call, and acknowledges an alert through either, once (the caller
/// runs <see cref="AlertAftermath.AcknowledgedAsync"/> on <see cref="AckOutcome.Acknowledged"/>).</summary>
public sealed class AckTokens(IDbContextFactory<HubDbContext> dbFactory, AlertService alerts, TimeProvider time,
    Microsoft.Extensions.Options.IOptions<CascadeOptions> options)
{
    public async Task<AlertAckToken> IssueAsync(Alert alert, CascadeContact contact, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var taken = contact.Phone is null ? [] : await db.AlertAckTokens.AsNoTracking()
            .Where(t => t.Phone == contact.Phone && t.UsedAt == null && t.ExpiresAt > now).Select(t => t.Code).ToListAsync(ct);
        string code;
        do
            code = RandomNumberGenerator.GetInt32(1000, 10000).ToString(System.Globalization.CultureInfo.InvariantCulture);
        while (taken.Contains(code));
        var token = new AlertAckToken
        {
            Token = Base64Url(RandomNumberGenerator.GetBytes(16)),
            AlertId = alert.Id,
            ContactKey = contact.Key,
            ContactName = contact.Name,
            UserId = contact.UserId,
            Phone = contact.Phone,
            Code = code,
            Language = contact.Language,
            CreatedAt = now,
            ExpiresAt = now + options.Value.LinkLifetime,
        };
        db.AlertAckTokens.Add(token);
        await db.SaveChangesAsync(ct);
        return token;
    }

    public async Task<AlertAckToken?> FindAsync(string token, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var row = await db.AlertAckTokens.AsNoTracking().SingleOrDefaultAsync(t => t.Token == token, ct);
        return row is not null && row.ExpiresAt > time.GetUtcNow() ? row : null;
    }

    /// <summary>The link was opened and confirmed.</summary>
    public async Task<AckResult> AcknowledgeByLinkAsync(string token, CancellationToken ct) =>
        await FindAsync(token, ct) is { } row ? await AcknowledgeAsync(row, ct) : new AckResult(AckOutcome.Invalid, null, null);

    /// <summary>An SMS reply from <paramref name="phone"/>: the newest open call to that phone whose code is in the text.</summary>
    public async Task<AckResult> AcknowledgeByReplyAsync(string phone, string body, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        List<AlertAckToken> calls;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            calls = await db.AlertAckTokens.AsNoTracking().Where(t => t.Phone == phone && t.ExpiresAt > now)
                .OrderByDescending(t => t.CreatedAt).ToListAsync(ct);
        }
        var match = calls.FirstOrDefault(t => CallCascade.ReplyMatches(body, t.Code));
        if (match is not null)
            return await AcknowledgeAsync(match, ct);
        return await AcknowledgePageReplyAsync(phone, body, ct);
    }

    /// <summary>A paged staff member's reply: the page's SMS went to this phone about an open alert whose code is in the text
    /// (<see cref="NotificationTexts.ReplyCode"/>); the acknowledgement is that person's.</summary>
    private async Task<AckResult> AcknowledgePageReplyAsync(string phone, string body, CancellationToken ct)
    {
        List<(long AlertId, string UserId)> paged;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            paged = (await db.Outbox.AsNoTracking()
                    .Where(m => m.Channel == OutboxChannels.Sms && m.Phone == phone && m.TemplateKey == NotificationTexts.SmsPage && m.AlertId != null)
                    .OrderByDescending(m => m.Id).Select(m => new { m.AlertId, m.Recipient }).Take(50).ToListAsync(ct))
                .Select(m => (m.AlertId!.Value, m.Recipient)).Distinct().ToList();
        }
        foreach (var (alertId, userId) in paged.Where(p => CallCascade.ReplyMatches(body, NotificationTexts.ReplyCode(p.AlertId))))
        {
            var row = new AlertAckToken { Token = "page:" + alertId, AlertId = alertId, ContactKey = "user:" + userId, ContactName = "", UserId = userId, Phone = phone,
                Code = NotificationTexts.ReplyCode(alertId), Language = await LanguageAsync(userId, ct) };
            return await AcknowledgeAlertAsync(row, time.GetUtcNow(), ct);
        }
        return new AckResult(AckOutcome.Invalid, null, null);
    }

    private async Task<string> LanguageAsync(string userId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return TextCatalogues.Normalize(await db.Users.AsNoTracking().Where(u => u.Id == userId).Select(u => u.Language).SingleOrDefaultAsync(ct));
    }

    private async Task<AckResult> AcknowledgeAsync(AlertAckToken row, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            // The stamp is the single use: of two clicks (or a click and a reply) only one changes the row.
            var claimed = await db.AlertAckTokens.Where(t => t.Token == row.Token && t.UsedAt == null)
                .ExecuteUpdateAsync(s => s.SetProperty(t => t.UsedAt, now), ct);
            if (claimed == 0)
                return await AlreadyAsync(row, ct);
        }
        return await AcknowledgeAlertAsync(row, now, ct);
    }

    /// <summary>Acknowledges the row's alert in its person's name, unless someone already has or it is closed.</summary>
    private async Task<AckResult> AcknowledgeAlertAsync(AlertAckToken row, DateTimeOffset now, CancellationToken ct)
    {
        var actor = await ActorAsync(row, ct);
        var acknowledged = false;
        var changed = await alerts.TryChangeAsync(row.AlertId, a =>
        {
            if (!a.IsOpen || a.AcknowledgedAt is not null)
                return false;
            a.Acknowledge(actor, now);
            return acknowledged = true;
        }, ct);
        if (!acknowledged || changed is null)
            return await AlreadyAsync(row, ct);
        return new AckResult(AckOutcome.Acknowledged, row, changed);
    }

    private async Task<AckResult> AlreadyAsync(AlertAckToken row, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var alert = await db.Alerts.AsNoTracking().SingleOrDefaultAsync(a => a.Id == row.AlertId, ct);
        return new AckResult(alert?.AcknowledgedAt is not null ? AckOutcome.AlreadyAcknowledged : AckOutcome.Invalid, row, alert);
    }

    /// <summary>Who acknowledged, as the alert records actors: an account's user name, otherwise "contact:{name}".</summary>
    private async Task<string> ActorAsync(AlertAckToken row, CancellationToken ct)
    {
        if (row.UserId is not null)
        {
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            if (await db.Users.AsNoTracking().Where(u => u.Id == row.UserId).Select(u => u.UserName).SingleOrDefaultAsync(ct) is { } userName)
                return userName;
        }
        return Alert.ContactActorPrefix + row.ContactName;
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
