using System.Globalization;
using System.Text;

namespace SmartCommunity.Hub.Hosting;

/// <summary>Device-supplied text (MQTT user names, client ids, topics, certificate subjects) made safe to log and to store.</summary>
public static class LogText
{
    /// <summary>
    /// At most <paramref name="maxChars"/> characters of <paramref name="text"/>, with control characters (newlines, ESC,
    /// NUL…), format characters (bidi overrides, zero-width) and line/paragraph separators written as \n, \r, \t or \uXXXX:
    /// a user name with a newline must not forge a second log line, nor an escape sequence recolour a terminal.
    /// </summary>
    public static string Printable(string? text, int maxChars = 64)
    {
        if (string.IsNullOrEmpty(text))
            return "";
        var clipped = text.Length > maxChars ? text[..maxChars] : text;
        if (!clipped.AsSpan().ContainsAnyExcept(Plain))
            return clipped;
        var sb = new StringBuilder(clipped.Length + 16);
        foreach (var c in clipped)
        {
            switch (c)
            {
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                default:
                    if (Escape(c))
                        sb.Append("\\u").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture));
                    else
                        sb.Append(c);
                    break;
            }
        }
        return sb.ToString();
    }

    // Printable ASCII: the common case, checked without looking at categories.
    private static readonly System.Buffers.SearchValues<char> Plain = System.Buffers.SearchValues.Create(
        Enumerable.Range(0x20, 0x7F - 0x20).Select(i => (char)i).ToArray());

    private static bool Escape(char c) => CharUnicodeInfo.GetUnicodeCategory(c) is
        UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator;
}
