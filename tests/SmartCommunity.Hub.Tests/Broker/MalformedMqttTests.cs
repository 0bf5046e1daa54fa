using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.SignalR.Client;
using MQTTnet;
using MQTTnet.Protocol;
using SmartCommunity.Hub.Alerts;
using SmartCommunity.Hub.Devices;
using SmartCommunity.Hub.Readings;
using SmartCommunity.Testing;

namespace SmartCommunity.Hub.Tests;

/// <summary>
/// Malformed MQTT on raw sockets (truncated CONNECT, oversized and over-long remaining lengths, garbage after CONNECT, a
/// PUBLISH with a bogus length, slow-loris, 200 half-open sockets) while a well-behaved device keeps publishing: its
/// readings are all stored, its SOS reaches SignalR, /health stays healthy, and every bad socket is closed by the hub.
/// </summary>
public sealed class MalformedMqttTests : IAsyncLifetime
{
    private const int HalfOpen = 200;

    private readonly HubApp _hub = new(settings: new Dictionary<string, string?>
    {
        // Short, so the test sees silent sockets closed within its deadlines (production default: 10 s).
        ["Hub:MqttConnectTimeout"] = "00:00:02",
    });
    private World _world = null!;

    public async ValueTask InitializeAsync()
    {
        _hub.Start();
        _world = await _hub.SeedWorldAsync();
    }

    public async ValueTask DisposeAsync() => await _hub.DisposeAsync();

    private static byte[] Str(string s)
    {
        var b = Encoding.UTF8.GetBytes(s);
        return [(byte)(b.Length >> 8), (byte)b.Length, .. b];
    }

    /// <summary>A valid MQTT 3.1.1 CONNECT with user name and password.</summary>
    private static byte[] Connect(string clientId, string user, string password)
    {
        byte[] body = [0, 4, (byte)'M', (byte)'Q', (byte)'T', (byte)'T', 4, 0xC2, 0, 60, .. Str(clientId), .. Str(user), .. Str(password)];
        return [0x10, .. RemainingLength(body.Length), .. body];
    }

    private static byte[] RemainingLength(int n)
    {
        var bytes = new List<byte>();
        do
        {
            var b = (byte)(n % 128);
            n /= 128;
            bytes.Add(n > 0 ? (byte)(b | 0x80) : b);
        } while (n > 0);
        return [.. bytes];
    }

    private async Task<TcpClient> OpenAsync(byte[] send)
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, _hub.MqttPort);
        if (send.Length > 0)
            await tcp.GetStream().WriteAsync(send);
        return tcp;
    }

    /// <summary>True once the hub has closed the socket (end of stream or reset); bytes it sends first (a CONNACK) are read and ignored.</summary>
    private static async Task<bool> ClosedByHubAsync(TcpClient tcp, TimeSpan within)
    {
        var buffer = new byte[256];
        using var deadline = new CancellationTokenSource(within);
        try
        {
            while (true)
            {
                if (await tcp.GetStream().ReadAsync(buffer, deadline.Token) == 0)
                    return true;
            }
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (IOException)
        {
            return true;
        }
    }

    [Fact]
    public async Task MalformedClients_OnRawSockets_AreClosed_WhileAGoodDeviceKeepsPublishingAndAlerting()
    {
        var good = await _hub.RegisterDeviceAsync("climate", householdId: _world.HouseholdB);
        var pendant = await _hub.RegisterDeviceAsync("sos", residentId: _world.ResidentB);
        var attacker = await _hub.RegisterDeviceAsync("climate", householdId: _world.HouseholdA);
        await using var staff = await _hub.SignalRAsync(World.Staff);
        var raised = new TaskCompletionSource<AlertDto>(TaskCreationOptions.RunContinuationsAsynchronously);
        staff.On<AlertDto>("AlertRaised", a => { if (a.DeviceId == pendant.Device.Id) raised.TrySetResult(a); });
        await staff.StartSubscribedAsync();
        using var device = await _hub.ConnectDeviceAsync(good);

        // The good device publishes all through the attack; each QoS 1 publish must be acknowledged.
        using var stop = new CancellationTokenSource();
        var published = 0;
        var publisher = Task.Run(async () =>
        {
            for (uint seq = 1; !stop.IsCancellationRequested || seq <= 20; seq++)
            {
                var message = new MqttApplicationMessageBuilder().WithTopic($"sc/v1/{good.Device.Id}/up")
                    .WithPayload(Senml.Temp(good.Device.Id, seq, 20 + seq % 10, bt: Senml.Now - 3600 + seq))
                    .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build();
                var result = await device.PublishAsync(message);
                Assert.Equal(MqttClientPublishReasonCode.Success, result.ReasonCode);
                published++;
                await Task.Delay(20);
            }
        });

        var connect = Connect(attacker.Device.Id, attacker.Device.Id, attacker.Secret);
        var bad = new List<(string What, TcpClient Socket)>
        {
            ("truncated CONNECT", await OpenAsync(connect[..12])),
            ("remaining length 268,435,455 announced", await OpenAsync([0x10, 0xFF, 0xFF, 0xFF, 0x7F, 0, 4, (byte)'M'])),
            ("5-byte remaining length", await OpenAsync([0x10, 0xFF, 0xFF, 0xFF, 0xFF, 0x01, 0, 0])),
            ("garbage after a valid CONNECT", await OpenAsync([.. connect, 0xDE, 0xAD, 0xBE, 0xEF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x00])),
            // PUBLISH claiming 5 bytes whose topic length says 65,535.
            ("PUBLISH with a bogus length", await OpenAsync([.. Connect("bogus-" + attacker.Device.Id, attacker.Device.Id, attacker.Secret), 0x30, 0x05, 0xFF, 0xFF, (byte)'s', (byte)'c', (byte)'/'])),
            ("not MQTT at all", await OpenAsync(Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))),
        };
        var halfOpen = new List<TcpClient>();
        for (var i = 0; i < HalfOpen; i++)
            halfOpen.Add(await OpenAsync(i % 2 == 0 ? [] : [0x10]));
        // Slow-loris: the CONNECT trickled a byte at a time, slower than the connect timeout allows.
        var loris = await OpenAsync([]);
        var trickled = 0;
        var lorisClosed = false;
        for (; trickled < connect.Length && !lorisClosed; trickled++)
        {
            try
            {
                await loris.GetStream().WriteAsync(connect.AsMemory(trickled, 1));
            }
            catch (IOException)
            {
                lorisClosed = true;
                break;
            }
            await Task.Delay(250);
            lorisClosed = loris.Client.Poll(0, SelectMode.SelectRead) && loris.Available == 0;
        }

        // Meanwhile: an SOS from another good device still becomes an alert on the board.
        using (var sos = await _hub.ConnectDeviceAsync(pendant))
            await sos.PublishAsync(new MqttApplicationMessageBuilder().WithTopic($"sc/v1/{pendant.Device.Id}/up")
                .WithPayload(Senml.Sos(pendant.Device.Id, 1)).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
        var alert = await Eventually.ReceiveAsync(raised, what: "the SOS alert on SignalR during the attack");
        Assert.Equal("sos", alert.Kind);

        foreach (var (what, socket) in bad)
        {
            Assert.True(await ClosedByHubAsync(socket, TimeSpan.FromSeconds(30)), $"{what}: the hub kept the socket open");
            socket.Dispose();
        }
        Assert.True(lorisClosed || await ClosedByHubAsync(loris, TimeSpan.FromSeconds(30)), "slow-loris socket kept open");
        Assert.True(trickled < connect.Length, "the slow-loris CONNECT was accepted in full");
        loris.Dispose();
        var stillOpen = 0;
        foreach (var socket in halfOpen)
        {
            if (!await ClosedByHubAsync(socket, TimeSpan.FromSeconds(30)))
                stillOpen++;
            socket.Dispose();
        }
        Assert.Equal(0, stillOpen);

        await stop.CancelAsync();
        await publisher;
        Assert.True(device.IsConnected);
        using var http = await _hub.ClientAsync(World.Technician);
        var from = Uri.EscapeDataString(DateTimeOffset.UtcNow.AddHours(-2).ToString("O"));
        var stored = await Eventually.GetAsync(() => http.GetFromJsonAsync<List<PointDto>>($"/api/devices/{good.Device.Id}/readings?name=temp&from={from}&limit=50000")!,
            p => p!.Count == published, what: $"all {published} readings of the good device");
        Assert.Equal(published, stored!.Count);
        using var health = await _hub.Anonymous().GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal("Healthy", await health.Content.ReadAsStringAsync());
        // Nothing of the attack is booked against the good device.
        var goodDevice = (await http.GetFromJsonAsync<DeviceDto>($"/api/devices/{good.Device.Id}"))!;
        Assert.Equal((0L, 0L), (goodDevice.Rejected, goodDevice.Throttled));
    }
}
