using System.Buffers;
using System.Net;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Protocol;
using MQTTnet.Server;
using SmartCommunity.Domain.Alerts;
using SmartCommunity.Domain.Catalog;
using SmartCommunity.Gateway.Alerts;
using SmartCommunity.Domain.Devices;
using SmartCommunity.Domain.Ingestion;
using SmartCommunity.Gateway.Queue;

namespace SmartCommunity.Gateway.Devices;

/// <summary>
/// The broker devices connect to, speaking wire protocol v1 unchanged (docs/protocol.md): username = device id,
/// password = its secret (or the previous one within its grace), client id starting with the device id; a device
/// publishes only to its own <c>up</c> and <c>status</c> and subscribes only to its own <c>down</c> and <c>cfg</c>.
/// A message is acknowledged only once the durable queue has it on disk.
/// </summary>
public sealed class LocalBroker : IHostedService, IAsyncDisposable
{
    private const string DeviceItem = "sc.device";
    private const string KindItem = "sc.kind";

    // The gateway only tells life-safety events from the rest: a device's clock far off must not make its SOS droppable.
    private static readonly DecoderLimits Lenient = new() { MaxPast = TimeSpan.FromDays(3650), MaxFuture = TimeSpan.FromDays(3650) };

    private readonly DeviceRegistry _registry;
    private readonly DurableQueue _queue;
    private readonly GatewayStatus _status;
    private readonly TimeProvider _time;
    private readonly ILogger<LocalBroker> _logger;
    private readonly MqttServer _server;
    private readonly LifeSafetyWatch _watch;

    public LocalBroker(DeviceRegistry registry, DurableQueue queue, GatewayStatus status, LifeSafetyWatch watch, TimeProvider time, IOptions<GatewayOptions> options,
        ILogger<LocalBroker> logger)
    {
        _watch = watch;
        _registry = registry;
        _queue = queue;
        _status = status;
        _time = time;
        _logger = logger;
        var o = options.Value;
        var serverOptions = new MqttServerFactory().CreateServerOptionsBuilder()
            .WithDefaultEndpoint()
            .WithDefaultEndpointBoundIPAddress(IPAddress.Parse(o.BindAddress))
            .WithDefaultEndpointPort(o.MqttPort)
            .WithDefaultEndpointReuseAddress()
            .WithDefaultCommunicationTimeout(TimeSpan.FromSeconds(10))
            .WithPersistentSessions()
            .WithMaxPendingMessagesPerClient(1000)
            .Build();
        serverOptions.WriterBufferSize = 256;
        _server = new MqttServerFactory().CreateMqttServer(serverOptions);
        _server.ValidatingConnectionAsync += ValidateAsync;
        _server.InterceptingSubscriptionAsync += InterceptSubscriptionAsync;
        _server.InterceptingPublishAsync += InterceptPublishAsync;
        _server.ClientConnectedAsync += _ =>
        {
            _status.DeviceConnected();
            return Task.CompletedTask;
        };
        _server.ClientDisconnectedAsync += e =>
        {
            if (e.DisconnectType != MqttClientDisconnectType.Takeover)
                _status.DeviceDisconnected();
            return Task.CompletedTask;
        };
        _registry.Changed += snapshot => _ = CloseRefusedAsync(snapshot);
    }

    public Task StartAsync(CancellationToken cancellationToken) => _server.StartAsync();

    public Task StopAsync(CancellationToken cancellationToken) => _server.StopAsync();

    public async ValueTask DisposeAsync()
    {
        if (_server.IsStarted)
            await _server.StopAsync();
        _server.Dispose();
    }

    private Task ValidateAsync(ValidatingConnectionEventArgs e)
    {
        var id = e.UserName;
        var device = id is not null && DeviceIdentifier.IsValid(id) ? _registry.Find(id) : null;
        if (device is null || device.Revoked)
        {
            e.ReasonCode = MqttConnectReasonCode.BadUserNameOrPassword;
            _status.Reject(device is null ? "unknown_device" : "bad_credentials");
            _logger.LogInformation("Connect refused for user {User} from {Endpoint}: {Why}", Printable(id), e.RemoteEndPoint, device is null ? "no such device" : "device revoked");
            return Task.CompletedTask;
        }
        var match = SecretCheck.Match(e.Password, device.Secret, device.PreviousSecret, device.PreviousValidUntil, _time.GetUtcNow());
        if (match is not (SecretMatch.Current or SecretMatch.Previous))
        {
            e.ReasonCode = MqttConnectReasonCode.BadUserNameOrPassword;
            _status.Reject(match == SecretMatch.PreviousExpired ? "secret_expired" : "bad_credentials");
            _logger.LogInformation("Connect refused for device {DeviceId} from {Endpoint}: {Why}", device.Id, e.RemoteEndPoint,
                match == SecretMatch.PreviousExpired ? "previous secret past its grace" : "wrong password");
            return Task.CompletedTask;
        }
        if (e.ClientId is null || _registry.ClientIdOwner(e.ClientId) != device.Id)
        {
            e.ReasonCode = MqttConnectReasonCode.ClientIdentifierNotValid;
            _status.Reject("bad_credentials");
            _logger.LogInformation("Connect refused for device {DeviceId}: client id {ClientId} does not belong to it", device.Id, Printable(e.ClientId));
            return Task.CompletedTask;
        }
        DeviceKinds.TryParse(device.Kind, out var kind);
        e.SessionItems[DeviceItem] = device.Id;
        e.SessionItems[KindItem] = kind;
        return Task.CompletedTask;
    }

    private Task InterceptSubscriptionAsync(InterceptingSubscriptionEventArgs e)
    {
        if (e.SessionItems[DeviceItem] is not string id)
            return Task.CompletedTask;
        var filter = e.TopicFilter.Topic;
        if (Topic.MaySubscribe(id, filter))
            return Task.CompletedTask;
        e.ProcessSubscription = false;
        e.Response.ReasonCode = MqttSubscribeReasonCode.NotAuthorized;
        e.Response.ReasonString = Topic.SubscribeRefusal;
        _status.Reject("acl_denied");
        _logger.LogInformation("Device {DeviceId}: subscribe to {Filter} refused", id, Printable(filter));
        return Task.CompletedTask;
    }

    private async Task InterceptPublishAsync(InterceptingPublishEventArgs e)
    {
        // Downlinks the gateway injects itself carry no device in the session.
        if (e.SessionItems?[DeviceItem] is not string id || e.SessionItems[KindItem] is not DeviceKind kind)
            return;
        var message = e.ApplicationMessage;
        // Devices' messages go upstream, not to other local clients.
        e.ProcessPublish = false;
        if (!Topic.TryParse(message.Topic, out var topicDevice, out var channel) || topicDevice != id || channel is not (TopicChannel.Up or TopicChannel.Status))
        {
            e.Response.ReasonCode = MqttPubAckReasonCode.NotAuthorized;
            _status.Reject("acl_denied");
            _logger.LogInformation("Device {DeviceId}: publish to {Topic} refused", id, Printable(message.Topic));
            return;
        }
        var now = _time.GetUtcNow();
        var receivedMs = now.ToUnixTimeMilliseconds();
        var payload = message.Payload.ToArray();
        var (signals, seq) = LifeSafety(payload, id, kind, channel, now);
        // Alarms someone within the ack timeout: the hub by its PUBACK, else the duty room.
        var watched = signals.Count > 0 ? _watch.Begin(id, receivedMs, [.. signals.Select(s => WireName.Of(s.Kind))], seq, now) : null;
        try
        {
            var outcome = await _queue.AppendAsync(new QueuedMessage(id, channel == TopicChannel.Status, message.Retain, signals.Count > 0, receivedMs, payload));
            if (outcome == AppendOutcome.DroppedForQuota)
                _logger.LogDebug("Device {DeviceId}: routine message dropped, the queue is at its quota", id);
            // Nobody at the hub would see it now: the community's duty room must.
            if (watched is not null && !_status.UplinkConnected)
                _watch.RaiseNow(watched);
        }
        catch (Exception ex)
        {
            // Not stored, so not acknowledged: the device keeps it and sends it again.
            if (watched is not null)
                _watch.Forget(watched);
            _logger.LogError(ex, "Device {DeviceId}: message not stored", id);
            e.Response.ReasonCode = MqttPubAckReasonCode.UnspecifiedError;
            e.CloseConnection = true;
        }
    }

    /// <summary>A life-safety event: a pack for which the catalogue's safety rules raise a critical alert (SOS, fall,
    /// smoke, gas or CO at the alarm level, leak). Never dropped under the quota, forwarded first.</summary>
    public static (IReadOnlyList<AlertSignal> Signals, uint? Seq) LifeSafety(ReadOnlySpan<byte> payload, string deviceId, DeviceKind kind, TopicChannel channel, DateTimeOffset now)
    {
        var decoded = SenmlDecoder.Decode(payload, deviceId, kind, channel, now, Lenient);
        if (decoded.Pack is not { } pack)
            return ([], null);
        var critical = SafetyRules.Evaluate(new RuleContext(deviceId, kind, DeviceLocation.Home), pack).Where(s => s.Severity == Severity.Critical).ToList();
        return (critical, pack.Seq);
    }

    /// <summary>Republishes a downlink from the hub to the device (cfg retained, as the hub itself does).</summary>
    public Task PublishToDeviceAsync(string topic, ReadOnlyMemory<byte> payload, bool retain, CancellationToken ct)
    {
        var message = new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(payload.ToArray())
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithRetainFlag(retain)
            .Build();
        return _server.InjectApplicationMessage(new InjectedMqttApplicationMessage(message) { SenderClientId = "gateway" }, ct);
    }

    /// <summary>A device revoked (or gone) in a new registry loses its live connection at once.</summary>
    private async Task CloseRefusedAsync(DeviceRegistry.Snapshot snapshot)
    {
        if (!_server.IsStarted)
            return;
        try
        {
            foreach (var client in await _server.GetClientsAsync())
            {
                if (client.Session.Items[DeviceItem] is string id && !_registry.IsAllowed(id))
                {
                    _logger.LogInformation("Device {DeviceId} revoked in registry {Version}: connection closed", id, snapshot.Version);
                    await client.DisconnectAsync(new MqttServerClientDisconnectOptions
                    {
                        ReasonCode = MqttDisconnectReasonCode.NotAuthorized,
                        ReasonString = "device revoked",
                    });
                }
            }
        }
        catch (Exception ex)
        {
            _logger.LogWarning(ex, "Closing revoked devices' connections failed");
        }
    }

    private static string Printable(string? s)
    {
        if (s is null)
            return "(none)";
        var clipped = s.Length > 64 ? s[..64] + "…" : s;
        return string.Concat(clipped.Select(c => char.IsControl(c) ? '?' : c));
    }
}
