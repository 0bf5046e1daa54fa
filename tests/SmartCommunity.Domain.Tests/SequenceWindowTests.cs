using FsCheck;
using FsCheck.Fluent;
using SmartCommunity.Domain.Devices;

namespace SmartCommunity.Domain.Tests;

public sealed class SequenceWindowTests
{
    [Fact]
    public void SharedMark_NumbersInsideTheWindow_AcceptedOnceEachOlderRefused()
    {
        // Another instance wrote 2000 but only saw the odd numbers; the even ones it never took must not be dropped.
        var window = SequenceWindow.SharedMark(2000);

        Assert.True(window.TryAccept(1998));
        Assert.False(window.TryAccept(1998));
        Assert.True(window.TryAccept(1000));
        Assert.False(window.TryAccept(2000 - SequenceWindow.Size));
        Assert.True(window.TryAccept(2001));
        Assert.Equal(2001u, window.Highest);
    }

    [Fact]
    public void TryAccept_SameNumberTwice_SecondIsDuplicate()
    {
        var w = new SequenceWindow();
        Assert.True(w.TryAccept(5));
        Assert.False(w.TryAccept(5));
    }

    [Fact]
    public void Forget_AcceptedNumber_RetryIsAcceptedOthersStayDuplicates()
    {
        var window = new SequenceWindow();
        Assert.True(window.TryAccept(7));
        Assert.True(window.TryAccept(8));

        window.Forget(8);

        Assert.True(window.TryAccept(8));
        Assert.False(window.TryAccept(8));
        Assert.False(window.TryAccept(7));
        Assert.Equal(8u, window.Highest);
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

public sealed class TokenBucketTests
{
    private static readonly DateTimeOffset T = new(2026, 11, 29, 3, 0, 0, TimeSpan.Zero);

    [Fact]
    public void TryTake_BurstThenEmpty_RefusesUntilRefilled()
    {
        var bucket = new TokenBucket(ratePerSecond: 2, capacity: 5);
        Assert.All(Enumerable.Range(0, 5), _ => Assert.True(bucket.TryTake(T)));
        Assert.False(bucket.TryTake(T));
        Assert.False(bucket.TryTake(T.AddMilliseconds(400)));
        Assert.Equal(2, bucket.RefusedInARow);
        Assert.True(bucket.TryTake(T.AddMilliseconds(600)));
        Assert.Equal(0, bucket.RefusedInARow);
    }

    [Fact]
    public void TryTake_SteadyRateAtLimit_AllAccepted()
    {
        var bucket = new TokenBucket(ratePerSecond: 10, capacity: 1);
        for (var i = 0; i < 1000; i++)
            Assert.True(bucket.TryTake(T.AddMilliseconds(100 * i)));
    }

    [Fact]
    public void TryTake_LongIdle_RefillsOnlyToCapacity()
    {
        var bucket = new TokenBucket(ratePerSecond: 100, capacity: 3);
        bucket.TryTake(T);
        var later = T.AddHours(1);
        Assert.Equal(3, Enumerable.Range(0, 10).Count(_ => bucket.TryTake(later)));
    }

    [Fact]
    public void TryTake_ClockGoesBackwards_DoesNotMintTokens()
    {
        var bucket = new TokenBucket(ratePerSecond: 1, capacity: 1);
        Assert.True(bucket.TryTake(T));
        Assert.False(bucket.TryTake(T.AddSeconds(-30)));
        Assert.False(bucket.TryTake(T.AddMilliseconds(500)));
        Assert.True(bucket.TryTake(T.AddSeconds(1)));
    }
}
