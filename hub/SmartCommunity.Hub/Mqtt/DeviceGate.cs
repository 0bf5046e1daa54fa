using MQTTnet.Protocol;
using MQTTnet.Server;
using SmartCommunity.Domain.Devices;
using SmartCommunity.Domain.Protocol;
using SmartCommunity.Hub.Devices;

namespace SmartCommunity.Hub.Mqtt;

/// <summary>
/// Who may connect and what they may subscribe to. username = device id, password = the device's
/// secret; the client id must start with the device id (so one device cannot take over another's
/// session). A device subscribes only to its own <c>down</c> and <c>cfg</c>.
/// </summary>
public sealed class DeviceGate(DeviceDirectory devices, RejectionLog rejections, ILogger<DeviceGate> logger)
{
    public const string DeviceItem = "sc.device";

    // Failed sign-ins with names that match no device are counted under one key, so that a scan with
    // random names cannot grow the per-device table without bound.
    public const string UnknownDevice = "(unknown)";

    public Task ValidateConnectionAsync(ValidatingConnectionEventArgs e)
    {
        var id = e.UserName;
        var entry = id is not null && DeviceIdentifier.IsValid(id) ? devices.Find(id) : null;
        if (entry is null || entry.Revoked)
        {
            e.ReasonCode = MqttConnectReasonCode.BadUserNameOrPassword;
            rejections.Record(UnknownDevice, entry is null ? RejectReason.UnknownDevice : RejectReason.BadCredentials,
                $"connect refused for user \"{Clip(id)}\" from {e.RemoteEndPoint}: {(entry is null ? "no such device" : "device revoked")}", null);
            return Task.CompletedTask;
        }
        if (!DeviceSecret.Verify(e.Password, entry.SecretHash))
        {
            e.ReasonCode = MqttConnectReasonCode.BadUserNameOrPassword;
            rejections.Record(entry.Id, RejectReason.BadCredentials, $"wrong password from {e.RemoteEndPoint}", null);
            return Task.CompletedTask;
        }
        if (e.ClientId is null || !e.ClientId.StartsWith(entry.Id, StringComparison.Ordinal))
        {
            e.ReasonCode = MqttConnectReasonCode.ClientIdentifierNotValid;
            rejections.Record(entry.Id, RejectReason.BadCredentials, $"client id \"{Clip(e.ClientId)}\" does not start with the device id", null);
            return Task.CompletedTask;
        }
        e.SessionItems[DeviceItem] = entry.Id;
        logger.LogDebug("Device {DeviceId} connected from {Endpoint}", entry.Id, e.RemoteEndPoint);
        return Task.CompletedTask;
    }

    public Task InterceptSubscriptionAsync(InterceptingSubscriptionEventArgs e)
    {
        if (e.SessionItems[DeviceItem] is not string id)
            return Task.CompletedTask;
        var filter = e.TopicFilter.Topic;
        if (filter == Topic.Down(id) || filter == Topic.Cfg(id))
            return Task.CompletedTask;
        e.ProcessSubscription = false;
        e.Response.ReasonCode = MqttSubscribeReasonCode.NotAuthorized;
        e.Response.ReasonString = "a device subscribes only to its own down and cfg topics";
        rejections.Record(id, RejectReason.AclDenied, $"subscribe to \"{Clip(filter)}\" refused", filter);
        return Task.CompletedTask;
    }

    private static string Clip(string? s) => s is null ? "" : s.Length > 64 ? s[..64] : s;
}
