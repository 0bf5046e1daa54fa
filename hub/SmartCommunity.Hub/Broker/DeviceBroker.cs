using MQTTnet;
using MQTTnet.Protocol;
using MQTTnet.Server;
using SmartCommunity.Hub.Broker.External;

namespace SmartCommunity.Hub.Broker;

/// <summary>
/// What the hub asks of the broker its devices connect to, whichever it is: send a device a command, and keep
/// the broker's view of a device's credentials in step with the hub's (register, new secret, revoke).
/// Provisioning calls throw <see cref="BrokerCommandException"/> when the broker refused or did not answer.
/// </summary>
public interface IDeviceBroker
{
    bool IsConnected { get; }
    string Describe();
    /// <summary>QoS 1; <paramref name="retain"/> for the device's <c>cfg</c> topic, so a device that is away gets it when it connects.</summary>
    Task PublishAsync(string topic, ReadOnlyMemory<byte> payload, CancellationToken ct, bool retain = false);
    Task ProvisionAsync(string deviceId, string secret, CancellationToken ct);
    Task SetSecretAsync(string deviceId, string secret, CancellationToken ct);
    Task RevokeAsync(string deviceId, CancellationToken ct);

    /// <summary>Drops the device's live connections (a secret replaced without grace); it may reconnect with valid credentials.</summary>
    Task DisconnectAsync(string deviceId, string reason, CancellationToken ct);

    /// <summary>Undoes <see cref="ProvisionAsync"/> when the hub could not store the device after all.</summary>
    Task RemoveAsync(string deviceId, CancellationToken ct);
}

public sealed class BrokerCommandException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>The embedded broker checks credentials against the hub's own database (<see cref="DeviceGate"/>),
/// so provisioning is nothing to do; revocation drops the live connection.</summary>
public sealed class EmbeddedDeviceBroker(MqttServer server, Gateways.GatewayDownlinks gateways) : IDeviceBroker
{
    public bool IsConnected => server.IsStarted;

    public string Describe() => server.IsStarted ? "MQTT broker running" : "MQTT broker not started";

    public async Task PublishAsync(string topic, ReadOnlyMemory<byte> payload, CancellationToken ct, bool retain = false)
    {
        if (!server.IsStarted)
            return;
        await InjectAsync(topic, payload, retain, ct);
        // A device behind its community's gateway gets it through the gateway (docs/gateway.md); the device's own topic
        // still carries it, for a device that connects to the hub directly.
        if (await gateways.MirrorAsync(topic, ct) is { } mirror)
            await InjectAsync(mirror.Topic, payload, mirror.Retain, ct);
    }

    private async Task InjectAsync(string topic, ReadOnlyMemory<byte> payload, bool retain, CancellationToken ct)
    {
        var message = new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(payload.ToArray())
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithRetainFlag(retain)
            .Build();
        await server.InjectApplicationMessage(new InjectedMqttApplicationMessage(message) { SenderClientId = "hub" }, ct);
    }

    public Task ProvisionAsync(string deviceId, string secret, CancellationToken ct) => Task.CompletedTask;

    public Task SetSecretAsync(string deviceId, string secret, CancellationToken ct) => Task.CompletedTask;

    public Task RemoveAsync(string deviceId, CancellationToken ct) => Task.CompletedTask;

    public Task RevokeAsync(string deviceId, CancellationToken ct) => DisconnectAsync(deviceId, "device revoked", ct);

    public async Task DisconnectAsync(string deviceId, string reason, CancellationToken ct)
    {
        foreach (var client in await server.GetClientsAsync())
        {
            // The session names the device DeviceGate authenticated; a prefix of the client id could be another device.
            if (Equals(client.Session.Items[DeviceGate.DeviceItem], deviceId))
                await client.DisconnectAsync(new MqttServerClientDisconnectOptions
                {
                    ReasonCode = MqttDisconnectReasonCode.NotAuthorized,
                    ReasonString = reason,
                });
        }
    }
}

/// <summary>An external broker: downlinks through the hub's consuming client, accounts through the dynamic-security
/// plugin (or nothing, when the broker's accounts are managed elsewhere).</summary>
public sealed class ExternalDeviceBroker(ExternalBrokerConsumer consumer, DynamicSecurity dynsec, Microsoft.Extensions.Options.IOptions<BrokerOptions> options) : IDeviceBroker
{
    private readonly ExternalBrokerOptions _options = options.Value.External;

    public bool IsConnected => consumer.IsConnected;

    public string Describe() => consumer.IsConnected
        ? $"connected to {_options.Host}:{_options.Port} as {consumer.ClientId}, consuming {consumer.UpFilter}"
        : $"not connected to the MQTT broker {_options.Host}:{_options.Port}";

    public Task PublishAsync(string topic, ReadOnlyMemory<byte> payload, CancellationToken ct, bool retain = false) => consumer.PublishAsync(topic, payload, ct, retain);

    public Task ProvisionAsync(string deviceId, string secret, CancellationToken ct) =>
        _options.DynamicSecurity ? dynsec.ProvisionAsync(deviceId, secret, ct) : Task.CompletedTask;

    public Task SetSecretAsync(string deviceId, string secret, CancellationToken ct) =>
        _options.DynamicSecurity ? dynsec.SetSecretAsync(deviceId, secret, ct) : Task.CompletedTask;

    public Task RevokeAsync(string deviceId, CancellationToken ct) =>
        _options.DynamicSecurity ? dynsec.RevokeAsync(deviceId, ct) : Task.CompletedTask;

    public Task RemoveAsync(string deviceId, CancellationToken ct) =>
        _options.DynamicSecurity ? dynsec.RemoveAsync(deviceId, ct) : Task.CompletedTask;

    // Mosquitto keeps a live connection when its password changes; disabling the account drops it, enabling lets the
    // device back in with the new secret.
    public async Task DisconnectAsync(string deviceId, string reason, CancellationToken ct)
    {
        if (!_options.DynamicSecurity)
            return;
        await dynsec.RevokeAsync(deviceId, ct);
        await dynsec.EnableAsync(deviceId, ct);
    }
}
