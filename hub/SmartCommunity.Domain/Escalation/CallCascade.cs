using System;
using System.Collections.Generic;
using System.Linq;
using SmartCommunity.Domain.Alerts;

namespace SmartCommunity.Domain.Escalation;

/// <summary>How a person can be reached outside the board.</summary>
public enum ContactChannel
{
    Push,
    Sms,
    Voice,
}

/// <summary>
/// Someone the cascade may call about a resident: a family member with the app (<see cref="UserId"/> set) or an
/// emergency contact from the resident's profile. <see cref="Key"/> is stable ("user:{id}", "contact:{resident}:{n}").
/// </summary>
public sealed record CascadeContact(string Key, string Name, string? Phone, string Language, string? UserId, IReadOnlyList<ContactChannel> Channels);

/// <summary>
/// The call cascade: while an alert stays unacknowledged after its first level (the grid worker) had its time, the
/// resident's people are called too, one per escalation step in call order, each by their channels, until someone
/// acknowledges (on the board, by the link in the message, or by replying with the code). Staff paging goes on beside
/// it: the cascade adds people, it does not replace the chain. Pure: the hub supplies the contacts and sends.
/// </summary>
public static class CallCascade
{
    /// <summary>The first step at which the cascade calls: the first one past the first level's acknowledgement time.
    /// Null when the policy has a single level (a warning: the grid worker alone).</summary>
    public static int? FirstStep(EscalationPolicy policy)
    {
        if (policy.Chain.Count < 2)
            return null;
        return (int)Math.Ceiling(policy.AckWithin.Ticks / (double)policy.RepeatEvery.Ticks);
    }

    /// <summary>Who is called at escalation step <paramref name="step"/>: the contact at that place in call order, or
    /// null (before the cascade starts, after the last contact, or a contact with no channel).</summary>
    public static CascadeContact? CalledAt(EscalationPolicy policy, int step, IReadOnlyList<CascadeContact> inCallOrder)
    {
        if (FirstStep(policy) is not { } first || step < first)
            return null;
        var reachable = inCallOrder.Where(c => Reachable(c).Count > 0).ToList();
        var index = step - first;
        return index < reachable.Count ? reachable[index] : null;
    }

    /// <summary>The channels a contact can actually be reached on: SMS and voice need a phone, push an app account.</summary>
    public static IReadOnlyList<ContactChannel> Reachable(CascadeContact contact) =>
        contact.Channels.Distinct().Where(c => c switch
        {
            ContactChannel.Push => contact.UserId is not null,
            _ => contact.Phone is not null,
        }).ToList();

    /// <summary>The people in <paramref name="inCallOrder"/> with anyone already listed left out (the same phone or the
    /// same account is one person, called once, at the first place they appear).</summary>
    public static IReadOnlyList<CascadeContact> Order(IEnumerable<CascadeContact> inCallOrder)
    {
        var ordered = new List<CascadeContact>();
        var phones = new HashSet<string>(StringComparer.Ordinal);
        var users = new HashSet<string>(StringComparer.Ordinal);
        foreach (var contact in inCallOrder)
        {
            if ((contact.Phone is { } phone && phones.Contains(phone)) || (contact.UserId is { } user && users.Contains(user)))
                continue;
            if (contact.Phone is not null)
                phones.Add(contact.Phone);
            if (contact.UserId is not null)
                users.Add(contact.UserId);
            ordered.Add(contact);
        }
        return ordered;
    }

    /// <summary>An SMS reply that acknowledges: the code alone, or with words around it ("1234 ok", "确认 1234").</summary>
    public static bool ReplyMatches(string body, string code)
    {
        ArgumentNullException.ThrowIfNull(body);
        var digits = new string(body.Where(char.IsAsciiDigit).ToArray());
        return digits.Length == code.Length && string.Equals(digits, code, StringComparison.Ordinal);
    }
}

/// <summary>The emergency centres a desk may hand an alert to (China: 120 medical, 110 police, 119 fire).</summary>
public static class EmergencyCentres
{
    public static readonly IReadOnlyList<string> Numbers = ["120", "110", "119"];

    /// <summary>The centre an alert kind goes to first: fire for smoke, gas and CO, the ambulance otherwise.</summary>
    public static string For(AlertKind kind) => kind is AlertKind.Smoke or AlertKind.Gas or AlertKind.CarbonMonoxide ? "119" : "120";
}
