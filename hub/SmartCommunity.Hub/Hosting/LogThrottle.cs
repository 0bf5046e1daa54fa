using System.Collections.Concurrent;

namespace SmartCommunity.Hub.Hosting;

/// <summary>
/// One log line per key per interval: what an attacker or a misbehaving device repeats must not flood the log.
/// The caller counts every event elsewhere (metrics, rejection counts); this only says whether to write a line now
/// and how many were left out since the last one.
/// </summary>
public sealed class LogThrottle(TimeProvider time, TimeSpan interval)
{
    private readonly ConcurrentDictionary<string, Slot> _slots = new();

    public bool TryEnter(string key, out long suppressed)
    {
        var slot = _slots.GetOrAdd(key, _ => new Slot());
        var now = time.GetUtcNow().UtcTicks;
        lock (slot)
        {
            if (slot.LastTicks != 0 && now - slot.LastTicks < interval.Ticks)
            {
                slot.Suppressed++;
                suppressed = slot.Suppressed;
                return false;
            }
            suppressed = slot.Suppressed;
            slot.LastTicks = now;
            slot.Suppressed = 0;
            return true;
        }
    }

    private sealed class Slot
    {
        public long LastTicks;
        public long Suppressed;
    }
}
