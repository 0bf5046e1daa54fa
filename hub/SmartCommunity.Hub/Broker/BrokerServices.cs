using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using MQTTnet.AspNetCore;
using MQTTnet.Server;
using SmartCommunity.Hub.Broker.External;
using SmartCommunity.Hub.Gateways;
using SmartCommunity.Hub.Hosting;
using SmartCommunity.Hub.Security;

namespace SmartCommunity.Hub.Broker;

public static class BrokerServices
{
    /// <summary>MQTT: the embedded broker (TCP, WebSockets, device auth, ACL) or an external one consumed by shared subscription.</summary>
    public static void AddHubBroker(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<BrokerOptions>().BindConfiguration(BrokerOptions.Section).ValidateDataAnnotations()
            .Validate(o => o.IsExternal || string.Equals(o.Mode, BrokerOptions.Embedded, StringComparison.OrdinalIgnoreCase), "Hub:Broker:Mode is 'embedded' or 'external'")
            .Validate(o => !o.IsExternal || (!string.IsNullOrWhiteSpace(o.External.Host) && !string.IsNullOrWhiteSpace(o.External.Username)),
                "Hub:Broker:External needs Host and Username")
            .Validate(o => !o.IsExternal || o.External.SessionExpiry >= TimeSpan.FromMinutes(1), "Hub:Broker:External:SessionExpiry must cover a restart (at least a minute)")
            .Validate(o => !o.IsExternal || o.External.DirectoryRefreshInterval > TimeSpan.Zero, "Hub:Broker:External:DirectoryRefreshInterval must be positive")
            .ValidateOnStart();
        builder.Services.AddHealthChecks().AddCheck<BrokerHealthCheck>("broker");
        if (BrokerOptions.Read(builder.Configuration).IsExternal)
        {
            // Devices connect to Mosquitto (or another MQTT 5 broker); the hub consumes their messages as a client.
            builder.Services.AddSingleton<DynamicSecurity>();
            builder.Services.AddSingleton<ExternalBrokerConsumer>();
            builder.Services.AddHostedService(sp => sp.GetRequiredService<ExternalBrokerConsumer>());
            builder.Services.AddSingleton<IDeviceBroker, ExternalDeviceBroker>();
            builder.Services.AddHostedService<DirectorySync>();
            return;
        }
        var mqtt = new MqttServerOptionsBuilder()
            // Kestrel owns the sockets (TCP listener above, WebSockets at MapMqtt); MQTTnet's own listener stays off.
            .WithoutDefaultEndpoint()
            // The default (100 s) let a silent or slow-loris socket hold a connection slot that long.
            .WithDefaultCommunicationTimeout(HubOptions.Read(builder.Configuration).MqttConnectTimeout)
            .WithPersistentSessions(true)
            .WithMaxPendingMessagesPerClient(1000)
            .Build();
        // Every connection keeps a write buffer; what the hub sends devices (acks, small commands) fits in 256 bytes,
        // and at 10,000 devices the default 4 KB buffers alone were ~100 MB of the heap. Larger writes still grow it.
        mqtt.WriterBufferSize = 256;
        builder.Services.AddHostedMqttServer(mqtt)
            .AddMqttConnectionHandler()
            .AddConnections();
        // Registered after the server, so stopped before it (the host stops in reverse order).
        builder.Services.AddHostedService<EmbeddedBrokerShutdown>();
        builder.Services.AddKeyedSingleton(MqttFrameGuard.ClockKey, TimeProvider.System);
        builder.Services.AddSingleton<MqttFrameGuard>();
        builder.Services.AddSingleton<DeviceCertificates>();
        builder.Services.AddSingleton<DeviceGate>();
        builder.Services.AddSingleton<EmbeddedIngestion>();
        builder.Services.AddSingleton<GatewayGate>();
        builder.Services.AddSingleton<IDeviceBroker, EmbeddedDeviceBroker>();
    }

    /// <summary>The embedded broker's events and MQTT over WebSockets (the external one is consumed by ExternalBrokerConsumer, a hosted service).</summary>
    public static void UseHubBroker(this WebApplication app)
    {
        if (app.Services.GetRequiredService<IOptions<BrokerOptions>>().Value.IsExternal)
            return;
        var options = app.Services.GetRequiredService<IOptions<HubOptions>>().Value;
        var ingestion = app.Services.GetRequiredService<EmbeddedIngestion>();
        var gate = app.Services.GetRequiredService<DeviceGate>();
        var gateways = app.Services.GetRequiredService<GatewayGate>();
        app.UseMqttServer(server =>
        {
            // A gateway (username gw/{id}) is decided by its own gate; every other client is a device.
            server.ValidatingConnectionAsync += e => GatewayGate.Claims(e.UserName) ? gateways.ValidateConnectionAsync(e) : gate.ValidateConnectionAsync(e);
            server.InterceptingSubscriptionAsync += e => GatewayGate.SessionOf(e.SessionItems) is { } gw ? gateways.InterceptSubscriptionAsync(e, gw) : gate.InterceptSubscriptionAsync(e);
            server.InterceptingPublishAsync += e => GatewayGate.SessionOf(e.SessionItems) is { } gw ? gateways.InterceptPublishAsync(e, gw) : ingestion.InterceptPublishAsync(e);
            server.ClientDisconnectedAsync += ingestion.ClientDisconnectedAsync;
            server.ClientDisconnectedAsync += gate.ClientDisconnectedAsync;
            server.ClientDisconnectedAsync += gateways.ClientDisconnectedAsync;
        });
        app.MapGuardedMqtt(options.MqttWebSocketPath, app.Services.GetRequiredService<MqttFrameGuard>());
    }
}

public sealed class BrokerHealthCheck(IDeviceBroker broker) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(broker.IsConnected ? HealthCheckResult.Healthy(broker.Describe()) : HealthCheckResult.Unhealthy(broker.Describe()));
}
