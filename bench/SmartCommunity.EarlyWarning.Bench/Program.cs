using System.Globalization;
using SmartCommunity.EarlyWarning.Bench;
using SmartCommunity.EarlyWarning.Streaming;

// nab <nab-root> <out-dir> [--no-ml] [--no-write] [--set Option=value ...]   score the detector on NAB
// home [--no-ml] [--feedback] [--files N] [--normal M] [--days D]                       the home-scenario yardstick
// perf                                                                         throughput, training time, memory
if (args is ["nab", var root, var outDir, .. var rest])
{
    var options = DetectorOptions.Default;
    var useMl = !rest.Contains("--no-ml");
    var write = !rest.Contains("--no-write");
    for (var i = 0; i < rest.Length - 1; i++)
    {
        if (rest[i] == "--set")
            options = Overrides.Apply(options, rest[i + 1]);
    }
    return NabRunner.Execute(root, outDir, options, useMl, write, Console.Out);
}
if (args is ["home", .. var homeArgs])
{
    string? Value(string name) => Array.IndexOf(homeArgs, name) is var i and >= 0 && i + 1 < homeArgs.Length ? homeArgs[i + 1] : null;
    return SmartCommunity.EarlyWarning.Yard.HomeYardstick.Execute(!homeArgs.Contains("--no-ml"), homeArgs.Contains("--feedback"), Console.Out,
        int.Parse(Value("--files") ?? "16", CultureInfo.InvariantCulture), int.Parse(Value("--days") ?? "28", CultureInfo.InvariantCulture),
        int.Parse(Value("--normal") ?? "4", CultureInfo.InvariantCulture));
}
if (args is ["perf", ..])
    return Perf.Run(Console.Out);

Console.Error.WriteLine("usage: nab <nab-root> <out-dir> [--no-ml] [--no-write] | home [--no-ml] [--feedback] [--files N] [--normal M] [--days D] | perf");
return 2;

/// <summary>Experiment hook: changes one option for a whole-corpus run (never per file).</summary>
internal static class Overrides
{
    public static DetectorOptions Apply(DetectorOptions o, string assignment)
    {
        var parts = assignment.Split('=', 2);
        var prop = typeof(DetectorOptions).GetProperty(parts[0]) ?? throw new ArgumentException($"No option {parts[0]}");
        var copy = o with { };
        prop.SetValue(copy, Convert.ChangeType(parts[1], prop.PropertyType, CultureInfo.InvariantCulture));
        return copy;
    }
}
