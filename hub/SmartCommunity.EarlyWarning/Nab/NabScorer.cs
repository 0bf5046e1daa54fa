namespace SmartCommunity.EarlyWarning.Nab;

/// <summary>A NAB cost profile (config/profiles.json of NAB v1.1).</summary>
public sealed record NabProfile(string Name, double TpWeight, double FpWeight, double FnWeight)
{
    public static NabProfile Standard { get; } = new("standard", 1.0, 0.11, 1.0);
    public static NabProfile RewardLowFp { get; } = new("reward_low_FP_rate", 1.0, 0.22, 1.0);
    public static NabProfile RewardLowFn { get; } = new("reward_low_FN_rate", 1.0, 0.11, 2.0);
    public static IReadOnlyList<NabProfile> All { get; } = [Standard, RewardLowFp, RewardLowFn];
}

/// <summary>A labelled window as inclusive row indices of its data file.</summary>
public readonly record struct NabWindow(int Start, int End);

/// <summary>One data file's detector output and its labelled windows.</summary>
public sealed record NabFile(string Name, IReadOnlyList<double> Scores, IReadOnlyList<NabWindow> Windows);

public sealed record NabProfileResult(NabProfile Profile, double Threshold, double Raw, double Null, double Perfect)
{
    /// <summary>100 × (raw − null) / (perfect − null): 0 is the null detector, 100 the perfect one.</summary>
    public double Normalized => 100 * (Raw - Null) / (Perfect - Null);
}

/// <summary>
/// The NAB v1.1 scoring rules (nab/sweeper.py, nab/runner.py), re-implemented so the project can score
/// itself: probation min(floor(15 %·n), 750) rows ignored; a detection inside a window earns the scaled
/// sigmoid of its relative position (only the best one per window counts); a detection outside earns the
/// negative sigmoid of its distance past the previous window (−1 before any window); a missed window
/// costs fnWeight; one threshold per profile is chosen over the whole corpus; the result is normalised
/// between the null detector (constant 0.5) and the perfect one (tpWeight per window).
/// </summary>
public static class NabScorer
{
    public const double ProbationPercent = 0.15;

    public static double ProbationLength(int rows) => Math.Min(Math.Floor(ProbationPercent * rows), ProbationPercent * 5000);

    public static double ScaledSigmoid(double relativePosition) =>
        relativePosition >= 3.0 ? -1.0 : 2.0 / (1.0 + Math.Exp(5 * relativePosition)) - 1.0;

    private static readonly double MaxTp = ScaledSigmoid(-1.0);

    /// <summary>A scorable (post-probation) row: its anomaly score, its weighted sweep score and its
    /// corpus-wide window id (−1 outside windows).</summary>
    internal readonly record struct Point(double Score, double Sweep, int Window);

    /// <summary>Sweep scores of one file's post-probation rows; windows get ids from <paramref name="firstWindowId"/>.</summary>
    internal static void Sweep(NabFile file, NabProfile profile, int firstWindowId, List<Point> into, HashSet<int> scorableWindows)
    {
        var n = file.Scores.Count;
        var probation = ProbationLength(n);
        var windows = file.Windows.OrderBy(w => w.Start).ToArray();
        var next = 0;
        int? current = null;
        var prevRight = -1;
        var prevWidth = 0.0;
        for (var i = 0; i < n; i++)
        {
            if (current is null && next < windows.Length && i == windows[next].Start)
                current = next++;
            double weighted;
            if (current is { } c)
            {
                var w = windows[c];
                var width = (double)(w.End - w.Start + 1);
                var position = -(w.End - i + 1) / width;
                weighted = ScaledSigmoid(position) * profile.TpWeight / MaxTp;
            }
            else
            {
                var position = prevRight < 0 ? 3.0 : Math.Abs(prevRight - i) / (prevWidth - 1);
                weighted = ScaledSigmoid(position) * profile.FpWeight;
            }
            if (i >= probation)
            {
                var id = current is { } cw ? firstWindowId + cw : -1;
                into.Add(new Point(file.Scores[i], weighted, id));
                if (id >= 0)
                    scorableWindows.Add(id);
            }
            if (current is { } cur && i == windows[cur].End)
            {
                prevRight = i;
                prevWidth = windows[cur].End - windows[cur].Start + 1;
                current = null;
            }
        }
    }

    /// <summary>Best corpus score over all thresholds (every distinct score, plus 1.1 = never detect).</summary>
    public static (double Threshold, double Score) Optimize(IReadOnlyList<NabFile> files, NabProfile profile)
    {
        var points = new List<Point>();
        var scorable = new HashSet<int>();
        var windowCount = 0;
        foreach (var f in files)
        {
            Sweep(f, profile, windowCount, points, scorable);
            windowCount += f.Windows.Count;
        }
        points.Sort((a, b) => b.Score.CompareTo(a.Score));

        // Every scorable window starts as a miss; a detection replaces that by its best sweep score.
        var best = new double[windowCount];
        foreach (var id in scorable)
            best[id] = -profile.FnWeight;
        var total = -profile.FnWeight * scorable.Count;
        var threshold = 1.1;
        var bestScore = total;
        var bestThreshold = threshold;
        foreach (var p in points)
        {
            if (p.Score != threshold)
            {
                if (total > bestScore)
                {
                    bestScore = total;
                    bestThreshold = threshold;
                }
                threshold = p.Score;
            }
            if (p.Window < 0)
            {
                total += p.Sweep;
            }
            else if (p.Sweep > best[p.Window])
            {
                total += p.Sweep - best[p.Window];
                best[p.Window] = p.Sweep;
            }
        }
        if (total > bestScore)
        {
            bestScore = total;
            bestThreshold = threshold;
        }
        return (bestThreshold, bestScore);
    }

    /// <summary>One file's score at a fixed threshold, with its detected windows and false positives.</summary>
    public static (double Score, int Detected, int Missed, int FalsePositives) ScoreFile(NabFile file, NabProfile profile, double threshold)
    {
        var points = new List<Point>();
        var scorable = new HashSet<int>();
        Sweep(file, profile, 0, points, scorable);
        var best = new double[file.Windows.Count];
        foreach (var id in scorable)
            best[id] = -profile.FnWeight;
        var fpScore = 0.0;
        var fps = 0;
        foreach (var p in points.Where(p => p.Score >= threshold))
        {
            if (p.Window < 0)
            {
                fpScore += p.Sweep;
                fps++;
            }
            else
            {
                best[p.Window] = Math.Max(best[p.Window], p.Sweep);
            }
        }
        var detected = scorable.Count(id => best[id] > -profile.FnWeight);
        return (fpScore + scorable.Sum(id => best[id]), detected, scorable.Count - detected, fps);
    }

    /// <summary>Scores a corpus under one profile, normalised against the null and perfect detectors.</summary>
    public static NabProfileResult Score(IReadOnlyList<NabFile> files, NabProfile profile)
    {
        var (threshold, raw) = Optimize(files, profile);
        var nullFiles = files.Select(f => f with { Scores = new ConstantList(0.5, f.Scores.Count) }).ToArray();
        var (_, nullScore) = Optimize(nullFiles, profile);
        var perfect = profile.TpWeight * files.Sum(f => f.Windows.Count);
        return new NabProfileResult(profile, threshold, raw, nullScore, perfect);
    }

    public static IReadOnlyList<NabProfileResult> ScoreAll(IReadOnlyList<NabFile> files) =>
        [.. NabProfile.All.Select(p => Score(files, p))];

    private sealed class ConstantList(double value, int count) : IReadOnlyList<double>
    {
        public double this[int index] => value;
        public int Count => count;
        public IEnumerator<double> GetEnumerator() => Enumerable.Repeat(value, count).GetEnumerator();
        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
