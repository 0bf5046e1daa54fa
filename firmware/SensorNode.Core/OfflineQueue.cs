namespace SmartCommunity.SensorNode.Core;

/// <summary>
/// Bounded, persisted outbox. Every reading and event goes through it, online or not, so the path that
/// replays after an outage is the same path that runs every day. Records leave only after the broker
/// acknowledged the pack that carried them.
/// When full, the oldest record of the lowest priority present is dropped — routine readings first,
/// then other events — but only for a record of at least that priority, and critical records
/// (SOS, fall, smoke, leak: the catalogue's Critical) are never dropped: a queue full of them
/// refuses the newcomer and counts it.
/// Every drop is counted, and the counts are persisted with the records.
/// </summary>
public sealed class OfflineQueue
{
    public const string StorageKey = "queue";

    private const int FlagBool = 1;
    private const int FlagUnixTime = 2;
    private const int FlagTimeUnknown = 4;
    private const int Magic = 0x31514353; // "SCQ1"
    private const int HeaderLength = 24;
    private const int RecordLength = 20;

    private readonly IStorage _storage;
    private readonly byte[] _measurement;
    private readonly byte[] _flags;
    private readonly int[] _value;
    private readonly long[] _time;
    private readonly uint[] _seq;
    private readonly byte[] _image;
    private int _count;

    public OfflineQueue(IStorage storage, int capacity)
    {
        _storage = storage;
        _measurement = new byte[capacity];
        _flags = new byte[capacity];
        _value = new int[capacity];
        _time = new long[capacity];
        _seq = new uint[capacity];
        _image = new byte[HeaderLength + capacity * RecordLength + 4];
        Load();
    }

    public int Count => _count;

    public int Capacity => _measurement.Length;

    /// <summary>Routine readings dropped because the queue was full.</summary>
    public int DroppedRoutine { get; private set; }

    /// <summary>Non-critical events (door, leak, test, ...) dropped because the queue was full.</summary>
    public int DroppedEvents { get; private set; }

    /// <summary>Critical events refused because the queue held nothing but critical events.</summary>
    public int RefusedCritical { get; private set; }

    /// <summary>Records dropped because they had grown older than the hub accepts (after a very long outage).</summary>
    public int DroppedStale { get; private set; }

    /// <summary>True when the persisted queue was unreadable at start-up and was discarded.</summary>
    public bool LoadFailed { get; private set; }

    /// <summary>Queues a record. <paramref name="time"/> is Unix seconds when <paramref name="unixTime"/>, else monotonic ms of this boot.</summary>
    /// <returns>False when the record itself was dropped (the queue is full of more important records).</returns>
    public bool Enqueue(int measurement, int value, bool boolValue, long time, bool unixTime)
    {
        if (_count == Capacity && !MakeRoomFor(Measurement.Priority(measurement)))
        {
            Persist();
            return false;
        }

        var i = _count++;
        _measurement[i] = (byte)measurement;
        _flags[i] = (byte)((boolValue ? FlagBool : 0) | (unixTime ? FlagUnixTime : 0));
        _value[i] = value;
        _time[i] = time;
        _seq[i] = 0;
        Persist();
        return true;
    }

    public int MeasurementAt(int i) => _measurement[i];

    public int ValueAt(int i) => _value[i];

    public bool BoolAt(int i) => (_flags[i] & FlagBool) != 0;

    /// <summary>Unix seconds when <see cref="HasUnixTime"/>, else monotonic ms of this boot.</summary>
    public long TimeAt(int i) => _time[i];

    public bool HasUnixTime(int i) => (_flags[i] & FlagUnixTime) != 0;

    /// <summary>Stamped before any time sync of a boot that has since ended: its real time is lost.</summary>
    public bool TimeUnknown(int i) => (_flags[i] & FlagTimeUnknown) != 0;

    /// <summary>Sequence number of the pack this record was last sent in, 0 if never sent.</summary>
    public uint SeqAt(int i) => _seq[i];

    /// <summary>Converts this boot's monotonic stamps to Unix time once the clock is known.</summary>
    public void ResolveTimes(TimeKeeper clock)
    {
        if (!clock.IsSynced)
        {
            return;
        }

        var changed = false;
        for (var i = 0; i < _count; i++)
        {
            if ((_flags[i] & (FlagUnixTime | FlagTimeUnknown)) == 0)
            {
                _time[i] = clock.UnixSeconds(_time[i]);
                _flags[i] |= FlagUnixTime;
                changed = true;
            }
        }

        if (changed)
        {
            Persist();
        }
    }

    /// <summary>
    /// Drops records stamped before <paramref name="unixCutoff"/>. The hub rejects a whole pack as
    /// clock_skew when one record is too old, so a stale reading would otherwise take a fresh SOS down
    /// with it. Returns how many were dropped.
    /// </summary>
    public int DropOlderThan(long unixCutoff)
    {
        var kept = 0;
        for (var i = 0; i < _count; i++)
        {
            if ((_flags[i] & FlagUnixTime) != 0 && _time[i] < unixCutoff)
            {
                continue;
            }

            if (kept != i)
            {
                Move(i, kept);
            }

            kept++;
        }

        var dropped = _count - kept;
        if (dropped > 0)
        {
            _count = kept;
            DroppedStale += dropped;
            Persist();
        }

        return dropped;
    }

    /// <summary>
    /// Marks the first <paramref name="count"/> records as sent with <paramref name="seq"/> and persists that
    /// before the publish, so a resend after a lost PUBACK or a reboot reuses the seq and the hub
    /// deduplicates it instead of storing the readings twice.
    /// </summary>
    public void AssignSeq(int count, uint seq)
    {
        for (var i = 0; i < count; i++)
        {
            _seq[i] = seq;
        }

        Persist();
    }

    public void RemoveFirst(int count)
    {
        if (count > _count)
        {
            count = _count;
        }

        for (var i = count; i < _count; i++)
        {
            Move(i, i - count);
        }

        _count -= count;
        Persist();
    }

    public void Clear()
    {
        _count = 0;
        DroppedRoutine = 0;
        DroppedEvents = 0;
        RefusedCritical = 0;
        DroppedStale = 0;
        _storage.Delete(StorageKey);
    }

    private bool MakeRoomFor(int priority)
    {
        var victim = -1;
        var victimPriority = Measurement.PriorityCritical;
        for (var i = 0; i < _count; i++)
        {
            var p = Measurement.Priority(_measurement[i]);
            if (p < victimPriority)
            {
                victim = i;
                victimPriority = p;
                if (p == Measurement.PriorityRoutine)
                {
                    break;
                }
            }
        }

        if (victim < 0 || victimPriority > priority)
        {
            // Nothing less important to give way: the newcomer is the one dropped.
            CountDrop(priority);
            return false;
        }

        CountDrop(victimPriority);
        for (var i = victim + 1; i < _count; i++)
        {
            Move(i, i - 1);
        }

        _count--;
        return true;
    }

    private void CountDrop(int priority)
    {
        if (priority == Measurement.PriorityRoutine)
        {
            DroppedRoutine++;
        }
        else if (priority == Measurement.PriorityEvent)
        {
            DroppedEvents++;
        }
        else
        {
            RefusedCritical++;
        }
    }

    private void Move(int from, int to)
    {
        _measurement[to] = _measurement[from];
        _flags[to] = _flags[from];
        _value[to] = _value[from];
        _time[to] = _time[from];
        _seq[to] = _seq[from];
    }

    // The whole queue is one blob rewritten on every change: a few KB on a flash file system that
    // wear-levels, at the rate events and readings occur (minutes apart), not the sampling rate.
    private void Persist()
    {
        var b = _image;
        Bytes.PutInt32(b, 0, Magic);
        Bytes.PutInt32(b, 4, _count);
        Bytes.PutInt32(b, 8, DroppedRoutine);
        Bytes.PutInt32(b, 12, DroppedEvents);
        Bytes.PutInt32(b, 16, RefusedCritical);
        Bytes.PutInt32(b, 20, DroppedStale);
        var o = HeaderLength;
        for (var i = 0; i < _count; i++)
        {
            b[o] = _measurement[i];
            b[o + 1] = _flags[i];
            b[o + 2] = 0;
            b[o + 3] = 0;
            Bytes.PutInt32(b, o + 4, _value[i]);
            Bytes.PutInt64(b, o + 8, _time[i]);
            Bytes.PutInt32(b, o + 16, (int)_seq[i]);
            o += RecordLength;
        }

        Bytes.PutInt32(b, o, Bytes.Checksum(b, 0, o));
        _storage.Write(StorageKey, b, o + 4);
    }

    private void Load()
    {
        var length = _storage.Read(StorageKey, _image);
        if (length < 0)
        {
            return;
        }

        var b = _image;
        var count = length >= HeaderLength ? Bytes.GetInt32(b, 4) : -1;
        var expected = HeaderLength + count * RecordLength;
        if (length < HeaderLength + 4 || Bytes.GetInt32(b, 0) != Magic || count < 0 || count > Capacity
            || length != expected + 4 || Bytes.GetInt32(b, expected) != Bytes.Checksum(b, 0, expected))
        {
            LoadFailed = true;
            return;
        }

        DroppedRoutine = Bytes.GetInt32(b, 8);
        DroppedEvents = Bytes.GetInt32(b, 12);
        RefusedCritical = Bytes.GetInt32(b, 16);
        DroppedStale = Bytes.GetInt32(b, 20);
        var o = HeaderLength;
        for (var i = 0; i < count; i++)
        {
            var m = b[o];
            if (m >= Measurement.Count)
            {
                LoadFailed = true;
                _count = 0;
                return;
            }

            _measurement[i] = m;
            _flags[i] = b[o + 1];
            // Monotonic stamps belong to the boot that wrote them; this boot's clock means nothing for them.
            if ((_flags[i] & FlagUnixTime) == 0)
            {
                _flags[i] |= FlagTimeUnknown;
            }

            _value[i] = Bytes.GetInt32(b, o + 4);
            _time[i] = Bytes.GetInt64(b, o + 8);
            _seq[i] = (uint)Bytes.GetInt32(b, o + 16);
            o += RecordLength;
        }

        _count = count;
    }
}
