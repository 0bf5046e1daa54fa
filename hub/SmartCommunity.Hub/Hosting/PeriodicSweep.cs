namespace SmartCommunity.Hub.Hosting;

/// <summary>
/// The loop the hub's background sweeps share: a sweep at each tick of a <see cref="TimeProvider"/> timer (so tests move
/// it with a fake clock), and a sweep that throws is logged and tried again at the next tick — one bad sweep must not end
/// the service and with it, say, every offline alert.
/// </summary>
public static class PeriodicSweep
{
    public static async Task RunAsync(
        TimeSpan interval, TimeProvider time, Func<CancellationToken, Task> sweep, ILogger logger, string failure, CancellationToken ct)
    {
        using var timer = new PeriodicTimer(interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
            {
                try
                {
                    await sweep(ct);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    logger.LogError(ex, "{Failure}; will retry", failure);
                }
            }
        }
        catch (OperationCanceledException) { }
    }
}
