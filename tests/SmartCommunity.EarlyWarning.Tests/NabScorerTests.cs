using SmartCommunity.EarlyWarning.Nab;

namespace SmartCommunity.EarlyWarning.Tests;

public class NabScorerTests
{
    // Two files of 1,000 rows (probation 150) with windows well after probation.
    private static NabFile File(string name, Func<int, double> score, params NabWindow[] windows) =>
        new(name, Enumerable.Range(0, 1000).Select(score).ToArray(), windows);

    private static readonly NabWindow[] WindowsA = [new(300, 349), new(700, 759)];
    private static readonly NabWindow[] WindowsB = [new(500, 599)];

    [Fact]
    public void Score_NullDetector_IsZeroForEveryProfile()
    {
        NabFile[] files = [File("a", _ => 0.5, WindowsA), File("b", _ => 0.5, WindowsB)];

        foreach (var r in NabScorer.ScoreAll(files))
            Assert.Equal(0, r.Normalized, 9);
    }

    [Fact]
    public void Score_PerfectDetector_IsHundredForEveryProfile()
    {
        // Perfect: a detection on the first row of every window and nowhere else.
        var starts = new HashSet<int>(WindowsA.Select(w => w.Start));
        NabFile[] files = [File("a", i => starts.Contains(i) ? 1 : 0, WindowsA), File("b", i => i == 500 ? 1 : 0, WindowsB)];

        foreach (var r in NabScorer.ScoreAll(files))
            Assert.Equal(100, r.Normalized, 9);
    }

    [Fact]
    public void Optimize_SmallCaseComputedByHand_MatchesTheRules()
    {
        // 10 rows, probation floor(1.5) = 1, one window on rows 4..6 (width 3); one detection on row 5.
        var file = new NabFile("hand", [0, 0, 0, 0, 0, 1, 0, 0, 0, 0], [new NabWindow(4, 6)]);
        static double S(double x) => 2 / (1 + Math.Exp(5 * x)) - 1;

        var (threshold, score) = NabScorer.Optimize([file], NabProfile.Standard);

        // Row 5 sits at -(6 - 5 + 1) / 3 = -2/3 of the window; the TP weight is divided by S(-1).
        Assert.Equal(1.0, threshold);
        Assert.Equal(S(-2.0 / 3) / S(-1), score, 9);
        // Threshold 0 would flag everything: the best window row (4, at -1) earns 1, rows 1-3 cost 0.11 each
        // (no window before them), rows 7-9 cost 0.11·S(d) at d = 0.5, 1, 1.5 window widths (width - 1 = 2).
        var everything = 1 - 3 * 0.11 + 0.11 * (S(0.5) + S(1) + S(1.5));
        Assert.True(everything < score);
        var result = NabScorer.Score([file], NabProfile.Standard);
        Assert.Equal(everything, result.Null, 9);
        Assert.Equal(100 * (score - everything) / (1 - everything), result.Normalized, 9);
    }

    [Theory]
    [InlineData(1000, 150)]
    [InlineData(4032, 604)]
    [InlineData(15902, 750)]
    public void ProbationLength_RowCount_IsMinOfFifteenPercentAnd750(int rows, int expected) =>
        Assert.Equal(expected, NabScorer.ProbationLength(rows));

    [Fact]
    public void Optimize_DetectionOnlyInProbation_CountsAsMiss()
    {
        var file = new NabFile("early", Enumerable.Range(0, 100).Select(i => i == 5 ? 1.0 : 0).ToArray(), [new NabWindow(50, 59)]);

        var (_, score) = NabScorer.Optimize([file], NabProfile.RewardLowFn);

        Assert.Equal(-2, score, 9);
    }
}
