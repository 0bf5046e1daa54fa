using System.Collections.Concurrent;

namespace SmartCommunity.Gateway;

/// <summary>What the gateway counts: shown at <c>/status</c> and (in part) in the health it publishes to the hub.</summary>
public sealed class GatewayStatus
{
    private readonly ConcurrentDictionary<string, long> _rejections = new(StringComparer.Ordinal);
    private int _devicesConnected;
    private long _forwarded;
    private long _lifeSafetyOverdue;

    public int DevicesConnected => Volatile.Read(ref _devicesConnected);
    public long Forwarded => Interlocked.Read(ref _forwarded);
    public bool UplinkConnected { get; set; }

    /// <summary>Life-safety messages the hub did not acknowledge in time while the uplink seemed up (each raised locally).</summary>
    public long LifeSafetyOverdueCount => Interlocked.Read(ref _lifeSafetyOverdue);
    public DateTimeOffset? RegistrySyncedAt { get; private set; }

    /// <summary>Local refusals by reason (<c>bad_credentials</c>, <c>acl_denied</c>, …), as the hub names them.</summary>
    public IReadOnlyDictionary<string, long> Rejections => _rejections;

    public void DeviceConnected() => Interlocked.Increment(ref _devicesConnected);
    public void DeviceDisconnected() => Interlocked.Decrement(ref _devicesConnected);
    public void Sent() => Interlocked.Increment(ref _forwarded);
    public void LifeSafetyOverdue() => Interlocked.Increment(ref _lifeSafetyOverdue);
    public void Reject(string reason) => _rejections.AddOrUpdate(reason, 1, (_, n) => n + 1);
    public void RegistrySynced(DateTimeOffset at) => RegistrySyncedAt = at;
}
