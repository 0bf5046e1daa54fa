using System.Collections.Concurrent;
using Microsoft.Extensions.Time.Testing;

namespace SmartCommunity.Testing;

/// <summary>
/// Fake time that reports its timers: each one created (<see cref="TimerCreated"/>, <see cref="DueTimes"/>) and each
/// due time one is changed to (<see cref="Changes"/>), so a test advances time only once the code under test is
/// waiting, and can tell that it went to sleep rather than looping on.
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

    /// <summary>
    /// The due time of every <see cref="ITimer.Change"/>, in order: a loop that sleeps until a moment creates an idle
    /// timer and arms it with Change (a timeout arms its timer when created, and is not seen here).
    /// </summary>
    public ConcurrentQueue<TimeSpan> Changes { get; } = new();

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new ObservedTimer(base.CreateTimer(callback, state, dueTime, period), this);
        DueTimes.Enqueue(dueTime);
        TimerCreated.Release();
        return timer;
    }

    private sealed class ObservedTimer(ITimer inner, SignalingTimeProvider time) : ITimer
    {
        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            var changed = inner.Change(dueTime, period);
            time.Changes.Enqueue(dueTime);
            return changed;
        }

        public void Dispose() => inner.Dispose();

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
