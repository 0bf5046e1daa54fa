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
    // A row is built here and written asynchronously: a response body refuses synchronous writes.
    private readonly StringBuilder _row = new();
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
        _row.Append(value);
        return this;
    }

    public CsvText Number(double? value)
    {
        Separate();
        if (value is { } v)
            _row.Append(v.ToString("G15", CultureInfo.InvariantCulture));
        return this;
    }

    public CsvText Number(long? value)
    {
        Separate();
        if (value is { } v)
            _row.Append(v.ToString(CultureInfo.InvariantCulture));
        return this;
    }

    public CsvText Time(DateTimeOffset? value)
    {
        Separate();
        if (value is { } v)
            _row.Append(v.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
        return this;
    }

    public async Task EndRowAsync()
    {
        _first = true;
        _row.Append("\r\n");
        await writer.WriteAsync(_row);
        _row.Clear();
    }

    public static StreamWriter Open(Stream stream) => new(stream, new UTF8Encoding(encoderShouldEmitUTF8Identifier: true), 64 * 1024);

    private void Separate()
    {
        if (!_first)
            _row.Append(',');
        _first = false;
    }
}
