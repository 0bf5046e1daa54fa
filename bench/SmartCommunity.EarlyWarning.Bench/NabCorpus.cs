using System.Globalization;
using System.Text.Json;
using SmartCommunity.EarlyWarning.Nab;

namespace SmartCommunity.EarlyWarning.Bench;

/// <summary>One NAB data file, read in full (the runner then feeds it to a fresh detector row by row).</summary>
internal sealed record NabSeries(string Category, string FileName, string[] RawTimestamps, DateTime[] Times, double[] Values)
{
    public string RelativePath => $"{Category}/{FileName}";
}

/// <summary>Reads NAB's data/ and labels/combined_windows.json. Labels are used only for scoring.</summary>
internal static class NabCorpus
{
    public static IReadOnlyList<NabSeries> LoadData(string root)
    {
        var dataDir = Path.Combine(root, "data");
        var list = new List<NabSeries>();
        foreach (var path in Directory.EnumerateFiles(dataDir, "*.csv", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var category = Path.GetFileName(Path.GetDirectoryName(path)!);
            var lines = File.ReadAllLines(path);
            var raw = new string[lines.Length - 1];
            var times = new DateTime[lines.Length - 1];
            var values = new double[lines.Length - 1];
            for (var i = 1; i < lines.Length; i++)
            {
                var comma = lines[i].IndexOf(',', StringComparison.Ordinal);
                raw[i - 1] = lines[i][..comma];
                times[i - 1] = ParseTime(raw[i - 1]);
                values[i - 1] = double.Parse(lines[i].AsSpan(comma + 1), CultureInfo.InvariantCulture);
            }
            list.Add(new NabSeries(category, Path.GetFileName(path), raw, times, values));
        }
        return list;
    }

    public static Dictionary<string, NabWindow[]> LoadWindows(string root, IReadOnlyList<NabSeries> series)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(root, "labels", "combined_windows.json")));
        var byPath = series.ToDictionary(s => s.RelativePath, StringComparer.Ordinal);
        var result = new Dictionary<string, NabWindow[]>(StringComparer.Ordinal);
        foreach (var file in doc.RootElement.EnumerateObject())
        {
            if (!byPath.TryGetValue(file.Name, out var s))
                continue;
            var windows = new List<NabWindow>();
            foreach (var w in file.Value.EnumerateArray())
            {
                var start = ParseTime(w[0].GetString()!);
                var end = ParseTime(w[1].GetString()!);
                var first = Array.FindIndex(s.Times, t => t >= start);
                var last = Array.FindLastIndex(s.Times, t => t <= end);
                if (first >= 0 && last >= first)
                    windows.Add(new NabWindow(first, last));
            }
            result[file.Name] = [.. windows];
        }
        return result;
    }

    private static DateTime ParseTime(string s) =>
        DateTime.Parse(s, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
}
