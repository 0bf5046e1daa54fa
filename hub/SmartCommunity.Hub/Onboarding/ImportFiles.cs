using System.Globalization;
using System.Text;
using CsvHelper;
using MiniExcelLibs;
using SmartCommunity.Domain.Onboarding;

namespace SmartCommunity.Hub.Onboarding;

/// <summary>An uploaded file as the rules read it: its columns (header, line 1) and its data rows with their line numbers.</summary>
public sealed record ImportTable(IReadOnlyList<string> Columns, IReadOnlyList<ImportRow> Rows);

/// <summary>The file's rows exceed the limit: reading stops there (a huge file costs no more than the limit).</summary>
public sealed class TooManyRowsException(int limit) : Exception($"more than {limit} rows")
{
    public int Limit { get; } = limit;
}

/// <summary>
/// CSV (CsvHelper; UTF-8 with or without BOM, comma-separated, quoted cells may hold commas and line breaks) and XLSX
/// (MiniExcel, the first sheet) into one table shape, and the templates in both formats. A file is XLSX when it starts
/// with the ZIP signature, whatever its name says: people rename files.
/// </summary>
public static class ImportFiles
{
    public const string CsvType = "text/csv";
    public const string XlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

    public static bool IsXlsx(ReadOnlySpan<byte> head) => head.Length >= 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4;

    public static ImportTable Read(byte[] file, int maxRows) =>
        IsXlsx(file) ? ReadXlsx(file, maxRows) : ReadCsv(file, maxRows);

    private static ImportTable ReadCsv(byte[] file, int maxRows)
    {
        // Excel in a Chinese locale saves "CSV" as GB18030 (GBK); UTF-8 (with or without BOM) is read as it is.
        if (!System.Text.Unicode.Utf8.IsValid(file))
            file = Encoding.UTF8.GetBytes(Gb18030.Value.GetString(file));
        var options = CsvReaderOptions.Default with
        {
            TrackLineNumbers = true,
            // Values may be personal data: CsvHelper's messages leave them out.
            IncludeValuesInExceptions = false,
            // Every cell goes to the rules as typed; ragged rows read missing cells as empty.
            FieldCountMismatch = CsvFieldCountHandling.Allow,
            MissingField = CsvMissingFieldHandling.ReturnEmpty,
            MaxRecordSize = 1024 * 1024,
        };
        using var csv = CsvReader.Create(file, options);
        csv.ReadHeader();
        var columns = csv.Headers.Select(OnboardingRules.ColumnName).ToList();
        while (columns.Count > 0 && columns[^1].Length == 0)
            columns.RemoveAt(columns.Count - 1);
        var rows = new List<ImportRow>();
        while (csv.Read())
        {
            var cells = new Dictionary<string, string?>(columns.Count, StringComparer.Ordinal);
            for (var i = 0; i < columns.Count; i++)
                cells.TryAdd(columns[i], i < csv.FieldCount ? csv.GetString(i) : null);
            if (cells.Values.All(string.IsNullOrWhiteSpace))
                continue;
            if (rows.Count == maxRows)
                throw new TooManyRowsException(maxRows);
            // The line the row starts on, as an editor shows it (a quoted cell may span lines).
            rows.Add(new ImportRow((int)csv.LineNumber, cells));
        }
        return new(columns, rows);
    }

    private static readonly Lazy<Encoding> Gb18030 = new(() =>
    {
        Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
        return Encoding.GetEncoding("GB18030");
    });

    private static ImportTable ReadXlsx(byte[] file, int maxRows)
    {
        using var stream = new MemoryStream(file);
        var columns = new List<string>();
        var rows = new List<ImportRow>();
        var line = 0;
        // Row by row without a header: the sheet's own row numbers (blank rows count) are the lines people see.
        foreach (IDictionary<string, object?> raw in stream.Query(useHeaderRow: false))
        {
            line++;
            var values = raw.Values.Select(Text).ToList();
            if (line == 1)
            {
                columns = values.Select(v => OnboardingRules.ColumnName(v)).ToList();
                while (columns.Count > 0 && columns[^1].Length == 0)
                    columns.RemoveAt(columns.Count - 1);
                continue;
            }
            if (values.All(string.IsNullOrWhiteSpace))
                continue;
            if (rows.Count == maxRows)
                throw new TooManyRowsException(maxRows);
            var cells = new Dictionary<string, string?>(columns.Count, StringComparer.Ordinal);
            for (var i = 0; i < columns.Count; i++)
                cells.TryAdd(columns[i], i < values.Count ? values[i] : null);
            rows.Add(new ImportRow(line, cells));
        }
        return new(columns, rows);
    }

    /// <summary>A spreadsheet cell as the text a person typed: numbers without a culture's separators, whole numbers without ".0".</summary>
    private static string? Text(object? value) => value switch
    {
        null => null,
        string s => s,
        double d when d == Math.Floor(d) && Math.Abs(d) < 1e15 => ((long)d).ToString(CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };

    public static byte[] CsvTemplate(ImportKind kind) =>
        Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes(string.Join(",", OnboardingRules.Columns(kind)) + "\r\n")).ToArray();

    public static byte[] XlsxTemplate(ImportKind kind) => Xlsx(OnboardingRules.Columns(kind), []);

    /// <summary>A one-sheet workbook: the header row, then the rows (every cell as text, so ids like 0012 keep their zeros).</summary>
    public static byte[] Xlsx(IReadOnlyList<string> columns, IEnumerable<IReadOnlyList<string?>> rows)
    {
        var sheet = new List<Dictionary<string, object?>>();
        var header = new Dictionary<string, object?>();
        for (var i = 0; i < columns.Count; i++)
            header[Key(i)] = columns[i];
        sheet.Add(header);
        foreach (var row in rows)
        {
            var r = new Dictionary<string, object?>();
            for (var i = 0; i < columns.Count; i++)
                r[Key(i)] = i < row.Count ? row[i] : null;
            sheet.Add(r);
        }
        using var stream = new MemoryStream();
        stream.SaveAs(sheet, printHeader: false);
        return stream.ToArray();
    }

    private static string Key(int i) => "c" + i.ToString("D3", CultureInfo.InvariantCulture);

    /// <summary>RFC 4180 CSV of the rows (UTF-8 with BOM, so spreadsheet programs read Chinese correctly; cells a
    /// spreadsheet would run as formulas are escaped).</summary>
    public static byte[] Csv(IReadOnlyList<string> columns, IEnumerable<IReadOnlyList<string?>> rows)
    {
        using var stream = new MemoryStream();
        using (var csv = CsvWriter.Create(stream, CsvWriterOptions.Default with { WriteByteOrderMark = true }, leaveOpen: true))
        {
            csv.WriteHeader([.. columns]);
            foreach (var row in rows)
                csv.WriteRecord([.. row.Select(c => c ?? "")]);
        }
        return stream.ToArray();
    }
}
