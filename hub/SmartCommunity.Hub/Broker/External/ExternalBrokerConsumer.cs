using System.Buffers;
using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using SmartCommunity.Domain.Ingestion;
using SmartCommunity.Hub.Hosting;
using SmartCommunity.Hub.Ingestion;

namespace SmartCommunity.Hub.Broker.External;

/// <summary>
/// The hub as a client of an external MQTT 5 broker (Hub:Broker:Mode=external). Several instances subscribe to
/// <c>$share/{group}/sc/v1/+/up</c> and <c>…/status</c> and the broker splits the devices' messages between them.
/// The session is persistent (clean start off, long expiry, fixed client id), so what arrives while an instance
/// restarts is queued for it. Messages are acknowledged by hand and only after <see cref="IngestionPipeline"/> accepted
/// (or for good refused) them: an instance that dies before that gets them again from the broker, and so do its
/// peers if its session expires; redeliveries are harmless (idempotent stores, the sequence window, alert folding).
/// </summary>
public sealed class ExternalBrokerConsumer : BackgroundService
{
    // A message whose handling keeps throwing (a bug, not an outage) is dropped after this many deliveries,
    // so one poison message cannot keep the instance reconnecting for ever.
    private const int MaxAttempts = 5;

    private readonly IngestionPipeline _ingestion;
    private readonly HubMetrics _metrics;
    private readonly DynamicSecurity _dynsec;
    private readonly ExternalBrokerOptions _options;
    private readonly string _clientId;
    private readonly ILogger<ExternalBrokerConsumer> _logger;
    private readonly IMqttClient _client;
    private readonly Channel<Work>[] _lanes;
    private readonly ConcurrentDictionary<string, int> _failures = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _reconnect = new(0, 1);
    private int _generation;

    public ExternalBrokerConsumer(IngestionPipeline ingestion, HubMetrics metrics, DynamicSecurity dynsec, IOptions<BrokerOptions> broker, IOptions<HubOptions> hub,
        ILogger<ExternalBrokerConsumer> logger)
    {
        _ingestion = ingestion;
        _metrics = metrics;
        _dynsec = dynsec;
        _options = broker.Value.External;
        _clientId = _options.ClientIdFor(hub.Value.DataDirectory);
        _logger = logger;
        _client = new MqttClientFactory().CreateMqttClient();
        _client.ApplicationMessageReceivedAsync += OnMessageAsync;
        _client.DisconnectedAsync += OnDisconnectedAsync;
        _lanes = [.. Enumerable.Range(0, _options.Lanes).Select(_ => Channel.CreateUnbounded<Work>(new UnboundedChannelOptions { SingleReader = true }))];
    }

    public string ClientId => _clientId;

    public bool IsConnected => _client.IsConnected;

    public string UpFilter => $"$share/{_options.SharedGroup}/{Topic.Prefix}+/up";

    public string StatusFilter => $"$share/{_options.SharedGroup}/{Topic.Prefix}+/status";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var workers = _lanes.Select(lane => Task.Run(() => DrainAsync(lane.Reader, stoppingToken), CancellationToken.None)).ToArray();
        var delay = _options.ReconnectMinDelay;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    if (_options.DynamicSecurity)
                        await _dynsec.EnsureReadyAsync(stoppingToken);
                    await ConnectAsync(stoppingToken);
                    delay = _options.ReconnectMinDelay;
                    // Signals from before this connection (failed attempts, old messages) are stale.
                    while (_reconnect.Wait(0)) { }
                    if (!_client.IsConnected)
                        continue;
                    // Wait until the connection drops (or a failed message asks for a redelivery), then reconnect.
                    await _reconnect.WaitAsync(stoppingToken);
                    if (_client.IsConnected)
                        await _client.DisconnectAsync(new MqttClientDisconnectOptions { Reason = MqttClientDisconnectOptionsReason.NormalDisconnection }, CancellationToken.None);
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    break;
                }
                catch (Exception ex)
                {
                    _logger.LogWarning("MQTT broker {Host}:{Port} not reachable as {ClientId} ({Error}); retrying in {Delay}",
                        _options.Host, _options.Port, _clientId, ex.Message, delay);
                    try
                    {
                        // Wall-clock backoff on purpose: a test's fake clock must not stall reconnection to a real broker.
                        await Task.Delay(delay, stoppingToken);
                    }
                    catch (OperationCanceledException)
                    {
                        break;
                    }
                    delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.ReconnectMaxDelay.Ticks));
                }
            }
        }
        finally
        {
            foreach (var lane in _lanes)
                lane.Writer.TryComplete();
            if (_client.IsConnected)
            {
                // A normal disconnect keeps the session: the broker queues this instance's share until it is back.
                try
                {
                    await _client.DisconnectAsync(new MqttClientDisconnectOptions { Reason = MqttClientDisconnectOptionsReason.NormalDisconnection }, CancellationToken.None);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    _logger.LogDebug(ex, "Disconnect from the MQTT broker failed");
                }
            }
            await Task.WhenAll(workers);
        }
    }

    private async Task ConnectAsync(CancellationToken ct)
    {
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(_options.Host, _options.Port)
            .WithClientId(_clientId)
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithCleanStart(false)
            .WithSessionExpiryInterval((uint)Math.Min(_options.SessionExpiry.TotalSeconds, uint.MaxValue - 1))
            .WithReceiveMaximum((ushort)_options.ReceiveMaximum)
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(30))
            .WithTimeout(_options.CommandTimeout);
        if (_options.Username is { Length: > 0 } user)
            builder.WithCredentials(user, _options.Password);
        if (_options.UseTls)
            builder.WithTlsOptions(t => t.UseTls());
        Interlocked.Increment(ref _generation);
        var result = await _client.ConnectAsync(builder.Build(), ct);
        if (result.ResultCode != MqttClientConnectResultCode.Success)
        {
            // The account exists but with another password (set by hand, or an older configuration): the configured one wins.
            if (_options.DynamicSecurity && result.ResultCode is MqttClientConnectResultCode.BadUserNameOrPassword or MqttClientConnectResultCode.NotAuthorized)
                await _dynsec.ResetHubPasswordAsync(ct);
            throw new InvalidOperationException($"connect refused: {result.ResultCode} {result.ReasonString}");
        }
        // Subscribing again on a resumed session is harmless and repairs a session the broker lost. Retained statuses
        // (the last heartbeat or will of every device) are state the hub handled when they were published: not again.
        var subscribe = new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter(f => f.WithTopic(UpFilter).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                .WithRetainHandling(MqttRetainHandling.DoNotSendOnSubscribe))
            .WithTopicFilter(f => f.WithTopic(StatusFilter).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                .WithRetainHandling(MqttRetainHandling.DoNotSendOnSubscribe))
            .Build();
        var granted = await _client.SubscribeAsync(subscribe, ct);
        foreach (var item in granted.Items)
        {
            if (item.ResultCode > MqttClientSubscribeResultCode.GrantedQoS2)
                throw new InvalidOperationException($"subscription to {item.TopicFilter.Topic} refused: {item.ResultCode}");
        }
        _logger.LogInformation("Consuming {Up} and {Status} from {Host}:{Port} as {ClientId} (session {Session})",
            UpFilter, StatusFilter, _options.Host, _options.Port, _clientId, result.IsSessionPresent ? "resumed" : "new");
    }

    private Task OnDisconnectedAsync(MqttClientDisconnectedEventArgs e)
    {
        if (e.ClientWasConnected)
            _logger.LogWarning("Disconnected from the MQTT broker ({Reason}); reconnecting", e.ReasonString ?? e.Reason.ToString());
        RequestReconnect();
        return Task.CompletedTask;
    }

    private void RequestReconnect()
    {
        try
        {
            _reconnect.Release();
        }
        catch (SemaphoreFullException)
        {
            // A reconnect is already pending.
        }
    }

    private Task OnMessageAsync(MqttApplicationMessageReceivedEventArgs e)
    {
        // Handled on a lane, acknowledged there when done; this handler returns at once so one slow device
        // does not hold up the others. One device always maps to the same lane, so its messages stay in order.
        var message = e.ApplicationMessage;
        if (message.Retain)
        {
            // Only a retained message replayed at subscribe carries the flag (Retain As Published is off); Mosquitto 2.0
            // replays them even to shared subscriptions. The live copy was handled when the device published it.
            return Task.CompletedTask;
        }
        e.AutoAcknowledge = false;
        var topic = message.Topic;
        var deviceId = Topic.TryParse(topic, out var id, out _) ? id : DeviceGate.UnknownDevice;
        var lane = _lanes[(int)((uint)StringComparer.Ordinal.GetHashCode(deviceId) % (uint)_lanes.Length)];
        // The payload is copied: the client may reuse its receive buffers once this handler returned.
        var work = new Work(e, deviceId, topic, message.Payload.ToArray(), message.QualityOfServiceLevel, Volatile.Read(ref _generation));
        // When shutting down the write fails and the message stays unacknowledged: the broker delivers it again.
        lane.Writer.TryWrite(work);
        return Task.CompletedTask;
    }

    /// <summary>
    /// A lane in two stages: messages are begun in order (alerts persisted, readings queued), and acknowledged in
    /// order once their readings are durable. The next message does not wait for the previous one's batch to commit,
    /// so a lane's throughput is not one message per store round trip; the stages are bounded by LaneDepth, and the
    /// broker's Receive Maximum bounds what is unacknowledged in all.
    /// </summary>
    private async Task DrainAsync(ChannelReader<Work> lane, CancellationToken stoppingToken)
    {
        var begun = Channel.CreateBounded<(Work Work, PendingIngest Pending)>(
            new BoundedChannelOptions(_options.LaneDepth) { SingleReader = true, SingleWriter = true });
        var acknowledging = Task.Run(() => AcknowledgeWhenDurableAsync(begun.Reader, stoppingToken), CancellationToken.None);
        try
        {
            await foreach (var work in lane.ReadAllAsync(CancellationToken.None))
            {
                if (stoppingToken.IsCancellationRequested)
                    continue; // left unacknowledged: queued in the session for the next start
                try
                {
                    var pending = await _ingestion.BeginIngestAsync(work.DeviceId, work.Topic, new ReadOnlySequence<byte>(work.Payload),
                        atMostOnce: work.Qos == MqttQualityOfServiceLevel.AtMostOnce, stoppingToken);
                    await begun.Writer.WriteAsync((work, pending), stoppingToken);
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    // Not acknowledged: the persistent session keeps it for the next start (or another instance).
                }
                catch (Exception ex)
                {
                    await FailedAsync(work, ex);
                }
            }
        }
        finally
        {
            begun.Writer.TryComplete();
            await acknowledging;
        }
    }

    private async Task AcknowledgeWhenDurableAsync(ChannelReader<(Work Work, PendingIngest Pending)> begun, CancellationToken stoppingToken)
    {
        await foreach (var (work, pending) in begun.ReadAllAsync(CancellationToken.None))
        {
            try
            {
                await pending.Durable.WaitAsync(stoppingToken);
                await AcknowledgeAsync(work);
                if (pending.Result.Status == IngestStatus.Accepted)
                    _failures.TryRemove(FailureKey(work), out _);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                // Not acknowledged: stored or not, the broker delivers it again and the stores absorb the repeat.
            }
            catch (Exception ex)
            {
                await FailedAsync(work, ex);
            }
        }
    }

    private async Task FailedAsync(Work work, Exception ex)
    {
        var key = FailureKey(work);
        var attempts = _failures.AddOrUpdate(key, 1, (_, n) => n + 1);
        if (attempts >= MaxAttempts)
        {
            _logger.LogError(ex, "Dropping a message from {DeviceId} on {Topic} after {Attempts} failed attempts", work.DeviceId, LogText.Printable(work.Topic, 200), attempts);
            _failures.TryRemove(key, out _);
            await AcknowledgeAsync(work);
            return;
        }
        // Not acknowledged, and MQTT redelivers unacknowledged messages only on a new connection: reconnect.
        _logger.LogError(ex, "Ingestion failed for a message from {DeviceId} on {Topic} (attempt {Attempt}); reconnecting for a redelivery",
            work.DeviceId, LogText.Printable(work.Topic, 200), attempts);
        RequestReconnect();
    }

    private async Task AcknowledgeAsync(Work work)
    {
        if (work.Qos == MqttQualityOfServiceLevel.AtMostOnce)
            return;
        // A packet id belongs to one connection: after a reconnect the broker resends the message (under a new id)
        // and acknowledging the old id could confirm a different message.
        if (work.Generation != Volatile.Read(ref _generation) || !_client.IsConnected)
            return;
        try
        {
            await work.Args.AcknowledgeAsync(CancellationToken.None);
            _metrics.BrokerAcknowledged();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _logger.LogDebug(ex, "Acknowledgement for {Topic} not sent; the broker will deliver it again", LogText.Printable(work.Topic, 200));
        }
    }

    /// <summary>Publishes a downlink at QoS 1 through the consuming connection.</summary>
    public async Task PublishAsync(string topic, ReadOnlyMemory<byte> payload, CancellationToken ct, bool retain = false)
    {
        if (!_client.IsConnected)
            throw new BrokerCommandException($"not connected to the MQTT broker {_options.Host}:{_options.Port}");
        var message = new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(payload.ToArray())
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithRetainFlag(retain)
            .Build();
        var result = await _client.PublishAsync(message, ct);
        if (!result.IsSuccess)
            throw new BrokerCommandException($"the broker refused the publish to {topic}: {result.ReasonCode} {result.ReasonString}");
    }

    private static string FailureKey(Work work) => work.Topic + "#" + Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(work.Payload), 0, 8);

    private sealed record Work(MqttApplicationMessageReceivedEventArgs Args, string DeviceId, string Topic, byte[] Payload, MqttQualityOfServiceLevel Qos, int Generation);

    public override void Dispose()
    {
        _client.Dispose();
        _reconnect.Dispose();
        base.Dispose();
    }
}
