using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.ML;
using SmartCommunity.EarlyWarning.Ml;
using SmartCommunity.EarlyWarning.Nab;
using SmartCommunity.EarlyWarning.Streaming;

namespace SmartCommunity.EarlyWarning.Bench;

/// <summary>
/// Runs the production detector over every NAB file as a fresh stream, in time order, the way the hub
/// runs it: the detector sees one point at a time; the stored history (here: the rows already streamed)
/// is used to train the ML.NET window model, which is swapped into the running detector.
/// </summary>
internal static class NabRunner
{
    public const string DetectorName = "smartcommunity";

    /// <summary>When the first model is trained and how often it is retrained, in rows of the stream.</summary>
    public const int FirstTraining = 400;
    public const int RetrainEvery = 1000;
    public const int MaxTrainingRows = 4000;

    /// <summary>Firings per winning channel over the last run (diagnostics, NAB_DIAG=1).</summary>
    public static readonly int[] FiredBy = new int[8];

    // Diagnostics: NAB_DIAG=raw writes the score before suppression, refractory penalty and feedback.
    private static readonly bool RawScores = Environment.GetEnvironmentVariable("NAB_DIAG") == "raw";

    public static double[] Run(NabSeries series, DetectorOptions options, bool useMl)
    {
        var detector = new StreamingDetector(options);
        var ml = new MLContext(seed: 1);
        var scores = new double[series.Values.Length];
        for (var i = 0; i < series.Values.Length; i++)
        {
            if (useMl && i >= FirstTraining && (i - FirstTraining) % RetrainEvery == 0)
            {
                var from = Math.Max(0, i - MaxTrainingRows);
                var model = PcaWindowTrainer.Train(ml, series.Values[from..i], options, $"v{i}");
                if (model is not null)
                    detector.UseModel(model);
            }
            var t = new DateTimeOffset(series.Times[i], TimeSpan.Zero).ToUnixTimeSeconds();
            var r = detector.Update(t, series.Values[i]);
            scores[i] = RawScores ? r.Raw : r.Score;
            if (r.Fired)
                Interlocked.Increment(ref FiredBy[(int)r.Channel]);
        }
        if (Environment.GetEnvironmentVariable("NAB_DIAG") == "3")
            Console.Error.WriteLine($"{series.RelativePath} rows {series.Values.Length} novel {detector.NovelShapes}");
        return scores;
    }

    public static int Execute(string root, string outDir, DetectorOptions options, bool useMl, bool write, TextWriter report)
    {
        var watch = Stopwatch.StartNew();
        var corpus = NabCorpus.LoadData(root);
        var windows = NabCorpus.LoadWindows(root, corpus);
        var results = new double[corpus.Count][];
        Parallel.For(0, corpus.Count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount },
            i => results[i] = Run(corpus[i], options, useMl));
        if (write)
        {
            for (var i = 0; i < corpus.Count; i++)
                WriteResult(outDir, corpus[i], results[i]);
        }
        var files = corpus.Select((s, i) => new NabFile(s.RelativePath, results[i], windows.GetValueOrDefault(s.RelativePath, []))).ToArray();
        var scored = NabScorer.ScoreAll(files);
        report.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"NAB ({corpus.Count} files, {corpus.Sum(c => c.Values.Length)} rows, ML.NET model {(useMl ? "on" : "off")}, {watch.Elapsed.TotalSeconds:0.0} s)"));
        foreach (var r in scored)
            report.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {r.Profile.Name,-20} {r.Normalized,6:0.0}   (threshold {r.Threshold:0.0000}, raw {r.Raw:0.00}, null {r.Null:0.00}, perfect {r.Perfect:0.00})"));
        if (Environment.GetEnvironmentVariable("NAB_DIAG") is "1" or "2")
            report.WriteLine("  firings by channel: " + string.Join(", ", Enum.GetValues<AnomalyChannel>().Select(c => $"{c} {FiredBy[(int)c]}")));
        if (Environment.GetEnvironmentVariable("NAB_DIAG") == "1")
        {
            var std = scored[0];
            foreach (var f in files)
            {
                var (score, detected, missed, fps) = NabScorer.ScoreFile(f, std.Profile, std.Threshold);
                report.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    {f.Name,-60} {score,7:0.00} tp {detected} fn {missed} fp {fps}"));
            }
        }
        return 0;
    }

    private static void WriteResult(string outDir, NabSeries s, double[] scores)
    {
        var dir = Path.Combine(outDir, s.Category);
        Directory.CreateDirectory(dir);
        var sb = new StringBuilder(scores.Length * 40);
        sb.Append("timestamp,value,anomaly_score\n");
        for (var i = 0; i < scores.Length; i++)
            sb.Append(CultureInfo.InvariantCulture, $"{s.RawTimestamps[i]},{s.Values[i].ToString("R", CultureInfo.InvariantCulture)},{scores[i].ToString("0.######", CultureInfo.InvariantCulture)}\n");
        File.WriteAllText(Path.Combine(dir, $"{DetectorName}_{s.FileName}"), sb.ToString());
    }
}
