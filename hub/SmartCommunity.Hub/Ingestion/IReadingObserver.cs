using SmartCommunity.Domain.Ingestion;
using SmartCommunity.Hub.Devices;

namespace SmartCommunity.Hub.Ingestion;

/// <summary>
/// Sees every accepted pack after the safety rules ran and before readings are stored — the seam
/// for analyses that need the live stream (early warning, routines). Runs on the ingestion path,
/// so an observer must be quick and must not throw; slow work belongs on its own queue.
/// </summary>
public interface IReadingObserver
{
    ValueTask OnAcceptedAsync(DeviceEntry device, DecodedPack pack, CancellationToken ct);
}
