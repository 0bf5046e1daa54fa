using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Threading.Channels;
using MQTTnet;
using MQTTnet.Protocol;
using MQTTnet.Server;
using SmartCommunity.Simulator.Devices;
using SmartCommunity.Testing;

namespace SmartCommunity.Simulator.Tests.Mqtt;

/// <summary>
/// A bare in-process MQTTnet broker on a free 127.0.0.1 port that authenticates devices the way the
/// hub does (username = device id, password = secret, client id starting with the device id), plus
/// an observer client that records what devices publish.
/// </summary>
internal sealed class TestBroker : IAsyncDisposable
{
    public const string ObserverUser = "observer";
    private const string ObserverPassword = "observer-secret";

    private readonly Dictionary<string, string> _secrets;
    private MqttServer _server;

    private TestBroker(IEnumerable<DeviceCredentials> devices, int port)
    {
        _secrets = devices.ToDictionary(d => d.Id, d => d.Secret, StringComparer.Ordinal);
        Port = port;
        _server = CreateServer();
    }

    public int Port { get; }

    public MqttServer Server => _server;

    /// <summary>Every CONNECT the broker accepted: (client id, username, protocol version).</summary>
    public ConcurrentQueue<(string ClientId, string UserName, MQTTnet.Formatter.MqttProtocolVersion Version)> Accepted { get; } = new();

    /// <summary>Every CONNECT the broker refused: (client id, username).</summary>
    public ConcurrentQueue<(string ClientId, string UserName)> Refused { get; } = new();

    public static async Task<TestBroker> StartAsync(params DeviceCredentials[] devices)
    {
        var broker = new TestBroker(devices, FreePort.Next());
        await broker._server.StartAsync();
        return broker;
    }

    /// <summary>Stops the broker (clients see the connection go away) and starts a fresh one on the same port.</summary>
    public async Task StopAsync() => await _server.StopAsync();

    public async Task RestartAsync()
    {
        _server.Dispose();
        _server = CreateServer();
        await _server.StartAsync();
    }

    /// <summary>An observer subscribed to every device's up and status topics.</summary>
    public async Task<Observer> ConnectObserverAsync(CancellationToken cancellationToken)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        var observer = new Observer(client);
        await client.ConnectAsync(
            new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", Port).WithClientId("observer-" + Guid.NewGuid().ToString("N")[..8])
                .WithCredentials(ObserverUser, ObserverPassword).WithCleanSession().Build(),
            cancellationToken);
        await client.SubscribeAsync(
            new MqttClientSubscribeOptionsBuilder()
                .WithTopicFilter("sc/v1/+/up", MqttQualityOfServiceLevel.AtLeastOnce)
                .WithTopicFilter("sc/v1/+/status", MqttQualityOfServiceLevel.AtLeastOnce)
                .WithTopicFilter("misc/#", MqttQualityOfServiceLevel.AtLeastOnce)
                .Build(),
            cancellationToken);
        return observer;
    }

    public async ValueTask DisposeAsync()
    {
        if (_server.IsStarted)
        {
            await _server.StopAsync();
        }

        _server.Dispose();
    }

    private MqttServer CreateServer()
    {
        var options = new MqttServerFactory().CreateServerOptionsBuilder()
            .WithDefaultEndpoint()
            .WithDefaultEndpointBoundIPAddress(IPAddress.Loopback)
            .WithDefaultEndpointPort(Port)
            // A restart rebinds the same port while the old connections sit in TIME_WAIT.
            .WithDefaultEndpointReuseAddress()
            .WithPersistentSessions()
            .Build();
        var server = new MqttServerFactory().CreateMqttServer(options);
        server.ValidatingConnectionAsync += e =>
        {
            var ok = e.UserName == ObserverUser
                ? e.Password == ObserverPassword
                : e.UserName is not null && _secrets.TryGetValue(e.UserName, out var secret) && secret == e.Password
                    && e.ClientId.StartsWith(e.UserName, StringComparison.Ordinal);
            if (ok)
            {
                Accepted.Enqueue((e.ClientId, e.UserName!, e.ProtocolVersion));
            }
            else
            {
                Refused.Enqueue((e.ClientId, e.UserName ?? string.Empty));
                e.ReasonCode = MqttConnectReasonCode.BadUserNameOrPassword;
            }

            return Task.CompletedTask;
        };
        return server;
    }
}

internal sealed record ObservedMessage(string Topic, byte[] Payload, bool Retain, MqttQualityOfServiceLevel Qos)
{
    public string Text => System.Text.Encoding.UTF8.GetString(Payload);
}

/// <summary>Records what the broker delivers; <see cref="WaitForAsync"/> waits with a deadline.</summary>
internal sealed class Observer : IAsyncDisposable
{
    private readonly IMqttClient _client;
    private readonly Channel<ObservedMessage> _messages = Channel.CreateBounded<ObservedMessage>(new BoundedChannelOptions(10_000) { FullMode = BoundedChannelFullMode.DropOldest });

    public Observer(IMqttClient client)
    {
        _client = client;
        _client.ApplicationMessageReceivedAsync += e =>
        {
            var m = e.ApplicationMessage;
            _messages.Writer.TryWrite(new ObservedMessage(m.Topic, m.Payload.ToArray(), m.Retain, m.QualityOfServiceLevel));
            return Task.CompletedTask;
        };
    }

    /// <summary>The first message (received from now on, in order) that matches, or a timeout failure.</summary>
    public async Task<ObservedMessage> WaitForAsync(Func<ObservedMessage, bool> match, CancellationToken cancellationToken, TimeSpan? timeout = null)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout ?? TimeSpan.FromSeconds(15));
        try
        {
            while (true)
            {
                var message = await _messages.Reader.ReadAsync(deadline.Token);
                if (match(message))
                {
                    return message;
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException("The expected message did not arrive before the deadline.");
        }
    }

    /// <summary>Every message received from now on, in order, up to and including the first that matches; a timeout failure otherwise.</summary>
    public async Task<List<ObservedMessage>> TakeUntilAsync(Func<ObservedMessage, bool> match, CancellationToken cancellationToken, TimeSpan? timeout = null)
    {
        var taken = new List<ObservedMessage>();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout ?? TimeSpan.FromSeconds(15));
        try
        {
            while (true)
            {
                var message = await _messages.Reader.ReadAsync(deadline.Token);
                taken.Add(message);
                if (match(message))
                {
                    return taken;
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"The expected message did not arrive before the deadline ({taken.Count} others did).");
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_client.IsConnected)
        {
            await _client.DisconnectAsync();
        }

        _client.Dispose();
    }
}
