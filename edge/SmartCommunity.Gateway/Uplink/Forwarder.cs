using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using SmartCommunity.Domain.Ingestion;
using SmartCommunity.Gateway.Alerts;
using SmartCommunity.Gateway.Devices;
using SmartCommunity.Gateway.Queue;

namespace SmartCommunity.Gateway.Uplink;

/// <summary>
/// The one MQTT 5 connection to the hub (docs/gateway.md, "Uplink"): forwards the queue at QoS 1 with up to
/// <see cref="GatewayOptions.InFlightWindow"/> messages awaiting their PUBACK (one per device, so each device's order
/// holds), the payload byte for byte plus the user property <c>sc-gw-received</c>; republishes the hub's downlinks
/// to the devices; publishes the gateway's health. Reconnects with exponential backoff; after an outage the backlog
/// goes at full speed, devices with a life-safety message first.
/// </summary>
public sealed class Forwarder(DurableQueue queue, LocalBroker broker, LocalAlerts alerts, LifeSafetyWatch watch, DeviceRegistry registry, GatewayStatus status,
    TimeProvider time, IOptions<GatewayOptions> options, ILogger<Forwarder> logger) : BackgroundService
{
    public const string ReceivedProperty = "sc-gw-received";
    private static readonly byte[] OfflineWill = Encoding.UTF8.GetBytes("{\"v\":1,\"online\":false}");
    private static readonly string Version = typeof(Forwarder).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    private readonly GatewayOptions _o = options.Value;
    private IMqttClient? _client;
    private CancellationTokenSource? _connection;

    /// <summary>A life-safety message went unanswered: the link is taken for dead without waiting for the keep-alive. Ending
    /// this connection releases what is in flight and reconnects, reporting the local alert first.</summary>
    private void DropConnection(string why)
    {
        if (Volatile.Read(ref _connection) is not { } connection)
            return;
        logger.LogWarning("Uplink dropped: {Why}", why);
        try
        {
            connection.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var secret = _o.ResolveSecret();
        using var client = new MqttClientFactory().CreateMqttClient();
        _client = client;
        client.ApplicationMessageReceivedAsync += e => OnDownlinkAsync(e, stoppingToken);
        var health = HealthLoopAsync(client, stoppingToken);
        watch.Overdue += DropConnection;
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            using var connection = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            Task OnDisconnected(MqttClientDisconnectedEventArgs e)
            {
                connection.Cancel();
                return Task.CompletedTask;
            }
            client.DisconnectedAsync += OnDisconnected;
            Volatile.Write(ref _connection, connection);
            try
            {
                var connect = await client.ConnectAsync(ClientOptions(secret), stoppingToken);
                if (connect.ResultCode != MqttClientConnectResultCode.Success)
                    throw new InvalidOperationException($"the hub refused the connection: {connect.ResultCode} {connect.ReasonString}");
                await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
                    .WithTopicFilter(_o.DownlinkFilter, MqttQualityOfServiceLevel.AtLeastOnce).Build(), stoppingToken);
                status.UplinkConnected = true;
                failures = 0;
                logger.LogInformation("Connected to the hub at {Host}:{Port} as {ClientId}; {Depth} messages queued", _o.UplinkHost, _o.UplinkPort,
                    _o.ClientId, queue.Stats().Depth);
                // On the connection's token: a link that dies now must not hold up the drop below.
                await PublishHealthAsync(client, connection.Token);
                await ReportLocalAlertsAsync(client, connection.Token);
                await ForwardAsync(client, connection.Token);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || connection.IsCancellationRequested)
            {
                failures++;
                if (failures <= 3 || failures % 20 == 0)
                    logger.LogWarning("Uplink to {Host}:{Port}: {Error} (attempt {Attempt})", _o.UplinkHost, _o.UplinkPort, ex.Message, failures);
            }
            finally
            {
                client.DisconnectedAsync -= OnDisconnected;
                Volatile.Write(ref _connection, null);
                status.UplinkConnected = false;
            }
            if (client.IsConnected)
            {
                try
                {
                    await client.DisconnectAsync(new MqttClientDisconnectOptions(), CancellationToken.None);
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    logger.LogDebug(ex, "Disconnect after an uplink failure");
                }
            }
            if (stoppingToken.IsCancellationRequested)
                break;
            try
            {
                await Task.Delay(Backoff(failures), time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
        watch.Overdue -= DropConnection;
        await health;
        if (client.IsConnected)
        {
            // A clean stop: the hub hears "offline" from the gateway itself, as the will would have said.
            try
            {
                await PublishAsync(client, _o.HealthTopic, OfflineWill, retain: true, null, CancellationToken.None);
                await client.DisconnectAsync(new MqttClientDisconnectOptions(), CancellationToken.None);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                logger.LogDebug(ex, "Disconnect at stop");
            }
        }
    }

    private TimeSpan Backoff(int failures)
    {
        var factor = Math.Pow(2, Math.Min(failures - 1, 16));
        var delay = TimeSpan.FromTicks((long)Math.Min(_o.ReconnectMin.Ticks * factor, _o.ReconnectMax.Ticks));
        // Jitter, so a community's gateways do not return to a restarted hub in one burst.
        return delay * (0.75 + Random.Shared.NextDouble() * 0.5);
    }

    private MqttClientOptions ClientOptions(string secret)
    {
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(_o.UplinkHost, _o.UplinkPort)
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithClientId(_o.ClientId)
            .WithCredentials(_o.ClientId, secret)
            .WithCleanStart(false)
            .WithSessionExpiryInterval((uint)TimeSpan.FromDays(2).TotalSeconds)
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(30))
            .WithTimeout(TimeSpan.FromSeconds(15))
            .WithWillTopic(_o.HealthTopic)
            .WithWillPayload(OfflineWill)
            .WithWillRetain()
            .WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce);
        if (_o.UplinkTls)
            builder = builder.WithTlsOptions(tls => tls.UseTls());
        return builder.Build();
    }

    private async Task ForwardAsync(IMqttClient client, CancellationToken ct)
    {
        using var window = new SemaphoreSlim(_o.InFlightWindow, _o.InFlightWindow);
        var sending = new ConcurrentDictionary<long, Task>();
        try
        {
            while (true)
            {
                await window.WaitAsync(ct);
                Lease? lease;
                while (true)
                {
                    var changed = queue.Changed;
                    lease = queue.TryTake();
                    if (lease is not null)
                        break;
                    await changed.WaitAsync(ct);
                }
                var id = lease.Id;
                sending[id] = SendAsync(client, lease, window, sending, ct);
            }
        }
        finally
        {
            // Every message still with the hub comes back (acknowledged, refused or released) before a reconnect.
            await Task.WhenAll(sending.Values);
        }
    }

    private async Task SendAsync(IMqttClient client, Lease lease, SemaphoreSlim window, ConcurrentDictionary<long, Task> sending, CancellationToken ct)
    {
        await Task.Yield();
        try
        {
            var topic = lease.Status ? Topic.Status(lease.DeviceId) : Topic.Up(lease.DeviceId);
            var result = await PublishAsync(client, topic, lease.Payload, lease.Retain, lease.ReceivedMs, ct);
            switch (result.ReasonCode)
            {
                case MqttClientPublishReasonCode.Success or MqttClientPublishReasonCode.NoMatchingSubscribers:
                    queue.Complete(lease);
                    // Only a life-safety message answers a watch: a routine one of the same millisecond must not.
                    if (lease.Critical)
                        watch.Answered(lease.DeviceId, lease.ReceivedMs);
                    status.Sent();
                    break;
                case MqttClientPublishReasonCode.QuotaExceeded:
                    // The hub is pacing this device (it refuses at once rather than hold up the whole uplink): the message
                    // stays first in its device's line, which pauses while the other devices' lines go on.
                    logger.LogWarning("The hub asked to slow down for {DeviceId} (0x97); retrying in {Pause}", lease.DeviceId, _o.ReconnectMin);
                    await Task.Delay(_o.ReconnectMin, time, ct);
                    queue.Release(lease);
                    break;
                default:
                    // 0x87 (not this gateway's community) or a payload the hub refuses: sending it again would not change that.
                    queue.Drop(lease);
                    if (lease.Critical)
                        watch.Answered(lease.DeviceId, lease.ReceivedMs);
                    logger.LogWarning("The hub refused message {Id} of {DeviceId}: {Code} {Reason}; dropped from the queue", lease.Id, lease.DeviceId,
                        result.ReasonCode, result.ReasonString);
                    break;
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            queue.Release(lease);
            logger.LogDebug("Message {Id} of {DeviceId} not acknowledged ({Error}); sent again after reconnecting", lease.Id, lease.DeviceId, ex.Message);
        }
        finally
        {
            sending.TryRemove(lease.Id, out _);
            window.Release();
        }
    }

    private static Task<MqttClientPublishResult> PublishAsync(IMqttClient client, string topic, byte[] payload, bool retain, long? receivedMs, CancellationToken ct)
    {
        var builder = new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(payload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithRetainFlag(retain);
        if (receivedMs is { } ms)
            builder = builder.WithUserProperty(ReceivedProperty, Encoding.UTF8.GetBytes(ms.ToString(CultureInfo.InvariantCulture)));
        return client.PublishAsync(builder.Build(), ct);
    }

    private async Task OnDownlinkAsync(MqttApplicationMessageReceivedEventArgs e, CancellationToken ct)
    {
        // sc/gw/v1/{gw}/d/{device}/{down|cfg}
        var topic = e.ApplicationMessage.Topic;
        var prefix = $"sc/gw/v1/{_o.Id}/d/";
        if (!topic.StartsWith(prefix, StringComparison.Ordinal))
            return;
        var rest = topic[prefix.Length..].Split('/');
        if (rest.Length != 2 || !DeviceIdentifier.IsValid(rest[0]) || rest[1] is not ("down" or "cfg"))
        {
            logger.LogWarning("Downlink on {Topic} ignored: not sc/gw/v1/{Gateway}/d/{{device}}/down|cfg", topic, _o.Id);
            return;
        }
        var device = rest[0];
        if (registry.Find(device) is null)
            logger.LogWarning("Downlink for {DeviceId}, not in the synced registry: passed on anyway", device);
        var cfg = rest[1] == "cfg";
        await broker.PublishToDeviceAsync(cfg ? Topic.Cfg(device) : Topic.Down(device), e.ApplicationMessage.Payload.ToArray(), retain: cfg, ct);
    }

    /// <summary>Local alerts go before the replay, so the hub knows the local one when the forwarded SOS pack arrives.</summary>
    private async Task ReportLocalAlertsAsync(IMqttClient client, CancellationToken ct)
    {
        foreach (var alert in alerts.Unreported)
        {
            var result = await PublishAsync(client, _o.AlertTopic, JsonSerializer.SerializeToUtf8Bytes(new
            {
                v = 1, alert.LocalId, alert.DeviceId, alert.Kind, alert.Seq, alert.RaisedAt, alert.AckAt, alert.AckBy, alert.ResolvedAt,
            }, new JsonSerializerOptions(JsonSerializerDefaults.Web)), retain: false, null, ct);
            if (result.IsSuccess)
                alerts.MarkReported(alert);
            else
                logger.LogWarning("The hub refused local alert {LocalId}: {Code} {Reason}", alert.LocalId, result.ReasonCode, result.ReasonString);
        }
    }

    private async Task HealthLoopAsync(IMqttClient client, CancellationToken ct)
    {
        using var timer = new PeriodicTimer(_o.HealthInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
            {
                if (client.IsConnected)
                    await PublishHealthAsync(client, ct);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task PublishHealthAsync(IMqttClient client, CancellationToken ct)
    {
        try
        {
            await PublishAsync(client, _o.HealthTopic, JsonSerializer.SerializeToUtf8Bytes(Health()), retain: true, null, ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            logger.LogDebug("Health not published: {Error}", ex.Message);
        }
    }

    /// <summary>The health document of the contract (docs/gateway.md, "Health").</summary>
    public GatewayHealth Health()
    {
        var q = queue.Stats();
        return new GatewayHealth(1, time.GetUtcNow().ToUnixTimeSeconds(), true, status.DevicesConnected, q.Depth, q.QueuedBytes,
            q.OldestReceivedMs is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null, q.DiskUsedBytes, q.QuotaBytes, q.DroppedRoutine,
            q.Refused, Version);
    }

    public bool IsConnected => _client?.IsConnected == true;
}

public sealed record GatewayHealth(
    [property: System.Text.Json.Serialization.JsonPropertyName("v")] int V,
    [property: System.Text.Json.Serialization.JsonPropertyName("t")] long T,
    [property: System.Text.Json.Serialization.JsonPropertyName("online")] bool Online,
    [property: System.Text.Json.Serialization.JsonPropertyName("devicesConnected")] int DevicesConnected,
    [property: System.Text.Json.Serialization.JsonPropertyName("queueDepth")] int QueueDepth,
    [property: System.Text.Json.Serialization.JsonPropertyName("queueBytes")] long QueueBytes,
    [property: System.Text.Json.Serialization.JsonPropertyName("oldestQueuedAt")] DateTimeOffset? OldestQueuedAt,
    [property: System.Text.Json.Serialization.JsonPropertyName("diskUsedBytes")] long DiskUsedBytes,
    [property: System.Text.Json.Serialization.JsonPropertyName("diskQuotaBytes")] long DiskQuotaBytes,
    [property: System.Text.Json.Serialization.JsonPropertyName("droppedRoutine")] long DroppedRoutine,
    [property: System.Text.Json.Serialization.JsonPropertyName("refusedByHub")] long RefusedByHub,
    [property: System.Text.Json.Serialization.JsonPropertyName("version")] string Version);
