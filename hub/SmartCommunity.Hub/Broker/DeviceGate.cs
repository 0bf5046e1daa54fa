using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Options;
using MQTTnet.Protocol;
using MQTTnet.Server;
using SmartCommunity.Domain.Devices;
using SmartCommunity.Domain.Ingestion;
using SmartCommunity.Hub.Devices;
using SmartCommunity.Hub.Hosting;
using SmartCommunity.Hub.Security;

namespace SmartCommunity.Hub.Broker;

/// <summary>
/// Who may connect and what they may subscribe to. A device proves who it is either with a password
/// (username = device id, password = its secret, or the previous secret during a rotation's grace) or,
/// on the MQTT TLS port, with a client certificate from the device CA that names it. The client id must
/// belong to the device (start with its id and with no longer registered id), so one device cannot take
/// over another's session. A device subscribes only to its own <c>down</c> and <c>cfg</c>. One credential holds at most
/// <see cref="HubOptions.MqttMaxConnectionsPerDevice"/> live connections with different client ids.
/// </summary>
public sealed class DeviceGate(DeviceDirectory devices, RejectionLog rejections, DeviceCertificates certificates, TimeProvider time,
    IOptions<HubOptions> options, ILogger<DeviceGate> logger)
{
    // Live connections by device and client id, counted from a successful validation to the disconnect event. A count,
    // not a set: a takeover validates the new connection before the old one's (Takeover) disconnect is reported.
    private readonly Dictionary<string, Dictionary<string, int>> _live = new(StringComparer.Ordinal);
    private readonly Lock _liveLock = new();

    public const string DeviceItem = "sc.device";

    // Failed sign-ins with names that match no device are counted under one key, so that a scan with
    // random names cannot grow the per-device table without bound.
    public const string UnknownDevice = "(unknown)";

    public async Task ValidateConnectionAsync(ValidatingConnectionEventArgs e)
    {
        var certificate = e.ChannelAdapter?.ClientCertificate;
        var entry = certificate is null ? CheckPassword(e) : CheckCertificate(e, certificate);
        if (entry is null)
            return;
        if (e.ClientId is null || devices.ClientIdOwner(e.ClientId) != entry.Id)
        {
            e.ReasonCode = MqttConnectReasonCode.ClientIdentifierNotValid;
            rejections.Record(entry.Id, RejectReason.BadCredentials, $"client id \"{Clip(e.ClientId)}\" does not belong to the device (it must start with the device id)", null);
            return;
        }
        if (entry.FloodCooldownUntil is { } until && until > time.GetUtcNow())
        {
            e.ReasonCode = MqttConnectReasonCode.QuotaExceeded;
            rejections.Record(entry.Id, RejectReason.RateLimited, $"connect from {e.RemoteEndPoint} refused until {until:u}: disconnected for flooding", null);
            return;
        }
        if (!TryHoldConnection(entry.Id, e.ClientId, out var others))
        {
            e.ReasonCode = MqttConnectReasonCode.QuotaExceeded;
            rejections.Record(entry.Id, RejectReason.TooManyConnections,
                $"connect as \"{Clip(e.ClientId)}\" from {e.RemoteEndPoint} refused: the device is already connected as {others} (at most {options.Value.MqttMaxConnectionsPerDevice}; the same client id takes its session over)", null);
            return;
        }
        e.SessionItems[DeviceItem] = entry.Id;
        try
        {
            if (certificate is null && entry.PreviousSecret is { } previous)
            {
                if (DeviceSecret.Verify(e.Password, entry.SecretHash))
                {
                    // The device has its new secret, so the old one (perhaps the leaked one) need not live out its grace.
                    try
                    {
                        await devices.EndSecretGraceAsync(entry, CancellationToken.None);
                        logger.LogInformation("Device {DeviceId} connected with its new secret; the previous secret is no longer accepted", entry.Id);
                    }
                    catch (Exception ex) when (ex is System.Data.Common.DbException or InvalidOperationException)
                    {
                        // Refused from now on in memory; only a restart before the grace runs out would accept it again.
                        logger.LogWarning(ex, "Device {DeviceId}: could not store the early end of its secret's grace", entry.Id);
                    }
                }
                else
                {
                    logger.LogInformation("Device {DeviceId} connected with its previous secret, accepted until {ValidUntil:u}", entry.Id, previous.ValidUntil);
                }
            }
        }
        catch
        {
            // No connection follows a failed validation, so no disconnect event would release it.
            Release(entry.Id, e.ClientId);
            throw;
        }
        logger.LogDebug("Device {DeviceId} connected from {Endpoint} ({Method})", entry.Id, e.RemoteEndPoint, certificate is null ? "password" : "certificate");
    }

    private DeviceEntry? CheckPassword(ValidatingConnectionEventArgs e)
    {
        var id = e.UserName;
        var entry = id is not null && DeviceIdentifier.IsValid(id) ? devices.Find(id) : null;
        if (entry is null || entry.Revoked)
        {
            e.ReasonCode = MqttConnectReasonCode.BadUserNameOrPassword;
            rejections.Record(UnknownDevice, entry is null ? RejectReason.UnknownDevice : RejectReason.BadCredentials,
                $"connect refused for user \"{Clip(id)}\" from {e.RemoteEndPoint}: {(entry is null ? "no such device" : "device revoked")}", null);
            return null;
        }
        var previous = entry.PreviousSecret;
        switch (SecretCheck.Match(e.Password, entry.SecretHash, previous?.Hash, previous?.ValidUntil, time.GetUtcNow()))
        {
            case SecretMatch.Current or SecretMatch.Previous:
                return entry;
            case SecretMatch.PreviousExpired:
                e.ReasonCode = MqttConnectReasonCode.BadUserNameOrPassword;
                rejections.Record(entry.Id, RejectReason.SecretExpired,
                    $"the previous secret from {e.RemoteEndPoint}; its grace ended at {previous!.ValidUntil:u}: the device needs its new secret", null);
                return null;
            default:
                e.ReasonCode = MqttConnectReasonCode.BadUserNameOrPassword;
                rejections.Record(entry.Id, RejectReason.BadCredentials, $"wrong password from {e.RemoteEndPoint}", null);
                return null;
        }
    }

    private DeviceEntry? CheckCertificate(ValidatingConnectionEventArgs e, X509Certificate2 certificate)
    {
        var check = certificates.Check(certificate);
        var entry = check.DeviceId is { } named ? devices.Find(named) : null;
        string? problem = check.Problem;
        if (problem is null && entry is null)
            problem = $"certificate names device \"{check.DeviceId}\", which is not registered";
        else if (problem is null && entry!.Revoked)
            problem = "device revoked";
        else if (problem is null && !string.IsNullOrEmpty(e.UserName) && e.UserName != entry!.Id)
            problem = $"certificate names device \"{entry.Id}\" but the username is \"{Clip(e.UserName)}\"";
        if (problem is null)
            return entry;
        e.ReasonCode = entry is { Revoked: true } ? MqttConnectReasonCode.BadUserNameOrPassword : MqttConnectReasonCode.NotAuthorized;
        // Counted under the device the certificate names when that device exists, so its technician sees it.
        rejections.Record(entry?.Id ?? UnknownDevice, RejectReason.BadCertificate,
            $"client certificate \"{Clip(certificate.Subject)}\" (serial {certificate.SerialNumber}) from {e.RemoteEndPoint}: {problem}", null);
        return null;
    }

    /// <summary>Counts the connection against its device, unless that would pass the cap with a new client id.</summary>
    private bool TryHoldConnection(string deviceId, string clientId, out string others)
    {
        lock (_liveLock)
        {
            if (!_live.TryGetValue(deviceId, out var clients))
                _live[deviceId] = clients = new Dictionary<string, int>(StringComparer.Ordinal);
            if (!clients.ContainsKey(clientId) && clients.Count >= options.Value.MqttMaxConnectionsPerDevice)
            {
                others = string.Join(", ", clients.Keys.Select(c => $"\"{Clip(c)}\""));
                return false;
            }
            clients[clientId] = clients.GetValueOrDefault(clientId) + 1;
            others = "";
            return true;
        }
    }

    /// <summary>Every connection the gate let in ends here (cleanly, dropped, or taken over by the same client id).</summary>
    public Task ClientDisconnectedAsync(ClientDisconnectedEventArgs e)
    {
        if (e.SessionItems?[DeviceItem] is string deviceId && e.ClientId is not null)
            Release(deviceId, e.ClientId);
        return Task.CompletedTask;
    }

    private void Release(string deviceId, string clientId)
    {
        lock (_liveLock)
        {
            if (!_live.TryGetValue(deviceId, out var clients) || !clients.TryGetValue(clientId, out var count))
                return;
            if (count > 1)
                clients[clientId] = count - 1;
            else if (clients.Remove(clientId) && clients.Count == 0)
                _live.Remove(deviceId);
        }
    }

    /// <summary>Live connections of a device, by client id (for tests and diagnostics).</summary>
    public IReadOnlyList<string> LiveClientIds(string deviceId)
    {
        lock (_liveLock)
            return _live.TryGetValue(deviceId, out var clients) ? [.. clients.Keys] : [];
    }

    public Task InterceptSubscriptionAsync(InterceptingSubscriptionEventArgs e)
    {
        if (e.SessionItems[DeviceItem] is not string id)
            return Task.CompletedTask;
        var filter = e.TopicFilter.Topic;
        if (Topic.MaySubscribe(id, filter))
            return Task.CompletedTask;
        e.ProcessSubscription = false;
        e.Response.ReasonCode = MqttSubscribeReasonCode.NotAuthorized;
        e.Response.ReasonString = Topic.SubscribeRefusal;
        rejections.Record(id, RejectReason.AclDenied, $"subscribe to \"{Clip(filter)}\" refused", filter);
        return Task.CompletedTask;
    }

    // Everything a client sends is untrusted: clipped, and control characters escaped before it is logged or stored.
    private static string Clip(string? s) => LogText.Printable(s);
}
