using SmartCommunity.EarlyWarning.Streaming;

namespace SmartCommunity.EarlyWarning.Tests;

public class NoveltyMemoryTests
{
    // A repeating cycle of 66 points (11 blocks of 6): a ramp up and a quick fall, between 10 and 20, a little noise.
    private const int Period = 66;

    private static double Cycle(int i, Random rng) => (i % Period < 44 ? 10 + 10 * (i % Period) / 44.0 : 20 - 10 * (i % Period - 44) / 22.0)
        + 0.05 * (rng.NextDouble() - 0.5);

    // The same cycle interrupted by a stretch held flat in the middle of the range: never beyond anything seen point by point.
    private static double FlatMiddle(int i, Random rng) => 15.5 + 0.05 * (rng.NextDouble() - 0.5);

    [Fact]
    public void Update_RepeatingCycle_StopsFindingNewShapes()
    {
        var memory = new NoveltyMemory(DetectorOptions.Default);
        var rng = new Random(1);
        var i = 0;
        for (; i < 3 * Period; i++)
            memory.Update(Cycle(i, rng));
        var afterThree = memory.NovelBlocks;
        var tails = new List<double>();
        for (; i < 40 * Period; i++)
            tails.Add(memory.Update(Cycle(i, rng)));

        Assert.InRange(afterThree, 1, 3 * Period / 6);
        Assert.Equal(afterThree, memory.NovelBlocks);
        Assert.All(tails, t => Assert.Equal(1, t));
        Assert.True(memory.Familiar);
    }

    [Fact]
    public void Update_NewShapeAfterSettling_IsNewsTheFirstTimeOnly()
    {
        var memory = new NoveltyMemory(DetectorOptions.Default);
        var rng = new Random(2);
        var i = 0;
        double Episode(int cycles)
        {
            var lowest = 1.0;
            for (var end = i + cycles * Period; i < end; i++)
                memory.Update(Cycle(i, rng));
            for (var end = i + 2 * Period; i < end; i++)
                lowest = Math.Min(lowest, memory.Update(FlatMiddle(i, rng)));
            return lowest;
        }

        var first = Episode(40);
        var novelAfterFirst = memory.NovelBlocks;
        var second = Episode(10);
        var third = Episode(10);

        Assert.InRange(first, 0, 1e-6);
        Assert.Equal(1, third);
        Assert.True(second > first);
        // Coming back from the flat stretch into the cycle is new once too, then nothing is.
        Assert.InRange(memory.NovelBlocks - novelAfterFirst, 0, 2 * Period / 6);
    }

    [Fact]
    public void Update_QuietChangeWithinTheRange_FiresOnTheNoveltyChannel()
    {
        // One-minute readings: the 66-minute cycle drifts against the half-hour slots, so only the shape tells.
        var start = Synthetic.Start.ToUnixTimeSeconds();
        DetectorResult[] Run(DetectorOptions options)
        {
            var detector = new StreamingDetector(options);
            var rng = new Random(3);
            var results = new DetectorResult[4000];
            for (var i = 0; i < results.Length; i++)
                results[i] = detector.Update(start + 60L * i, i is >= 3000 and < 3200 ? FlatMiddle(i, rng) : Cycle(i, rng));
            return results;
        }

        var with = Run(DetectorOptions.Default);
        var without = Run(DetectorOptions.Default with { NoveltyBlock = 0 });

        var fired = Assert.Single(with[3000..3200], r => r.Fired);
        Assert.Equal(AnomalyChannel.Novelty, fired.Channel);
        Assert.DoesNotContain(without[3000..3200], r => r.Fired);
    }

    [Fact]
    public void Familiar_ShapeSeenBefore_IsKnownWhileItIsStillGoingOn()
    {
        var memory = new NoveltyMemory(DetectorOptions.Default);
        var rng = new Random(4);
        var i = 0;
        List<bool> Episode(int cycles)
        {
            for (var end = i + cycles * Period; i < end; i++)
                memory.Update(Cycle(i, rng));
            var familiar = new List<bool>();
            // The first three points of the flat stretch: the current block is not complete yet.
            for (var end = i + 3; i < end; i++)
            {
                memory.Update(FlatMiddle(i, rng));
                familiar.Add(memory.Familiar);
            }
            for (var end = i + 2 * Period - 3; i < end; i++)
                memory.Update(FlatMiddle(i, rng));
            return familiar;
        }

        var first = Episode(40);
        var second = Episode(10);

        Assert.All(first, Assert.False);
        Assert.All(second, Assert.True);
    }

    [Fact]
    public void Update_DipLikeAnEarlierOne_NeedsStrongerEvidenceToFire()
    {
        // A steady reading with the same dip twice, 1,188 readings apart (past the first firing's refractory penalty): the
        // second is as far out point by point, but its shape is known.
        var start = Synthetic.Start.ToUnixTimeSeconds();
        double SecondDip(DetectorOptions options)
        {
            var detector = new StreamingDetector(options);
            var rng = new Random(5);
            var second = 0.0;
            for (var i = 0; i < 30 * Period; i++)
            {
                var dip = i % Period is >= 30 and < 42 && i / Period is 9 or 27;
                var r = detector.Update(start + 60L * i, (dip ? 12 : 15) + 0.05 * (rng.NextDouble() - 0.5));
                if (dip && i >= 27 * Period)
                    second = Math.Max(second, r.Score);
            }
            return second;
        }

        var with = SecondDip(DetectorOptions.Default);
        var without = SecondDip(DetectorOptions.Default with { FamiliarPenalty = 0 });

        Assert.InRange(without, DetectorOptions.Default.FireLevel, 1);
        Assert.InRange(with, 0, DetectorOptions.Default.FireLevel - 0.1);
        Assert.True(with <= without - 0.2, $"with the memory {with}, without {without}");
    }

    [Fact]
    public void BinomialTail_MoreNewShapesThanUsual_IsLessLikely()
    {
        Assert.Equal(1, NoveltyMemory.BinomialTail(6, 0, 0.1), 9);
        Assert.Equal(1e-6, NoveltyMemory.BinomialTail(6, 6, 0.1), 12);
        Assert.True(NoveltyMemory.BinomialTail(6, 3, 0.05) < NoveltyMemory.BinomialTail(6, 2, 0.05));
        Assert.True(NoveltyMemory.BinomialTail(6, 3, 0.01) < NoveltyMemory.BinomialTail(6, 3, 0.1));
    }
}
