using Microsoft.EntityFrameworkCore;
using SmartCommunity.Domain.Alerts;
using SmartCommunity.Domain.Ingestion;
using SmartCommunity.Hub.Devices;
using SmartCommunity.Hub.Ingestion;
using SmartCommunity.Hub.Persistence;
using SmartCommunity.Hub.Visits;

namespace SmartCommunity.Hub.Alerts;

/// <summary>
/// Button events on a resident's pendant or wearable: <c>cancel</c> (a hold while the device asks "are you OK?", see
/// <see cref="PreAlarmDownlinks"/>) calls off that resident's pre-alarms still inside their window — inferred alerts
/// only: a fall or an SOS had its cancel window on the device itself; <c>visit</c> records the grid worker's visit.
/// Both are rare, so the database lookups are acceptable on the ingestion path.
/// </summary>
public sealed class DeviceButtons(IDbContextFactory<HubDbContext> dbFactory, AlertService alerts, VisitService visits, TimeProvider time) : IReadingObserver
{
    public async ValueTask OnAcceptedAsync(DeviceEntry device, DecodedPack pack, CancellationToken ct)
    {
        foreach (var r in pack.Records)
        {
            if (r.Name == "cancel" && r.IsTrue)
                await CancelPreAlarmsAsync(device, ct);
            else if (r.Name == "visit" && r.IsTrue && device.Place.ResidentId is { } residentId)
                await visits.RecordAsync(residentId, "device:" + device.Id, "device:" + device.Id, null, time.GetUtcNow(), ct);
        }
    }

    private async Task CancelPreAlarmsAsync(DeviceEntry device, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var residentId = device.Place.ResidentId;
        List<long> ids;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            ids = await db.Alerts.AsNoTracking()
                .Where(a => a.Status == AlertStatus.Raised && a.PreAlarmUntil != null && a.PreAlarmUntil > now
                    && (a.DeviceId == device.Id || (residentId != null && a.ResidentId == residentId)))
                .Select(a => a.Id).ToListAsync(ct);
        }
        foreach (var id in ids)
        {
            await alerts.TryChangeAsync(id, a =>
            {
                if (!a.InPreAlarm(now))
                    return false;
                a.CancelPreAlarm("device:" + device.Id, now);
                return true;
            }, ct);
        }
    }
}
