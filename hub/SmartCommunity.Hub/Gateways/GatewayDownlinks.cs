using SmartCommunity.Domain.Gateways;
using SmartCommunity.Domain.Ingestion;
using SmartCommunity.Hub.Devices;

namespace SmartCommunity.Hub.Gateways;

/// <summary>
/// Where a downlink to a device behind a gateway goes as well: <c>sc/gw/v1/{gw}/d/{dev}/down</c> (QoS 1) or <c>…/cfg</c>
/// (QoS 1, retained) when the device's community has an active gateway, which republishes it to the device locally.
/// </summary>
public sealed class GatewayDownlinks(DeviceDirectory devices, GatewayDirectory gateways)
{
    public async Task<(string Topic, bool Retain)?> MirrorAsync(string topic, CancellationToken ct)
    {
        if (!Topic.TryParse(topic, out var deviceId, out var channel) || channel is not (TopicChannel.Down or TopicChannel.Cfg))
            return null;
        if (await devices.FindOrLoadAsync(deviceId, ct) is not { Revoked: false, Place.CommunityId: { } community })
            return null;
        if (await gateways.ActiveForCommunityAsync(community, ct) is not { } gateway)
            return null;
        return channel == TopicChannel.Down ? (GatewayTopic.DeviceDown(gateway, deviceId), false) : (GatewayTopic.DeviceCfg(gateway, deviceId), true);
    }
}
