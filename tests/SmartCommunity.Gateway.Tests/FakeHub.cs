using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Packets;
using MQTTnet.Protocol;
using MQTTnet.Server;
using SmartCommunity.Domain.Devices;
using SmartCommunity.Testing;

namespace SmartCommunity.Gateway.Tests;

/// <summary>A device the tests register at the hub: id, kind and the secret it connects with.</summary>
public sealed record TestDevice(string Id, string Kind, string Secret)
{
    public string Hash { get; } = DeviceSecret.Hash(Secret);
    public bool Revoked { get; set; }

    public static TestDevice Create(string id, string kind) => new(id, kind, DeviceSecret.Generate());
}

/// <summary>What reached the hub's broker from the gateway.</summary>
public sealed record Arrival(string Topic, byte[] Payload, bool Retain, string? Received, uint? Seq)
{
    /// <summary>When it arrived (<see cref="System.Diagnostics.Stopwatch"/> ticks), for the benchmark's latencies.</summary>
    public long At { get; } = System.Diagnostics.Stopwatch.GetTimestamp();

    public string DeviceId => Topic.Split('/')[2];
}

/// <summary>
/// The hub's side of the gateway contract, until the hub implements it: an MQTT 5 broker on loopback that admits only
/// the gateway's credential, records what arrives, drops a re-sent sequence number as the hub's window does (counted
/// as a duplicate) and refuses another community's device with 0x87; and the registry endpoint (Basic auth, ETag).
/// Its broker can be stopped and started (the uplink cut) and can hold PUBACKs (to catch the gateway mid-replay).
/// </summary>
public sealed partial class FakeHub : IAsyncDisposable
{
    public const string GatewayId = "gw-test";

    private readonly List<TestDevice> _devices = [];
    private readonly HashSet<string> _foreign = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<uint>> _seen = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<uint>> _accepted = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private readonly HttpListener _http = new();
    private readonly Task _httpLoop;
    private MqttServer? _server;
    private int _registryVersion = 1;
    private TaskCompletionSource? _hold;
    private int _holdAfter = int.MaxValue;
    private int _arrivedCount;

    public FakeHub()
    {
        MqttPort = FreePort.Next();
        HttpPort = FreePort.Next();
        _http.Prefixes.Add($"http://127.0.0.1:{HttpPort}/");
        _http.Start();
        _httpLoop = Task.Run(ServeRegistryAsync);
    }

    public string GatewaySecret { get; } = DeviceSecret.Generate();
    public int MqttPort { get; }
    public int HttpPort { get; }
    public bool RegistryAvailable { get; set; } = true;
    public int RegistryRequests;
    public ConcurrentQueue<Arrival> Arrivals { get; } = new();

    /// <summary>Every publish from the gateway in arrival order: device messages, health, local alerts.</summary>
    public ConcurrentQueue<(string Topic, byte[] Payload)> Everything { get; } = new();
    public int Duplicates;
    public ConcurrentQueue<string> Refused { get; } = new();

    /// <summary>The latest retained health the gateway published.</summary>
    public JsonElement? Health { get; private set; }

    public IReadOnlyList<uint> Accepted(string deviceId)
    {
        lock (_lock)
            return _accepted.TryGetValue(deviceId, out var list) ? [.. list] : [];
    }

    public int AcceptedCount
    {
        get
        {
            lock (_lock)
                return _accepted.Values.Sum(l => l.Count);
        }
    }

    public void Register(TestDevice device)
    {
        lock (_lock)
        {
            _devices.Add(device);
            _registryVersion++;
        }
    }

    /// <summary>A device the hub knows but not in this gateway's community: forwarded messages get 0x87.</summary>
    public void Foreign(string deviceId) => _foreign.Add(deviceId);

    public void Revoke(TestDevice device)
    {
        lock (_lock)
        {
            device.Revoked = true;
            _registryVersion++;
        }
    }

    /// <summary>From the <paramref name="count"/>th arrival on, messages are recorded but their PUBACK waits for <see cref="ReleaseHold"/>.</summary>
    public void HoldAfter(int count)
    {
        _hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _holdAfter, count);
    }

    public void ReleaseHold()
    {
        Volatile.Write(ref _holdAfter, int.MaxValue);
        _hold?.TrySetResult();
    }

    public async Task StartBrokerAsync()
    {
        var options = new MqttServerFactory().CreateServerOptionsBuilder()
            .WithDefaultEndpoint()
            .WithDefaultEndpointBoundIPAddress(IPAddress.Loopback)
            .WithDefaultEndpointPort(MqttPort)
            .WithDefaultEndpointReuseAddress()
            .WithPersistentSessions()
            .Build();
        var server = new MqttServerFactory().CreateMqttServer(options);
        server.ValidatingConnectionAsync += e =>
        {
            var gw = "gw/" + GatewayId;
            var ok = e.ProtocolVersion == MqttProtocolVersion.V500 && e.UserName == gw && e.Password == GatewaySecret && e.ClientId == gw;
            if (!ok)
                e.ReasonCode = MqttConnectReasonCode.BadUserNameOrPassword;
            return Task.CompletedTask;
        };
        server.InterceptingPublishAsync += InterceptAsync;
        await server.StartAsync();
        _server = server;
    }

    /// <summary>The uplink cut: the gateway's connection drops and new ones are refused until <see cref="StartBrokerAsync"/>.</summary>
    public async Task StopBrokerAsync()
    {
        if (_server is { } server)
        {
            _server = null;
            await server.StopAsync();
            server.Dispose();
        }
    }

    /// <summary>A downlink the hub publishes to the gateway's topic (contract: "Downlinks").</summary>
    public Task PublishToGatewayAsync(string topic, string payload, bool retain) =>
        _server!.InjectApplicationMessage(new InjectedMqttApplicationMessage(new MqttApplicationMessageBuilder()
            .WithTopic(topic).WithPayload(payload).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).WithRetainFlag(retain).Build())
        { SenderClientId = "hub" });

    private async Task InterceptAsync(InterceptingPublishEventArgs e)
    {
        if (e.ClientId != "gw/" + GatewayId)
            return;
        var m = e.ApplicationMessage;
        var payload = m.Payload.ToArray();
        Everything.Enqueue((m.Topic, payload));
        if (m.Topic == $"sc/gw/v1/{GatewayId}/health")
        {
            Health = JsonDocument.Parse(payload).RootElement.Clone();
            return;
        }
        var received = m.UserProperties?.FirstOrDefault(p => p.Name == "sc-gw-received")?.ReadValueAsString();
        var seq = SeqOf(payload);
        var arrival = new Arrival(m.Topic, payload, m.Retain, received, seq);
        var device = arrival.DeviceId;
        if (_foreign.Contains(device))
        {
            Refused.Enqueue(device);
            e.ProcessPublish = false;
            e.Response.ReasonCode = MqttPubAckReasonCode.NotAuthorized;
            e.Response.ReasonString = "gateway_scope";
            return;
        }
        Arrivals.Enqueue(arrival);
        lock (_lock)
        {
            if (seq is { } s)
            {
                if (!_seen.TryGetValue(device, out var seen))
                    _seen[device] = seen = [];
                if (seen.Add(s))
                {
                    if (!_accepted.TryGetValue(device, out var list))
                        _accepted[device] = list = [];
                    list.Add(s);
                }
                else
                {
                    Duplicates++;
                }
            }
        }
        if (Interlocked.Increment(ref _arrivedCount) >= Volatile.Read(ref _holdAfter) && _hold is { } hold)
            await hold.Task;
    }

    [GeneratedRegex("\"n\":\"seq\",\"v\":(\\d+)")]
    private static partial Regex SeqPattern();

    public static uint? SeqOf(byte[] payload)
    {
        var match = SeqPattern().Match(Encoding.UTF8.GetString(payload));
        return match.Success ? uint.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : null;
    }

    private async Task ServeRegistryAsync()
    {
        while (_http.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _http.GetContextAsync();
            }
            catch (Exception) when (!_http.IsListening)
            {
                return;
            }
            catch (HttpListenerException)
            {
                return;
            }
            try
            {
                Serve(context);
            }
            finally
            {
                context.Response.Close();
            }
        }
    }

    private void Serve(HttpListenerContext context)
    {
        Interlocked.Increment(ref RegistryRequests);
        var response = context.Response;
        if (!RegistryAvailable)
        {
            response.StatusCode = 503;
            return;
        }
        var expected = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{GatewayId}:{GatewaySecret}"));
        if (context.Request.Url?.AbsolutePath != "/api/gateway/v1/registry")
        {
            response.StatusCode = 404;
            return;
        }
        if (context.Request.Headers["Authorization"] != expected)
        {
            response.StatusCode = 401;
            return;
        }
        byte[] body;
        string etag;
        lock (_lock)
        {
            etag = $"\"r{_registryVersion}\"";
            if (context.Request.Headers["If-None-Match"] == etag)
            {
                response.StatusCode = 304;
                return;
            }
            body = JsonSerializer.SerializeToUtf8Bytes(new
            {
                v = 1,
                gateway = GatewayId,
                community = 12,
                version = $"r{_registryVersion}",
                generatedAt = DateTimeOffset.UtcNow,
                devices = _devices.Select(d => new
                {
                    id = d.Id, kind = d.Kind, secret = d.Hash, previousSecret = (string?)null, previousValidUntil = (DateTimeOffset?)null, revoked = d.Revoked,
                }).ToArray(),
            });
        }
        response.StatusCode = 200;
        response.ContentType = "application/json";
        response.Headers["ETag"] = etag;
        response.OutputStream.Write(body);
    }

    public async ValueTask DisposeAsync()
    {
        ReleaseHold();
        await StopBrokerAsync();
        _http.Stop();
        _http.Close();
        try
        {
            await _httpLoop;
        }
        catch (ObjectDisposedException)
        {
        }
    }
}
