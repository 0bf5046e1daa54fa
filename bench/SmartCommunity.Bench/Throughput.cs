using System.Diagnostics;
using MQTTnet.Protocol;

namespace SmartCommunity.Bench;

/// <summary>What a receiver has taken in so far (messages, readings, refusals), and its current backlog of readings to store.</summary>
public readonly record struct Counters(long Messages, long Readings, long Rejected, long QueueDepth = 0)
{
    public static Counters operator -(Counters a, Counters b) => new(a.Messages - b.Messages, a.Readings - b.Readings, a.Rejected - b.Rejected, a.QueueDepth);
}

public sealed record ThroughputResult(
    string Target, MqttQualityOfServiceLevel Qos, long Sent, Counters Received, TimeSpan Elapsed, TimeSpan Drain, long FailedClients, long MaxQueueDepth, double MeanQueueDepth)
{
    public int Round { get; init; }

    /// <summary>CPU used during the phase (set by the caller, which knows whether a hub process is involved).</summary>
    public CpuUse Cpu { get; init; }

    /// <summary>First publish → the store's queue empty again: every accepted reading is then in the database.</summary>
    public TimeSpan StoredElapsed { get; init; }

    public double MessagesPerSecond => Received.Messages / Elapsed.TotalSeconds;
    public double ReadingsPerSecond => Received.Readings / Elapsed.TotalSeconds;

    /// <summary>Readings/s counted until they are stored, not just accepted (QoS 0 accepts into a queue of up to 50,000 points).</summary>
    public double StoredReadingsPerSecond => Received.Readings / StoredElapsed.TotalSeconds;
}

/// <summary>
/// Measures what the receiver actually took in, not what the fleet managed to write: at QoS 0 a
/// publish completes as soon as the bytes are in the socket buffer, so the receiver may still be
/// working through a backlog when the fleet stops. The counter is therefore polled until it stops
/// rising, and the rate is received / (first publish → last increase). For the hub the window is also
/// taken to the moment its telemetry queue is empty, for the rate of readings actually stored.
/// </summary>
public static class Throughput
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan SettledAfter = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxDrain = TimeSpan.FromSeconds(60);

    public static async Task<ThroughputResult> MeasureAsync(
        string target, Fleet fleet, MqttQualityOfServiceLevel qos, BenchOptions options, Func<CancellationToken, Task<Counters>> probe, CancellationToken ct)
    {
        var before = await probe(ct);
        var started = Stopwatch.GetTimestamp();
        using var sampling = CancellationTokenSource.CreateLinkedTokenSource(ct);
        // The store's backlog while the fleet publishes: a queue pinned near its capacity means the store is the limit.
        var depth = SampleQueueDepthAsync(probe, sampling.Token);
        var flood = await fleet.FloodAsync(qos, options.ThroughputDuration, options.ThroughputMaxMessages, ct);
        var stopped = Stopwatch.GetTimestamp();
        await sampling.CancelAsync();
        var (maxDepth, meanDepth) = await depth;

        // Drain: poll until the count has not moved for SettledAfter and the store's queue is empty; remember
        // when the count last moved (accepted) and when the queue was first seen empty after that (stored).
        // Resolution is one poll interval, against a window of seconds.
        var last = await probe(ct);
        var lastRise = stopped;
        long? emptyAt = last.QueueDepth == 0 ? stopped : null;
        while ((Stopwatch.GetElapsedTime(lastRise) < SettledAfter || emptyAt is null) && Stopwatch.GetElapsedTime(stopped) < MaxDrain)
        {
            await Task.Delay(PollInterval, ct);
            var now = await probe(ct);
            var at = Stopwatch.GetTimestamp();
            if (now.Messages != last.Messages)
            {
                lastRise = at;
                emptyAt = null;
            }
            if (now.QueueDepth == 0)
                emptyAt ??= at;
            last = now;
        }
        var elapsed = Stopwatch.GetElapsedTime(started, lastRise);
        var drain = Stopwatch.GetElapsedTime(stopped, lastRise);
        var stored = Stopwatch.GetElapsedTime(started, Math.Max(emptyAt ?? Stopwatch.GetTimestamp(), lastRise));
        return new ThroughputResult(target, qos, flood.Sent, last - before, elapsed, drain, flood.FailedClients, maxDepth, meanDepth) { StoredElapsed = stored };
    }

    private static async Task<(long Max, double Mean)> SampleQueueDepthAsync(Func<CancellationToken, Task<Counters>> probe, CancellationToken ct)
    {
        long max = 0, sum = 0, n = 0;
        try
        {
            while (true)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(250), ct);
                var depth = (await probe(ct)).QueueDepth;
                max = Math.Max(max, depth);
                sum += depth;
                n++;
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        return (max, n == 0 ? 0 : (double)sum / n);
    }
}
