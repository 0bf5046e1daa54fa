using SmartCommunity.Domain.Contacts;
using SmartCommunity.Domain.Places;
using SmartCommunity.Hub.Hosting;

namespace SmartCommunity.Hub.Contacts;

/// <summary>
/// What a responder needs to know before they reach a resident: health (conditions, medication, allergies, mobility),
/// how to get in (key holder, door access), their doctor and hospital, and whom to call, in order. One row per
/// resident; personal data: every read is audited, it is exported with the resident and erased with them.
/// </summary>
public sealed class EmergencyProfile
{
    public int ResidentId { get; set; }
    public string? Conditions { get; set; }
    public string? Medication { get; set; }
    public string? Allergies { get; set; }
    public string? Mobility { get; set; }
    public string? KeyHolder { get; set; }
    public string? AccessNotes { get; set; }
    public string? Doctor { get; set; }
    public string? Hospital { get; set; }

    /// <summary>In call order: the first is called first.</summary>
    public List<EmergencyContact> Contacts { get; set; } = [];
    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>The user name of whoever changed it last (shown by display name).</summary>
    public string? UpdatedBy { get; set; }
}

public sealed class EmergencyContact
{
    public string Name { get; set; } = "";
    public string? Relation { get; set; }

    /// <summary>E.164.</summary>
    public string Phone { get; set; } = "";

    /// <summary>"en" or "zh-CN": the language they are called and texted in.</summary>
    public string? Language { get; set; }

    /// <summary>False: listed for responders' information (e.g. a relative abroad), never called by the hub.</summary>
    public bool MayCall { get; set; } = true;
}

public sealed record EmergencyContactDto(string Name, string? Relation, string Phone, string? Language, bool MayCall);

/// <summary>
/// The profile as one reader may see it: <paramref name="PhonesMasked"/> when the reader is a family member (the
/// contacts' numbers then read "+86 138****5678"). <paramref name="UpdatedBy"/> is a display name, never an e-mail.
/// </summary>
public sealed record EmergencyProfileDto(int ResidentId, string? ResidentName, string? Conditions, string? Medication, string? Allergies, string? Mobility,
    string? KeyHolder, string? AccessNotes, string? Doctor, string? Hospital, IReadOnlyList<EmergencyContactDto> Contacts,
    DateTimeOffset? UpdatedAt, string? UpdatedBy, bool PhonesMasked)
{
    public static EmergencyProfileDto From(int residentId, string? residentName, EmergencyProfile? p, bool mask, Func<string?, string?> personName) => new(
        residentId, residentName, p?.Conditions, p?.Medication, p?.Allergies, p?.Mobility, p?.KeyHolder, p?.AccessNotes, p?.Doctor, p?.Hospital,
        (p?.Contacts ?? []).Select(c => new EmergencyContactDto(c.Name, c.Relation, mask ? PhoneNumber.Mask(c.Phone) : c.Phone, c.Language, c.MayCall)).ToList(),
        p?.UpdatedAt, personName(p?.UpdatedBy), mask);
}

public sealed record EmergencyContactRequest(string? Name, string? Relation, string? Phone, string? Language, bool? MayCall);
public sealed record EmergencyProfileRequest(string? Conditions, string? Medication, string? Allergies, string? Mobility,
    string? KeyHolder, string? AccessNotes, string? Doctor, string? Hospital, IReadOnlyList<EmergencyContactRequest>? Contacts);

public static class EmergencyProfileRules
{
    public const int MaxContacts = 10;

    private static readonly TextField Health = new("", 1000, Required: false, MultiLine: true);
    private static TextField Field(string name) => Health with { Name = name };
    private static readonly TextField Short = new("", 200, Required: false);

    /// <summary>Checks a request field by field (problem details name each refused one); the profile to store, or null.</summary>
    public static EmergencyProfile? Check(EmergencyProfileRequest req, Dictionary<string, string[]> errors)
    {
        var p = new EmergencyProfile
        {
            Conditions = errors.CheckText(Field("conditions"), req.Conditions),
            Medication = errors.CheckText(Field("medication"), req.Medication),
            Allergies = errors.CheckText(Field("allergies"), req.Allergies),
            Mobility = errors.CheckText(Field("mobility"), req.Mobility),
            KeyHolder = errors.CheckText(Short with { Name = "keyHolder" }, req.KeyHolder),
            AccessNotes = errors.CheckText(Field("accessNotes"), req.AccessNotes),
            Doctor = errors.CheckText(Short with { Name = "doctor" }, req.Doctor),
            Hospital = errors.CheckText(Short with { Name = "hospital" }, req.Hospital),
        };
        var contacts = req.Contacts ?? [];
        if (contacts.Count > MaxContacts)
            errors["contacts"] = [$"at most {MaxContacts} emergency contacts"];
        for (var i = 0; i < contacts.Count && i < MaxContacts; i++)
        {
            var c = contacts[i];
            var at = $"contacts[{i}]";
            var name = errors.CheckText(new TextField($"{at}.name", 100), c.Name);
            var relation = errors.CheckText(new TextField($"{at}.relation", 50, Required: false), c.Relation);
            var phone = PhoneNumber.Normalize(c.Phone, out var phoneError);
            if (phoneError is not null)
                errors[$"{at}.phone"] = [phoneError];
            if (c.Language is not (null or "en" or "zh-CN"))
                errors[$"{at}.language"] = ["language must be en, zh-CN or null"];
            if (name is not null && phone is not null)
                p.Contacts.Add(new EmergencyContact { Name = name, Relation = relation, Phone = phone, Language = c.Language, MayCall = c.MayCall ?? true });
        }
        return errors.Count == 0 ? p : null;
    }
}
