using System.Diagnostics;
using System.Net;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace SmartCommunity.Bench;

/// <summary>One simulated device: its MQTT connection and its sequence counter (kept across phases, as the hub drops repeats).</summary>
public sealed class Publisher(string deviceId, IMqttClient client)
{
    private long _seq;
    private long _lastTimeMs;

    public string DeviceId { get; } = deviceId;
    public string Topic { get; } = Senml.UpTopic(deviceId);
    public IMqttClient Client { get; } = client;

    public uint NextSeq() => (uint)Interlocked.Increment(ref _seq);

    /// <summary>
    /// The reading's time in Unix ms: now, or one millisecond after this device's previous reading. A bench device
    /// publishes hundreds of packs a second; stamped with the same whole second, as a real one stamps its one
    /// reading per 10 s, they all collided on one (series, time), and since 84386c2 the SQLite store keeps each at
    /// the next free millisecond after reading the run of taken ones (and drops a repeated value in it as a
    /// redelivery), which made the bench measure a quadratic probe real devices never cause (hub QoS 0 ~4× slower).
    /// </summary>
    public long NextTimeMs()
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        while (true)
        {
            var last = Volatile.Read(ref _lastTimeMs);
            var next = Math.Max(now, last + 1);
            if (Interlocked.CompareExchange(ref _lastTimeMs, next, last) == last)
                return next;
        }
    }

    public MqttApplicationMessage Climate(MqttQualityOfServiceLevel qos) => new MqttApplicationMessageBuilder()
        .WithTopic(Topic).WithPayload(Senml.Climate(DeviceId, NextSeq(), NextTimeMs())).WithQualityOfServiceLevel(qos).Build();

    public MqttApplicationMessage Sos() => new MqttApplicationMessageBuilder()
        .WithTopic(Topic).WithPayload(Senml.Sos(DeviceId, NextSeq())).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build();
}

/// <summary>
/// K MQTTnet clients, one per device. The same fleet code drives the bare broker and the hub, so the
/// only difference between the two measurements is what sits behind the socket.
/// </summary>
public sealed class Fleet : IAsyncDisposable
{
    private readonly List<Publisher> _publishers;

    private Fleet(List<Publisher> publishers) => _publishers = publishers;

    public IReadOnlyList<Publisher> Publishers => _publishers;

    /// <summary>Devices per loopback source address when the fleet is larger than one address's ephemeral ports allow.</summary>
    public const int SourceAddressSpan = 20_000;

    /// <summary>Connects every device (a few at a time: a connect storm would only measure the handshake).</summary>
    public static async Task<Fleet> ConnectAsync(int port, IReadOnlyList<(string Id, string? Secret)> devices, CancellationToken ct, int parallelism = 16)
    {
        var factory = new MqttClientFactory();
        var publishers = new Publisher[devices.Count];
        await Parallel.ForAsync(0, devices.Count, new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = ct }, async (i, token) =>
        {
            var (id, secret) = devices[i];
            var builder = new MqttClientOptionsBuilder()
                .WithTcpServer("127.0.0.1", port)
                .WithClientId(id)
                // MQTT 5, like the simulator's default; 30 s keep-alive like a mains-powered sensor node.
                .WithProtocolVersion(MqttProtocolVersion.V500)
                .WithKeepAlivePeriod(TimeSpan.FromSeconds(30))
                .WithTimeout(TimeSpan.FromSeconds(30))
                .WithCleanSession();
            if (secret is not null)
                builder.WithCredentials(id, secret);
            var options = builder.Build();
            // A device sends small packets: the default 4 KB write buffer per client was most of the bench's own
            // memory per device (larger packets still grow it per write).
            options.WriterBufferSize = 256;
            // Loopback source addresses in turn (127.0.0.1, .2, …): one address has ~28,000 ephemeral ports
            // (ip_local_port_range) towards one hub port, so a fleet beyond that needs several.
            if (devices.Count > SourceAddressSpan && options.ChannelOptions is MqttClientTcpOptions tcp)
                tcp.LocalEndpoint = new IPEndPoint(new IPAddress([127, 0, 0, (byte)(1 + i / SourceAddressSpan)]), 0);
            var client = factory.CreateMqttClient();
            var result = await client.ConnectAsync(options, token);
            if (result.ResultCode != MqttClientConnectResultCode.Success)
                throw new InvalidOperationException($"{id}: connect refused ({result.ResultCode} {result.ReasonString})");
            publishers[i] = new Publisher(id, client);
        });
        return new Fleet([.. publishers]);
    }

    /// <summary>
    /// Every client publishes climate packs back to back (one message in flight per client: a QoS 1
    /// publish waits for its PUBACK, a QoS 0 publish for the socket write) until the duration ends or
    /// the fleet has sent <paramref name="maxMessages"/>. Returns what was sent; what was received is
    /// the receiver's business (see <see cref="Throughput"/>).
    /// </summary>
    public async Task<FloodResult> FloodAsync(MqttQualityOfServiceLevel qos, TimeSpan duration, long maxMessages, CancellationToken ct)
    {
        long budget = 0, failures = 0;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        stop.CancelAfter(duration);
        var started = Stopwatch.GetTimestamp();
        var loops = _publishers.Select(p => Task.Run(async () =>
        {
            long sent = 0;
            while (!stop.IsCancellationRequested && Interlocked.Increment(ref budget) <= maxMessages)
            {
                try
                {
                    // Not cancelled mid-publish: tearing a QoS 1 exchange apart would break the session, and
                    // the stop flag ends the loop within one round trip anyway.
                    await p.Client.PublishAsync(p.Climate(qos), CancellationToken.None);
                    sent++;
                }
                catch (Exception ex) when (ex is MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException)
                {
                    // A client that lost its connection stops; the result reports it instead of hiding it.
                    Interlocked.Increment(ref failures);
                    break;
                }
            }
            return sent;
        }, CancellationToken.None)).ToList();
        var perClient = await Task.WhenAll(loops);
        return new FloodResult(perClient.Sum(), Stopwatch.GetElapsedTime(started), Interlocked.Read(ref failures));
    }

    /// <summary>
    /// Background load: QoS 0 climate packs at a fixed rate, round-robin across the fleet, until
    /// <paramref name="ct"/> fires. Paced on a 5 ms tick from the start time (not tick by tick), so a late
    /// tick is caught up; a backlog of more than 100 ms is dropped and reported as a shortfall instead of
    /// turning into a burst.
    /// </summary>
    public async Task<PacedResult> PaceAsync(int messagesPerSecond, CancellationToken ct)
    {
        long sent = 0, skipped = 0, lostSends = 0;
        var lost = new bool[_publishers.Count];
        var next = 0;
        var started = Stopwatch.GetTimestamp();
        var maxBacklog = Math.Max(1, messagesPerSecond / 10);
        using var tick = new PeriodicTimer(TimeSpan.FromMilliseconds(5));
        try
        {
            while (await tick.WaitForNextTickAsync(ct))
            {
                var due = (long)(Stopwatch.GetElapsedTime(started).TotalSeconds * messagesPerSecond) - sent - skipped;
                if (due > maxBacklog)
                {
                    skipped += due - maxBacklog;
                    due = maxBacklog;
                }
                for (var i = 0; i < due; i++)
                {
                    // A lost client is passed over (counted) and its turn goes to the next live one, as a failed publish's
                    // turn is caught up on the next tick. Not tried again: a publish on a closed client throws at once, and
                    // at 20,000 msg/s those exceptions took the pacer's time (7 million in one 140 s phase).
                    for (var passed = 0; lost[next] && passed < _publishers.Count; passed++)
                    {
                        lostSends++;
                        next = (next + 1) % _publishers.Count;
                    }
                    if (lost[next])
                        break;
                    var p = _publishers[next];
                    var index = next;
                    next = (next + 1) % _publishers.Count;
                    try
                    {
                        await p.Client.PublishAsync(p.Climate(MqttQualityOfServiceLevel.AtMostOnce), CancellationToken.None);
                        sent++;
                    }
                    catch (Exception ex) when (ex is MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException)
                    {
                        // A client that lost its connection (on a starved box its keep-alive can lapse) costs its
                        // readings, counted and reported, not the whole phase. The publish is not cancellable from
                        // here, so a cancellation is the client's own: it gave up a send to a hub that no longer read
                        // its socket (20,000 msg/s on a box where the hub stores 5,000).
                        lost[index] = true;
                        lostSends++;
                    }
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        return new PacedResult(sent, skipped, Stopwatch.GetElapsedTime(started), lostSends, lost.Count(l => l));
    }

    /// <summary>
    /// Connects again the clients that lost their connection, and returns how many. On a busy box a QoS 0 phase can leave a
    /// minute of backlog in the sockets; a keep-alive ping queued behind it goes unanswered and the client gives up, and a
    /// background load paced on such a fleet would fall short of its rate.
    /// </summary>
    public async Task<int> ReconnectLostAsync(CancellationToken ct)
    {
        var lost = _publishers.Where(p => !p.Client.IsConnected).ToList();
        await Parallel.ForEachAsync(lost, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = ct },
            async (p, token) => await p.Client.ReconnectAsync(token));
        return lost.Count;
    }

    public async ValueTask DisposeAsync()
    {
        // In parallel: the fleet-size phase closes 10,000 connections.
        await Parallel.ForEachAsync(_publishers, new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (p, _) =>
        {
            try
            {
                if (p.Client.IsConnected)
                    await p.Client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build(), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(2));
            }
            catch (Exception ex) when (ex is TimeoutException or MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException)
            {
                // Ending the run: a connection that will not close cleanly is closed by Dispose below.
            }
            p.Client.Dispose();
        });
    }
}

public sealed record FloodResult(long Sent, TimeSpan Elapsed, long FailedClients);

/// <summary><paramref name="NotSent"/>: due publishes on clients that had lost their connection (<paramref name="LostClients"/>).</summary>
public sealed record PacedResult(long Sent, long Skipped, TimeSpan Elapsed, long NotSent = 0, int LostClients = 0)
{
    public double Rate => Sent / Elapsed.TotalSeconds;
}
