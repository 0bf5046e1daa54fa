using MQTTnet.Protocol;
using MQTTnet.Server;
using SmartCommunity.Domain.Devices;
using SmartCommunity.Domain.Gateways;
using SmartCommunity.Domain.Ingestion;
using SmartCommunity.Hub.Broker;
using SmartCommunity.Hub.Devices;
using SmartCommunity.Hub.Hosting;

namespace SmartCommunity.Hub.Gateways;

/// <summary>
/// The embedded broker's side of gateways (docs/gateway.md): a CONNECT as <c>gw/{id}</c> with the gateway's secret; it may
/// subscribe only under <c>sc/gw/v1/{id}/</c>, publish there (health, local alerts) and forward device messages to
/// <c>sc/v1/{dev}/up|status</c> for registered, unrevoked devices of its own community. Forwarded messages go through the
/// same ingestion as a device's own (<see cref="EmbeddedIngestion.InterceptForwardedAsync"/>); anything else is refused
/// with PUBACK 0x87 and counted as <c>gateway_scope</c> under the device, so a gateway cannot speak for another community.
/// </summary>
public sealed class GatewayGate(
    GatewayDirectory gateways, DeviceDirectory devices, RejectionLog rejections, EmbeddedIngestion ingestion, GatewaySupervision supervision,
    GatewayAlertMerge alertMerge, ILogger<GatewayGate> logger)
{
    public const string GatewayItem = "sc.gateway";

    /// <summary>A CONNECT this gate decides (the username is a gateway's); everything else is a device's (<see cref="DeviceGate"/>).</summary>
    public static bool Claims(string? username) => GatewayIdentifier.TryParseUsername(username, out _);

    public static GatewaySession? SessionOf(System.Collections.IDictionary? items) => items?[GatewayItem] as GatewaySession;

    public async Task ValidateConnectionAsync(ValidatingConnectionEventArgs e)
    {
        GatewayIdentifier.TryParseUsername(e.UserName, out var id);
        var gateway = GatewayIdentifier.IsValid(id) ? await gateways.FindAsync(id, CancellationToken.None) : null;
        if (gateway is null)
        {
            e.ReasonCode = MqttConnectReasonCode.BadUserNameOrPassword;
            rejections.Record(DeviceGate.UnknownDevice, RejectReason.UnknownDevice, $"connect refused for user \"{Clip(e.UserName)}\" from {e.RemoteEndPoint}: no such gateway", null);
            return;
        }
        if (gateway.Revoked || !DeviceSecret.Verify(e.Password, gateway.SecretHash))
        {
            e.ReasonCode = MqttConnectReasonCode.BadUserNameOrPassword;
            rejections.Record(gateway.Id, RejectReason.BadCredentials, $"gateway connect from {e.RemoteEndPoint} refused: {(gateway.Revoked ? "gateway revoked" : "wrong password")}", null);
            return;
        }
        if (e.ClientId != GatewayIdentifier.Username(gateway.Id))
        {
            e.ReasonCode = MqttConnectReasonCode.ClientIdentifierNotValid;
            rejections.Record(gateway.Id, RejectReason.BadCredentials, $"client id \"{Clip(e.ClientId)}\" is not {GatewayIdentifier.Username(gateway.Id)}", null);
            return;
        }
        e.SessionItems[GatewayItem] = new GatewaySession(gateway.Id, gateway.CommunityId);
        gateways.Connected(gateway.Id);
        logger.LogInformation("Gateway {GatewayId} (community {CommunityId}) connected from {Endpoint}", gateway.Id, gateway.CommunityId, e.RemoteEndPoint);
    }

    public Task ClientDisconnectedAsync(ClientDisconnectedEventArgs e)
    {
        if (SessionOf(e.SessionItems) is { } session)
        {
            gateways.Disconnected(session.GatewayId);
            logger.LogInformation("Gateway {GatewayId} disconnected ({Type})", session.GatewayId, e.DisconnectType);
        }
        return Task.CompletedTask;
    }

    public Task InterceptSubscriptionAsync(InterceptingSubscriptionEventArgs e, GatewaySession session)
    {
        var filter = e.TopicFilter.Topic;
        // The root is a literal prefix ending in '/', so no wildcard after it can reach another gateway's topics.
        if (filter.StartsWith(GatewayTopic.Root(session.GatewayId), StringComparison.Ordinal))
            return Task.CompletedTask;
        e.ProcessSubscription = false;
        e.Response.ReasonCode = MqttSubscribeReasonCode.NotAuthorized;
        e.Response.ReasonString = "a gateway subscribes only under its own sc/gw/v1/{id}/";
        rejections.Record(session.GatewayId, RejectReason.AclDenied, $"gateway subscribe to \"{Clip(filter)}\" refused", filter);
        return Task.CompletedTask;
    }

    public async Task InterceptPublishAsync(InterceptingPublishEventArgs e, GatewaySession session)
    {
        var topic = e.ApplicationMessage.Topic;
        if (topic.StartsWith(GatewayTopic.Root(session.GatewayId), StringComparison.Ordinal))
        {
            await OwnTopicAsync(e, session, topic);
            return;
        }
        if (!Topic.TryParse(topic, out var deviceId, out var channel) || channel is TopicChannel.Down or TopicChannel.Cfg)
        {
            Refuse(e, MqttPubAckReasonCode.NotAuthorized, RejectReason.AclDenied);
            rejections.Record(session.GatewayId, RejectReason.AclDenied, $"gateway may not publish to \"{Clip(topic)}\"", topic);
            return;
        }
        var entry = await devices.FindOrLoadAsync(deviceId, e.CancellationToken);
        if (entry is null || entry.Revoked || entry.Place.CommunityId != session.CommunityId)
        {
            var why = entry is null ? "no such device" : entry.Revoked ? "the device is revoked"
                : entry.Place.CommunityId is { } other ? $"the device belongs to community {other}" : "the device is in no community";
            Refuse(e, MqttPubAckReasonCode.NotAuthorized, RejectReason.GatewayScope);
            rejections.Record(entry?.Id ?? DeviceGate.UnknownDevice, RejectReason.GatewayScope,
                $"forwarded by gateway {session.GatewayId} (community {session.CommunityId}) for \"{Clip(deviceId)}\": {why}", topic);
            return;
        }
        await ingestion.InterceptForwardedAsync(e, deviceId);
    }

    private async Task OwnTopicAsync(InterceptingPublishEventArgs e, GatewaySession session, string topic)
    {
        // The hub consumes its gateways' own messages; nothing routes them on (the gateway's own subscription included).
        e.ProcessPublish = false;
        if (topic == GatewayTopic.Health(session.GatewayId))
        {
            var health = GatewayHealth.Parse(System.Buffers.BuffersExtensions.ToArray(e.ApplicationMessage.Payload), out var problem);
            if (health is null)
            {
                Refuse(e, MqttPubAckReasonCode.PayloadFormatInvalid, RejectReason.Schema);
                rejections.Record(session.GatewayId, RejectReason.Schema, problem ?? "bad health", topic);
                return;
            }
            gateways.Heard(session.GatewayId, health);
            // Not the connection's token: a last will arrives after the connection is gone, and its alert must not be lost with it.
            await supervision.HealthAsync(session.GatewayId, health, CancellationToken.None);
            return;
        }
        if (topic == GatewayTopic.Alert(session.GatewayId))
        {
            var payload = System.Buffers.BuffersExtensions.ToArray(e.ApplicationMessage.Payload);
            if (await alertMerge.AcceptAsync(session, payload, e.CancellationToken) is { } refused)
            {
                Refuse(e, refused.Reason == RejectReason.GatewayScope ? MqttPubAckReasonCode.NotAuthorized : MqttPubAckReasonCode.PayloadFormatInvalid, refused.Reason);
                rejections.Record(session.GatewayId, refused.Reason, refused.Detail, topic);
            }
        }
    }

    private static void Refuse(InterceptingPublishEventArgs e, MqttPubAckReasonCode code, RejectReason reason)
    {
        e.ProcessPublish = false;
        e.Response.ReasonCode = code;
        e.Response.ReasonString = reason.ToCode();
    }

    private static string Clip(string? s) => LogText.Printable(s);
}
