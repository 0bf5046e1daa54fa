using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using SmartCommunity.Domain.Contacts;
using SmartCommunity.Hub.Hosting;
using SmartCommunity.Hub.Notifications;
using SmartCommunity.Hub.People;
using SmartCommunity.Hub.Persistence;

namespace SmartCommunity.Hub.Contacts;

/// <summary>How a person is reached: their phone (E.164; shown in full to themselves and admins) and channels; quiet
/// hours (HH:mm, community time) hold pushes, SMS and calls back, except for critical alerts.</summary>
public sealed record ContactDto(string? Phone, bool Push, bool Sms, bool Voice, string? QuietStart, string? QuietEnd);

/// <summary>Phone null or empty removes it (SMS and voice then go off).</summary>
public sealed record ContactRequest(string? Phone, bool? Push, bool? Sms, bool? Voice, string? QuietStart, string? QuietEnd);

/// <summary>
/// Contacts: one's own (<c>/api/me/contact</c>) and anyone's for admins (<c>/api/users/{id}/contact</c>); residents'
/// emergency profiles (<see cref="EmergencyProfilesApi"/>).
/// </summary>
public static class ContactsApi
{
    public static void MapContactsApi(this IEndpointRouteBuilder app)
    {
        var me = app.MapGroup("/api/me/contact").WithTags("Contacts").RequireAuthorization();
        me.MapGet("/", GetMineAsync).WithSummary("The caller's phone and channels");
        me.MapPut("/", SetMineAsync).WithSummary("Sets the caller's phone (E.164, e.g. +8613812345678), channels (push, SMS, voice) and quiet hours");
        var users = app.MapGroup("/api/users/{id}/contact").WithTags("Contacts").RequireAuthorization(p => p.RequireRole(Roles.Admin));
        users.MapGet("/", GetAsync);
        users.MapPut("/", SetAsync).WithSummary("An admin sets someone's phone, channels and quiet hours");
        app.MapEmergencyProfilesApi();
    }

    private static Task<Results<Ok<ContactDto>, NotFound>> GetMineAsync(ClaimsPrincipal principal, HubDbContext db, CancellationToken ct) =>
        GetAsync(principal.FindFirstValue(ClaimTypes.NameIdentifier) ?? "", db, ct);

    private static Task<Results<Ok<ContactDto>, ValidationProblem, NotFound>> SetMineAsync(ContactRequest req, ClaimsPrincipal principal, HubDbContext db, CancellationToken ct) =>
        SetAsync(principal.FindFirstValue(ClaimTypes.NameIdentifier) ?? "", req, db, ct);

    private static async Task<Results<Ok<ContactDto>, NotFound>> GetAsync(string id, HubDbContext db, CancellationToken ct)
    {
        var user = await db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.Id == id, ct);
        if (user is null)
            return TypedResults.NotFound();
        var pref = await db.NotificationPreferences.AsNoTracking().SingleOrDefaultAsync(p => p.UserId == id, ct);
        return TypedResults.Ok(ToDto(user.PhoneNumber, pref));
    }

    private static async Task<Results<Ok<ContactDto>, ValidationProblem, NotFound>> SetAsync(string id, ContactRequest req, HubDbContext db, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        string? phone = null;
        if (!string.IsNullOrWhiteSpace(req.Phone))
        {
            phone = PhoneNumber.Normalize(req.Phone, out var error);
            if (error is not null)
                errors["phone"] = [error];
        }
        if (phone is null && errors.Count == 0 && (req.Sms == true || req.Voice == true))
            errors["phone"] = ["SMS and voice calls need a phone number"];
        TimeOnly? start = null, end = null;
        if (req.QuietStart is not null || req.QuietEnd is not null)
        {
            if (!TimeOnly.TryParseExact(req.QuietStart, "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var s)
                || !TimeOnly.TryParseExact(req.QuietEnd, "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var e))
                errors["quietStart"] = ["quietStart and quietEnd are both HH:mm (community time), or both null"];
            else
                (start, end) = (s, e);
        }
        if (errors.Count > 0)
            return ApiProblem.Invalid(errors);
        var user = await db.Users.SingleOrDefaultAsync(u => u.Id == id, ct);
        if (user is null)
            return TypedResults.NotFound();
        user.PhoneNumber = phone;
        user.PhoneNumberConfirmed = false;
        var pref = await db.NotificationPreferences.SingleOrDefaultAsync(p => p.UserId == id, ct);
        if (pref is null)
            db.NotificationPreferences.Add(pref = new NotificationPreference { UserId = id });
        pref.WebPush = req.Push ?? pref.WebPush;
        pref.Sms = phone is not null && (req.Sms ?? pref.Sms);
        pref.Voice = phone is not null && (req.Voice ?? pref.Voice);
        pref.QuietStart = start;
        pref.QuietEnd = end;
        await db.SaveChangesAsync(ct);
        return TypedResults.Ok(ToDto(phone, pref));
    }

    private static ContactDto ToDto(string? phone, NotificationPreference? p) => new(phone, p?.WebPush ?? true, p?.Sms ?? false, p?.Voice ?? false,
        p?.QuietStart?.ToString("HH:mm", CultureInfo.InvariantCulture), p?.QuietEnd?.ToString("HH:mm", CultureInfo.InvariantCulture));
}
