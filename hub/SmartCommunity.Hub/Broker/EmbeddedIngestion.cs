using MQTTnet.Protocol;
using MQTTnet.Server;
using SmartCommunity.Domain.Ingestion;
using SmartCommunity.Hub.Ingestion;

namespace SmartCommunity.Hub.Broker;

/// <summary>
/// The embedded broker's side of ingestion: runs <see cref="IngestionPipeline"/> inside the publish interceptor. At QoS 1
/// the PUBACK waits for this handler, so a device's message is acknowledged only once its readings are durable and
/// its alerts persisted, and devices get natural back-pressure.
/// </summary>
public sealed class EmbeddedIngestion(IngestionPipeline ingestion, IHostApplicationLifetime lifetime, ILogger<EmbeddedIngestion> logger)
{
    public async Task InterceptPublishAsync(InterceptingPublishEventArgs e)
    {
        // Messages the hub injects itself (downlinks) carry no device in the session.
        if (e.SessionItems?[DeviceGate.DeviceItem] is not string deviceId)
            return;
        await IngestAsync(e, deviceId, forwarded: false);
    }

    /// <summary>A device's message forwarded by its community's gateway (<see cref="Gateways.GatewayGate"/> checked the scope):
    /// ingested exactly like the device's own, except that a refusal never closes the connection — it carries the whole community.</summary>
    public Task InterceptForwardedAsync(InterceptingPublishEventArgs e, string deviceId) => IngestAsync(e, deviceId, forwarded: true);

    private async Task IngestAsync(InterceptingPublishEventArgs e, string deviceId, bool forwarded)
    {
        var message = e.ApplicationMessage;
        try
        {
            // Once the hub is stopping, the broker closes every connection and MQTTnet publishes each device's will: those
            // devices drop because the hub stops, and 33 "device offline" cards on the board after a restart would be noise.
            var result = await ingestion.IngestAsync(deviceId, message.Topic, message.Payload,
                atMostOnce: message.QualityOfServiceLevel == MqttQualityOfServiceLevel.AtMostOnce, e.CancellationToken,
                droppedByHub: lifetime.ApplicationStopping.IsCancellationRequested, forwarded: forwarded);
            e.ProcessPublish = result is { Status: IngestStatus.Accepted, RouteOnward: true };
            if (result.Status == IngestStatus.Refused)
            {
                // MQTT 5 clients see the reason; 3.1.1 clients get a plain PUBACK, so the count and log are what technicians use.
                e.Response.ReasonCode = PubAckCode(result.Reason);
                e.Response.ReasonString = result.Reason.ToCode();
                e.CloseConnection = result.Disconnect && !forwarded;
            }
        }
        catch (OperationCanceledException) when (e.CancellationToken.IsCancellationRequested)
        {
            e.ProcessPublish = false;
        }
        catch (Exception ex)
        {
            // Input must never take the hub down; a bug here is logged loudly and the message refused.
            logger.LogError(ex, "Ingestion failed for a message from {DeviceId} on {Topic}", deviceId, Hosting.LogText.Printable(message.Topic, 200));
            e.ProcessPublish = false;
            e.Response.ReasonCode = MqttPubAckReasonCode.UnspecifiedError;
        }
    }

    /// <summary>A client that disconnected cleanly sends no will: mark it offline without raising an alert.</summary>
    public Task ClientDisconnectedAsync(ClientDisconnectedEventArgs e)
    {
        if (e.SessionItems?[DeviceGate.DeviceItem] is string id && e.DisconnectType == MqttClientDisconnectType.Clean)
            ingestion.MarkDisconnected(id);
        return Task.CompletedTask;
    }

    private static MqttPubAckReasonCode PubAckCode(RejectReason reason) => reason switch
    {
        RejectReason.BadTopic => MqttPubAckReasonCode.TopicNameInvalid,
        RejectReason.AclDenied or RejectReason.UnknownDevice or RejectReason.GatewayScope => MqttPubAckReasonCode.NotAuthorized,
        RejectReason.RateLimited => MqttPubAckReasonCode.QuotaExceeded,
        _ => MqttPubAckReasonCode.PayloadFormatInvalid,
    };
}
