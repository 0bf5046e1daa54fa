using System.Buffers;
using System.Collections.Concurrent;
using MQTTnet;
using MQTTnet.Protocol;
using SmartCommunity.Testing;

namespace SmartCommunity.Gateway.Tests;

/// <summary>A device connected to the gateway as the firmware connects (MQTT 3.1.1, username = id, password = secret,
/// client id = id), publishing canonical SenML packs with its own sequence numbers at QoS 1.</summary>
public sealed class DeviceClient : IAsyncDisposable
{
    private readonly IMqttClient _client;
    private uint _seq;

    private DeviceClient(TestDevice device, IMqttClient client)
    {
        Device = device;
        _client = client;
        _client.ApplicationMessageReceivedAsync += e =>
        {
            Received.Enqueue((e.ApplicationMessage.Topic, System.Text.Encoding.UTF8.GetString(e.ApplicationMessage.Payload.ToArray()), e.ApplicationMessage.Retain));
            return Task.CompletedTask;
        };
    }

    public TestDevice Device { get; }
    public bool IsConnected => _client.IsConnected;
    public ConcurrentQueue<(string Topic, string Payload, bool Retain)> Received { get; } = new();

    /// <summary>What this device sent and the gateway acknowledged (PUBACK), by sequence number.</summary>
    public List<uint> Acknowledged { get; } = [];

    public static async Task<MqttClientConnectResult> TryConnectAsync(TestDevice device, int port, CancellationToken ct)
    {
        using var client = new MqttClientFactory().CreateMqttClient();
        try
        {
            return await client.ConnectAsync(Options(device, port), ct);
        }
        finally
        {
            if (client.IsConnected)
                await client.DisconnectAsync(cancellationToken: ct);
        }
    }

    private static MqttClientOptions Options(TestDevice device, int port) => new MqttClientOptionsBuilder()
        .WithTcpServer("127.0.0.1", port)
        .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V311)
        .WithClientId(device.Id)
        .WithCredentials(device.Id, device.Secret)
        .WithCleanSession(false)
        .WithWillTopic($"sc/v1/{device.Id}/status")
        .WithWillPayload($"[{{\"bn\":\"urn:dev:sc:{device.Id}:\",\"n\":\"online\",\"vb\":false}}]")
        .WithWillRetain()
        .WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
        .WithTimeout(TimeSpan.FromSeconds(10))
        .Build();

    public static async Task<DeviceClient> ConnectAsync(TestDevice device, int port, CancellationToken ct)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        var result = await client.ConnectAsync(Options(device, port), ct);
        Assert.Equal(MqttClientConnectResultCode.Success, result.ResultCode);
        return new DeviceClient(device, client);
    }

    public Task SubscribeOwnAsync(CancellationToken ct) => _client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
        .WithTopicFilter($"sc/v1/{Device.Id}/down", MqttQualityOfServiceLevel.AtLeastOnce)
        .WithTopicFilter($"sc/v1/{Device.Id}/cfg", MqttQualityOfServiceLevel.AtLeastOnce).Build(), ct);

    /// <summary>Publishes the next pack (temp or SOS) on <c>up</c>; returns its sequence number once the gateway acknowledged it.</summary>
    public Task<uint> PublishAsync(string records, CancellationToken ct) => PublishAsync(records, null, ct);

    /// <summary>Like <see cref="PublishAsync(string, CancellationToken)"/>, stamped <paramref name="bt"/> (Unix seconds) instead of now:
    /// a reading taken earlier, as a device catching up sends it.</summary>
    public async Task<uint> PublishAsync(string records, long? bt, CancellationToken ct)
    {
        var seq = ++_seq;
        var payload = Senml.Pack(Device.Id, seq, records, bt);
        var result = await _client.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic($"sc/v1/{Device.Id}/up").WithPayload(payload).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build(), ct);
        Assert.True(result.IsSuccess, $"{Device.Id} seq {seq}: {result.ReasonCode}");
        Acknowledged.Add(seq);
        return seq;
    }

    public const string Temp = "{\"n\":\"temp\",\"u\":\"Cel\",\"v\":21.5}";
    public const string Sos = "{\"n\":\"sos\",\"vb\":true}";

    /// <summary>The connection ends without DISCONNECT (power gone, radio lost): the broker publishes the will.</summary>
    public void Drop() => _client.Dispose();

    public async ValueTask DisposeAsync()
    {
        if (_client.IsConnected)
            await _client.DisconnectAsync();
        _client.Dispose();
    }
}
