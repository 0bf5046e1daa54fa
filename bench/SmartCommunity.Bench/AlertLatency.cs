using System.Diagnostics;
using Microsoft.AspNetCore.SignalR.Client;
using MQTTnet;

namespace SmartCommunity.Bench;

/// <param name="Outliers">Samples over <see cref="AlertLatency.OutlierMs"/>, with when they happened (seconds into the phase),
/// so periodic stalls (a timer in the hub) show up as a regular spacing.</param>
public sealed record LatencyResult(string Phase, int Events, int Missed, double[] SortedMs, IReadOnlyList<(double AtSeconds, double Ms)> Outliers)
{
    public double Percentile(double p)
    {
        if (SortedMs.Length == 0)
            return double.NaN;
        // Nearest rank: the smallest sample with at least p of the samples at or below it.
        var rank = (int)Math.Ceiling(p * SortedMs.Length);
        return SortedMs[Math.Clamp(rank - 1, 0, SortedMs.Length - 1)];
    }

    public double Max => SortedMs.Length == 0 ? double.NaN : SortedMs[^1];
}

/// <summary>
/// publish → screen: an SOS leaves an MQTT client in this process and is timed until the SignalR client,
/// signed in as emergency staff and also in this process, receives it. Both timestamps come from the
/// same Stopwatch, so there is no clock skew to correct for.
/// </summary>
/// <remarks>
/// One SOS is in flight at a time, so each sample is one alert's own latency, not queueing behind the
/// previous one. After each receipt the alert is resolved (outside the timed window): the next press of
/// that button raises a new alert (the insert path, what a real emergency takes) rather than folding into
/// an open one. A repeat that still folds (AlertUpdated with more occurrences) is accepted too.
/// </remarks>
public sealed class AlertLatency : IAsyncDisposable
{
    public const double OutlierMs = 50;

    private readonly HubConnection _connection;
    private readonly HashSet<long> _finished = [];
    private Pending? _pending;

    private sealed record Pending(string DeviceId, TaskCompletionSource<Receipt> Done);

    private readonly record struct Receipt(long Timestamp, AlertView Alert);

    private AlertLatency(HubConnection connection) => _connection = connection;

    public static async Task<AlertLatency> ConnectAsync(Uri baseAddress, string staffToken, CancellationToken ct)
    {
        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(baseAddress, "/hubs/alerts"), o => o.AccessTokenProvider = () => Task.FromResult<string?>(staffToken))
            .Build();
        var probe = new AlertLatency(connection);
        // Timestamp first thing in the handler: everything after it is the bench's own time.
        connection.On<AlertView>("AlertRaised", a => probe.Received(Stopwatch.GetTimestamp(), a, folded: false));
        connection.On<AlertView>("AlertUpdated", a => probe.Received(Stopwatch.GetTimestamp(), a, folded: true));
        await connection.StartAsync(ct);
        return probe;
    }

    private void Received(long timestamp, AlertView a, bool folded)
    {
        var p = Volatile.Read(ref _pending);
        if (p is null || a.DeviceId != p.DeviceId || a.Kind != "sos" || a.Status == "resolved")
            return;
        // AlertUpdated also announces acknowledgements and other changes; only a folded repeat is a new press.
        if (folded && a.Occurrences < 2)
            return;
        lock (_finished)
        {
            // A late arrival of an earlier (timed-out) press must not be taken for the current one.
            if (!folded && _finished.Contains(a.Id))
                return;
        }
        p.Done.TrySetResult(new Receipt(timestamp, a));
    }

    /// <param name="every">Paced presses (the flood benchmark): press i is due <c>i × every</c> after the start, or at once when the
    /// previous one ran late; without it presses follow each other after a few ms.</param>
    /// <param name="duration">No press starts after this long; the result counts the presses made.</param>
    public async Task<LatencyResult> MeasureAsync(string phase, IReadOnlyList<Publisher> sosDevices, int events, TimeSpan timeout, HubApi api, CancellationToken ct,
        TimeSpan? every = null, TimeSpan? duration = null)
    {
        var samples = new List<double>(Math.Min(events, 100_000));
        var outliers = new List<(double, double)>();
        var missed = 0;
        var phaseStarted = Stopwatch.GetTimestamp();
        var pressed = 0;
        for (var i = 0; i < events; i++)
        {
            ct.ThrowIfCancellationRequested();
            if (every is { } interval)
            {
                // A few ms of jitter, so presses do not fall into lock-step with the store's commit cycle.
                var wait = interval * i + TimeSpan.FromMilliseconds(Random.Shared.Next(0, 6)) - Stopwatch.GetElapsedTime(phaseStarted);
                if (wait > TimeSpan.Zero)
                    await Task.Delay(wait, ct);
            }
            if (duration is { } limit && Stopwatch.GetElapsedTime(phaseStarted) >= limit)
                break;
            pressed++;
            var device = sosDevices[i % sosDevices.Count];
            var pending = new Pending(device.DeviceId, new TaskCompletionSource<Receipt>(TaskCreationOptions.RunContinuationsAsynchronously));
            var message = device.Sos();
            Volatile.Write(ref _pending, pending);

            var sent = Stopwatch.GetTimestamp();
            // QoS 1, as events are sent; the PUBACK is not part of the measurement (the hub sends it only after
            // the alert is persisted and pushed), so the publish is awaited after the receipt.
            var publish = device.Client.PublishAsync(message, ct);
            Receipt receipt;
            try
            {
                receipt = await pending.Done.Task.WaitAsync(timeout, ct);
            }
            catch (TimeoutException)
            {
                missed++;
                Volatile.Write(ref _pending, null);
                await publish;
                continue;
            }
            Volatile.Write(ref _pending, null);
            var ms = Stopwatch.GetElapsedTime(sent, receipt.Timestamp).TotalMilliseconds;
            samples.Add(ms);
            if (ms > OutlierMs)
                outliers.Add((Stopwatch.GetElapsedTime(phaseStarted, sent).TotalSeconds, ms));
            await publish;

            lock (_finished)
                _finished.Add(receipt.Alert.Id);
            await api.ResolveAsync(receipt.Alert.Id, ct);
            // A few ms of random spacing, so presses do not fall into lock-step with the store's commit cycle.
            if (every is null)
                await Task.Delay(Random.Shared.Next(1, 6), ct);
        }
        samples.Sort();
        return new LatencyResult(phase, pressed, missed, [.. samples], outliers);
    }

    public async ValueTask DisposeAsync() => await _connection.DisposeAsync();
}
