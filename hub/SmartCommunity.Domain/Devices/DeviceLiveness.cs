using System;
using SmartCommunity.Domain.Ingestion;

namespace SmartCommunity.Domain.Devices;

/// <summary>
/// Whether a device is alive, as the hub last heard it: online, when it was last seen, whether its offline alert was
/// raised, and the health its status messages carry (<c>online</c>, <c>bat</c>, <c>rssi</c>, <c>fw</c>). Not thread-safe:
/// the hub holds the device's lock around it.
/// </summary>
public sealed class DeviceLiveness(DateTimeOffset? lastSeenAt = null, bool online = false, double? battery = null, double? rssi = null, string? firmware = null)
{
    public DateTimeOffset? LastSeenAt { get; private set; } = lastSeenAt;
    public bool Online { get; private set; } = online;
    public double? Battery { get; private set; } = battery;
    public double? Rssi { get; private set; } = rssi;
    public string? Firmware { get; private set; } = firmware;

    /// <summary>An offline alert was raised (last will or missed heartbeats) and nothing was heard since.</summary>
    public bool OfflineReported { get; private set; }

    /// <summary>
    /// An accepted message: the device is online and seen now. A status message (<paramref name="status"/>) also says
    /// whether it still is (its last will says <c>online</c> false) and its battery, signal and firmware. Returns true when
    /// the device came back — it was offline, or its offline alert was raised, and it is online now — so its offline
    /// alerts can be resolved.
    /// </summary>
    public bool Heard(DateTimeOffset now, DecodedPack? status = null)
    {
        var wasOnline = Online;
        LastSeenAt = now;
        Online = true;
        if (status is not null)
        {
            foreach (var r in status.Records)
            {
                switch (r.Name)
                {
                    case "online": Online = r.IsTrue; break;
                    case "bat": Battery = r.Value; break;
                    case "rssi": Rssi = r.Value; break;
                    case "fw": Firmware = r.Text; break;
                }
            }
        }
        var cameBack = (!wasOnline || OfflineReported) && Online;
        OfflineReported = !Online;
        return cameBack;
    }

    /// <summary>A clean disconnect: the device sent no will, so it is offline without an alert.</summary>
    public void Disconnected() => Online = false;

    /// <summary>Supervision raised the device's offline alert (no heartbeat for too long).</summary>
    public void ReportedOffline()
    {
        OfflineReported = true;
        Online = false;
    }

    /// <summary>
    /// Another hub instance heard the device later (several instances share a database): its sighting is taken, so this
    /// one does not report a device that is talking to the cluster; health it does not know is kept. False when it is not
    /// newer.
    /// </summary>
    public bool SeenElsewhere(DateTimeOffset? seen, bool online, double? battery, double? rssi, string? firmware)
    {
        if (seen is not { } at || (LastSeenAt is { } mine && at <= mine))
            return false;
        LastSeenAt = at;
        Online = online;
        Battery = battery ?? Battery;
        Rssi = rssi ?? Rssi;
        Firmware = firmware ?? Firmware;
        return true;
    }
}
