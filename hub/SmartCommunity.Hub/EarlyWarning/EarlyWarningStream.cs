using System.Threading.Channels;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using SmartCommunity.Domain.Devices;
using SmartCommunity.Domain.Ingestion;
using SmartCommunity.Hub.Broker;
using SmartCommunity.Hub.Devices;
using SmartCommunity.Hub.Hosting;

namespace SmartCommunity.Hub.EarlyWarning;

/// <summary>
/// The elected scorer's own view of the whole stream (cluster mode): while this instance is elected, a second MQTT client
/// (<c>{client id}-ew</c>, clean session) subscribes to <c>sc/v1/+/up</c> without a share group, so it receives every
/// device's readings in the order each device sent them, whichever instance ingests them. Ingestion stays on the shared
/// subscription; this feed only decodes and hands the readings to the worker, as the ingestion observer does on a single hub.
/// Packs the hub would refuse (unknown or revoked device, invalid SenML) are skipped here too (the ingesting instance
/// records the rejection), and a sequence number already seen in this term (a QoS 1 redelivery) is skipped. Readings
/// published while no instance was elected are not lost to the detectors: the next scorer replays them from the store.
/// </summary>
public sealed class EarlyWarningStream(EarlyWarningLeadership leadership, EarlyWarningWorker worker, Channel<EarlyWarningWork> queue, DeviceDirectory devices,
    IOptions<BrokerOptions> broker, IOptions<HubOptions> hub, IOptions<EarlyWarningOptions> options, TimeProvider time, ILogger<EarlyWarningStream> logger) : BackgroundService
{
    public static string Filter => Topic.Prefix + "+/up";

    private readonly DecoderLimits _limits = DecoderLimits.Default with { MaxPayloadBytes = hub.Value.MaxPayloadBytes };
    private readonly Dictionary<string, SequenceWindow> _seen = new(StringComparer.Ordinal);
    private long _received;

    /// <summary>Up messages this feed received (all terms).</summary>
    public long Received => Interlocked.Read(ref _received);

    public bool IsConnected { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken ct)
    {
        if (!leadership.Elected || !options.Value.Enabled)
            return;
        var external = broker.Value.External;
        try
        {
            while (!ct.IsCancellationRequested)
            {
                var term = await leadership.WaitForTermAsync(ct);
                using var scoring = CancellationTokenSource.CreateLinkedTokenSource(ct, term);
                try
                {
                    await worker.WaitTermReadyAsync(scoring.Token);
                    await FeedAsync(external, scoring.Token);
                }
                catch (OperationCanceledException) when (scoring.IsCancellationRequested)
                {
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    /// <summary>Keeps the feed connected for one term, reconnecting with a back-off.</summary>
    private async Task FeedAsync(ExternalBrokerOptions external, CancellationToken scoring)
    {
        _seen.Clear();
        var delay = external.ReconnectMinDelay;
        while (!scoring.IsCancellationRequested)
        {
            using var client = new MqttClientFactory().CreateMqttClient();
            var dropped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            client.DisconnectedAsync += _ => { dropped.TrySetResult(); return Task.CompletedTask; };
            client.ApplicationMessageReceivedAsync += e => OnMessageAsync(e, scoring);
            try
            {
                var builder = new MqttClientOptionsBuilder()
                    .WithTcpServer(external.Host, external.Port)
                    .WithClientId(external.ClientIdFor(hub.Value.DataDirectory) + "-ew")
                    .WithProtocolVersion(MqttProtocolVersion.V500)
                    // Nothing to resume: what was published while this instance did not score is replayed from the store.
                    .WithCleanStart(true)
                    .WithKeepAlivePeriod(TimeSpan.FromSeconds(30))
                    .WithTimeout(external.CommandTimeout);
                if (external.Username is { Length: > 0 } user)
                    builder.WithCredentials(user, external.Password);
                if (external.UseTls)
                    builder.WithTlsOptions(t => t.UseTls());
                var result = await client.ConnectAsync(builder.Build(), scoring);
                if (result.ResultCode != MqttClientConnectResultCode.Success)
                    throw new InvalidOperationException($"connect refused: {result.ResultCode} {result.ReasonString}");
                var granted = await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
                    .WithTopicFilter(f => f.WithTopic(Filter).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                        .WithRetainHandling(MqttRetainHandling.DoNotSendOnSubscribe))
                    .Build(), scoring);
                if (granted.Items.Any(i => i.ResultCode > MqttClientSubscribeResultCode.GrantedQoS2))
                    throw new InvalidOperationException($"subscription to {Filter} refused: {granted.Items.First().ResultCode}");
                IsConnected = true;
                delay = external.ReconnectMinDelay;
                logger.LogInformation("Early warning: {Instance} reads the full stream {Filter} from {Host}:{Port}", leadership.Instance, Filter, external.Host, external.Port);
                await dropped.Task.WaitAsync(scoring);
                logger.LogWarning("Early warning: the full-stream connection to the MQTT broker dropped; reconnecting");
            }
            catch (OperationCanceledException) when (scoring.IsCancellationRequested)
            {
            }
            catch (Exception e)
            {
                logger.LogWarning("Early warning: full stream from {Host}:{Port} not available ({Error}); retrying in {Delay}", external.Host, external.Port, e.Message, delay);
                // Wall-clock back-off, as the ingesting consumer's: a test's fake clock must not stall a reconnection.
                await Task.Delay(delay, scoring);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, external.ReconnectMaxDelay.Ticks));
            }
            finally
            {
                IsConnected = false;
                if (client.IsConnected)
                {
                    try
                    {
                        await client.DisconnectAsync(new MqttClientDisconnectOptions { Reason = MqttClientDisconnectOptionsReason.NormalDisconnection }, CancellationToken.None);
                    }
                    catch (Exception e) when (e is not OperationCanceledException)
                    {
                        logger.LogDebug(e, "Early warning: disconnect of the full-stream client failed");
                    }
                }
            }
        }
    }

    /// <summary>Runs in the client's receive order (one message at a time), so each device's readings reach the worker in order.</summary>
    private async Task OnMessageAsync(MqttApplicationMessageReceivedEventArgs e, CancellationToken scoring)
    {
        var message = e.ApplicationMessage;
        if (message.Retain || scoring.IsCancellationRequested || !Topic.TryParse(message.Topic, out var deviceId, out var channel) || channel != TopicChannel.Up)
            return;
        Interlocked.Increment(ref _received);
        try
        {
            if (await devices.FindOrLoadAsync(deviceId, scoring) is not { Revoked: false } device)
                return;
            var payload = message.Payload;
            if (payload.Length > _limits.MaxPayloadBytes)
                return;
            var decoded = payload.IsSingleSegment
                ? SenmlDecoder.Decode(payload.FirstSpan, deviceId, device.Kind, channel, time.GetUtcNow(), _limits)
                : SenmlDecoder.Decode(System.Buffers.BuffersExtensions.ToArray(payload), deviceId, device.Kind, channel, time.GetUtcNow(), _limits);
            if (decoded.Pack is not { } pack)
                return;
            if (pack.Seq is { } seq)
            {
                if (!_seen.TryGetValue(deviceId, out var window))
                    _seen[deviceId] = window = new SequenceWindow();
                if (!window.TryAccept(seq))
                    return;
            }
            EarlyWarningObserver.Enqueue(queue, device, pack);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // One bad message must not end the feed; the ingesting instance handles and records it.
            logger.LogWarning(ex, "Early warning: a message from {DeviceId} on the full stream could not be read", deviceId);
        }
    }
}
