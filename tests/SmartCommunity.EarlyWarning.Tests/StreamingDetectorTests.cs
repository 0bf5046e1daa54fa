using Microsoft.ML;
using SmartCommunity.EarlyWarning.Ml;
using SmartCommunity.EarlyWarning.Streaming;

namespace SmartCommunity.EarlyWarning.Tests;

public class StreamingDetectorTests
{
    private static readonly TimeSpan Step = TimeSpan.FromMinutes(5);

    [Fact]
    public void Update_SpikeAfterQuietDays_FiresOnceWithTheSpike()
    {
        var detector = new StreamingDetector();
        var data = Synthetic.Daily(2000, Step, 20, 2, 0.3, seed: 1).ToArray();
        data[1500] = (data[1500].At, 35);

        var fired = data.Select((p, i) => (i, r: detector.Update(p.At, p.Value))).Where(x => x.r.Fired).ToArray();

        var spike = Assert.Single(fired, f => f.i >= 1500 && f.i < 1510);
        Assert.Equal(35, spike.r.Seen);
        Assert.InRange(spike.r.Score, detector.Options.FireLevel, 1);
    }

    [Fact]
    public void Update_AnyStream_ScoresStayInUnitInterval()
    {
        var detector = new StreamingDetector();
        var rng = new Random(3);

        for (var i = 0; i < 5000; i++)
        {
            var r = detector.Update(Synthetic.Start + Step * i, rng.NextDouble() < 0.01 ? rng.NextDouble() * 1e6 : rng.NextDouble());
            Assert.InRange(r.Score, 0, 1);
        }
    }

    [Fact]
    public void Restore_SavedMidStream_ContinuesExactlyLikeTheOriginal()
    {
        var data = Synthetic.Daily(3000, Step, 50, 10, 2, seed: 2).ToArray();
        var original = new StreamingDetector();
        foreach (var p in data[..2000])
            original.Update(p.At, p.Value);
        using var state = new MemoryStream();
        original.Save(state);
        state.Position = 0;

        var restored = StreamingDetector.Restore(state, null, null, out var modelVersion);

        Assert.Equal("", modelVersion);
        foreach (var p in data[2000..])
            Assert.Equal(original.Update(p.At, p.Value), restored.Update(p.At, p.Value));
    }

    [Fact]
    public void UseModel_RetrainedModel_IsSwappedInAndItsVersionSurvivesRestart()
    {
        var ml = new MLContext(seed: 1);
        var data = Synthetic.Daily(3000, Step, 50, 10, 2, seed: 4).ToArray();
        var detector = new StreamingDetector();
        foreach (var p in data[..1000])
            detector.Update(p.At, p.Value);
        var v1 = PcaWindowTrainer.Train(ml, data[..1000].Select(p => p.Value), detector.Options, "v1");
        var v2 = PcaWindowTrainer.Train(ml, data[..2000].Select(p => p.Value), detector.Options, "v2");
        Assert.NotNull(v1);
        Assert.NotNull(v2);

        detector.UseModel(v1);
        foreach (var p in data[1000..2000])
            detector.Update(p.At, p.Value);
        detector.UseModel(v2);
        using var state = new MemoryStream();
        detector.Save(state);
        state.Position = 0;
        string? asked = null;
        var restored = StreamingDetector.Restore(state, null, v => { asked = v; return v2; }, out _);

        Assert.Same(v2, detector.Model);
        Assert.Equal("v2", asked);
        Assert.Same(v2, restored.Model);
    }

    [Fact]
    public void PcaWindowModel_SavedAndLoaded_GivesTheSameResidual()
    {
        var ml = new MLContext(seed: 1);
        var data = Synthetic.Daily(2000, Step, 50, 10, 2, seed: 5).Select(p => p.Value).ToArray();
        var model = PcaWindowTrainer.Train(ml, data, DetectorOptions.Default, "v7")!;
        using var zip = new MemoryStream();
        model.Save(ml, zip);
        zip.Position = 0;

        var loaded = PcaWindowModel.Load(ml, zip, "v7");

        float[] window = [0.1f, -0.3f, 0.5f, 0.2f, -0.1f, 0.9f, -0.7f, 0.0f];
        Assert.Equal(model.Residual(window), loaded.Residual(window), 6);
        Assert.Equal(model.Rank, loaded.Rank);
    }

    [Fact]
    public void UseModel_WrongWindowSize_IsRejected()
    {
        var ml = new MLContext(seed: 1);
        var data = Synthetic.Daily(2000, Step, 50, 10, 2, seed: 6).Select(p => p.Value).ToArray();
        var wide = PcaWindowTrainer.Train(ml, data, DetectorOptions.Default with { Window = 12 }, "wide")!;

        Assert.Throws<ArgumentException>(() => new StreamingDetector().UseModel(wide));
    }

    [Fact]
    public void FalseAlarm_OnASeries_LowersItsScoresAndIsCounted()
    {
        var data = Synthetic.Daily(2000, Step, 20, 2, 0.3, seed: 7).ToArray();
        data[1500] = (data[1500].At, 26);
        var plain = new StreamingDetector();
        var tuned = new StreamingDetector();
        tuned.FalseAlarm();
        tuned.FalseAlarm();

        var a = data.Select(p => plain.Update(p.At, p.Value)).ToArray();
        var b = data.Select(p => tuned.Update(p.At, p.Value)).ToArray();

        Assert.Equal(2, tuned.FalseAlarms);
        Assert.True(b[1500].Score < a[1500].Score);
    }
}
