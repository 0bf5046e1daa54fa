using System.Globalization;
using System.Text;

namespace SmartCommunity.Hub.Hosting;

/// <summary>
/// Writes CSV (RFC 4180) that a spreadsheet opens safely: fields quoted when needed, and text a spreadsheet would run
/// as a formula (starting with = + - @, tab or carriage return) prefixed with an apostrophe, since a resident's name
/// or a note is typed by people. Numbers and times are written invariantly.
/// </summary>
public sealed class CsvText(TextWriter writer)
{
    private bool _first = true;

    public CsvText Text(string? value)
    {
        Separate();
        if (string.IsNullOrEmpty(value))
            return this;
        if (value[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
            value = "'" + value;
        if (value.AsSpan().IndexOfAny(",\"\r\n") >= 0)
            value = "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
        writer.Write(value);
        return this;
    }

    public CsvText Number(double? value)
    {
        Separate();
        if (value is { } v)
            writer.Write(v.ToString("R", CultureInfo.InvariantCulture));
        return this;
    }

    public CsvText Number(long? value)
    {
        Separate();
        if (value is { } v)
            writer.Write(v.ToString(CultureInfo.InvariantCulture));
        return this;
    }

    public CsvText Time(DateTimeOffset? value)
    {
        Separate();
        if (value is { } v)
            writer.Write(v.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
        return this;
    }

    public Task EndRowAsync()
    {
        _first = true;
        return writer.WriteAsync("\r\n");
    }

    public static StreamWriter Open(Stream stream) => new(stream, new UTF8Encoding(encoderShouldEmitUTF8Identifier: true), 64 * 1024);

    private void Separate()
    {
        if (!_first)
            writer.Write(',');
        _first = false;
    }
}
