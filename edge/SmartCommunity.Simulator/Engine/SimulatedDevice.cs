using System.Buffers;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Exceptions;
using MQTTnet.Protocol;
using SmartCommunity.Simulator.Devices;
using SmartCommunity.Simulator.Protocol;
using SmartCommunity.Simulator.Signals;

namespace SmartCommunity.Simulator.Engine;

/// <summary>
/// One virtual device on its own MQTT connection, authenticated with its credentials, with the
/// offline last will set. It publishes SenML packs (numbered by its <see cref="SequenceCounter"/>)
/// and, for negative tests, raw payloads to any topic. Schedules live in <see cref="SimulatedFleet"/>.
/// </summary>
public sealed class SimulatedDevice : IAsyncDisposable
{
    private readonly IMqttClient _client;
    private readonly AbortableTcpStreamProvider _stream = new();
    private readonly SimulatorOptions _options;
    private readonly TimeProvider _time;
    private readonly SimulatedClock _clock;
    private readonly VitalsModel _vitals;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _connectLock = new(1, 1);
    private readonly Lock _stateLock = new();
    private TaskCompletionSource _connected = NewSignal();
    private TaskCompletionSource _disconnected = NewSignal();
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

    internal SimulatedDevice(DeviceCredentials credentials, SimulatorOptions options, TimeProvider timeProvider, SimulatedClock? clock, Random? random, ILogger? logger)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Credentials = credentials;
        _options = options;
        _time = timeProvider;
        _clock = clock ?? new SimulatedClock(timeProvider, options.Speed);
        _vitals = new VitalsModel(random ?? new Random(Noise.StableHash(credentials.Id) ^ (options.Seed ?? Random.Shared.Next())));
        _logger = logger ?? NullLogger.Instance;
        ClientId = credentials.Id + (options.ClientIdSuffix ?? string.Empty);

        _client = new MqttClientFactory().CreateMqttClient();
        _client.ApplicationMessageReceivedAsync += OnMessageReceivedAsync;
        _client.DisconnectedAsync += OnDisconnectedAsync;
    }

    public DeviceCredentials Credentials { get; }

    public string Id => Credentials.Id;

    public DeviceKind Kind => Credentials.Kind;

    public string ClientId { get; }

    public bool IsConnected => _client.IsConnected;

    /// <summary>When the current (or last) connection was established, on the device's TimeProvider.</summary>
    public DateTimeOffset? ConnectedAt { get; private set; }

    /// <summary>The sequence numbers this device hands out; exposed so tests can read or continue it.</summary>
    public SequenceCounter Sequence { get; } = new();

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
    /// Connects (one attempt), subscribes to <c>down</c> and <c>cfg</c> and publishes the retained
    /// heartbeat. Does nothing when already connected.
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
                throw;
            }

            ConnectedAt = _time.GetUtcNow();
            _leaving = false;
            lock (_stateLock)
            {
                _disconnected = NewSignal();
                _connected.TrySetResult();
            }
        }
        finally
        {
            _connectLock.Release();
        }

        _logger.LogInformation("{DeviceId}: connected as {ClientId} (MQTT {Version})", Id, ClientId, _options.ProtocolVersion);
        await PublishHeartbeatAsync(cancellationToken);
    }

    /// <summary>Waits until the device is connected.</summary>
    public Task WaitUntilConnectedAsync(CancellationToken cancellationToken = default)
    {
        lock (_stateLock)
        {
            return _client.IsConnected ? Task.CompletedTask : _connected.Task.WaitAsync(cancellationToken);
        }
    }

    /// <summary>
    /// Publishes a pack of <paramref name="records"/> on the device's <c>up</c> (or <c>status</c>)
    /// topic with the next sequence number and the current time as base time. Returns once the
    /// broker acknowledged it (QoS 1) or it was written (QoS 0).
    /// </summary>
    /// <exception cref="PublishFailedException">Not connected, or the broker refused or did not acknowledge.</exception>
    public Task<PublishReceipt> PublishAsync(IReadOnlyList<SenmlRecord> records, MqttQualityOfServiceLevel qos, bool toStatus = false, bool retain = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(records);
        var topic = toStatus ? Topics.Status(Id) : Topics.Up(Id);
        if (!_client.IsConnected)
        {
            Interlocked.Increment(ref _failed);
            throw new PublishFailedException($"{Id} is not connected.");
        }

        var sequence = Sequence.Next();
        var baseTime = _time.GetUtcNow().ToUnixTimeSeconds();
        var payload = SenmlEncoder.Encode(new SenmlPack(Id, baseTime, sequence, records));
        return PublishEncodedAsync(topic, payload, sequence, baseTime, qos, retain, cancellationToken);
    }

    /// <summary>Publishes the retained heartbeat (online, battery, RSSI, firmware) to <c>status</c>, QoS 1.</summary>
    public Task<PublishReceipt> PublishHeartbeatAsync(CancellationToken cancellationToken = default)
    {
        var (battery, rssi) = _vitals.Sample(_clock.LocalNow);
        SenmlRecord[] records =
        [
            SenmlRecord.Flag(Measurements.Online, true),
            SenmlRecord.Number(Measurements.Battery, battery),
            SenmlRecord.Number(Measurements.Rssi, rssi),
            SenmlRecord.Text(Measurements.Firmware, _options.FirmwareVersion),
        ];
        return PublishAsync(records, MqttQualityOfServiceLevel.AtLeastOnce, toStatus: true, retain: true, cancellationToken);
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
        Task disconnected;
        lock (_stateLock)
        {
            disconnected = _disconnected.Task;
        }

        _leaving = true;
        if (!_stream.Abort() && !_client.IsConnected)
        {
            return;
        }

        _logger.LogInformation("{DeviceId}: connection dropped (no DISCONNECT; the broker publishes the last will)", Id);
        try
        {
            await disconnected.WaitAsync(_options.CommunicationTimeout, _time, cancellationToken);
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
                await PublishRawAsync(Topics.Status(Id), SenmlEncoder.EncodeLastWill(Id), MqttQualityOfServiceLevel.AtLeastOnce, retain: true, cancellationToken);
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
    }

    private async Task<PublishReceipt> PublishEncodedAsync(string topic, byte[] payload, uint sequence, long baseTime, MqttQualityOfServiceLevel qos, bool retain, CancellationToken cancellationToken)
    {
        MqttClientPublishResult result;
        try
        {
            result = await PublishRawAsync(topic, payload, qos, retain, cancellationToken);
        }
        catch (Exception ex) when (ex is MqttCommunicationException or InvalidOperationException or OperationCanceledException)
        {
            Interlocked.Increment(ref _failed);
            if (ex is OperationCanceledException && cancellationToken.IsCancellationRequested)
            {
                throw;
            }

            throw new PublishFailedException($"{Id}: publish to {topic} failed: {ex.Message}", ex);
        }

        if (!IsAccepted(result))
        {
            Interlocked.Increment(ref _failed);
            throw new PublishFailedException($"{Id}: broker refused publish to {topic}: {result.ReasonCode} {result.ReasonString}");
        }

        Interlocked.Increment(ref _published);
        _logger.LogDebug("{DeviceId}: {Topic} seq {Seq} {Payload}", Id, topic, sequence, System.Text.Encoding.UTF8.GetString(payload));
        return new PublishReceipt(Id, topic, sequence, DateTimeOffset.FromUnixTimeSeconds(baseTime), payload, qos);
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
            .WithWillPayload(SenmlEncoder.EncodeLastWill(Id))
            .WithWillRetain(true)
            .WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce);
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
        _logger.LogInformation("{DeviceId}: received on {Topic}: {Payload}", Id, downlink.Topic, Truncate(downlink.PayloadText, 256));
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
        lock (_stateLock)
        {
            _connected = NewSignal();
            _disconnected.TrySetResult();
        }

        if (e.ClientWasConnected)
        {
            _logger.Log(_leaving ? LogLevel.Information : LogLevel.Warning, "{DeviceId}: disconnected ({Reason})", Id, e.Exception?.Message ?? e.Reason.ToString());
            ConnectionLost?.Invoke(this, EventArgs.Empty);
        }

        return Task.CompletedTask;
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private static string Truncate(string text, int max) => text.Length <= max ? text : string.Concat(text.AsSpan(0, max), "…");
}
