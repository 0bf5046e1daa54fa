using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace SmartCommunity.Bench.Cluster;

/// <summary>
/// The ceiling of the cluster bench: plain MQTTnet 5 clients in this process, members of one shared subscription
/// (<c>$share/{group}/sc/v1/+/up</c>, QoS 1) on the same Mosquitto, which only count what the broker delivers
/// (the PUBACK goes back as soon as the handler returns). It is what Mosquitto's shared-subscription path gives
/// with nothing decoded or stored behind it — the rate a hub instance in the same seat could at best consume.
/// </summary>
public sealed class SharedSubscribers : IAsyncDisposable
{
    private readonly List<IMqttClient> _clients = [];
    private long _messages;

    public static async Task<SharedSubscribers> ConnectAsync(int port, string username, string password, string filter, int count, CancellationToken ct)
    {
        var subscribers = new SharedSubscribers();
        var factory = new MqttClientFactory();
        for (var i = 0; i < count; i++)
        {
            var client = factory.CreateMqttClient();
            client.ApplicationMessageReceivedAsync += e =>
            {
                Interlocked.Increment(ref subscribers._messages);
                return Task.CompletedTask;
            };
            // Like the hub's consumer: MQTT 5, its own client id; clean start (no session is left behind, the broker goes anyway).
            await client.ConnectAsync(new MqttClientOptionsBuilder()
                .WithTcpServer("127.0.0.1", port)
                .WithCredentials(username, password)
                .WithClientId($"bench-ceiling-{i}")
                .WithProtocolVersion(MqttProtocolVersion.V500)
                .WithCleanStart()
                .WithTimeout(TimeSpan.FromSeconds(30))
                .Build(), ct);
            var result = await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
                .WithTopicFilter(filter, MqttQualityOfServiceLevel.AtLeastOnce).Build(), ct);
            var code = result.Items.Single().ResultCode;
            if (code != MqttClientSubscribeResultCode.GrantedQoS1)
                throw new InvalidOperationException($"subscribe {filter}: {code}");
            subscribers._clients.Add(client);
        }
        return subscribers;
    }

    /// <summary>Readings = 2 per climate pack, as for the bench's other ceiling: nothing is decoded here.</summary>
    public Task<Counters> CountersAsync(CancellationToken ct)
    {
        var m = Interlocked.Read(ref _messages);
        return Task.FromResult(new Counters(m, m * Senml.ReadingsPerClimatePack, 0));
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients)
        {
            try
            {
                if (client.IsConnected)
                    await client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build(), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(2));
            }
            catch (Exception ex) when (ex is TimeoutException or MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException)
            {
            }
            client.Dispose();
        }
    }
}
