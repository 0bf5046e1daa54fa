using Microsoft.Extensions.Logging;

namespace SmartCommunity.Simulator.Engine;

/// <summary>
/// Runs one device, like the firmware's main loop: it keeps the core's sampling loop running (online
/// or not, so readings queue in the outbox while the broker is away), connects with backoff, and
/// lets the core flush whenever it is connected. All waiting goes through the <see cref="TimeProvider"/>.
/// </summary>
internal sealed class DeviceAgent : IDisposable
{
    /// <summary>Longest single wait, so a schedule far in the future is re-evaluated now and then.</summary>
    private static readonly TimeSpan MaxWait = TimeSpan.FromHours(1);

    /// <summary>How often the loop looks at the core when nothing is in progress (it catches up in simulated time).</summary>
    private static readonly TimeSpan IdleWake = TimeSpan.FromSeconds(1);

    /// <summary>How often while a press, trace or cancel window is in progress.</summary>
    private static readonly TimeSpan BusyWake = TimeSpan.FromMilliseconds(50);

    private readonly SimulatedDevice _device;
    private readonly SimulatorOptions _options;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _connectGate;
    private readonly Random _random;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _wake = new(0, 1);
    private readonly TaskCompletionSource _firstAttempt = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _heldOffline;

    public DeviceAgent(SimulatedDevice device, SimulatorOptions options, TimeProvider time, SemaphoreSlim connectGate, Random random, ILogger logger)
    {
        _device = device;
        _options = options;
        _time = time;
        _connectGate = connectGate;
        _random = random;
        _logger = logger;
        _device.ConnectionLost += (_, _) => Wake();
        _device.DownlinkQueued += (_, _) => Wake();
    }

    public SimulatedDevice Device => _device;

    /// <summary>Completes after the first connection attempt, successful or not.</summary>
    public Task FirstAttempt => _firstAttempt.Task;

    public bool HeldOffline => _heldOffline;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var failures = 0;
        var nextAttempt = DateTimeOffset.MinValue;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var now = _time.GetUtcNow();
                if (!_device.IsConnected && !_heldOffline && now >= nextAttempt)
                {
                    // ConnectAsync flushes the outbox (what queued while offline, in order) and the heartbeat.
                    if (await TryConnectAsync(failures, cancellationToken))
                    {
                        failures = 0;
                    }
                    else
                    {
                        nextAttempt = _time.GetUtcNow() + Backoff(failures++);
                    }
                }
                else if (_device.IsConnected)
                {
                    await _device.FlushAsync(cancellationToken);
                }
                else
                {
                    lock (_device.Node.Lock)
                    {
                        _device.Node.RunToNow();
                    }
                }

                if (!_device.IsConnected && _heldOffline)
                {
                    _firstAttempt.TrySetResult();
                }

                // Measured from where the core's loop got to, not from now: if the clock moved on while
                // we were publishing (a test advancing a fake clock), the next pass starts at once.
                DateTimeOffset due;
                lock (_device.Node.Lock)
                {
                    due = _device.Node.RanUntil + (_device.Node.Busy ? BusyWake : IdleWake);
                }

                if (!_device.IsConnected && !_heldOffline && nextAttempt < due)
                {
                    due = nextAttempt;
                }

                await WaitUntilAsync(due, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping.
        }
        finally
        {
            _firstAttempt.TrySetResult();
        }
    }

    /// <summary>Wakes the loop now (a scenario changed the virtual hardware).</summary>
    public void Poke() => Wake();

    /// <summary>Drops the connection (the broker publishes the last will) and stays offline until <see cref="GoOnline"/>.</summary>
    public async Task GoOfflineAsync(CancellationToken cancellationToken)
    {
        _heldOffline = true;
        await _device.DropConnectionAsync(cancellationToken);
        Wake();
    }

    public void GoOnline()
    {
        _heldOffline = false;
        Wake();
    }

    public void Dispose() => _wake.Dispose();

    private async Task<bool> TryConnectAsync(int failures, CancellationToken cancellationToken)
    {
        await _connectGate.WaitAsync(cancellationToken);
        try
        {
            await _device.ConnectAsync(cancellationToken);
            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // A fleet of thousands retrying against a stopped hub would flood the console: warn now and then.
            _logger.Log(failures % 10 == 0 ? LogLevel.Warning : LogLevel.Debug, "{DeviceId}: cannot connect to {Host}:{Port} (attempt {Attempt}): {Reason}",
                _device.Id, _options.Host, _options.Port, failures + 1, ex.Message);
            return _device.IsConnected;
        }
        finally
        {
            _connectGate.Release();
            _firstAttempt.TrySetResult();
        }
    }

    /// <summary>Exponential backoff with jitter: min·2^n capped at max, times 0.5–1.</summary>
    private TimeSpan Backoff(int failures)
    {
        var min = _options.ReconnectDelayMin.TotalMilliseconds;
        var capped = Math.Min(_options.ReconnectDelayMax.TotalMilliseconds, min * Math.Pow(2, Math.Min(failures, 20)));
        return TimeSpan.FromMilliseconds(capped * (0.5 + (0.5 * _random.NextDouble())));
    }

    private void Wake()
    {
        try
        {
            if (_wake.CurrentCount == 0)
            {
                _wake.Release();
            }
        }
        catch (Exception ex) when (ex is SemaphoreFullException or ObjectDisposedException)
        {
            // Already awake, or stopped.
        }
    }

    /// <summary>Waits until <paramref name="due"/> on the TimeProvider's clock, or until woken.</summary>
    private async Task WaitUntilAsync(DateTimeOffset due, CancellationToken cancellationToken)
    {
        var elapsed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var timer = _time.CreateTimer(static s => ((TaskCompletionSource)s!).TrySetResult(), elapsed, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);

        // Timers are relative: arm, then re-arm if the clock moved while arming (a test advancing a
        // fake clock between our reading it and the timer existing would otherwise delay us).
        for (var attempt = 0; attempt < 8; attempt++)
        {
            var before = _time.GetUtcNow();
            var remaining = due - before;
            timer.Change(remaining <= TimeSpan.Zero ? TimeSpan.Zero : remaining > MaxWait ? MaxWait : remaining, Timeout.InfiniteTimeSpan);
            if (_time.GetUtcNow() - before < TimeSpan.FromMilliseconds(1))
            {
                break;
            }
        }

        using var waitCts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var wakeTask = _wake.WaitAsync(waitCts.Token);
        await Task.WhenAny(elapsed.Task, wakeTask);
        await waitCts.CancelAsync();
        await wakeTask.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        cancellationToken.ThrowIfCancellationRequested();
    }
}
