using SmartCommunity.SensorNode.Core;

namespace SmartCommunity.Firmware.FallEval;

public sealed record TraceResult(string Name, int Samples, long DurationMs, int Detections, int FreeFallSamples, int ImpactSamples, int RejectedAfterImpact, int MinMagnitudeMg, int MaxMagnitudeMg);

public sealed record DatasetResult(int Files, int Samples, double Hours, int Detections, int FreeFallSamples, int ImpactSamples, int RejectedAfterImpact, double MedianGapMs, int MinMagnitudeMg, int MaxMagnitudeMg)
{
    public double FalseAlarmsPerHour => Hours > 0 ? Detections / Hours : 0;
}

/// <summary>Runs the firmware's own <see cref="FallDetector"/> (default config) over traces.</summary>
public static class FallEvaluation
{
    public static TraceResult Run(AccelTrace trace, DeviceConfig? config = null)
    {
        config ??= new DeviceConfig();
        var detector = new FallDetector(config);
        long ff = config.Get(Setting.FallFreeFallMg), imp = config.Get(Setting.FallImpactMg);
        int detections = 0, low = 0, high = 0;
        long minSq = long.MaxValue, maxSq = 0;
        for (var i = 0; i < trace.Count; i++)
        {
            int x = trace.XAt(i), y = trace.YAt(i), z = trace.ZAt(i);
            var m = (long)x * x + (long)y * y + (long)z * z;
            minSq = Math.Min(minSq, m);
            maxSq = Math.Max(maxSq, m);
            if (m < ff * ff)
            {
                low++;
            }

            if (m > imp * imp)
            {
                high++;
            }

            if (detector.Update(x, y, z, trace.TimeAt(i)))
            {
                detections++;
            }
        }

        return new TraceResult(trace.Name, trace.Count, trace.DurationMs, detections, low, high, detector.Rejections, (int)Math.Sqrt(minSq), (int)Math.Sqrt(maxSq));
    }

    public static DatasetResult RunDataset(string root, DeviceConfig? config = null)
    {
        var files = HarDataset.TrialFiles(root);
        if (files.Count == 0)
        {
            throw new DirectoryNotFoundException($"no trial files under {root}/S1_Dataset or S2_Dataset");
        }

        int samples = 0, detections = 0, low = 0, high = 0, rejected = 0, min = int.MaxValue, max = 0;
        long ms = 0;
        var gaps = new List<long>();
        foreach (var f in files)
        {
            var trace = HarDataset.Read(f);
            var r = Run(trace, config);
            min = Math.Min(min, r.MinMagnitudeMg);
            max = Math.Max(max, r.MaxMagnitudeMg);
            samples += r.Samples;
            ms += r.DurationMs;
            detections += r.Detections;
            low += r.FreeFallSamples;
            high += r.ImpactSamples;
            rejected += r.RejectedAfterImpact;
            for (var i = 1; i < trace.Count; i++)
            {
                gaps.Add(trace.TimeAt(i) - trace.TimeAt(i - 1));
            }
        }

        gaps.Sort();
        return new DatasetResult(files.Count, samples, ms / 3_600_000.0, detections, low, high, rejected, gaps.Count > 0 ? gaps[gaps.Count / 2] : 0, min, max);
    }

    /// <summary>Detections per synthetic kind over <paramref name="trials"/> seeded variants each.</summary>
    public static IReadOnlyList<(string Kind, int Detected, int Trials)> RunSynthetic(bool falls, int trials)
    {
        var kinds = falls ? SyntheticTraces.FallKinds : SyntheticTraces.NonFallKinds;
        var results = new List<(string, int, int)>();
        foreach (var kind in kinds)
        {
            var detected = 0;
            for (var seed = 1; seed <= trials; seed++)
            {
                var trace = falls ? SyntheticTraces.Fall(kind, seed) : SyntheticTraces.NonFall(kind, seed);
                if (Run(trace).Detections > 0)
                {
                    detected++;
                }
            }

            results.Add((kind, detected, trials));
        }

        return results;
    }
}
