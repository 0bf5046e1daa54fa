namespace SmartCommunity.SensorNode.Core;

/// <summary>
/// The per-device message sequence number (docs/protocol.md: incremented for every up and status message,
/// kept across reboots). The hub silently drops a seq it has seen, so reusing one after a reboot would
/// silently lose an SOS: the counter therefore persists a reservation ceiling before handing out numbers
/// below it, and after a reboot starts at that ceiling. Skipped numbers are harmless; reused ones are not.
/// Reserving blocks keeps flash writes to one per <see cref="BlockSize"/> messages.
/// Two slots are written alternately so a torn write can only lose the newer slot, never both.
/// </summary>
public sealed class SequenceCounter
{
    public const int BlockSize = 32;
    private const string SlotA = "seq.a";
    private const string SlotB = "seq.b";
    private const int RecordLength = 12;

    private readonly IStorage _storage;
    private readonly byte[] _record = new byte[RecordLength];
    private uint _next;
    private uint _ceiling;
    private bool _writeA;

    public SequenceCounter(IStorage storage)
    {
        _storage = storage;
        bool aCorrupt;
        bool bCorrupt;
        var a = ReadSlot(SlotA, out aCorrupt);
        var b = ReadSlot(SlotB, out bCorrupt);
        // Fresh device: start at 1 (a reading of "0" in logs then always means "never sent").
        _ceiling = a > b ? a : b;
        // Slots alternate, so an unreadable slot held at most one block more than the readable one.
        if (aCorrupt != bCorrupt)
        {
            _ceiling += BlockSize;
        }

        LostState = aCorrupt && bCorrupt;
        if (_ceiling == 0)
        {
            _ceiling = 1;
        }

        _next = _ceiling;
        _writeA = a <= b;
    }

    /// <summary>The number the next message will get (for status output).</summary>
    public uint Peek => _next;

    public uint Next()
    {
        if (_next >= _ceiling)
        {
            _ceiling = _next + BlockSize;
            WriteSlot(_writeA ? SlotA : SlotB, _ceiling);
            _writeA = !_writeA;
        }

        return _next++;
    }

    /// <summary>Factory reset: the hub re-registers the device and resets its window, so numbering restarts.</summary>
    public void Reset()
    {
        _storage.Delete(SlotA);
        _storage.Delete(SlotB);
        _next = 1;
        _ceiling = 1;
        _writeA = true;
    }

    /// <summary>
    /// Both slots were unreadable: numbering restarted and the hub may drop messages as duplicates until
    /// the device is re-registered. Surfaced in the provisioning status so a technician sees it.
    /// </summary>
    public bool LostState { get; private set; }

    private uint ReadSlot(string key, out bool corrupt)
    {
        corrupt = false;
        var n = _storage.Read(key, _record);
        if (n < 0)
        {
            return 0;
        }

        corrupt = true;
        if (n != RecordLength
            || Bytes.GetInt32(_record, 8) != Bytes.Checksum(_record, 0, 8)
            || Bytes.GetInt32(_record, 4) != ~Bytes.GetInt32(_record, 0))
        {
            return 0;
        }

        corrupt = false;
        return (uint)Bytes.GetInt32(_record, 0);
    }

    private void WriteSlot(string key, uint value)
    {
        Bytes.PutInt32(_record, 0, (int)value);
        Bytes.PutInt32(_record, 4, ~(int)value);
        Bytes.PutInt32(_record, 8, Bytes.Checksum(_record, 0, 8));
        _storage.Write(key, _record, RecordLength);
    }
}
