namespace SmartCommunity.SensorNode.Core;

/// <summary>
/// Writes SenML packs in the canonical encoding of docs/protocol.md (key order bn, bt, n, u, v/vb/vs, t;
/// no whitespace; scaled integers written as trimmed decimals) into one reusable byte buffer, so
/// building a message allocates nothing.
/// </summary>
public sealed class SenmlWriter
{
    /// <summary>The hub rejects larger payloads as too_large.</summary>
    public const int MaxPayload = 4096;

    private const string BaseNamePrefix = "urn:dev:sc:";
    private readonly byte[] _buffer;
    private int _length;
    private bool _overflow;

    public SenmlWriter()
        : this(MaxPayload)
    {
    }

    public SenmlWriter(int capacity)
    {
        _buffer = new byte[capacity];
    }

    public byte[] Buffer => _buffer;

    public int Length => _length;

    /// <summary>True when something did not fit; the pack must not be sent.</summary>
    public bool Overflowed => _overflow;

    public int Capacity => _buffer.Length;

    /// <summary>Starts a pack: the base record with bn, bt and the sequence number.</summary>
    public void BeginPack(string deviceId, long baseTime, uint seq)
    {
        _length = 0;
        _overflow = false;
        WriteAscii("[{\"bn\":\"");
        WriteAscii(BaseNamePrefix);
        WriteAscii(deviceId);
        WriteAscii(":\",\"bt\":");
        WriteInteger(baseTime);
        WriteAscii(",\"n\":\"seq\",\"v\":");
        WriteInteger(seq);
        WriteByte((byte)'}');
    }

    /// <summary>
    /// The MQTT last will: the one pack without bt and seq (it is set at connect time, long before it is
    /// sent), its single record carried by the base record.
    /// </summary>
    public void WriteLastWill(string deviceId)
    {
        _length = 0;
        _overflow = false;
        WriteAscii("[{\"bn\":\"");
        WriteAscii(BaseNamePrefix);
        WriteAscii(deviceId);
        WriteAscii(":\",\"n\":\"online\",\"vb\":false}]");
    }

    /// <param name="scaled">Value times 10^precision of the measurement (temp 21.5 = 2150).</param>
    /// <param name="relativeTime">Seconds relative to bt (≤ 0); 0 is omitted.</param>
    public void AddNumber(int measurement, long scaled, long relativeTime)
    {
        BeginRecord(measurement);
        WriteAscii(",\"v\":");
        WriteDecimal(scaled, Measurement.Precision(measurement));
        EndRecord(relativeTime);
    }

    public void AddBool(int measurement, bool value, long relativeTime)
    {
        BeginRecord(measurement);
        WriteAscii(value ? ",\"vb\":true" : ",\"vb\":false");
        EndRecord(relativeTime);
    }

    public void AddString(int measurement, string value, long relativeTime)
    {
        BeginRecord(measurement);
        WriteAscii(",\"vs\":\"");
        WriteJsonStringBody(value);
        WriteByte((byte)'"');
        EndRecord(relativeTime);
    }

    public void End() => WriteByte((byte)']');

    /// <summary>Bytes one record of this measurement may take at most, to decide whether it still fits.</summary>
    public static int MaxRecordBytes(int measurement) =>
        Measurement.Kind(measurement) == Measurement.KindString ? 160 : 64;

    public int Remaining => _buffer.Length - _length;

    private void BeginRecord(int measurement)
    {
        WriteAscii(",{\"n\":\"");
        WriteAscii(Measurement.Name(measurement));
        WriteByte((byte)'"');
        var unit = Measurement.Unit(measurement);
        if (unit.Length > 0)
        {
            WriteAscii(",\"u\":\"");
            WriteAscii(unit);
            WriteByte((byte)'"');
        }
    }

    private void EndRecord(long relativeTime)
    {
        if (relativeTime != 0)
        {
            WriteAscii(",\"t\":");
            WriteInteger(relativeTime);
        }

        WriteByte((byte)'}');
    }

    /// <summary>Writes scaled/10^decimals with trailing zeros and a trailing '.' removed, never "-0".</summary>
    public void WriteDecimal(long scaled, int decimals)
    {
        if (scaled == 0)
        {
            WriteByte((byte)'0');
            return;
        }

        var negative = scaled < 0;
        // Work on the negative side so long.MinValue has no overflow on negation.
        var n = negative ? scaled : -scaled;
        long divisor = 1;
        for (var i = 0; i < decimals; i++)
        {
            divisor *= 10;
        }

        var whole = n / divisor; // ≤ 0
        var fraction = n % divisor; // ≤ 0
        var digits = decimals;
        while (digits > 0 && fraction % 10 == 0)
        {
            fraction /= 10;
            digits--;
        }

        if (negative)
        {
            WriteByte((byte)'-');
        }

        WriteNonPositive(whole);
        if (digits > 0)
        {
            WriteByte((byte)'.');
            // Leading zeros of the fraction (21.05 → "05") are written explicitly.
            long scale = 1;
            for (var i = 1; i < digits; i++)
            {
                scale *= 10;
            }

            while (scale > 1 && -fraction < scale)
            {
                WriteByte((byte)'0');
                scale /= 10;
            }

            WriteNonPositive(fraction);
        }
    }

    public void WriteInteger(long value)
    {
        if (value < 0)
        {
            WriteByte((byte)'-');
            WriteNonPositive(value);
        }
        else
        {
            WriteNonPositive(-value);
        }
    }

    private void WriteInteger(uint value) => WriteInteger((long)value);

    // Digits of -n for n ≤ 0, most significant first, without a temporary buffer.
    private void WriteNonPositive(long n)
    {
        long scale = -1;
        // Compare without dividing by -1: long.MinValue / -1 overflows even in unchecked code.
        while (scale >= long.MinValue / 10 && n <= scale * 10)
        {
            scale *= 10;
        }

        while (scale != 0)
        {
            var digit = n / scale;
            WriteByte((byte)('0' + digit));
            n -= digit * scale;
            scale /= 10;
        }
    }

    private void WriteAscii(string s)
    {
        for (var i = 0; i < s.Length; i++)
        {
            WriteByte((byte)s[i]);
        }
    }

    // JSON string escaping plus hand-rolled UTF-8: the device has no System.Text.Encoding.
    private void WriteJsonStringBody(string s)
    {
        for (var i = 0; i < s.Length; i++)
        {
            int c = s[i];
            if (c == '"' || c == '\\')
            {
                WriteByte((byte)'\\');
                WriteByte((byte)c);
            }
            else if (c < 0x20)
            {
                WriteAscii("\\u00");
                WriteByte(HexDigit(c >> 4));
                WriteByte(HexDigit(c & 0xF));
            }
            else if (c < 0x80)
            {
                WriteByte((byte)c);
            }
            else if (c < 0x800)
            {
                WriteByte((byte)(0xC0 | (c >> 6)));
                WriteByte((byte)(0x80 | (c & 0x3F)));
            }
            else if (c >= 0xD800 && c <= 0xDBFF && i + 1 < s.Length && s[i + 1] >= 0xDC00 && s[i + 1] <= 0xDFFF)
            {
                var cp = 0x10000 + ((c - 0xD800) << 10) + (s[i + 1] - 0xDC00);
                i++;
                WriteByte((byte)(0xF0 | (cp >> 18)));
                WriteByte((byte)(0x80 | ((cp >> 12) & 0x3F)));
                WriteByte((byte)(0x80 | ((cp >> 6) & 0x3F)));
                WriteByte((byte)(0x80 | (cp & 0x3F)));
            }
            else if (c >= 0xD800 && c <= 0xDFFF)
            {
                // A lone surrogate is not valid UTF-8: write U+FFFD instead.
                WriteByte(0xEF);
                WriteByte(0xBF);
                WriteByte(0xBD);
            }
            else
            {
                WriteByte((byte)(0xE0 | (c >> 12)));
                WriteByte((byte)(0x80 | ((c >> 6) & 0x3F)));
                WriteByte((byte)(0x80 | (c & 0x3F)));
            }
        }
    }

    private static byte HexDigit(int v) => (byte)(v < 10 ? '0' + v : 'a' + v - 10);

    private void WriteByte(byte b)
    {
        if (_length < _buffer.Length)
        {
            _buffer[_length++] = b;
        }
        else
        {
            _overflow = true;
        }
    }
}
