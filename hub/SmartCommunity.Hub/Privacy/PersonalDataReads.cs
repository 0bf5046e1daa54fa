namespace SmartCommunity.Hub.Privacy;

/// <summary>
/// The residents whose personal data one request read, and what of it. Handlers add to it; <see cref="Audit.AuditTrail"/>
/// writes it as a single audit row after the response, so a list of 200 alerts costs one insert, not 200.
/// </summary>
public sealed class PersonalDataRead
{
    public SortedSet<int> ResidentIds { get; } = [];
    public List<string> What { get; } = [];
}

public static class PersonalDataAccess
{
    /// <summary>Records that this request read <paramref name="what"/> of these residents (nulls are places without a resident).</summary>
    public static void RecordPersonalDataRead(this HttpContext http, string what, IEnumerable<int?> residentIds)
    {
        var read = http.Features.Get<PersonalDataRead>();
        var any = false;
        foreach (var id in residentIds)
        {
            if (id is not { } r)
                continue;
            if (read is null)
            {
                read = new PersonalDataRead();
                http.Features.Set(read);
            }
            read.ResidentIds.Add(r);
            any = true;
        }
        if (any && !read!.What.Contains(what))
            read.What.Add(what);
    }

    public static void RecordPersonalDataRead(this HttpContext http, string what, int? residentId) =>
        http.RecordPersonalDataRead(what, [residentId]);

    /// <summary>",3,17," — the delimiters make "resident 3" an exact substring match that cannot hit 13 or 31.</summary>
    public static string FormatResidentIds(IEnumerable<int> ids) => "," + string.Join(",", ids) + ",";

    public static IReadOnlyList<int> ParseResidentIds(string? stored) =>
        stored is null ? [] : stored.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToList();
}
