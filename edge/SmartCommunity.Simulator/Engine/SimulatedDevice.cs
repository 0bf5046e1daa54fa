using System.Buffers;
using System.Security.Authentication;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Exceptions;
using MQTTnet.Protocol;
using SmartCommunity.Domain.Devices;
using SmartCommunity.SensorNode.Core;
using SmartCommunity.Simulator.Devices;
using SmartCommunity.Simulator.Node;
using SmartCommunity.Simulator.Protocol;
using SmartCommunity.Simulator.Signals;

namespace SmartCommunity.Simulator.Engine;

/// <summary>
/// One virtual device: the firmware core (<c>SensorNode.Core</c>) on virtual hardware, and its own
/// MQTT connection, authenticated with its credentials, with the core's offline last will. Everything
/// it publishes on <c>up</c>/<c>status</c> is what the core put in its outbox, numbered and encoded
/// by the core; this class is only the transport (the device's M2Mqtt adapter). For negative tests it
/// also publishes raw payloads to any topic. The loop that drives the core lives in <see cref="SimulatedFleet"/>.
/// </summary>
public sealed class SimulatedDevice : IAsyncDisposable
{
    // IPublisher is synchronous (it returns after the PUBACK, as on the device): each flush blocks a
    // thread, so only a few run at once and the rest of the pool is free to process the PUBACKs.
    private static readonly SemaphoreSlim FlushGate = new(Math.Max(4, Environment.ProcessorCount * 2));

    private IMqttClient _client;
    private readonly AbortableTcpStreamProvider _stream = new();
    private readonly SimulatorOptions _options;
    private readonly TimeProvider _time;
    private readonly VirtualNode _node;
    private readonly IStorage _storage;
    private readonly CorePublisher _publisher;
    private readonly ILogger _logger;
    private readonly Lock _waitersLock = new();
    private readonly List<(string Name, TaskCompletionSource<PublishReceipt> Done)> _waiters = [];
    private readonly SemaphoreSlim _connectLock = new(1, 1);

    // Completed (and replaced) on every change of the connection: waiters re-check IsConnected and, if
    // it is not what they wait for, wait for the next change. One signal per change, never swapped
    // while pending, so a waiter cannot be left holding a signal nobody will complete (a refused
    // attempt raises Disconnected too, and used to replace the "connected" signal a waiter held).
    private TaskCompletionSource _stateChanged = NewSignal();
    private long _published;
    private long _failed;
    private long _received;
    private long _connectAttempts;
    private long _connectFailures;
    private bool _disposed;
    private volatile bool _leaving;

    public SimulatedDevice(DeviceCredentials credentials, SimulatorOptions? options = null, TimeProvider? timeProvider = null, ILogger? logger = null)
        : this(credentials, options ?? new SimulatorOptions(), timeProvider ?? TimeProvider.System, clock: null, random: null, logger)
    {
    }

    /// <param name="storage">The node's flash: null for a fresh one (provisioned here from <paramref name="credentials"/>), or one
    /// whose core was provisioned over its serial line (see <see cref="SimulatedFleet.FromProvisionedNodes"/>).</param>
    internal SimulatedDevice(DeviceCredentials credentials, SimulatorOptions options, TimeProvider timeProvider, SimulatedClock? clock, Random? random, ILogger? logger, IStorage? storage = null)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Credentials = credentials;
        _options = options;
        _time = timeProvider;
        _logger = logger ?? NullLogger.Instance;
        // With a storage directory the device keeps its flash across simulator runs; without, it is factory-fresh each time.
        _storage = storage ?? (options.StorageDirectory is { } folder ? new FileStorage(Path.Combine(folder, credentials.Id)) : new MemoryStorage());
        try
        {
            _node = new VirtualNode(
                credentials,
                NodeSettings(credentials.Kind, options),
                _storage,
                clock ?? new SimulatedClock(timeProvider, options.Speed),
                random ?? new Random(Noise.StableHash(credentials.Id) ^ (options.Seed ?? Random.Shared.Next())),
                options.RoutineTraffic);
        }
        catch
        {
            (_storage as IDisposable)?.Dispose();
            throw;
        }

        _node.DownlinkHandled += (payload, error) =>
        {
            if (error != ErrorCode.None)
            {
                _logger.LogWarning("{DeviceId}: firmware refused a downlink: {Error}", Id, ErrorCode.Text(error));
            }
        };
        _publisher = new CorePublisher(this);
        ClientId = credentials.Id + (options.ClientIdSuffix ?? string.Empty);

        _client = CreateClient();
    }

    public DeviceCredentials Credentials { get; }

    public string Id => Credentials.Id;

    public DeviceKind Kind => Credentials.Kind;

    public string ClientId { get; }

    public bool IsConnected => _client.IsConnected;

    /// <summary>When the current (or last) connection was established, on the device's TimeProvider.</summary>
    public DateTimeOffset? ConnectedAt { get; private set; }

    /// <summary>The last sequence number the firmware core handed out (0 before the first pack).</summary>
    public uint LastSequence
    {
        get
        {
            lock (_node.Lock)
            {
                return _node.Core.NextSeq - 1;
            }
        }
    }

    /// <summary>How far the core's sampling loop has run, on the device's TimeProvider. A test on a fake clock waits for it to
    /// reach the time it advanced to: the readings of that instant are then made, and <see cref="QueuedRecords"/> says whether
    /// they left.</summary>
    public DateTimeOffset RanUntil
    {
        get
        {
            lock (_node.Lock)
            {
                return _node.RanUntil;
            }
        }
    }

    /// <summary>Records waiting in the core's outbox (queued while offline, or not yet acknowledged).</summary>
    public int QueuedRecords
    {
        get
        {
            lock (_node.Lock)
            {
                return _node.Core.Queue.Count;
            }
        }
    }

    /// <summary>The pattern the core's LED and buzzer play now (<see cref="Indicator"/>: pending, alert sent,
    /// help coming…): what the resident sees and hears.</summary>
    public int IndicatorPattern
    {
        get
        {
            lock (_node.Lock)
            {
                return _node.Core.Indicator.Pattern;
            }
        }
    }

    /// <summary>A numeric setting as the core holds it now (<c>reading_s</c>, …; firmware Setting.cs), after every
    /// downlink that has arrived: what a config from the hub changed on the device.</summary>
    public int SettingValue(string name)
    {
        var id = Setting.FindByName(name);
        if (id < 0)
        {
            throw new ArgumentException($"{name} is not a firmware setting", nameof(name));
        }

        lock (_node.Lock)
        {
            _node.RunToNow();
            return _node.Core.Config.Get(id);
        }
    }

    public long Published => Interlocked.Read(ref _published);

    public long Failed => Interlocked.Read(ref _failed);

    public long Received => Interlocked.Read(ref _received);

    public long ConnectAttempts => Interlocked.Read(ref _connectAttempts);

    public long ConnectFailures => Interlocked.Read(ref _connectFailures);

    /// <summary>A message arrived on the device's <c>down</c> or <c>cfg</c> topic. Raised on the MQTT receive loop: keep handlers short.</summary>
    public event EventHandler<DownlinkMessage>? MessageReceived;

    /// <summary>The connection went away (broker gone, dropped, refused later). Raised once per lost connection.</summary>
    public event EventHandler? ConnectionLost;

    /// <summary>
    /// Connects (one attempt), subscribes to <c>down</c> and <c>cfg</c>, then lets the core flush its
    /// outbox (records queued while offline, in order) and the retained heartbeat. Does nothing when
    /// already connected.
    /// </summary>
    /// <exception cref="MqttCommunicationException">The broker is unreachable or refused the credentials.</exception>
    public async Task ConnectAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _connectLock.WaitAsync(cancellationToken);
        try
        {
            if (_client.IsConnected)
            {
                return;
            }

            Interlocked.Increment(ref _connectAttempts);
            try
            {
                await _client.ConnectAsync(BuildClientOptions(), cancellationToken);
                await _client.SubscribeAsync(
                    new MqttClientSubscribeOptionsBuilder()
                        .WithTopicFilter(Topics.Down(Id), MqttQualityOfServiceLevel.AtLeastOnce)
                        .WithTopicFilter(Topics.Config(Id), MqttQualityOfServiceLevel.AtLeastOnce)
                        .Build(),
                    cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                Interlocked.Increment(ref _connectFailures);
                _logger.LogDebug("{DeviceId}: connect failed: {Reason}", Id, ex.Message);
                await ReplaceClientAsync();
                throw;
            }

            ConnectedAt = _time.GetUtcNow();
            _leaving = false;
            SignalStateChanged();
        }
        finally
        {
            _connectLock.Release();
        }

        _logger.LogInformation("{DeviceId}: connected as {ClientId} (MQTT {Version})", Id, ClientId, _options.ProtocolVersion);
        lock (_node.Lock)
        {
            _node.OnConnected();
        }

        await FlushAsync(cancellationToken);
    }

    /// <summary>Waits until the device is connected.</summary>
    private IMqttClient CreateClient()
    {
        var client = new MqttClientFactory().CreateMqttClient();
        client.ApplicationMessageReceivedAsync += OnMessageReceivedAsync;
        client.DisconnectedAsync += OnDisconnectedAsync;
        return client;
    }

    /// <summary>
    /// After a failed attempt the next one starts from a fresh client: a client whose connect failed half-way (connected
    /// but not subscribed, or left "connect/disconnect pending" by a broker that went away mid-handshake) could otherwise
    /// refuse every later attempt, and the device would never come back (a CI flake after a broker restart).
    /// Called under the connect lock.
    /// </summary>
    private async Task ReplaceClientAsync()
    {
        var old = _client;
        _client = CreateClient();
        old.ApplicationMessageReceivedAsync -= OnMessageReceivedAsync;
        old.DisconnectedAsync -= OnDisconnectedAsync;
        try
        {
            if (old.IsConnected)
                await old.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().WithReason(MqttClientDisconnectOptionsReason.NormalDisconnection).Build());
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            _logger.LogDebug("{DeviceId}: closing the failed client: {Reason}", Id, ex.Message);
        }
        old.Dispose();
        SignalStateChanged();
    }

    public Task WaitUntilConnectedAsync(CancellationToken cancellationToken = default) => WaitForStateAsync(connected: true, cancellationToken);

    /// <summary>Waits until <see cref="IsConnected"/> is <paramref name="connected"/>.</summary>
    private async Task WaitForStateAsync(bool connected, CancellationToken cancellationToken)
    {
        while (true)
        {
            // Take the signal before looking: a change after the look completes the signal we hold.
            var changed = Volatile.Read(ref _stateChanged).Task;
            if (_client.IsConnected == connected)
            {
                return;
            }

            await changed.WaitAsync(cancellationToken);
        }
    }

    /// <summary>Runs the core up to now and publishes what its outbox holds (and a due heartbeat). Returns the packs acknowledged.</summary>
    internal async Task<int> FlushAsync(CancellationToken cancellationToken = default)
    {
        await FlushGate.WaitAsync(cancellationToken);
        try
        {
            return await Task.Run(
                () =>
                {
                    lock (_node.Lock)
                    {
                        return _node.Flush(_publisher);
                    }
                },
                CancellationToken.None);
        }
        finally
        {
            FlushGate.Release();
        }
    }

    /// <summary>The core behind this device; callers take <see cref="VirtualNode.Lock"/>.</summary>
    internal VirtualNode Node => _node;

    /// <summary>Completes when an acknowledged <c>up</c> pack carries <c>{"n":name,"vb":true}</c> (registered before the scenario starts).</summary>
    internal Task<PublishReceipt> WaitForEventAsync(string name)
    {
        var done = new TaskCompletionSource<PublishReceipt>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_waitersLock)
        {
            _waiters.Add((name, done));
        }

        return done.Task;
    }

    internal void ForgetWaiter(Task<PublishReceipt> waiter)
    {
        lock (_waitersLock)
        {
            _waiters.RemoveAll(w => w.Done.Task == waiter);
        }
    }

    /// <summary>
    /// Publishes arbitrary bytes to an arbitrary topic, without a sequence number: for negative
    /// tests (another device's topic, malformed JSON, oversized payloads). Does not throw when the
    /// broker refuses; the result says what it answered (MQTT 3.1.1 brokers always acknowledge).
    /// A publish that is cancelled or times out (<see cref="SimulatorOptions.CommunicationTimeout"/>)
    /// may have been half written, so the connection is reset and the device reconnects.
    /// </summary>
    public async Task<MqttClientPublishResult> PublishRawAsync(string topic, ReadOnlyMemory<byte> payload, MqttQualityOfServiceLevel qos = MqttQualityOfServiceLevel.AtLeastOnce, bool retain = false, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        var message = new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(new ReadOnlySequence<byte>(payload))
            .WithQualityOfServiceLevel(qos)
            .WithRetainFlag(retain)
            .Build();
        using var timeout = new CancellationTokenSource(_options.CommunicationTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            return await _client.PublishAsync(message, linked.Token);
        }
        catch (OperationCanceledException)
        {
            // MQTTnet cannot un-send half a packet: a cancelled publish leaves the stream unusable.
            _stream.Abort();
            if (cancellationToken.IsCancellationRequested)
            {
                throw;
            }

            throw new MqttCommunicationTimedOutException();
        }
    }

    /// <summary>
    /// Pulls the plug: resets the TCP connection without an MQTT DISCONNECT, so the broker publishes
    /// the last will. Returns once the client has noticed (bounded by the communication timeout).
    /// </summary>
    public async Task DropConnectionAsync(CancellationToken cancellationToken = default)
    {
        _leaving = true;
        if (!_stream.Abort() && !_client.IsConnected)
        {
            return;
        }

        _logger.LogInformation("{DeviceId}: connection dropped (no DISCONNECT; the broker publishes the last will)", Id);
        try
        {
            await WaitForStateAsync(connected: false, cancellationToken).WaitAsync(_options.CommunicationTimeout, _time, cancellationToken);
        }
        catch (TimeoutException)
        {
            _logger.LogWarning("{DeviceId}: client did not notice the dropped connection within {Timeout}", Id, _options.CommunicationTimeout);
        }
    }

    /// <summary>Disconnects cleanly (MQTT DISCONNECT: the broker does not publish the last will).</summary>
    public async Task DisconnectAsync(bool announceOffline = false, CancellationToken cancellationToken = default)
    {
        if (!_client.IsConnected)
        {
            return;
        }

        _leaving = true;
        try
        {
            if (announceOffline)
            {
                await PublishRawAsync(Topics.Status(Id), LastWill(), MqttQualityOfServiceLevel.AtLeastOnce, retain: true, cancellationToken);
            }

            await _client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().WithReason(MqttClientDisconnectOptionsReason.NormalDisconnection).Build(), cancellationToken);
        }
        catch (Exception ex) when (ex is MqttCommunicationException or InvalidOperationException)
        {
            // The connection was already going away; a clean goodbye is best effort.
            _logger.LogDebug("{DeviceId}: disconnect: {Reason}", Id, ex.Message);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        using var timeout = new CancellationTokenSource(_options.CommunicationTimeout, _time);
        try
        {
            await DisconnectAsync(announceOffline: false, timeout.Token);
        }
        catch (OperationCanceledException)
        {
            // Disposal must not hang on a dead broker.
        }

        _stream.Abort();
        _client.Dispose();
        _connectLock.Dispose();
        lock (_node.Lock)
        {
            (_storage as IDisposable)?.Dispose();
        }
    }

    /// <summary>The core's publish: QoS 1, true only after the broker acknowledged it.</summary>
    internal bool PublishFromCore(string topic, byte[] payload, bool retain)
    {
        if (!_client.IsConnected)
        {
            Interlocked.Increment(ref _failed);
            return false;
        }

        MqttClientPublishResult result;
        try
        {
            result = PublishRawAsync(topic, payload, MqttQualityOfServiceLevel.AtLeastOnce, retain, CancellationToken.None).GetAwaiter().GetResult();
        }
        catch (Exception ex) when (ex is MqttCommunicationException or InvalidOperationException or OperationCanceledException)
        {
            // No PUBACK: the core keeps the records (and their seq) for the next flush.
            Interlocked.Increment(ref _failed);
            _logger.LogDebug("{DeviceId}: publish to {Topic} failed: {Reason}", Id, topic, ex.Message);
            return false;
        }

        if (!IsAccepted(result))
        {
            Interlocked.Increment(ref _failed);
            _logger.LogWarning("{DeviceId}: broker refused publish to {Topic}: {Code} {Reason}", Id, topic, result.ReasonCode, result.ReasonString);
            return false;
        }

        Interlocked.Increment(ref _published);
        var receipt = Receipt(topic, payload);
        _logger.LogDebug("{DeviceId}: {Topic} seq {Seq} {Payload}", Id, topic, receipt.Sequence, System.Text.Encoding.UTF8.GetString(payload));
        if (topic.EndsWith("/up", StringComparison.Ordinal))
        {
            CompleteWaiters(receipt);
        }

        return true;
    }

    private PublishReceipt Receipt(string topic, byte[] payload)
    {
        using var pack = JsonDocument.Parse(payload);
        var head = pack.RootElement[0];
        var seq = head.TryGetProperty("v", out var v) ? v.GetUInt32() : 0;
        var bt = head.TryGetProperty("bt", out var t) ? t.GetInt64() : _time.GetUtcNow().ToUnixTimeSeconds();
        return new PublishReceipt(Id, topic, seq, DateTimeOffset.FromUnixTimeSeconds(bt), payload, MqttQualityOfServiceLevel.AtLeastOnce);
    }

    private void CompleteWaiters(PublishReceipt receipt)
    {
        lock (_waitersLock)
        {
            if (_waiters.Count == 0)
            {
                return;
            }

            using var pack = JsonDocument.Parse(receipt.Payload);
            foreach (var record in pack.RootElement.EnumerateArray())
            {
                if (record.TryGetProperty("n", out var n) && record.TryGetProperty("vb", out var vb) && vb.ValueKind == JsonValueKind.True)
                {
                    var name = n.GetString();
                    foreach (var w in _waiters.Where(w => w.Name == name))
                    {
                        w.Done.TrySetResult(receipt);
                    }

                    _waiters.RemoveAll(w => w.Name == name);
                }
            }
        }
    }

    private byte[] LastWill()
    {
        lock (_node.Lock)
        {
            return _node.LastWill();
        }
    }

    private static IReadOnlyDictionary<string, int> NodeSettings(DeviceKind kind, SimulatorOptions options)
    {
        var settings = new Dictionary<string, int>(SimulatorProfiles.For(kind).Settings);
        if (!options.RoutineTraffic)
        {
            // No routine: heartbeats, readings and PIR counts only once a day (the firmware's maximum).
            settings["heartbeat_s"] = Setting.Max(Setting.HeartbeatSeconds);
            settings["reading_s"] = Setting.Max(Setting.ReadingSeconds);
            settings["pir_interval_s"] = Setting.Max(Setting.PirIntervalSeconds);
        }

        foreach (var (name, value) in options.NodeSettings)
        {
            settings[name] = value;
        }

        return settings;
    }

    private static bool IsAccepted(MqttClientPublishResult result) =>
        result.ReasonCode is MqttClientPublishReasonCode.Success or MqttClientPublishReasonCode.NoMatchingSubscribers;

    private MqttClientOptions BuildClientOptions()
    {
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(_options.Host, _options.Port)
            .WithStreamProvider(_stream)
            .WithClientId(ClientId)
            .WithCredentials(Id, Credentials.Secret)
            .WithProtocolVersion(_options.ProtocolVersion)
            .WithCleanSession(false)
            .WithKeepAlivePeriod(_options.KeepAlive)
            .WithTimeout(_options.CommunicationTimeout)
            .WithWillTopic(Topics.Status(Id))
            .WithWillPayload(LastWill())
            .WithWillRetain(true)
            .WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce);
        if (_options.ServerCaSha256 is { } pin)
        {
            // What the device's TLS adapter does: the broker must name the host of broker_url and chain to the pinned CA.
            builder.WithTlsOptions(new MqttClientTlsOptions
            {
                UseTls = true,
                TargetHost = _options.Host,
                SslProtocol = SslProtocols.Tls12 | SslProtocols.Tls13,
                CertificateValidationHandler = c =>
                {
                    var problem = PinnedCa.Problem(c.Certificate, c.Chain, c.SslPolicyErrors, pin, _options.CaCertificates);
                    if (problem is not null)
                    {
                        _logger.LogWarning("{DeviceId}: refused the broker's certificate: {Problem}", Id, problem);
                    }

                    return problem is null;
                },
            });
        }

        if (_options.ProtocolVersion == MqttProtocolVersion.V500)
        {
            // MQTT 5 ends a session at disconnect unless it has an expiry; "clean session false" needs one.
            builder.WithSessionExpiryInterval((uint)Math.Min(uint.MaxValue - 1, _options.SessionExpiry.TotalSeconds));
        }

        return builder.Build();
    }

    private Task OnMessageReceivedAsync(MqttApplicationMessageReceivedEventArgs e)
    {
        Interlocked.Increment(ref _received);
        var message = e.ApplicationMessage;
        var downlink = new DownlinkMessage(Id, message.Topic, message.Payload.ToArray(), message.Retain);
        _node.EnqueueDownlink(downlink.Payload.ToArray());
        _logger.LogInformation("{DeviceId}: received on {Topic}: {Payload}", Id, downlink.Topic, Truncate(downlink.PayloadText, 256));
        DownlinkQueued?.Invoke(this, EventArgs.Empty);
        try
        {
            MessageReceived?.Invoke(this, downlink);
        }
        catch (Exception ex)
        {
            // A subscriber's bug must not kill the device's MQTT receive loop.
            _logger.LogError(ex, "{DeviceId}: a MessageReceived handler failed", Id);
        }

        return Task.CompletedTask;
    }

    private Task OnDisconnectedAsync(MqttClientDisconnectedEventArgs e)
    {
        SignalStateChanged();

        if (e.ClientWasConnected)
        {
            _logger.Log(_leaving ? LogLevel.Information : LogLevel.Warning, "{DeviceId}: disconnected ({Reason})", Id, e.Exception?.Message ?? e.Reason.ToString());
            ConnectionLost?.Invoke(this, EventArgs.Empty);
        }

        return Task.CompletedTask;
    }

    /// <summary>Raised after a downlink was queued for the core, so the loop hands it over now rather than at its next wake.</summary>
    internal event EventHandler? DownlinkQueued;

    private void SignalStateChanged() => Interlocked.Exchange(ref _stateChanged, NewSignal()).TrySetResult();

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private static string Truncate(string text, int max) => text.Length <= max ? text : string.Concat(text.AsSpan(0, max), "…");
}

/// <summary>The core's view of the MQTT connection (the M2Mqtt adapter on the device).</summary>
internal sealed class CorePublisher(SimulatedDevice device) : IPublisher
{
    public bool IsConnected => device.IsConnected;

    // The core reuses its buffer for the next pack: the transport gets its own copy.
    public bool Publish(string topic, byte[] payload, int length, bool retain) =>
        device.PublishFromCore(topic, payload.AsSpan(0, length).ToArray(), retain);
}
