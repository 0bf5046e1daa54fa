using FsCheck;
using FsCheck.Fluent;
using SmartCommunity.Domain.Devices;

namespace SmartCommunity.Domain.Tests;

public sealed class SequenceWindowTests
{
    [Fact]
    public void TryAccept_SameNumberTwice_SecondIsDuplicate()
    {
        var w = new SequenceWindow();
        Assert.True(w.TryAccept(5));
        Assert.False(w.TryAccept(5));
    }

    [Fact]
    public void TryAccept_OutOfOrderWithinWindow_AcceptsEachOnce()
    {
        var w = new SequenceWindow();
        Assert.True(w.TryAccept(10));
        Assert.True(w.TryAccept(8));
        Assert.True(w.TryAccept(9));
        Assert.False(w.TryAccept(8));
        Assert.Equal(10u, w.Highest);
    }

    [Fact]
    public void TryAccept_OlderThanWindow_IsDuplicate()
    {
        var w = new SequenceWindow();
        Assert.True(w.TryAccept(5000));
        Assert.False(w.TryAccept(5000 - SequenceWindow.Size));
        Assert.True(w.TryAccept(5000 - SequenceWindow.Size + 1));
    }

    [Fact]
    public void Restored_FromHighWaterMark_TreatsEverythingAtOrBelowAsSeen()
    {
        var w = new SequenceWindow(100);
        Assert.False(w.TryAccept(100));
        Assert.False(w.TryAccept(42));
        Assert.True(w.TryAccept(101));
    }

    [Fact]
    public void TryAccept_BigJump_ForgetsOldWindow()
    {
        var w = new SequenceWindow();
        w.TryAccept(1);
        w.TryAccept(2);
        Assert.True(w.TryAccept(10_000));
        Assert.True(w.TryAccept(10_000 - 5));
        Assert.False(w.TryAccept(2));
    }

    /// <summary>Against a set-based model: within the window, a number is new exactly when it was never accepted.</summary>
    [Fact]
    public void TryAccept_RandomOrders_MatchesSetModel()
    {
        var gen = Gen.ListOf(Gen.Choose(0, 3000)).Select(l => l.Select(i => (uint)i).ToArray());
        Prop.ForAll(gen.ToArbitrary(), seqs =>
        {
            var w = new SequenceWindow();
            var seen = new HashSet<uint>();
            uint highest = 0;
            var any = false;
            foreach (var s in seqs)
            {
                var inWindow = !any || s > highest || highest - s < SequenceWindow.Size;
                var expected = inWindow && !seen.Contains(s);
                if (w.TryAccept(s) != expected)
                    return false;
                if (expected)
                {
                    seen.Add(s);
                    if (!any || s > highest) highest = s;
                    any = true;
                }
            }
            return true;
        }).QuickCheckThrowOnFailure();
    }
}
