using SmartCommunity.EarlyWarning.Streaming;

namespace SmartCommunity.EarlyWarning.Tests;

public class SteadyRunTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 5, 0, 0, 0, TimeSpan.Zero);

    // An idle-or-busy sensor (a key counter, a disk's writes): bursts of 10 readings between 0.1 and 1, then 30 zeros.
    private sealed class Feed(StreamingDetector detector, int seed)
    {
        private readonly Random _rng = new(seed);
        private int _i;

        public StreamingDetector Detector { get; set; } = detector;

        public DetectorResult Push(double x) => Detector.Update(Start.AddMinutes(5 * _i++), x);

        public void Bursts(int points)
        {
            for (var k = 0; k < points; k++)
                Push(k % 40 < 10 ? 0.1 + 0.9 * _rng.NextDouble() : 0);
        }

        public void Zeros(int points)
        {
            for (var k = 0; k < points; k++)
                Push(0);
        }
    }

    [Fact]
    public void Update_LeavesLongestConstantStretch_FiresOnSteadyChannel()
    {
        var feed = new Feed(new StreamingDetector(), 1);
        feed.Bursts(600);
        feed.Zeros(200);

        var r = feed.Push(0.3);

        Assert.True(r.Fired);
        Assert.Equal(AnomalyChannel.Steady, r.Channel);
        Assert.Equal(0, r.Expected);
    }

    [Fact]
    public void Update_SteadyRunOff_SameStretchIsNotSteady()
    {
        var feed = new Feed(new StreamingDetector(DetectorOptions.Default with { SteadyRun = 0 }), 1);
        feed.Bursts(600);
        feed.Zeros(200);

        var r = feed.Push(0.3);

        Assert.NotEqual(AnomalyChannel.Steady, r.Channel);
        Assert.False(r.Fired);
    }

    [Fact]
    public void Update_ShorterStretchThanBefore_IsNotNewsAfterRestore()
    {
        var feed = new Feed(new StreamingDetector(), 2);
        feed.Bursts(600);
        feed.Zeros(200);
        feed.Push(0.3);
        feed.Bursts(1200);
        using var state = new MemoryStream();
        feed.Detector.Save(state);
        state.Position = 0;
        feed.Detector = StreamingDetector.Restore(state, null, null, out _);

        // An idle spell of 150 is long against the usual 30 but shorter than the 200 already seen: not news.
        feed.Zeros(150);
        var shorter = feed.Push(0.3);
        feed.Bursts(1200);
        feed.Zeros(250);
        var longer = feed.Push(0.3);

        Assert.NotEqual(AnomalyChannel.Steady, shorter.Channel);
        Assert.False(shorter.Fired);
        Assert.Equal(AnomalyChannel.Steady, longer.Channel);
        Assert.True(longer.Fired);
    }
}
