using System.Buffers;
using System.Buffers.Binary;
using System.Threading.Channels;
using Microsoft.Win32.SafeHandles;

namespace SmartCommunity.Gateway.Queue;

/// <summary>A message a device sent, as the gateway accepted it.</summary>
public sealed record QueuedMessage(string DeviceId, bool Status, bool Retain, bool Critical, long ReceivedMs, ReadOnlyMemory<byte> Payload);

public enum AppendOutcome
{
    /// <summary>On disk (fsync'd): the device may be acknowledged.</summary>
    Stored,

    /// <summary>A routine reading with no room left under the quota, and no older routine reading to give up for it.</summary>
    DroppedForQuota,
}

/// <summary>A message handed to the forwarder; it comes back through <see cref="DurableQueue.Complete"/>, <see cref="DurableQueue.Drop"/> or <see cref="DurableQueue.Release"/>.</summary>
public sealed class Lease
{
    internal Lease(QueueEntry entry, byte[] payload)
    {
        Entry = entry;
        Payload = payload;
    }

    internal QueueEntry Entry { get; }
    public long Id => Entry.Id;
    public string DeviceId => Entry.DeviceId;
    public bool Status => (Entry.Flags & QueueFormat.StatusFlag) != 0;
    public bool Retain => (Entry.Flags & QueueFormat.RetainFlag) != 0;
    public bool Critical => Entry.Critical;
    public long ReceivedMs => Entry.ReceivedMs;
    public byte[] Payload { get; }
}

public readonly record struct QueueStats(int Depth, long QueuedBytes, long? OldestReceivedMs, long DiskUsedBytes, long QuotaBytes, long DroppedRoutine, long Refused);

internal enum EntryState
{
    Queued,
    InFlight,
    Done,
}

internal sealed class QueueEntry
{
    public long Id;
    public required string DeviceId;
    public byte Flags;
    public long ReceivedMs;
    public required Segment Segment;
    public long PayloadOffset;
    public int PayloadLength;
    public int Size;
    public EntryState State;
    public bool Critical => (Flags & QueueFormat.CriticalFlag) != 0;
}

internal sealed class Segment(string path, bool critical)
{
    public string Path { get; } = path;
    public bool Critical { get; } = critical;
    public FileStream? Writer;
    public SafeFileHandle? Reader;
    public long Length;
    public int Live;
    public bool Sealed;
}

/// <summary>One device's messages, in the order it sent them; at most one is with the hub at a time, so order holds.</summary>
internal sealed class Lane(string deviceId)
{
    public string DeviceId { get; } = deviceId;
    public Queue<QueueEntry> Entries { get; } = new();
    public bool InFlight;
    public int Critical;

    /// <summary>The id of the first waiting message while the lane is in a ready set; -1 otherwise.</summary>
    public long Key = -1;

    public bool InPriority;
}

/// <summary>
/// The gateway's store and forward: every accepted message is appended to a segment file and fsync'd (in batches: one
/// fsync for whatever arrived meanwhile) before the device gets its PUBACK. Life-safety messages and the rest go to
/// separate segment files, so that giving up routine readings oldest-first under the disk quota empties the oldest
/// routine segments whole and frees their space, while segments with life-safety events are only ever emptied by
/// forwarding. What was forwarded (or dropped) is appended to <c>done.log</c>; a restart, also after <c>kill -9</c>,
/// reads the segments back, skips what is done and truncates a torn last record. A message done but whose done-mark
/// was not yet written is sent again: the hub's sequence window drops it as a duplicate.
/// <para>Forwarding order: devices with a life-safety message waiting go first (their whole backlog, in order, so
/// an SOS is not overtaken by nothing but its own device's older messages), then the oldest waiting message of any
/// device. A device has at most one message with the hub at a time.</para>
/// </summary>
public sealed class DurableQueue : IAsyncDisposable
{
    private const int MaxBatch = 4096;

    private readonly string _directory;
    private readonly long _quota;
    private readonly int _segmentBytes;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private readonly Channel<PendingAppend> _appends = Channel.CreateUnbounded<PendingAppend>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Dictionary<string, Lane> _lanes = new(StringComparer.Ordinal);
    private readonly SortedSet<Lane> _priority = new(LaneOrder.Instance);
    private readonly SortedSet<Lane> _normal = new(LaneOrder.Instance);
    private readonly Queue<QueueEntry> _routine = new();
    private readonly List<Segment> _segments = [];
    private Segment? _activeRoutine, _activeCritical;
    private FileStream? _doneLog;
    private Task _writer = Task.CompletedTask;
    private TaskCompletionSource _changed = NewSignal();
    private long _nextId = 1;
    private long _liveBytes;
    private int _depth;
    private long _droppedRoutine;
    private long _refused;
    private bool _overQuotaWarned;

    public DurableQueue(string directory, long quotaBytes, int segmentBytes, ILogger logger)
    {
        _directory = directory;
        _quota = quotaBytes;
        _segmentBytes = segmentBytes;
        _logger = logger;
    }

    private sealed record PendingAppend(QueuedMessage Message, TaskCompletionSource<AppendOutcome> Done);

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Reads what a previous run left and starts the writer.</summary>
    public void Open()
    {
        Directory.CreateDirectory(Path.Combine(_directory, "routine"));
        Directory.CreateDirectory(Path.Combine(_directory, "critical"));
        var donePath = Path.Combine(_directory, "done.log");
        var done = ReadDone(donePath);
        var maxId = done.Count == 0 ? 0 : done.Max();
        var recovered = new List<QueueEntry>();
        var keptDone = new List<long>();
        foreach (var critical in new[] { false, true })
        {
            foreach (var file in Directory.GetFiles(Path.Combine(_directory, critical ? "critical" : "routine"), "*.seg").Order(StringComparer.Ordinal))
            {
                var segment = new Segment(file, critical) { Sealed = true };
                var data = File.ReadAllBytes(file);
                var offset = 0;
                var entries = new List<QueueEntry>();
                var doneHere = new List<long>();
                while (offset < data.Length && QueueFormat.TryRead(data.AsSpan(offset), out var r))
                {
                    maxId = Math.Max(maxId, r.Id);
                    if (done.Contains(r.Id))
                    {
                        doneHere.Add(r.Id);
                    }
                    else
                    {
                        entries.Add(new QueueEntry
                        {
                            Id = r.Id, DeviceId = r.DeviceId, Flags = r.Flags, ReceivedMs = r.ReceivedMs, Segment = segment,
                            PayloadOffset = offset + r.PayloadOffset, PayloadLength = r.PayloadLength, Size = r.RecordSize,
                        });
                    }
                    offset += r.RecordSize;
                }
                if (offset < data.Length)
                {
                    // The write the crash interrupted: never acknowledged to its device, which sends it again.
                    _logger.LogWarning("Queue segment {Segment}: {Bytes} bytes after the last whole record cut off (an interrupted write)", file, data.Length - offset);
                    using var truncate = new FileStream(file, FileMode.Open, FileAccess.Write);
                    truncate.SetLength(offset);
                    truncate.Flush(true);
                }
                segment.Length = offset;
                if (entries.Count == 0)
                {
                    File.Delete(file);
                    continue;
                }
                segment.Reader = File.OpenHandle(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                segment.Live = entries.Count;
                _segments.Add(segment);
                recovered.AddRange(entries);
                keptDone.AddRange(doneHere);
            }
        }
        _nextId = maxId + 1;
        // The done log only needs the marks of records still on disk: rewritten whole (atomically) so it does not grow.
        var temp = donePath + ".tmp";
        using (var rewrite = new FileStream(temp, FileMode.Create, FileAccess.Write))
        {
            Span<byte> id = stackalloc byte[8];
            foreach (var d in keptDone)
            {
                BinaryPrimitives.WriteInt64LittleEndian(id, d);
                rewrite.Write(id);
            }
            rewrite.Flush(true);
        }
        File.Move(temp, donePath, overwrite: true);
        _doneLog = new FileStream(donePath, FileMode.Append, FileAccess.Write, FileShare.Read, 4096);
        lock (_lock)
        {
            foreach (var entry in recovered.OrderBy(e => e.Id))
                Insert(entry);
        }
        if (recovered.Count > 0)
            _logger.LogInformation("Queue: {Count} messages ({Bytes} bytes) left from the previous run, to be forwarded", recovered.Count, _liveBytes);
        _writer = Task.Run(WriteLoopAsync);
    }

    private static HashSet<long> ReadDone(string path)
    {
        var done = new HashSet<long>();
        if (!File.Exists(path))
            return done;
        var data = File.ReadAllBytes(path);
        for (var i = 0; i + 8 <= data.Length; i += 8)
            done.Add(BinaryPrimitives.ReadInt64LittleEndian(data.AsSpan(i)));
        return done;
    }

    /// <summary>Completes once the message is on disk (or given up under the quota): only then may the device be acknowledged.</summary>
    public Task<AppendOutcome> AppendAsync(QueuedMessage message)
    {
        var pending = new PendingAppend(message, new TaskCompletionSource<AppendOutcome>(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!_appends.Writer.TryWrite(pending))
            throw new ObjectDisposedException(nameof(DurableQueue));
        return pending.Done.Task;
    }

    private async Task WriteLoopAsync()
    {
        var batch = new List<PendingAppend>();
        var stored = new List<(PendingAppend Append, QueueEntry Entry)>();
        var touched = new HashSet<Segment>();
        while (await _appends.Reader.WaitToReadAsync())
        {
            batch.Clear();
            stored.Clear();
            touched.Clear();
            while (batch.Count < MaxBatch && _appends.Reader.TryRead(out var a))
                batch.Add(a);
            try
            {
                lock (_lock)
                {
                    foreach (var a in batch)
                    {
                        var entry = Write(a.Message);
                        if (entry is null)
                            continue;
                        stored.Add((a, entry));
                        touched.Add(entry.Segment);
                    }
                }
                // One fsync per segment for the whole batch: the group commit that keeps thousands of devices cheap.
                foreach (var segment in touched)
                {
                    if (!segment.Sealed)
                        segment.Writer!.Flush(flushToDisk: true);
                }
                lock (_lock)
                {
                    foreach (var (_, entry) in stored)
                        Insert(entry);
                    Signal();
                }
                foreach (var a in batch)
                    a.Done.TrySetResult(stored.Exists(s => ReferenceEquals(s.Append, a)) ? AppendOutcome.Stored : AppendOutcome.DroppedForQuota);
            }
            catch (Exception ex)
            {
                // A full or failing disk: the devices get no PUBACK and send again; nothing is acknowledged that is not stored.
                _logger.LogError(ex, "Queue: writing {Count} messages failed", batch.Count);
                foreach (var a in batch)
                    a.Done.TrySetException(ex);
            }
        }
    }

    private QueueEntry? Write(QueuedMessage m)
    {
        var size = QueueFormat.RecordSize(m.DeviceId, m.Payload.Length);
        if (!MakeRoom(size, m.Critical))
        {
            _droppedRoutine++;
            _logger.LogWarning("Queue full ({Quota} bytes): a routine message of {DeviceId} dropped on arrival", _quota, m.DeviceId);
            return null;
        }
        var segment = Active(m.Critical, size);
        var flags = (byte)((m.Retain ? QueueFormat.RetainFlag : 0) | (m.Status ? QueueFormat.StatusFlag : 0) | (m.Critical ? QueueFormat.CriticalFlag : 0));
        var buffer = ArrayPool<byte>.Shared.Rent(size);
        try
        {
            var id = _nextId++;
            var payloadAt = QueueFormat.Write(buffer, id, m.ReceivedMs, flags, m.DeviceId, m.Payload.Span);
            segment.Writer!.Write(buffer, 0, size);
            var entry = new QueueEntry
            {
                Id = id, DeviceId = m.DeviceId, Flags = flags, ReceivedMs = m.ReceivedMs, Segment = segment,
                PayloadOffset = segment.Length + payloadAt, PayloadLength = m.Payload.Length, Size = size,
            };
            segment.Length += size;
            segment.Live++;
            _liveBytes += size;
            return entry;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Gives up routine messages, oldest first, until <paramref name="size"/> more bytes fit under the quota.</summary>
    private bool MakeRoom(int size, bool critical)
    {
        while (_liveBytes + size > _quota && DropOldestRoutine())
        {
        }
        if (_liveBytes + size <= _quota)
        {
            _overQuotaWarned = false;
            return true;
        }
        if (!critical)
            return false;
        // Never a life-safety event: stored beyond the quota, loudly.
        if (!_overQuotaWarned)
            _logger.LogError("Queue over its quota ({Quota} bytes) with life-safety messages only: stored anyway; the disk fills", _quota);
        _overQuotaWarned = true;
        return true;
    }

    private bool DropOldestRoutine()
    {
        while (_routine.TryPeek(out var oldest))
        {
            if (oldest.State == EntryState.Done)
            {
                _routine.Dequeue();
                continue;
            }
            if (oldest.State == EntryState.InFlight)
                return false;
            _routine.Dequeue();
            oldest.State = EntryState.Done;
            _droppedRoutine++;
            Finish(oldest);
            Refresh(_lanes[oldest.DeviceId]);
            return true;
        }
        return false;
    }

    private Segment Active(bool critical, int size)
    {
        var active = critical ? _activeCritical : _activeRoutine;
        if (active is not null && (active.Length == 0 || active.Length + size <= _segmentBytes))
            return active;
        if (active is not null)
        {
            active.Writer!.Flush(flushToDisk: true);
            active.Writer.Dispose();
            active.Writer = null;
            active.Sealed = true;
            if (active.Live == 0)
                Delete(active);
        }
        var path = Path.Combine(_directory, critical ? "critical" : "routine", $"{_nextId:D20}.seg");
        var segment = new Segment(path, critical)
        {
            Writer = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, 64 * 1024),
        };
        segment.Reader = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        _segments.Add(segment);
        if (critical)
            _activeCritical = segment;
        else
            _activeRoutine = segment;
        return segment;
    }

    private void Insert(QueueEntry entry)
    {
        if (!_lanes.TryGetValue(entry.DeviceId, out var lane))
            _lanes[entry.DeviceId] = lane = new Lane(entry.DeviceId);
        lane.Entries.Enqueue(entry);
        if (entry.Critical)
            lane.Critical++;
        else
            _routine.Enqueue(entry);
        _depth++;
        Refresh(lane);
    }

    /// <summary>Bookkeeping for a message that left the queue (forwarded, refused by the hub, or dropped).</summary>
    private void Finish(QueueEntry entry)
    {
        _depth--;
        _liveBytes -= entry.Size;
        if (entry.Critical)
            _lanes[entry.DeviceId].Critical--;
        Span<byte> id = stackalloc byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(id, entry.Id);
        _doneLog!.Write(id);
        // To the kernel at once: a kill -9 loses nothing written; only a power cut can lose a mark (the hub absorbs the resend).
        _doneLog.Flush();
        // Forwarded routine messages leave the drop line lazily; trimmed here so it does not grow with what was sent.
        while (_routine.TryPeek(out var head) && head.State == EntryState.Done)
            _routine.Dequeue();
        var segment = entry.Segment;
        if (--segment.Live == 0 && segment.Sealed)
            Delete(segment);
    }

    private void Delete(Segment segment)
    {
        segment.Reader?.Dispose();
        segment.Reader = null;
        _segments.Remove(segment);
        try
        {
            File.Delete(segment.Path);
        }
        catch (IOException ex)
        {
            _logger.LogWarning(ex, "Queue: could not delete the emptied segment {Segment}", segment.Path);
        }
    }

    /// <summary>Puts the lane into the ready set it belongs to now (or none).</summary>
    private void Refresh(Lane lane)
    {
        if (lane.Key >= 0)
        {
            (lane.InPriority ? _priority : _normal).Remove(lane);
            lane.Key = -1;
        }
        while (lane.Entries.TryPeek(out var head) && head.State == EntryState.Done)
            lane.Entries.Dequeue();
        if (lane.InFlight)
            return;
        if (lane.Entries.Count == 0)
        {
            _lanes.Remove(lane.DeviceId);
            return;
        }
        lane.Key = lane.Entries.Peek().Id;
        lane.InPriority = lane.Critical > 0;
        (lane.InPriority ? _priority : _normal).Add(lane);
    }

    private void Signal()
    {
        var old = _changed;
        _changed = NewSignal();
        old.TrySetResult();
    }

    /// <summary>Completes when something may have become ready; take it before <see cref="TryTake"/> so no wake-up is missed.</summary>
    public Task Changed
    {
        get
        {
            lock (_lock)
                return _changed.Task;
        }
    }

    /// <summary>The next message to forward: devices with a life-safety message first, else the oldest; null when none is ready.</summary>
    public Lease? TryTake()
    {
        QueueEntry head;
        lock (_lock)
        {
            var lane = _priority.Min ?? _normal.Min;
            if (lane is null)
                return null;
            head = lane.Entries.Peek();
            head.State = EntryState.InFlight;
            lane.InFlight = true;
            Refresh(lane);
        }
        // Sealed segments are deleted only once every message in them is done, and this one is in flight.
        var payload = new byte[head.PayloadLength];
        var read = 0;
        while (read < payload.Length)
        {
            var n = RandomAccess.Read(head.Segment.Reader!, payload.AsSpan(read), head.PayloadOffset + read);
            if (n <= 0)
                throw new IOException($"queue segment {head.Segment.Path} ends before message {head.Id}");
            read += n;
        }
        return new Lease(head, payload);
    }

    /// <summary>The hub acknowledged it.</summary>
    public void Complete(Lease lease) => Finish(lease, refused: false);

    /// <summary>The hub refused it for good (e.g. 0x87, not this gateway's device): dropped, counted.</summary>
    public void Drop(Lease lease) => Finish(lease, refused: true);

    private void Finish(Lease lease, bool refused)
    {
        lock (_lock)
        {
            var entry = lease.Entry;
            if (entry.State != EntryState.InFlight)
                return;
            entry.State = EntryState.Done;
            if (refused)
                _refused++;
            var lane = _lanes[entry.DeviceId];
            lane.InFlight = false;
            Finish(entry);
            Refresh(lane);
            Signal();
        }
    }

    /// <summary>Not delivered (connection lost): back to the head of its device's line.</summary>
    public void Release(Lease lease)
    {
        lock (_lock)
        {
            var entry = lease.Entry;
            if (entry.State != EntryState.InFlight)
                return;
            entry.State = EntryState.Queued;
            var lane = _lanes[entry.DeviceId];
            lane.InFlight = false;
            Refresh(lane);
            Signal();
        }
    }

    public QueueStats Stats()
    {
        lock (_lock)
        {
            long? oldest = null;
            foreach (var lane in _lanes.Values)
            {
                foreach (var e in lane.Entries)
                {
                    if (e.State == EntryState.Done)
                        continue;
                    if (oldest is null || e.ReceivedMs < oldest)
                        oldest = e.ReceivedMs;
                    break;
                }
            }
            var disk = _doneLog?.Length ?? 0;
            foreach (var s in _segments)
                disk += s.Length;
            return new QueueStats(_depth, _liveBytes, oldest, disk, _quota, _droppedRoutine, _refused);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _appends.Writer.TryComplete();
        await _writer;
        lock (_lock)
        {
            foreach (var s in _segments)
            {
                s.Writer?.Flush(flushToDisk: true);
                s.Writer?.Dispose();
                s.Reader?.Dispose();
            }
            _doneLog?.Flush(flushToDisk: true);
            _doneLog?.Dispose();
        }
    }

    private sealed class LaneOrder : IComparer<Lane>
    {
        public static readonly LaneOrder Instance = new();

        public int Compare(Lane? x, Lane? y) => (x?.Key ?? -1).CompareTo(y?.Key ?? -1);
    }
}
