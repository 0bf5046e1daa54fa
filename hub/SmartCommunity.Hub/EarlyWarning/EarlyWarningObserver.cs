using System.Threading.Channels;
using SmartCommunity.Domain.Ingestion;
using SmartCommunity.EarlyWarning;
using SmartCommunity.Hub.Devices;
using SmartCommunity.Hub.Ingestion;

namespace SmartCommunity.Hub.EarlyWarning;

/// <summary>One item of work for the early-warning worker: a pack's records and where they came from.</summary>
public readonly record struct EarlyWarningWork(Source Source, Domain.Alerts.AlertPlace Place, IReadOnlyList<DecodedRecord> Records);

/// <summary>
/// The ingestion seam: copies what early warning needs into a bounded queue and returns. Detection runs on
/// the worker, so a slow model or a state save never holds up MQTT ingestion.
/// </summary>
public sealed class EarlyWarningObserver(Channel<EarlyWarningWork> queue) : IReadingObserver
{
    private static readonly HashSet<string> Wanted = new(StringComparer.Ordinal) { "temp", "hum", "gas", "motion", "door" };

    public ValueTask OnAcceptedAsync(DeviceEntry device, DecodedPack pack, CancellationToken ct)
    {
        Enqueue(queue, device, pack);
        return ValueTask.CompletedTask;
    }

    /// <summary>Queues what early warning needs of a pack (also for the elected instance's own full-stream feed).</summary>
    public static void Enqueue(Channel<EarlyWarningWork> queue, DeviceEntry device, DecodedPack pack)
    {
        List<DecodedRecord>? records = null;
        foreach (var r in pack.Records)
        {
            if (Wanted.Contains(r.Name))
                (records ??= []).Add(r);
        }
        if (records is not null)
            queue.Writer.TryWrite(new EarlyWarningWork(new Source(device.Id, device.Kind, device.Rules, device.Place.ResidentId), device.Place, records));
    }
}
