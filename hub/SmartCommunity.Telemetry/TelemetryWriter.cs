using System.Diagnostics.Metrics;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace SmartCommunity.Telemetry;

/// <summary>
/// The batching front of an <see cref="ITelemetryStore"/> used by ingestion: a bounded queue of points drained by
/// one loop that commits everything available (up to <see cref="TelemetryOptions.MaxBatch"/>) in one store write.
/// </summary>
/// <remarks>
/// <para>Never drops: a full queue makes producers wait, and a failed commit is retried with exponential backoff
/// until it succeeds. Points are given up only when shutdown runs out of time (the token passed to
/// <see cref="StopAsync"/> is cancelled); their waiters then see the exception and the loss is logged and counted.
/// The one exception is a batch the store refuses for good (<see cref="TelemetryRejectedException"/>): it is not
/// retried, its waiters get the exception and it is counted as rejected.</para>
/// <para>Group commit: there is no linger timer. While one commit runs, new points queue up and the next commit takes
/// them all, so batches grow by themselves under load and a lone point is committed at once when idle. A positive
/// <see cref="TelemetryOptions.FlushInterval"/> adds a linger: a partly filled batch waits up to that long for more.</para>
/// </remarks>
public sealed partial class TelemetryWriter : IHostedService, IAsyncDisposable
{
    public const string MeterName = "SmartCommunity.Telemetry";

    private readonly ITelemetryStore _store;
    private readonly Channel<QueuedPoint> _queue;
    private readonly int _maxBatch;
    private readonly TimeSpan _flushInterval;
    private readonly TimeSpan _retryInitialDelay;
    private readonly TimeSpan _retryMaxDelay;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Meter _meter;
    private readonly Counter<long> _pointsWritten;
    private readonly Counter<long> _pointsLost;
    private readonly Counter<long> _pointsRejected;
    private readonly Counter<long> _commitFailures;
    private readonly Histogram<int> _batchSize;

    // Cancelled when StopAsync's token fires: ends retries and fails whatever is still queued.
    private readonly CancellationTokenSource _abort = new();
    private readonly Lock _lifecycle = new();
    private Task? _loop;
    private bool _disposed;

    public TelemetryWriter(
        ITelemetryStore store,
        TelemetryOptions options,
        TimeProvider? timeProvider = null,
        ILogger<TelemetryWriter>? logger = null,
        IMeterFactory? meterFactory = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(options);
        options.ThrowIfInvalid();

        _store = store;
        _maxBatch = options.MaxBatch;
        _flushInterval = options.FlushInterval;
        _retryInitialDelay = options.RetryInitialDelay;
        _retryMaxDelay = options.RetryMaxDelay;
        _time = timeProvider ?? TimeProvider.System;
        _logger = logger ?? NullLogger<TelemetryWriter>.Instance;
        _queue = Channel.CreateBounded<QueuedPoint>(new BoundedChannelOptions(options.QueueCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
            SingleWriter = false,
        });

        _meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        _pointsWritten = _meter.CreateCounter<long>(
            "smartcommunity.telemetry.points.written", "{point}", "Points committed to the time-series store.");
        _pointsRejected = _meter.CreateCounter<long>(
            "smartcommunity.telemetry.points.rejected", "{point}", "Points the store refused for good (for example an InfluxDB type conflict); not retried.");
        _pointsLost = _meter.CreateCounter<long>(
            "smartcommunity.telemetry.points.lost", "{point}", "Points given up because shutdown ran out of time while commits failed.");
        _commitFailures = _meter.CreateCounter<long>(
            "smartcommunity.telemetry.commit.failures", "{commit}", "Failed commit attempts (each is retried).");
        _batchSize = _meter.CreateHistogram<int>(
            "smartcommunity.telemetry.batch.size", "{point}", "Points per committed batch.");
        _meter.CreateObservableGauge(
            "smartcommunity.telemetry.queue.depth", () => QueueDepth, "{point}", "Points waiting to be committed.");
    }

    /// <summary>Points queued and not yet taken into a batch.</summary>
    public int QueueDepth => _queue.Reader.Count;

    /// <summary>
    /// Queues the points. Waits while the queue is full. With <paramref name="waitUntilDurable"/> the returned task
    /// completes only once the batch holding the last of these points (and therefore all of them) is committed.
    /// </summary>
    /// <remarks>
    /// Invalid points (empty ids, non-finite values) throw <see cref="ArgumentException"/> before anything is queued.
    /// If <paramref name="ct"/> is cancelled while waiting for room, a prefix of the points may already be queued and
    /// will be written; since writes are idempotent, retrying the whole call is safe. Cancelling while waiting for
    /// durability only stops the wait. After <see cref="StopAsync"/> this throws <see cref="InvalidOperationException"/>.
    /// </remarks>
    public ValueTask EnqueueAsync(IReadOnlyList<TelemetryPoint> points, bool waitUntilDurable, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(points);
        TelemetryPointValidation.Validate(points, nameof(points));
        if (points.Count == 0)
        {
            return ValueTask.CompletedTask;
        }

        var durable = waitUntilDurable ? new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) : null;
        var queued = TryQueue(points, durable);
        if (queued < points.Count)
        {
            return EnqueueSlowAsync(points, queued, durable, ct);
        }
        return durable is null ? ValueTask.CompletedTask : new ValueTask(durable.Task.WaitAsync(ct));
    }

    /// <summary>
    /// Queues the points (waiting for room like <see cref="EnqueueAsync"/>) and returns, once they are queued, a task
    /// that completes when they are durable. A caller that must handle a stream in order but acknowledge each item only
    /// when it is durable (the external broker's lanes) goes on with the next item while this one's batch commits.
    /// </summary>
    public async ValueTask<Task> EnqueueDeferredAsync(IReadOnlyList<TelemetryPoint> points, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(points);
        TelemetryPointValidation.Validate(points, nameof(points));
        if (points.Count == 0)
        {
            return Task.CompletedTask;
        }

        var durable = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var queued = TryQueue(points, durable);
        if (queued < points.Count)
        {
            await WriteRemainingAsync(points, queued, durable, ct);
        }
        return durable.Task;
    }

    /// <summary>Queues points while there is room, without waiting; returns how many were queued. Only the last point
    /// carries <paramref name="durable"/>: FIFO with a single reader, so when the last point of a call is committed,
    /// every earlier point of the call is committed too.</summary>
    private int TryQueue(IReadOnlyList<TelemetryPoint> points, TaskCompletionSource? durable)
    {
        var writer = _queue.Writer;
        for (var i = 0; i < points.Count; i++)
        {
            if (!writer.TryWrite(new QueuedPoint(points[i], i == points.Count - 1 ? durable : null)))
            {
                return i;
            }
        }
        return points.Count;
    }

    private async ValueTask EnqueueSlowAsync(
        IReadOnlyList<TelemetryPoint> points, int start, TaskCompletionSource? durable, CancellationToken ct)
    {
        await WriteRemainingAsync(points, start, durable, ct);
        if (durable is not null)
        {
            await durable.Task.WaitAsync(ct);
        }
    }

    private async ValueTask WriteRemainingAsync(
        IReadOnlyList<TelemetryPoint> points, int start, TaskCompletionSource? durable, CancellationToken ct)
    {
        try
        {
            for (var i = start; i < points.Count; i++)
            {
                await _queue.Writer.WriteAsync(new QueuedPoint(points[i], i == points.Count - 1 ? durable : null), ct);
            }
        }
        catch (ChannelClosedException ex)
        {
            throw new InvalidOperationException("The telemetry writer has stopped; the points were not queued.", ex);
        }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        lock (_lifecycle)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _loop ??= Task.Run(RunAsync, CancellationToken.None);
        }
        return Task.CompletedTask;
    }

    /// <summary>
    /// Stops accepting points and commits everything queued. If <paramref name="cancellationToken"/> fires first
    /// (the host's shutdown timeout), retries stop and the remaining points fail their waiters.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        Task loop;
        lock (_lifecycle)
        {
            // A host may stop a service it already disposed (a second shutdown); everything was drained then.
            if (_disposed && _loop is { IsCompleted: true })
            {
                return;
            }
            _queue.Writer.TryComplete();
            // Never started: run the loop now anyway so points queued before start are not left behind.
            loop = _loop ??= Task.Run(RunAsync, CancellationToken.None);
        }

        using (cancellationToken.Register(static state =>
        {
            try
            {
                ((CancellationTokenSource)state!).Cancel();
            }
            catch (ObjectDisposedException)
            {
                // Disposed by a concurrent DisposeAsync, which has drained the queue itself.
            }
        }, _abort))
        {
            await loop;
        }
    }

    /// <summary>Drains like <see cref="StopAsync"/> without a deadline (a host calls StopAsync first).</summary>
    public async ValueTask DisposeAsync()
    {
        lock (_lifecycle)
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
        }

        await StopAsync(CancellationToken.None);
        _meter.Dispose(); // a no-op for meters owned by an IMeterFactory
        _abort.Dispose();
    }

    private async Task RunAsync()
    {
        var reader = _queue.Reader;
        var batch = new List<TelemetryPoint>(Math.Min(_maxBatch, 4096));
        var waiters = new List<TaskCompletionSource>();

        // Ends when StopAsync has completed the queue and it is empty.
        while (await reader.WaitToReadAsync())
        {
            while (batch.Count < _maxBatch && reader.TryRead(out var item))
            {
                batch.Add(item.Point);
                if (item.Durable is { } waiter)
                {
                    waiters.Add(waiter);
                }
            }
            if (_flushInterval > TimeSpan.Zero && batch.Count < _maxBatch)
            {
                await FillUntilFlushAsync(reader, batch, waiters);
            }

            var failure = await CommitAsync(batch);
            if (failure is null)
            {
                _pointsWritten.Add(batch.Count);
                _batchSize.Record(batch.Count);
                foreach (var waiter in waiters)
                {
                    waiter.TrySetResult();
                }
            }
            else if (failure is TelemetryRejectedException rejected)
            {
                _pointsRejected.Add(batch.Count);
                LogPointsRejected(batch.Count, rejected);
                foreach (var waiter in waiters)
                {
                    waiter.TrySetException(failure);
                }
            }
            else
            {
                _pointsLost.Add(batch.Count);
                LogPointsLost(batch.Count, failure);
                foreach (var waiter in waiters)
                {
                    waiter.TrySetException(failure);
                }
            }
            batch.Clear();
            waiters.Clear();
        }
    }

    /// <summary>Keeps taking points until the batch is full, the flush interval has passed, or the queue is completed.</summary>
    private async Task FillUntilFlushAsync(ChannelReader<QueuedPoint> reader, List<TelemetryPoint> batch, List<TaskCompletionSource> waiters)
    {
        using var flush = CancellationTokenSource.CreateLinkedTokenSource(_abort.Token);
        using var timer = _time.CreateTimer(static s => CancelQuietly((CancellationTokenSource)s!), flush, _flushInterval, Timeout.InfiniteTimeSpan);
        try
        {
            while (batch.Count < _maxBatch)
            {
                if (reader.TryRead(out var item))
                {
                    batch.Add(item.Point);
                    if (item.Durable is { } waiter)
                    {
                        waiters.Add(waiter);
                    }
                }
                else if (!await reader.WaitToReadAsync(flush.Token))
                {
                    return; // completed by StopAsync: flush now
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The interval is over (or shutdown is aborting): commit what there is.
        }
    }

    private static void CancelQuietly(CancellationTokenSource cts)
    {
        try
        {
            cts.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The timer fired while the batch was already being committed; nothing left to cut short.
        }
    }

    /// <returns>null when committed; otherwise the exception that ended the attempts (only after abort).</returns>
    private async Task<Exception?> CommitAsync(List<TelemetryPoint> batch)
    {
        var delay = _retryInitialDelay;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await _store.WriteAsync(batch, _abort.Token);
                return null;
            }
            // Any failure is retried: the batch was validated on enqueue, so what remains is I/O trouble (disk full,
            // database busy or locked by a backup, server unreachable) that can heal. Losing the points is worse.
            catch (TelemetryRejectedException ex)
            {
                return ex; // the store refused these points for good: retrying would block every later point forever
            }
            catch (Exception ex) when (!_abort.IsCancellationRequested)
            {
                _commitFailures.Add(1);
                LogCommitFailed(batch.Count, attempt, delay, ex);
                try
                {
                    await Task.Delay(delay, _time, _abort.Token);
                }
                catch (OperationCanceledException)
                {
                    return ex;
                }
                delay = delay * 2 < _retryMaxDelay ? delay * 2 : _retryMaxDelay;
            }
            catch (Exception ex)
            {
                return ex;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Committing {Count} telemetry points failed (attempt {Attempt}); retrying in {Delay}")]
    private partial void LogCommitFailed(int count, int attempt, TimeSpan delay, Exception exception);

    [LoggerMessage(Level = LogLevel.Error,
        Message = "The store refused {Count} telemetry points; they are not retried")]
    private partial void LogPointsRejected(int count, Exception exception);

    [LoggerMessage(Level = LogLevel.Error,
        Message = "Shutdown ran out of time: {Count} telemetry points were not committed and are lost")]
    private partial void LogPointsLost(int count, Exception exception);

    private readonly record struct QueuedPoint(TelemetryPoint Point, TaskCompletionSource? Durable);
}
