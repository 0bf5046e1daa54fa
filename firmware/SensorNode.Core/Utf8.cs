namespace SmartCommunity.SensorNode.Core;

/// <summary>UTF-8 by hand: nanoFramework's mscorlib has no System.Text.Encoding.</summary>
public static class Utf8
{
    /// <summary>Encodes into <paramref name="buffer"/> at <paramref name="offset"/>; returns bytes written, or -1 if it does not fit.</summary>
    public static int Encode(string s, byte[] buffer, int offset)
    {
        var o = offset;
        for (var i = 0; i < s.Length; i++)
        {
            int c = s[i];
            if (c >= 0xD800 && c <= 0xDBFF && i + 1 < s.Length && s[i + 1] >= 0xDC00 && s[i + 1] <= 0xDFFF)
            {
                c = 0x10000 + ((c - 0xD800) << 10) + (s[i + 1] - 0xDC00);
                i++;
            }
            else if (c >= 0xD800 && c <= 0xDFFF)
            {
                c = 0xFFFD;
            }

            var n = c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
            if (o + n > buffer.Length)
            {
                return -1;
            }

            if (n == 1)
            {
                buffer[o++] = (byte)c;
            }
            else if (n == 2)
            {
                buffer[o++] = (byte)(0xC0 | (c >> 6));
                buffer[o++] = (byte)(0x80 | (c & 0x3F));
            }
            else if (n == 3)
            {
                buffer[o++] = (byte)(0xE0 | (c >> 12));
                buffer[o++] = (byte)(0x80 | ((c >> 6) & 0x3F));
                buffer[o++] = (byte)(0x80 | (c & 0x3F));
            }
            else
            {
                buffer[o++] = (byte)(0xF0 | (c >> 18));
                buffer[o++] = (byte)(0x80 | ((c >> 12) & 0x3F));
                buffer[o++] = (byte)(0x80 | ((c >> 6) & 0x3F));
                buffer[o++] = (byte)(0x80 | (c & 0x3F));
            }
        }

        return o - offset;
    }

    /// <summary>Decodes b[offset..offset+count); returns null for malformed UTF-8 (never guesses).</summary>
    public static string? Decode(byte[] b, int offset, int count)
    {
        var chars = new char[count];
        var n = 0;
        var i = offset;
        var end = offset + count;
        while (i < end)
        {
            int c = b[i];
            int extra;
            int cp;
            if (c < 0x80)
            {
                extra = 0;
                cp = c;
            }
            else if ((c & 0xE0) == 0xC0)
            {
                extra = 1;
                cp = c & 0x1F;
            }
            else if ((c & 0xF0) == 0xE0)
            {
                extra = 2;
                cp = c & 0x0F;
            }
            else if ((c & 0xF8) == 0xF0)
            {
                extra = 3;
                cp = c & 0x07;
            }
            else
            {
                return null;
            }

            if (i + extra >= end && extra > 0)
            {
                return null;
            }

            for (var k = 1; k <= extra; k++)
            {
                var cc = b[i + k];
                if ((cc & 0xC0) != 0x80)
                {
                    return null;
                }

                cp = (cp << 6) | (cc & 0x3F);
            }

            // Overlong forms and surrogate code points are invalid UTF-8.
            if ((extra == 1 && cp < 0x80) || (extra == 2 && cp < 0x800) || (extra == 3 && (cp < 0x10000 || cp > 0x10FFFF))
                || (cp >= 0xD800 && cp <= 0xDFFF))
            {
                return null;
            }

            i += extra + 1;
            if (cp >= 0x10000)
            {
                cp -= 0x10000;
                chars[n++] = (char)(0xD800 + (cp >> 10));
                chars[n++] = (char)(0xDC00 + (cp & 0x3FF));
            }
            else
            {
                chars[n++] = (char)cp;
            }
        }

        return new string(chars, 0, n);
    }
}
