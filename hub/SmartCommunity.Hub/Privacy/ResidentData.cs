using Microsoft.EntityFrameworkCore;
using SmartCommunity.Hub.Notifications;
using SmartCommunity.Hub.Alerts;
using SmartCommunity.Hub.Audit;
using SmartCommunity.Hub.Devices;
using SmartCommunity.Hub.EarlyWarning;
using SmartCommunity.Hub.Persistence;
using SmartCommunity.Hub.Places;
using SmartCommunity.Hub.Readings;
using SmartCommunity.Hub.Visits;
using SmartCommunity.Telemetry;

namespace SmartCommunity.Hub.Privacy;

public sealed record ResidentProfileExport(int Id, string Name, int? BirthYear, bool SpecialDifficulty, string? Notes,
    int HouseholdId, string HouseholdAddress, int GridId, string GridName, int CommunityId, string CommunityName);
public sealed record FamilyContactExport(string UserId, string? Email, string DisplayName, string? Relation);
public sealed record AlertExport(AlertDto Alert, IReadOnlyList<AlertEventDto> Timeline);
public sealed record SeriesExport(string DeviceId, string Name, IReadOnlyList<PointDto> Points);

/// <summary>Everything the hub holds about one resident (a subject access request), as one JSON document.</summary>
public sealed record ResidentExport(
    DateTimeOffset ExportedAt, ResidentProfileExport Resident, IReadOnlyList<FamilyContactExport> Family, IReadOnlyList<DeviceDto> Devices,
    IReadOnlyList<AlertExport> Alerts, IReadOnlyList<VisitDto> Visits, IReadOnlyList<SeriesExport> Readings, IReadOnlyList<AuditEntryDto> Access,
    Contacts.EmergencyProfileDto? EmergencyProfile = null, IReadOnlyList<Cases.CaseDto>? Cases = null, IReadOnlyList<Cases.ServiceDto>? Services = null);

/// <summary>What an erasure did: counts only, so the answer (and its audit row) holds no personal data.</summary>
public sealed record ErasureResult(int ResidentId, int AlertsAnonymised, int VisitsDeleted, int FamilyLinksRemoved, int DevicesUnlinked,
    IReadOnlyList<string> DevicesErased, long ReadingsDeleted, int DeadLettersDeleted, int ModelsDeleted, bool EmergencyProfileDeleted = false,
    int CasesAnonymised = 0, int ServicesDeleted = 0);

/// <summary>
/// Export and erasure of one resident's data on request. The resident's devices are the ones that place alerts and
/// readings with them (<see cref="PlaceIndex.PlaceOf"/>): worn or assigned to them, and the household's devices
/// when they are its only resident — the same rule that decides who may see those readings.
/// </summary>
/// <remarks>
/// Erasure deletes the profile and the emergency profile (health, contacts, access notes), visits (with their notes), family links, readings of their devices in the time-series
/// store and the early-warning models learnt from them, and webhook dead letters that carry their alerts. Alerts are
/// kept for the community's statistics but anonymised: the resident link, resolution notes, comments, feedback text
/// and family members' names go; kind, place (household, grid, community), times, outcome, rating and the staff who
/// handled them stay, so response-time KPIs and monthly reports do not change. Cases (接诉即办) about them are anonymised
/// the same way (<see cref="Domain.Cases.Case.ErasePersonalData"/>, their photo deleted); services delivered to them are
/// deleted, like visits. Devices stay registered (hardware is
/// reused) and stay at the household. The household's address goes too when they were its only resident (alerts there
/// would otherwise still point at them): it becomes "Household {id}".
/// Family accounts are not deleted (an admin removes them; they may follow other residents). The audit log keeps its
/// rows about the resident: they hold ids, no personal data, and are the record that access was lawful.
/// </remarks>
public sealed class ResidentData(IDbContextFactory<HubDbContext> dbFactory, DeviceDirectory directory, RejectionLog rejections, PlaceNames names,
    ITelemetryStore telemetry, ModelStore models, TimeProvider time, ILogger<ResidentData> logger)
{
    private static readonly DateTimeOffset Beginning = DateTimeOffset.UnixEpoch;
    private const int Page = 50_000;

    public async Task<ResidentExport?> ExportAsync(int residentId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var profile = await (from r in db.Residents
                             join h in db.Households on r.HouseholdId equals h.Id
                             join g in db.Grids on h.GridId equals g.Id
                             join c in db.Communities on g.CommunityId equals c.Id
                             where r.Id == residentId
                             select new ResidentProfileExport(r.Id, r.Name, r.BirthYear, r.SpecialDifficulty, r.Notes, h.Id, h.Address, g.Id, g.Name, c.Id, c.Name))
            .AsNoTracking().SingleOrDefaultAsync(ct);
        if (profile is null)
            return null;
        var family = await (from l in db.FamilyLinks
                            join u in db.Users on l.UserId equals u.Id
                            where l.ResidentId == residentId
                            select new FamilyContactExport(u.Id, u.Email, u.DisplayName, l.Relation)).ToListAsync(ct);
        var devices = await DevicesOfAsync(db, residentId, ct);
        var alerts = await db.Alerts.AsNoTracking().Where(a => a.ResidentId == residentId).OrderBy(a => a.Id).ToListAsync(ct);
        var alertIds = alerts.Select(a => a.Id).ToList();
        var events = (await db.AlertEvents.AsNoTracking().Where(e => alertIds.Contains(e.AlertId)).ToListAsync(ct))
            .ToLookup(e => e.AlertId);
        var visits = await db.Visits.AsNoTracking().Where(v => v.ResidentId == residentId).OrderBy(v => v.At).ToListAsync(ct);
        var emergency = await db.EmergencyProfiles.AsNoTracking().SingleOrDefaultAsync(p => p.ResidentId == residentId, ct);
        var cases = await db.Cases.AsNoTracking().Where(c => c.ResidentId == residentId).OrderBy(c => c.Id).ToListAsync(ct);
        var services = await db.ServiceRecords.AsNoTracking().Where(x => x.ResidentId == residentId).OrderBy(x => x.At).ToListAsync(ct);
        var marker = PersonalDataAccess.FormatResidentIds([residentId]);
        var access = await db.AuditLog.AsNoTracking().Where(a => a.ResidentIds != null && a.ResidentIds.Contains(marker)).OrderBy(a => a.Id).ToListAsync(ct);

        var readings = new List<SeriesExport>();
        var to = time.GetUtcNow().AddDays(1);
        foreach (var device in devices)
        {
            foreach (var series in (await telemetry.LatestForDeviceAsync(device.Id, ct)).Keys.OrderBy(k => k.Name, StringComparer.Ordinal))
            {
                var points = new List<PointDto>();
                var from = Beginning;
                while (true)
                {
                    var page = await telemetry.QueryRangeAsync(series, from, to, Page, ct);
                    points.AddRange(page.Select(p => new PointDto(p.Time, p.Value)));
                    if (page.Count < Page)
                        break;
                    from = page[^1].Time.AddMilliseconds(1);
                }
                readings.Add(new SeriesExport(device.Id, series.Name, points));
            }
        }

        return new ResidentExport(time.GetUtcNow(), profile, family,
            devices.Select(d => DevicesApi.ToDto(d, directory.Find(d.Id), rejections)).ToList(),
            alerts.Select(a => new AlertExport(AlertDto.From(a, names), events[a.Id].OrderBy(e => e.At).ThenBy(e => e.Id).Select(e => AlertEventDto.From(e, names)).ToList())).ToList(),
            visits.Select(v => new VisitDto(v.Id, v.ResidentId, v.GridId, v.At, v.By, v.Source, v.Note)).ToList(),
            readings,
            access.Select(a => new AuditEntryDto(a.Id, a.At, a.UserId, a.UserName, a.Action, a.Status, a.Detail, PersonalDataAccess.ParseResidentIds(a.ResidentIds))).ToList(),
            emergency is null ? null : Contacts.EmergencyProfileDto.From(residentId, profile.Name, emergency, mask: false, names.Person),
            cases.Select(c => Cases.CaseDto.From(c, names)).ToList(),
            services.Select(x => Cases.ServiceDto.From(x, names)).ToList());
    }

    public async Task<ErasureResult?> EraseAsync(int residentId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var resident = await db.Residents.SingleOrDefaultAsync(r => r.Id == residentId, ct);
        if (resident is null)
            return null;
        var devices = await DevicesOfAsync(db, residentId, ct);

        // Readings first: if the database step below fails, the request can be repeated (the devices are still linked),
        // and a half-done erasure has removed more, not less.
        long readings = 0;
        var modelsDeleted = 0;
        foreach (var device in devices)
        {
            readings += await telemetry.DeleteDeviceAsync(device.Id, ct);
            modelsDeleted += DeleteModels(device.Id);
        }

        var familyNames = await (from l in db.FamilyLinks join u in db.Users on l.UserId equals u.Id where l.ResidentId == residentId select u.UserName!).ToListAsync(ct);
        // One transaction, retried whole by the provider's execution strategy (PostgreSQL retries transient failures and
        // refuses a transaction opened outside it).
        var erased = await db.Database.CreateExecutionStrategy().ExecuteAsync(async token =>
        {
            db.ChangeTracker.Clear();
            await using var tx = await db.Database.BeginTransactionAsync(token);
            var row = await db.Residents.SingleAsync(r => r.Id == residentId, token);
            var alerts = await db.Alerts.Include(a => a.Timeline).Where(a => a.ResidentId == residentId).ToListAsync(token);
            foreach (var alert in alerts)
                alert.ErasePersonalData(familyNames);
            var unlinked = 0;
            foreach (var device in await db.Devices.Where(d => d.ResidentId == residentId).ToListAsync(token))
            {
                device.UnlinkResident(row.HouseholdId);
                unlinked++;
            }
            var links = await db.FamilyLinks.Where(l => l.ResidentId == residentId).ExecuteDeleteAsync(token);
            var visits = await db.Visits.Where(v => v.ResidentId == residentId).ExecuteDeleteAsync(token);
            var emergency = await db.EmergencyProfiles.Where(p => p.ResidentId == residentId).ExecuteDeleteAsync(token);
            var cases = await db.Cases.Where(c => c.ResidentId == residentId).ToListAsync(token);
            var caseIds = cases.Select(c => c.Id).ToList();
            await db.CasePhotos.Where(p => caseIds.Contains(p.CaseId)).ExecuteDeleteAsync(token);
            foreach (var c in cases)
                c.ErasePersonalData(familyNames);
            var services = await db.ServiceRecords.Where(x => x.ResidentId == residentId).ExecuteDeleteAsync(token);
            // Outbox rows hold the alert (or case) as sent ("residentId":7,"residentName":…; the comma keeps 7 from matching 70), and SMS
            // rows their alert's texts: both go, whatever their state.
            var needle = $"\"residentId\":{residentId},";
            var residentAlerts = alerts.Select(a => (long?)a.Id).ToList();
            var deadLetters = await db.Outbox.Where(m => (m.Body != null && m.Body.Contains(needle)) || residentAlerts.Contains(m.AlertId)).ExecuteDeleteAsync(token);
            if (!await db.Residents.AnyAsync(r => r.HouseholdId == row.HouseholdId && r.Id != residentId, token))
            {
                var household = await db.Households.SingleAsync(h => h.Id == row.HouseholdId, token);
                household.ForgetAddress();
            }
            db.Residents.Remove(row);
            await db.SaveChangesAsync(token);
            await tx.CommitAsync(token);
            return (Alerts: alerts.Count, Unlinked: unlinked, Links: links, Visits: visits, DeadLetters: deadLetters, Emergency: emergency > 0,
                Cases: cases.Count, Services: services);
        }, ct);

        await names.ReloadAsync(db, ct);
        await directory.RefreshPlacesAsync(ct);
        logger.LogWarning("Resident {ResidentId} erased on request: {Alerts} alerts anonymised, {Visits} visits and {Points} readings deleted",
            residentId, erased.Alerts, erased.Visits, readings);
        return new ErasureResult(residentId, erased.Alerts, erased.Visits, erased.Links, erased.Unlinked, devices.Select(d => d.Id).ToList(), readings, erased.DeadLetters, modelsDeleted, erased.Emergency,
            erased.Cases, erased.Services);
    }

    private async Task<List<Domain.Devices.Device>> DevicesOfAsync(HubDbContext db, int residentId, CancellationToken ct)
    {
        var all = await db.Devices.AsNoTracking().OrderBy(d => d.Id).ToListAsync(ct);
        var places = await PlaceIndex.LoadAsync(db, ct);
        return all.Where(d => d.ResidentId == residentId || places.PlaceOf(d).ResidentId == residentId).ToList();
    }

    private int DeleteModels(string deviceId)
    {
        var folder = Path.Combine(models.Root, "models");
        if (!Directory.Exists(folder))
            return 0;
        var prefix = ModelStore.FileSafe(SmartCommunity.EarlyWarning.EarlyWarningEngine.SeriesId(deviceId, ""));
        var deleted = 0;
        foreach (var dir in Directory.GetDirectories(folder).Where(d => Path.GetFileName(d).StartsWith(prefix, StringComparison.Ordinal)))
        {
            Directory.Delete(dir, recursive: true);
            deleted++;
        }
        return deleted;
    }
}
