using System.Collections.Concurrent;
using Microsoft.Extensions.Time.Testing;

namespace SmartCommunity.Testing;

/// <summary>
/// Fake time that reports its timers: each one created (<see cref="TimerCreated"/>, <see cref="DueTimes"/>) and each
/// time one is armed with a finite due time (<see cref="Armed"/>), so a test advances time only once the code under
/// test is waiting, and can tell that it went to sleep instead of looping on.
/// </summary>
public sealed class SignalingTimeProvider(DateTimeOffset start) : FakeTimeProvider(start)
{
    public SignalingTimeProvider() : this(new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero))
    {
    }

    /// <summary>Released once per timer created.</summary>
    public SemaphoreSlim TimerCreated { get; } = new(0);

    /// <summary>The due time of every timer created, in order.</summary>
    public ConcurrentQueue<TimeSpan> DueTimes { get; } = new();

    /// <summary>Every finite due time a timer was created or changed with, in order.</summary>
    public ConcurrentQueue<TimeSpan> Armed { get; } = new();

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new ObservedTimer(base.CreateTimer(callback, state, dueTime, period), this);
        DueTimes.Enqueue(dueTime);
        if (dueTime != Timeout.InfiniteTimeSpan)
            Armed.Enqueue(dueTime);
        TimerCreated.Release();
        return timer;
    }

    private sealed class ObservedTimer(ITimer inner, SignalingTimeProvider time) : ITimer
    {
        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            if (dueTime != Timeout.InfiniteTimeSpan)
                time.Armed.Enqueue(dueTime);
            return inner.Change(dueTime, period);
        }

        public void Dispose() => inner.Dispose();

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
