using System;

namespace SmartCommunity.Domain.Devices;

/// <summary>
/// Per-device de-duplication of sequence numbers (the anti-replay window of IPsec, RFC 4303 §3.4.3):
/// the highest number seen plus a bitmap of the <see cref="Size"/> numbers below it. A QoS 1
/// redelivery or a replay after reconnect is recognised in O(1) with 128 bytes per device.
/// Not thread-safe: the caller serialises per device (MQTT delivers one client's messages in order).
/// </summary>
public sealed class SequenceWindow
{
    public const int Size = 1024;
    private readonly ulong[] _bits = new ulong[Size / 64];
    private bool _any;

    public uint Highest { get; private set; }

    /// <summary>True until the first sequence number is accepted.</summary>
    public bool IsEmpty => !_any;

    public SequenceWindow() { }

    /// <summary>Restores a window from a persisted high-water mark: everything at or below it counts as seen.</summary>
    public SequenceWindow(uint highest)
    {
        Highest = highest;
        _any = true;
        Array.Fill(_bits, ulong.MaxValue);
    }

    /// <summary>
    /// Restores a window from a high-water mark written by one of several hub instances sharing a device's messages
    /// (MQTT shared subscriptions hand consecutive messages to different instances). The writer did not see every
    /// number below its mark, so only numbers more than a window behind it count as seen; the window itself starts
    /// empty. A redelivery of a message no instance finished is accepted again, never dropped — the stores are
    /// idempotent (readings keyed by series and time, an open alert folds repeats).
    /// </summary>
    public static SequenceWindow SharedMark(uint highest) => new() { Highest = highest, _any = true };

    /// <summary>Checks without recording: true when <paramref name="seq"/> was not accepted before.</summary>
    public bool IsNew(uint seq)
    {
        if (!_any || seq > Highest)
            return true;
        var behind = Highest - seq;
        if (behind >= Size)
            return false;
        return !Get((int)(seq % Size));
    }

    /// <summary>Records <paramref name="seq"/>; returns false when it is a duplicate (nothing changes then).</summary>
    public bool TryAccept(uint seq)
    {
        if (!IsNew(seq))
            return false;
        if (!_any)
        {
            _any = true;
            Highest = seq;
            Set((int)(seq % Size));
            return true;
        }
        if (seq > Highest)
        {
            var advance = seq - Highest;
            if (advance >= Size)
            {
                Array.Clear(_bits);
            }
            else
            {
                for (var s = Highest + 1; s != seq; s++)
                    Clear((int)(s % Size));
            }
            Highest = seq;
        }
        Set((int)(seq % Size));
        return true;
    }

    /// <summary>
    /// Un-records an accepted <paramref name="seq"/> whose message could not be processed (e.g. its alert could not be
    /// stored), so the device's retry of it is handled instead of dropped as a duplicate. The high-water mark stays.
    /// </summary>
    public void Forget(uint seq)
    {
        if (_any && seq <= Highest && Highest - seq < Size)
            Clear((int)(seq % Size));
    }

    private bool Get(int i) => (_bits[i >> 6] & (1UL << (i & 63))) != 0;
    private void Set(int i) => _bits[i >> 6] |= 1UL << (i & 63);
    private void Clear(int i) => _bits[i >> 6] &= ~(1UL << (i & 63));
}
