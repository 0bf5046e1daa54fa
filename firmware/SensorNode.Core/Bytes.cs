namespace SmartCommunity.SensorNode.Core;

/// <summary>Little-endian field access and a checksum for persisted blobs (no BitConverter arrays, no allocation).</summary>
public static class Bytes
{
    public static void PutInt32(byte[] b, int offset, int value)
    {
        b[offset] = (byte)value;
        b[offset + 1] = (byte)(value >> 8);
        b[offset + 2] = (byte)(value >> 16);
        b[offset + 3] = (byte)(value >> 24);
    }

    public static int GetInt32(byte[] b, int offset) =>
        b[offset] | (b[offset + 1] << 8) | (b[offset + 2] << 16) | (b[offset + 3] << 24);

    public static void PutInt64(byte[] b, int offset, long value)
    {
        PutInt32(b, offset, (int)value);
        PutInt32(b, offset + 4, (int)(value >> 32));
    }

    public static long GetInt64(byte[] b, int offset) =>
        (uint)GetInt32(b, offset) | ((long)GetInt32(b, offset + 4) << 32);

    /// <summary>Fletcher-32 over b[offset..offset+count): catches torn writes and flipped bits in persisted state.</summary>
    public static int Checksum(byte[] b, int offset, int count)
    {
        uint a = 0xFFFF;
        uint c = 0xFFFF;
        for (var i = offset; i < offset + count; i++)
        {
            a = (a + b[i]) % 65535;
            c = (c + a) % 65535;
        }

        return (int)((c << 16) | a);
    }
}
