namespace SmartCommunity.Testing;

/// <summary>
/// Bounded polling for effects that cross real I/O (sockets, databases, processes, threads). Never a fixed sleep: the
/// deadline only turns a hang into a failure, it is never what a test asserts.
/// </summary>
public static class Eventually
{
    /// <summary>How long a wait may take before it fails; generous, because the machine is shared and noisy.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(20);

    /// <summary>Probes until <paramref name="done"/> holds and returns that value; a <see cref="TimeoutException"/> with the last value otherwise.</summary>
    public static async Task<T> GetAsync<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan? timeout = null, string? what = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? DefaultTimeout);
        while (true)
        {
            var value = await probe();
            if (done(value))
                return value;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"timed out waiting for {what ?? "condition"}; last value: {value}");
            await Task.Delay(50);
        }
    }

    /// <summary>Polls an in-memory condition (cheap, so more often) until it holds.</summary>
    public static async Task TrueAsync(Func<bool> condition, string what, CancellationToken cancellationToken = default, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? DefaultTimeout);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"timed out waiting until {what}");
            await Task.Delay(20, cancellationToken);
        }
    }

    /// <summary>Waits for a message a handler completes <paramref name="tcs"/> with.</summary>
    public static async Task<T> ReceiveAsync<T>(TaskCompletionSource<T> tcs, TimeSpan? timeout = null, string? what = null)
    {
        var finished = await Task.WhenAny(tcs.Task, Task.Delay(timeout ?? DefaultTimeout));
        if (finished != tcs.Task)
            throw new TimeoutException($"timed out waiting for {what ?? "message"}");
        return await tcs.Task;
    }
}
