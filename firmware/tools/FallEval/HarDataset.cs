using System.Globalization;

namespace SmartCommunity.Firmware.FallEval;

/// <summary>
/// Reader for the "Activity recognition with healthy older people using a batteryless wearable sensor"
/// recordings (UCI 427, CC BY 4.0): one headerless CSV per trial, columns time s, frontal g, vertical g,
/// lateral g, antenna, RSSI, phase, frequency, label. The tag sits over the sternum, like a pendant.
/// </summary>
public static class HarDataset
{
    public static IReadOnlyList<string> TrialFiles(string root)
    {
        var files = new List<string>();
        foreach (var dir in new[] { "S1_Dataset", "S2_Dataset" })
        {
            var path = Path.Combine(root, dir);
            if (Directory.Exists(path))
            {
                files.AddRange(Directory.GetFiles(path).Where(f => Path.GetFileName(f).StartsWith('d')));
            }
        }

        files.Sort(StringComparer.Ordinal);
        return files;
    }

    public static AccelTrace Read(string file)
    {
        var trace = new AccelTrace(Path.GetFileName(file));
        foreach (var line in File.ReadLines(file))
        {
            var f = line.Split(',');
            if (f.Length < 4)
            {
                continue;
            }

            var t = double.Parse(f[0], CultureInfo.InvariantCulture);
            trace.Add(
                (long)Math.Round(t * 1000),
                (int)Math.Round(double.Parse(f[1], CultureInfo.InvariantCulture) * 1000),
                (int)Math.Round(double.Parse(f[2], CultureInfo.InvariantCulture) * 1000),
                (int)Math.Round(double.Parse(f[3], CultureInfo.InvariantCulture) * 1000));
        }

        return trace;
    }
}
