using System.Buffers;
using Microsoft.Extensions.Options;
using MQTTnet.Protocol;
using MQTTnet.Server;
using SmartCommunity.Domain.Alerts;
using SmartCommunity.Domain.Protocol;
using SmartCommunity.Domain.Rules;
using SmartCommunity.Hub.Alerts;
using SmartCommunity.Hub.Devices;
using SmartCommunity.Hub.Diagnostics;
using SmartCommunity.Telemetry;

namespace SmartCommunity.Hub.Mqtt;

/// <summary>
/// The hot path, run inside the broker's publish interceptor: parse the topic, check the ACL,
/// decode and validate, drop duplicates, raise alerts at once, hand readings to the batched store.
/// At QoS 1 the PUBACK waits for this handler, so a device's message is acknowledged only once its
/// readings are durable and its alerts persisted, and devices get natural back-pressure.
/// </summary>
public sealed class Ingestion(
    DeviceDirectory devices, RejectionLog rejections, AlertService alerts, TelemetryWriter telemetry, HubMetrics metrics,
    IEnumerable<IReadingObserver> observers, TimeProvider time, IOptions<HubOptions> options, ILogger<Ingestion> logger)
{
    private readonly IReadingObserver[] _observers = [.. observers];
    private readonly DecoderLimits _limits = DecoderLimits.Default with { MaxPayloadBytes = options.Value.MaxPayloadBytes };

    public async Task InterceptPublishAsync(InterceptingPublishEventArgs e)
    {
        // Messages the hub injects itself (downlinks) carry no device in the session.
        if (e.SessionItems?[DeviceGate.DeviceItem] is not string deviceId)
            return;
        try
        {
            await HandleAsync(e, deviceId);
        }
        catch (OperationCanceledException) when (e.CancellationToken.IsCancellationRequested)
        {
            e.ProcessPublish = false;
        }
        catch (Exception ex)
        {
            // Input must never take the hub down; a bug here is logged loudly and the message refused.
            logger.LogError(ex, "Ingestion failed for a message from {DeviceId} on {Topic}", deviceId, e.ApplicationMessage.Topic);
            e.ProcessPublish = false;
            e.Response.ReasonCode = MqttPubAckReasonCode.UnspecifiedError;
        }
    }

    private async Task HandleAsync(InterceptingPublishEventArgs e, string deviceId)
    {
        var message = e.ApplicationMessage;
        var topic = message.Topic;
        if (!Topic.TryParse(topic, out var topicDevice, out var channel))
        {
            Refuse(e, deviceId, RejectReason.BadTopic, $"topic \"{Clip(topic)}\" is not sc/v1/{{id}}/up|status", MqttPubAckReasonCode.TopicNameInvalid);
            return;
        }
        if (topicDevice != deviceId || channel is TopicChannel.Down or TopicChannel.Cfg)
        {
            Refuse(e, deviceId, RejectReason.AclDenied, $"device {deviceId} may not publish to \"{Clip(topic)}\"", MqttPubAckReasonCode.NotAuthorized);
            return;
        }
        var entry = devices.Find(deviceId);
        if (entry is null || entry.Revoked)
        {
            Refuse(e, deviceId, RejectReason.UnknownDevice, "device is no longer registered", MqttPubAckReasonCode.NotAuthorized);
            e.CloseConnection = true;
            return;
        }

        if (!await WithinBudgetAsync(e, entry, deviceId))
            return;

        var payload = message.Payload;
        if (payload.Length > _limits.MaxPayloadBytes)
        {
            Refuse(e, deviceId, RejectReason.TooLarge, $"payload is {payload.Length} bytes, the limit is {_limits.MaxPayloadBytes}", MqttPubAckReasonCode.PayloadFormatInvalid);
            return;
        }
        var now = time.GetUtcNow();
        var result = payload.IsSingleSegment
            ? SenmlDecoder.Decode(payload.FirstSpan, deviceId, entry.Kind, channel, now, _limits)
            : SenmlDecoder.Decode(payload.ToArray(), deviceId, entry.Kind, channel, now, _limits);
        if (result.Pack is not { } pack)
        {
            Refuse(e, deviceId, result.Reason, result.Detail, MqttPubAckReasonCode.PayloadFormatInvalid);
            return;
        }

        bool duplicate, cameBack = false;
        lock (entry.Sync)
        {
            duplicate = pack.Seq is { } seq && !entry.Window.TryAccept(seq);
            if (!duplicate)
            {
                var wasOnline = entry.Online;
                entry.LastSeenAt = now;
                entry.Dirty = true;
                entry.Online = true;
                if (channel == TopicChannel.Status)
                    ApplyStatus(entry, pack);
                cameBack = (!wasOnline || entry.OfflineReported) && entry.Online;
                entry.OfflineReported = !entry.Online;
            }
        }
        if (duplicate)
        {
            // Idempotent: a QoS 1 redelivery or a replay is acknowledged and dropped.
            rejections.Record(deviceId, RejectReason.Duplicate, $"sequence {pack.Seq} was already accepted", topic);
            e.ProcessPublish = false;
            return;
        }
        metrics.Accepted(pack.Records.Count);

        // Alerts first: a page to staff must not wait behind readings being batched.
        var ct = e.CancellationToken;
        try
        {
            foreach (var signal in SafetyRules.Evaluate(entry.Rules, pack))
                await alerts.RaiseAsync(signal, entry.Place, ct);
        }
        catch when (pack.Seq is { } failed)
        {
            // Not stored (e.g. the database is restarting): the message is refused, and its retry must not be
            // dropped as a duplicate, or an alert the device was told to resend would be lost.
            lock (entry.Sync)
                entry.Window.Forget(failed);
            throw;
        }
        if (cameBack)
            await alerts.ResolveRecoveredAsync(deviceId, ct);
        foreach (var observer in _observers)
        {
            try
            {
                await observer.OnAcceptedAsync(entry, pack, ct);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // An analysis fault must never cost the reading itself.
                logger.LogError(ex, "Reading observer {Observer} failed on a pack from {DeviceId}", observer.GetType().Name, deviceId);
            }
        }

        var points = new List<TelemetryPoint>(pack.Records.Count);
        foreach (var r in pack.Records)
        {
            if (r.Measurement.Type != Domain.Protocol.ValueType.String)
                points.Add(new TelemetryPoint(new SeriesKey(deviceId, r.Name), r.Time, r.Value));
        }
        if (points.Count > 0)
            await telemetry.EnqueueAsync(points, waitUntilDurable: message.QualityOfServiceLevel != MqttQualityOfServiceLevel.AtMostOnce, ct);

        // Status is retained for anyone allowed to read it; readings have no subscribers to route to.
        e.ProcessPublish = channel == TopicChannel.Status;
    }

    /// <summary>
    /// Per-device budget. At QoS 1 an over-budget device is slowed down, not dropped: its PUBACK waits
    /// for budget, and since MQTT handles one client's messages in order, the flood backs up on that
    /// device alone. QoS 0 has no acknowledgement to hold, so excess QoS 0 messages are refused and counted.
    /// </summary>
    private async ValueTask<bool> WithinBudgetAsync(InterceptingPublishEventArgs e, DeviceEntry entry, string deviceId)
    {
        var qos0 = e.ApplicationMessage.QualityOfServiceLevel == MqttQualityOfServiceLevel.AtMostOnce;
        while (true)
        {
            TimeSpan wait;
            lock (entry.Sync)
            {
                if (entry.Budget.TryTake(time.GetUtcNow()))
                    return true;
                entry.Throttled++;
                wait = entry.Budget.TimeUntilAvailable;
                if (entry.Budget.RefusedInARow == 1)
                    logger.LogWarning("Device {DeviceId} exceeds its message budget ({Rate}/s); throttling it", deviceId, entry.Budget.RatePerSecond);
            }
            if (qos0)
            {
                Refuse(e, deviceId, RejectReason.RateLimited, $"over the budget of {entry.Budget.RatePerSecond}/s", MqttPubAckReasonCode.QuotaExceeded);
                return false;
            }
            await Task.Delay(wait < TimeSpan.FromMilliseconds(1) ? TimeSpan.FromMilliseconds(1) : wait, time, e.CancellationToken);
        }
    }

    private static void ApplyStatus(DeviceEntry entry, DecodedPack pack)
    {
        foreach (var r in pack.Records)
        {
            switch (r.Name)
            {
                case "online": entry.Online = r.IsTrue; break;
                case "bat": entry.Battery = r.Value; break;
                case "rssi": entry.Rssi = r.Value; break;
                case "fw": entry.Firmware = r.Text; break;
            }
        }
    }

    /// <summary>A client that disconnected cleanly sends no will: mark it offline without raising an alert.</summary>
    public Task ClientDisconnectedAsync(ClientDisconnectedEventArgs e)
    {
        if (e.SessionItems?[DeviceGate.DeviceItem] is string id && e.DisconnectType == MqttClientDisconnectType.Clean && devices.Find(id) is { } entry)
        {
            lock (entry.Sync)
            {
                entry.Online = false;
                entry.Dirty = true;
            }
        }
        return Task.CompletedTask;
    }

    private void Refuse(InterceptingPublishEventArgs e, string deviceId, RejectReason reason, string detail, MqttPubAckReasonCode code)
    {
        e.ProcessPublish = false;
        // MQTT 5 clients see the reason; 3.1.1 clients get a plain PUBACK, so the count and log are what technicians use.
        e.Response.ReasonCode = code;
        e.Response.ReasonString = reason.ToCode();
        rejections.Record(deviceId, reason, detail, e.ApplicationMessage.Topic);
    }

    private static string Clip(string? s) => s is null ? "" : s.Length > 100 ? s[..100] : s;
}
