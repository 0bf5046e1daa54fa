using System.Diagnostics;
using System.Globalization;
using Microsoft.ML;
using SmartCommunity.EarlyWarning.Ml;
using SmartCommunity.EarlyWarning.Streaming;

namespace SmartCommunity.EarlyWarning.Bench;

/// <summary>
/// Throughput (points/s on one thread, so per core), training time per series and memory per tracked series.
/// Stopwatch over millions of points after a warm-up pass: a per-point cost of ~1 µs is far above timer
/// resolution, so BenchmarkDotNet's machinery would add little here; figures are reported, never asserted.
/// </summary>
internal static class Perf
{
    public static int Run(TextWriter report)
    {
        const int points = 5_000_000;
        var rng = new Random(1);
        var times = new long[points];
        var values = new double[points];
        for (var i = 0; i < points; i++)
        {
            times[i] = 1_700_000_000L + 300L * i;
            values[i] = 20 + 5 * Math.Sin(i * 2 * Math.PI / 288) + rng.NextDouble();
        }
        var ml = new MLContext(seed: 1);
        var model = PcaWindowTrainer.Train(ml, values.AsSpan(0, 8064).ToArray(), DetectorOptions.Default, "bench")!;

        Line(report, "detector, no model", Throughput(times, values, null));
        Line(report, "detector + ML.NET PCA model", Throughput(times, values, model));

        // Training: 28 days of 5-minute readings, the hub's nightly job per series.
        var history = values.AsSpan(0, 8064).ToArray();
        PcaWindowTrainer.Train(ml, history, DetectorOptions.Default, "warm");
        var watch = Stopwatch.StartNew();
        const int trainings = 10;
        for (var i = 0; i < trainings; i++)
            PcaWindowTrainer.Train(ml, history, DetectorOptions.Default, $"t{i}");
        report.WriteLine(string.Create(CultureInfo.InvariantCulture, $"training (RandomizedPca, 8,064 points = 28 days @ 5 min): {watch.Elapsed.TotalMilliseconds / trainings:0.0} ms per series"));

        // Memory: bytes allocated to build 10,000 detectors (they allocate nothing per point, checked below, so
        // this is what each tracked series holds); the model is shared per series and counted apart.
        const int series = 10_000;
        var detectors = new StreamingDetector[series];
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var s = 0; s < series; s++)
            detectors[s] = new StreamingDetector(null, model);
        var built = GC.GetAllocatedBytesForCurrentThread();
        for (var s = 0; s < series; s++)
        {
            for (var i = 0; i < 400; i++)
                detectors[s].Update(times[i], values[i]);
        }
        var fed = GC.GetAllocatedBytesForCurrentThread();
        using var state = new MemoryStream();
        detectors[0].Save(state);
        report.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"memory: {(built - before) / (double)series / 1024:0.00} KiB per tracked series, {(fed - built) / (double)series / 400:0.0} bytes allocated per point, {state.Length / 1024.0:0.0} KiB saved state; PCA model {model.Rank}x{model.Dimension} floats"));
        GC.KeepAlive(detectors);
        return 0;
    }

    private static double Throughput(long[] times, double[] values, IWindowModel? model)
    {
        var warm = new StreamingDetector(null, model);
        for (var i = 0; i < 200_000; i++)
            warm.Update(times[i], values[i]);
        var detector = new StreamingDetector(null, model);
        var sum = 0.0;
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < times.Length; i++)
            sum += detector.Update(times[i], values[i]).Score;
        var elapsed = watch.Elapsed.TotalSeconds;
        GC.KeepAlive(sum);
        return times.Length / elapsed;
    }

    private static void Line(TextWriter report, string what, double perSecond) =>
        report.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{what}: {perSecond / 1e6:0.00} M points/s on one core"));
}
