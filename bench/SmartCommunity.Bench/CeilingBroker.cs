using System.Net;
using MQTTnet.Server;

namespace SmartCommunity.Bench;

/// <summary>
/// The ceiling: a bare MQTTnet broker in this process whose publish interceptor only counts. It is what
/// the same fleet achieves when nothing is decoded, validated or stored, so hub/ceiling says how much of
/// the broker's capacity the hub's own work leaves.
/// </summary>
public sealed class CeilingBroker : IAsyncDisposable
{
    private readonly MqttServer _server;
    private long _messages;

    private CeilingBroker(MqttServer server) => _server = server;

    public int Port { get; private init; }

    public static async Task<CeilingBroker> StartAsync(int port)
    {
        var options = new MqttServerOptionsBuilder()
            .WithDefaultEndpoint()
            .WithDefaultEndpointBoundIPAddress(IPAddress.Loopback)
            .WithDefaultEndpointPort(port)
            .Build();
        var server = new MqttServerFactory().CreateMqttServer(options);
        var broker = new CeilingBroker(server) { Port = port };
        server.InterceptingPublishAsync += broker.CountAsync;
        await server.StartAsync();
        return broker;
    }

    private Task CountAsync(InterceptingPublishEventArgs e)
    {
        Interlocked.Increment(ref _messages);
        // The hub does not route readings either (no subscribers); without this the bare broker would do
        // work the hub skips, and the ratio would flatter the hub.
        e.ProcessPublish = false;
        return Task.CompletedTask;
    }

    /// <summary>Readings are the climate pack's two records: the bare broker does not decode, it only counts.</summary>
    public Task<Counters> CountersAsync(CancellationToken ct)
    {
        var m = Interlocked.Read(ref _messages);
        return Task.FromResult(new Counters(m, m * Senml.ReadingsPerClimatePack, 0));
    }

    public async ValueTask DisposeAsync()
    {
        await _server.StopAsync();
        _server.Dispose();
    }
}
