using MQTTnet;
using MQTTnet.Exceptions;
using MQTTnet.Protocol;
using SmartCommunity.SensorNode.Core;
using SmartCommunity.Simulator.Devices;
using SmartCommunity.Simulator.Signals;

namespace SmartCommunity.Simulator.Node;

/// <summary>
/// One device's firmware driven by its caller's clock instead of the wall clock, for weeks of fake time in seconds: the
/// <see cref="VirtualNode"/> (the real <see cref="NodeCore"/> behind the simulator's virtual sensors) runs up to a given
/// instant with <see cref="RunUntil"/> — its readings wait in the core's offline queue, as on a node that is not
/// connected — and <see cref="FlushAsync(IMqttClient, CancellationToken)"/> lets the core send them: its packs, its
/// sequence numbers, its <c>bt</c>, its batch size (<c>queue_batch</c>), each removed only after the broker's PUBACK.
/// What reaches the hub is what the firmware would send, never a packet written by a test.
/// The sensors read the simulator's signal models (seeded), or a function of time set by the caller for a scenario the
/// models cannot make (<see cref="Celsius"/>, <see cref="GasPpm"/>, <see cref="Motion"/>).
/// Not thread-safe: one caller drives it, awaiting each flush.
/// </summary>
public sealed class SteppedNode
{
    private readonly SteppedTime _time;
    private readonly VirtualNode _node;
    private bool _booted;

    /// <param name="credentials">The identity the node is provisioned with (its profile is the kind's).</param>
    /// <param name="start">When the node boots: its clock is synced then, and the sensors due then are read when it first
    /// runs (so the signals set after construction apply from the first reading).</param>
    /// <param name="settings">Firmware settings by name (<c>reading_s</c>, <c>queue_batch</c>, …), over the defaults; the core
    /// validates them as it does a technician's.</param>
    /// <param name="seed">Seeds the signal models, so a run is repeatable.</param>
    /// <param name="timeZone">The zone the models read their time of day in (UTC when not given).</param>
    /// <exception cref="ArgumentException">The firmware refused a setting.</exception>
    public SteppedNode(DeviceCredentials credentials, DateTimeOffset start, IReadOnlyDictionary<string, int>? settings = null, int seed = 1, TimeZoneInfo? timeZone = null)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        _time = new SteppedTime(start.ToUniversalTime(), timeZone ?? TimeZoneInfo.Utc);
        _node = new VirtualNode(credentials, settings ?? new Dictionary<string, int>(), new MemoryStorage(), new SimulatedClock(_time, 1.0), new Random(seed), routine: true, sampleAtBoot: false);
    }

    /// <summary>How far the node has run.</summary>
    public DateTimeOffset Now => _time.GetUtcNow();

    /// <summary>The core behind the node (its queue, configuration, sequence numbers), to look at.</summary>
    public NodeCore Core => _node.Core;

    /// <summary>Records in the core's offline queue, waiting for a flush.</summary>
    public int Queued => _node.Core.Queue.Count;

    /// <summary>The climate sensor's temperature (°C) at a time, instead of the indoor-climate model's; null: the model.</summary>
    public Func<DateTimeOffset, double>? Celsius
    {
        get => _node.TemperatureSignal;
        set => _node.TemperatureSignal = value;
    }

    /// <summary>The gas sensor's reading (ppm) at a time, instead of the gas model's; null: the model.</summary>
    public Func<DateTimeOffset, double>? GasPpm
    {
        get => _node.GasSignal;
        set => _node.GasSignal = value;
    }

    /// <summary>The PIR output level at a time (high while someone moves; the core counts rising edges per
    /// <c>pir_interval_s</c>, ignoring one within <c>pir_holdoff_ms</c> of the last), instead of pulses drawn from the
    /// activity routine; null: the routine.</summary>
    public Func<DateTimeOffset, bool>? Motion
    {
        get => _node.PirSignal;
        set => _node.PirSignal = value;
    }

    /// <summary>Runs the node's sampling loop up to <paramref name="until"/>: what it reads goes into the core's queue.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="until"/> is before <see cref="Now"/>: the node's clock is monotonic.</exception>
    public void RunUntil(DateTimeOffset until)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(until, Now);
        lock (_node.Lock)
        {
            Boot();
            _time.Set(until.ToUniversalTime());
            _node.RunUntil(until);
        }
    }

    private void Boot()
    {
        if (!_booted)
        {
            _booted = true;
            _node.SampleAtBoot();
        }
    }

    /// <summary>
    /// The core publishes its queue (and a due heartbeat) over <paramref name="client"/> at QoS 1, a pack at a time, each
    /// waited for; a pack the broker refuses (or that fails on the wire) stays queued, with its sequence number, for the
    /// next flush.
    /// </summary>
    public Task<FlushResult> FlushAsync(IMqttClient client, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        return FlushAsync(
            () => client.IsConnected,
            async (message, ct) =>
            {
                try
                {
                    var result = await client.PublishAsync(
                        new MqttApplicationMessageBuilder().WithTopic(message.Topic).WithPayload(message.Payload)
                            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).WithRetainFlag(message.Retain).Build(),
                        ct);
                    return result.ReasonCode is MqttClientPublishReasonCode.Success or MqttClientPublishReasonCode.NoMatchingSubscribers;
                }
                catch (Exception ex) when (ex is MqttCommunicationException or InvalidOperationException)
                {
                    // No PUBACK: the core keeps the records (and their seq) for the next flush.
                    return false;
                }
            },
            cancellationToken);
    }

    /// <summary>
    /// The core publishes its queue (and a due heartbeat) through <paramref name="publish"/>, which returns true once the
    /// message was acknowledged; at the first false the flush stops and the rest stays queued.
    /// </summary>
    public Task<FlushResult> FlushAsync(Func<NodeMessage, CancellationToken, Task<bool>> publish, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(publish);
        return FlushAsync(() => true, publish, cancellationToken);
    }

    private Task<FlushResult> FlushAsync(Func<bool> isConnected, Func<NodeMessage, CancellationToken, Task<bool>> publish, CancellationToken cancellationToken)
    {
        // The core's publisher is synchronous (it returns after the PUBACK, as on the device): the flush gets a thread
        // of its own rather than blocking one of the pool's, which the MQTT client needs to receive that PUBACK.
        return Task.Factory.StartNew(
            () =>
            {
                lock (_node.Lock)
                {
                    Boot();
                    var queue = _node.Core.Queue;
                    var (queued, stale) = (queue.Count, queue.DroppedStale);
                    var messages = _node.Flush(new Publisher(isConnected, publish, cancellationToken));
                    return new FlushResult(messages, queued - queue.Count - (queue.DroppedStale - stale));
                }
            },
            cancellationToken,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);
    }

    private sealed class Publisher(Func<bool> isConnected, Func<NodeMessage, CancellationToken, Task<bool>> publish, CancellationToken ct) : IPublisher
    {
        // Not connected: the core sends nothing and keeps its queue as it is.
        public bool IsConnected => isConnected();

        // The core reuses its buffer for the next pack: the message gets its own copy.
        public bool Publish(string topic, byte[] payload, int length, bool retain) =>
            publish(new NodeMessage(topic, payload.AsSpan(0, length).ToArray(), retain), ct).GetAwaiter().GetResult();
    }

    /// <summary>The node's clock: where <see cref="RunUntil"/> left it, in the models' zone.</summary>
    private sealed class SteppedTime(DateTimeOffset start, TimeZoneInfo zone) : TimeProvider
    {
        private DateTimeOffset _now = start;

        public override TimeZoneInfo LocalTimeZone => zone;

        public override DateTimeOffset GetUtcNow() => _now;

        public void Set(DateTimeOffset now) => _now = now;
    }
}

/// <summary>One message the firmware core publishes: a SenML pack on its <c>up</c> topic, or its retained heartbeat on
/// <c>status</c>.</summary>
public sealed record NodeMessage(string Topic, byte[] Payload, bool Retain);

/// <summary>What a flush sent: the messages acknowledged (packs and heartbeats) and the queued records they carried.</summary>
public readonly record struct FlushResult(int Messages, int Records);
