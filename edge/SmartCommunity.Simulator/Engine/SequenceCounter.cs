namespace SmartCommunity.Simulator.Engine;

/// <summary>
/// A device's sequence number: unsigned 32-bit, starts at 1, one per up/status message, thread-safe.
/// After uint.MaxValue it wraps to 1 (0 is never sent).
/// </summary>
public sealed class SequenceCounter
{
    private uint _last;

    public SequenceCounter(uint first = 1) => _last = first == 0 ? uint.MaxValue : first - 1;

    /// <summary>The last number handed out (0 before the first one, when starting at 1).</summary>
    public uint Last => Volatile.Read(ref _last);

    public uint Next()
    {
        while (true)
        {
            var last = Volatile.Read(ref _last);
            var next = last == uint.MaxValue ? 1u : last + 1;
            if (Interlocked.CompareExchange(ref _last, next, last) == last)
            {
                return next;
            }
        }
    }
}
