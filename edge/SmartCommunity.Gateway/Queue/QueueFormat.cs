using System.Buffers.Binary;
using System.Text;

namespace SmartCommunity.Gateway.Queue;

/// <summary>
/// One queued message on disk: <c>[u32 body length][u32 CRC-32 of body][body]</c>, the body being
/// <c>u64 id, i64 received (Unix ms), u8 flags, u8 device-id length, device id (ASCII), payload</c>. A record cut short by
/// a crash (or one whose checksum does not match) ends the segment: everything before it was fsync'd and acknowledged,
/// nothing after it was.
/// </summary>
internal static class QueueFormat
{
    public const int HeaderBytes = 8;
    private const int FixedBody = 8 + 8 + 1 + 1;
    public const byte RetainFlag = 1;
    public const byte StatusFlag = 2;
    public const byte CriticalFlag = 4;

    public static int RecordSize(string deviceId, int payloadLength) => HeaderBytes + FixedBody + deviceId.Length + payloadLength;

    /// <summary>Writes the record into <paramref name="destination"/>; returns the payload's offset within it.</summary>
    public static int Write(Span<byte> destination, long id, long receivedMs, byte flags, string deviceId, ReadOnlySpan<byte> payload)
    {
        var body = destination[HeaderBytes..];
        BinaryPrimitives.WriteInt64LittleEndian(body, id);
        BinaryPrimitives.WriteInt64LittleEndian(body[8..], receivedMs);
        body[16] = flags;
        body[17] = (byte)deviceId.Length;
        Encoding.ASCII.GetBytes(deviceId, body[FixedBody..]);
        var payloadAt = FixedBody + deviceId.Length;
        payload.CopyTo(body[payloadAt..]);
        var bodyLength = payloadAt + payload.Length;
        BinaryPrimitives.WriteInt32LittleEndian(destination, bodyLength);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], Crc32.Compute(body[..bodyLength]));
        return HeaderBytes + payloadAt;
    }

    public readonly record struct Parsed(long Id, long ReceivedMs, byte Flags, string DeviceId, int PayloadOffset, int PayloadLength, int RecordSize);

    /// <summary>Reads the record at the start of <paramref name="data"/>; false when it is incomplete or damaged.</summary>
    public static bool TryRead(ReadOnlySpan<byte> data, out Parsed record)
    {
        record = default;
        if (data.Length < HeaderBytes)
            return false;
        var bodyLength = BinaryPrimitives.ReadInt32LittleEndian(data);
        if (bodyLength < FixedBody || bodyLength > data.Length - HeaderBytes)
            return false;
        var body = data.Slice(HeaderBytes, bodyLength);
        if (Crc32.Compute(body) != BinaryPrimitives.ReadUInt32LittleEndian(data[4..]))
            return false;
        var idLength = body[17];
        if (FixedBody + idLength > bodyLength)
            return false;
        record = new Parsed(BinaryPrimitives.ReadInt64LittleEndian(body), BinaryPrimitives.ReadInt64LittleEndian(body[8..]), body[16],
            Encoding.ASCII.GetString(body.Slice(FixedBody, idLength)), HeaderBytes + FixedBody + idLength, bodyLength - FixedBody - idLength,
            HeaderBytes + bodyLength);
        return true;
    }
}

/// <summary>CRC-32 (IEEE 802.3), enough to tell a torn write from a whole record.</summary>
internal static class Crc32
{
    private static readonly uint[] Table = BuildTable();

    private static uint[] BuildTable()
    {
        var table = new uint[256];
        for (uint i = 0; i < 256; i++)
        {
            var c = i;
            for (var k = 0; k < 8; k++)
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            table[i] = c;
        }
        return table;
    }

    public static uint Compute(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
            crc = Table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        return ~crc;
    }
}
