using Microsoft.Extensions.Logging;
using MQTTnet.Protocol;
using SmartCommunity.Simulator.Devices;
using SmartCommunity.Simulator.Signals;

namespace SmartCommunity.Simulator.Engine;

/// <summary>
/// Runs one device: connects with backoff, keeps it connected, and publishes heartbeats and routine
/// readings on schedule. All waiting goes through the <see cref="TimeProvider"/>.
/// </summary>
internal sealed class DeviceAgent : IDisposable
{
    /// <summary>Longest single wait, so a schedule far in the future is re-evaluated now and then.</summary>
    private static readonly TimeSpan MaxWait = TimeSpan.FromHours(1);

    private readonly SimulatedDevice _device;
    private readonly DeviceProfile _profile;
    private readonly SimulatedClock _clock;
    private readonly SimulatorOptions _options;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _connectGate;
    private readonly Random _random;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _wake = new(0, 1);
    private readonly TaskCompletionSource _firstAttempt = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _heldOffline;

    public DeviceAgent(SimulatedDevice device, SimulatedClock clock, SimulatorOptions options, TimeProvider time, SemaphoreSlim connectGate, Random random, ILogger logger)
    {
        _device = device;
        _profile = DeviceProfiles.For(device.Kind);
        Readings = _profile.CreateReadings(random);
        _clock = clock;
        _options = options;
        _time = time;
        _connectGate = connectGate;
        _random = random;
        _logger = logger;
        _device.ConnectionLost += (_, _) => Wake();
    }

    public SimulatedDevice Device => _device;

    public IReadingSource? Readings { get; }

    /// <summary>Completes after the first connection attempt, successful or not.</summary>
    public Task FirstAttempt => _firstAttempt.Task;

    public bool HeldOffline => _heldOffline;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var failures = 0;
        var nextHeartbeat = DateTimeOffset.MaxValue;
        var nextReading = DateTimeOffset.MaxValue;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                if (!_device.IsConnected)
                {
                    if (_heldOffline)
                    {
                        _firstAttempt.TrySetResult();
                        await WaitUntilAsync(_time.GetUtcNow() + MaxWait, cancellationToken);
                        continue;
                    }

                    if (!await TryConnectAsync(failures, cancellationToken))
                    {
                        await WaitUntilAsync(_time.GetUtcNow() + Backoff(failures++), cancellationToken);
                        continue;
                    }

                    failures = 0;
                    // Schedule from the connection (when the first heartbeat went out), not from when this loop resumed.
                    var connectedAt = _device.ConnectedAt ?? _time.GetUtcNow();
                    nextHeartbeat = _options.RoutineTraffic ? connectedAt + _clock.ToReal(_profile.HeartbeatInterval) : DateTimeOffset.MaxValue;
                    if (nextReading == DateTimeOffset.MaxValue && _options.RoutineTraffic && Readings is not null)
                    {
                        nextReading = connectedAt + _clock.ToReal(Readings.NextReadingIn(_clock.LocalNow));
                    }

                    continue;
                }

                var now = _time.GetUtcNow();
                var due = nextHeartbeat < nextReading ? nextHeartbeat : nextReading;
                if (due > now)
                {
                    await WaitUntilAsync(due, cancellationToken);
                    continue;
                }

                if (nextHeartbeat <= now)
                {
                    nextHeartbeat = now + _clock.ToReal(_profile.HeartbeatInterval);
                    await PublishSafelyAsync(_device.PublishHeartbeatAsync, "heartbeat");
                }

                if (nextReading <= now && Readings is not null)
                {
                    var local = _clock.LocalNow;
                    var reading = Readings.Read(local);
                    nextReading = now + _clock.ToReal(Readings.NextReadingIn(local));
                    var qos = reading.IsEvent ? MqttQualityOfServiceLevel.AtLeastOnce : _options.ReadingQos;
                    await PublishSafelyAsync(ct => _device.PublishAsync(reading.Records, qos, cancellationToken: ct), "reading");
                }
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

    /// <summary>
    /// Publishes without the stop token: stopping must not cut a packet in half (that would reset
    /// the connection); the device's communication timeout bounds the wait instead.
    /// </summary>
    private async Task PublishSafelyAsync(Func<CancellationToken, Task> publish, string what)
    {
        try
        {
            await publish(CancellationToken.None);
        }
        catch (PublishFailedException ex)
        {
            // Counted by the device; the loop reconnects if the connection is gone.
            _logger.LogDebug("{DeviceId}: {What} not published: {Reason}", _device.Id, what, ex.Message);
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
