using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using MQTTnet;
using MQTTnet.Protocol;
using SmartCommunity.Testing;
using SmartCommunity.Hub.Broker;
using SmartCommunity.Hub.Devices;

namespace SmartCommunity.Hub.Tests;

/// <summary>
/// The broker's limits after CONNECT (issue #15): a packet must arrive whole within the packet timeout, a silent
/// connection ends at the keep-alive cap whatever keep-alive it asked for (0 included), one device credential holds one
/// live connection, over-budget warnings are one per interval, and what devices send is escaped in logs and details.
/// Time is a FakeTimeProvider: the guard's timers (on the transport clock) fire when the test advances it.
/// </summary>
public sealed class MqttLimitsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <param name="transportOnly">The fake clock drives only the frame guard's timeouts (the transport clock); otherwise the whole hub.</param>
    private static (HubApp Hub, FakeTimeProvider Time, ConcurrentQueue<string> Log) Start(IDictionary<string, string?>? settings = null, bool transportOnly = false)
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var log = new ConcurrentQueue<string>();
        var hub = new HubApp(settings: settings, time: transportOnly ? null : time)
        {
            ConfigureHost = b => b.ConfigureServices(s =>
            {
                s.AddLogging(l => l.AddProvider(new Capture(log)));
                if (transportOnly)
                    s.AddKeyedSingleton<TimeProvider>(MqttFrameGuard.ClockKey, time);
            }),
        };
        hub.Start();
        return (hub, time, log);
    }

    private static async Task<(TcpClient Tcp, NetworkStream Stream)> ConnectRawAsync(HubApp hub, DeviceCredentials device)
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, hub.MqttPort, Ct);
        var stream = tcp.GetStream();
        await stream.WriteAsync(AttackConnection.Connect(device.Device.Id, device.Device.Id, device.Secret, keepAliveSeconds: 0), Ct);
        var connAck = new byte[4];
        await stream.ReadExactlyAsync(connAck, Ct);
        Assert.Equal(new byte[] { 0x20, 0x02, 0x00, 0x00 }, connAck);
        return (tcp, stream);
    }

    /// <summary>True once the hub has closed the socket; false while it is still open after a short look (real I/O, bounded).</summary>
    private static async Task<bool> ClosedAsync(NetworkStream stream, TimeSpan look)
    {
        using var cts = new CancellationTokenSource(look);
        var buffer = new byte[16];
        try
        {
            return await stream.ReadAsync(buffer, cts.Token) == 0;
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
    public async Task HalfPacket_AfterConnectWithKeepAliveZero_ClosedAtThePacketTimeout()
    {
        var (hub, time, _) = Start(transportOnly: true);
        await using var _ = hub;
        var world = await hub.SeedWorldAsync();
        var device = await hub.RegisterDeviceAsync("climate", householdId: world.HouseholdA);
        var (tcp, stream) = await ConnectRawAsync(hub, device);
        using var __ = tcp;
        await stream.WriteAsync(AttackConnection.HalfPublish($"sc/v1/{device.Device.Id}/up"), Ct);

        // The rest of the packet never comes and the socket stays open: the hub must not wait for ever.
        var advanced = TimeSpan.Zero;
        var closed = false;
        while (!closed && advanced < TimeSpan.FromMinutes(10))
        {
            time.Advance(TimeSpan.FromSeconds(1));
            advanced += TimeSpan.FromSeconds(1);
            closed = await ClosedAsync(stream, TimeSpan.FromMilliseconds(50));
        }
        Assert.True(closed, "a half PUBLISH held the connection open through 10 minutes");
        // The packet timeout (10 s), not the keep-alive cap (7.5 min), ended it.
        Assert.InRange(advanced, TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(1));
    }

    [Fact]
    public async Task SilentConnection_KeepAliveZero_ClosedAtTheKeepAliveCap_WhileAPingingOneStays()
    {
        var (hub, time, _) = Start(new Dictionary<string, string?> { ["Hub:MqttMaxKeepAlive"] = "00:05:00" }, transportOnly: true);
        await using var _ = hub;
        var world = await hub.SeedWorldAsync();
        var silent = await ConnectRawAsync(hub, await hub.RegisterDeviceAsync("climate", householdId: world.HouseholdA));
        var pinging = await ConnectRawAsync(hub, await hub.RegisterDeviceAsync("climate", householdId: world.HouseholdB));
        using var s = silent.Tcp;
        using var p = pinging.Tcp;

        var closedAt = (TimeSpan?)null;
        for (var advanced = TimeSpan.FromMinutes(1); advanced <= TimeSpan.FromMinutes(10); advanced += TimeSpan.FromMinutes(1))
        {
            time.Advance(TimeSpan.FromMinutes(1));
            // PINGREQ → PINGRESP: the active connection keeps answering however long the test runs.
            await pinging.Stream.WriteAsync(new byte[] { 0xC0, 0x00 }, Ct);
            var pong = new byte[2];
            await pinging.Stream.ReadExactlyAsync(pong, Ct);
            Assert.Equal(new byte[] { 0xD0, 0x00 }, pong);
            if (closedAt is null && await ClosedAsync(silent.Stream, advanced < TimeSpan.FromMinutes(7.5) ? TimeSpan.FromMilliseconds(50) : TimeSpan.FromSeconds(10)))
                closedAt = advanced;
        }
        // 1.5 × 5 min: open at 7 min, closed at 8.
        Assert.Equal(TimeSpan.FromMinutes(8), closedAt);
    }

    [Fact]
    public async Task SecondClientIdOfOneDevice_WhileConnected_RefusedAndCounted_SameClientIdTakesOver()
    {
        var (hub, _, _) = Start();
        await using var __ = hub;
        var world = await hub.SeedWorldAsync();
        var device = await hub.RegisterDeviceAsync("climate", householdId: world.HouseholdA);
        var id = device.Device.Id;
        var factory = new MqttClientFactory();

        using var first = factory.CreateMqttClient();
        Assert.Equal(MqttClientConnectResultCode.Success, (await first.ConnectAsync(hub.DeviceOptions(id, device.Secret), Ct)).ResultCode);
        using var second = factory.CreateMqttClient();
        Assert.Equal(MqttClientConnectResultCode.QuotaExceeded, (await second.ConnectAsync(hub.DeviceOptions(id, device.Secret, clientId: id + "-b"), Ct)).ResultCode);

        using var tech = await hub.ClientAsync(World.Technician);
        var rejections = (await tech.GetFromJsonAsync<DeviceRejections>($"/api/devices/{id}/rejections", Ct))!;
        var counted = Assert.Single(rejections.Counts, c => c.Reason == "too_many_connections");
        Assert.Equal(1, counted.Count);
        Assert.Contains($"\"{id}-b\"", counted.LastDetail, StringComparison.Ordinal);
        Assert.Contains($"\"{id}\"", counted.LastDetail, StringComparison.Ordinal);

        // The same client id takes the session over, as MQTT does; the old connection is closed.
        using var third = factory.CreateMqttClient();
        Assert.Equal(MqttClientConnectResultCode.Success, (await third.ConnectAsync(hub.DeviceOptions(id, device.Secret), Ct)).ResultCode);
        await Eventually.GetAsync(() => Task.FromResult(first.IsConnected), connected => !connected, what: "the taken-over connection closed");

        // Once the device's connection is gone, another client id may connect.
        await third.DisconnectAsync(cancellationToken: Ct);
        await Eventually.GetAsync(async () =>
        {
            using var retry = factory.CreateMqttClient();
            var result = await retry.ConnectAsync(hub.DeviceOptions(id, device.Secret, clientId: id + "-b"), Ct);
            if (result.ResultCode == MqttClientConnectResultCode.Success)
                await retry.DisconnectAsync(cancellationToken: Ct);
            return result.ResultCode;
        }, code => code == MqttClientConnectResultCode.Success, what: "a second client id once the first disconnected");
    }

    [Fact]
    public async Task ControlCharacters_InUserNameAndClientId_EscapedInLogAndRejectionDetails()
    {
        var (hub, _, log) = Start();
        await using var __ = hub;
        var world = await hub.SeedWorldAsync();
        var device = await hub.RegisterDeviceAsync("climate", householdId: world.HouseholdA);
        var factory = new MqttClientFactory();

        // An unknown user name that would forge a log line and clear a terminal.
        const string forged = "ghost\nwarn: SmartCommunity.Hub[0] admin signed in\u001b[2J\u202e";
        using (var ghost = factory.CreateMqttClient())
            Assert.NotEqual(MqttClientConnectResultCode.Success, (await ghost.ConnectAsync(hub.DeviceOptions(forged, "x", clientId: "ghost-1"), Ct)).ResultCode);
        using var admin = await hub.AdminAsync();
        var details = await DetailsAsync();
        Assert.Contains(details, d => d.Contains("ghost\\nwarn:", StringComparison.Ordinal) && d.Contains("\\u001B[2J\\u202E", StringComparison.Ordinal));
        Assert.DoesNotContain(details, d => d.Any(c => char.IsControl(c) || c == '\u202e'));

        // A client id that belongs to the device (it starts with its id) but carries a newline, refused by the connection cap.
        using var own = factory.CreateMqttClient();
        await own.ConnectAsync(hub.DeviceOptions(device.Device.Id, device.Secret), Ct);
        using (var extra = factory.CreateMqttClient())
            Assert.Equal(MqttClientConnectResultCode.QuotaExceeded,
                (await extra.ConnectAsync(hub.DeviceOptions(device.Device.Id, device.Secret, clientId: device.Device.Id + "\r\nforged"), Ct)).ResultCode);
        details = await DetailsAsync();
        Assert.Contains(details, d => d.Contains(device.Device.Id + "\\r\\nforged", StringComparison.Ordinal));
        Assert.DoesNotContain(details, d => d.Any(c => char.IsControl(c) || c == '\u202e'));

        var lines = log.Where(l => l.Contains("ghost", StringComparison.Ordinal) || l.Contains("forged", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(lines);
        Assert.DoesNotContain(lines, l => l.Any(c => char.IsControl(c) || c == '\u202e'));

        async Task<List<string>> DetailsAsync()
        {
            var all = (await admin.GetFromJsonAsync<DeviceRejections>("/api/rejections?limit=50", Ct))!;
            return [.. all.Counts.Select(c => c.LastDetail ?? "").Concat(all.Recent.Select(r => r.Detail ?? ""))];
        }
    }

    [Fact]
    public async Task DeviceHeldAtItsBudget_WarnedOncePerInterval_EveryMessageCounted()
    {
        var (hub, time, log) = Start(new Dictionary<string, string?>
        {
            ["Hub:DeviceMessagesPerSecond"] = "1",
            ["Hub:DeviceMessageBurst"] = "1",
        });
        await using var __ = hub;
        var world = await hub.SeedWorldAsync();
        var device = await hub.RegisterDeviceAsync("climate", householdId: world.HouseholdA);
        using var mqtt = await hub.ConnectDeviceAsync(device);

        // QoS 1 over the budget: each message waits for a token (a second of fake time), so each one goes over it once.
        const int messages = 12;
        var publishing = Task.Run(async () =>
        {
            for (uint seq = 1; seq <= messages; seq++)
            {
                var result = await mqtt.PublishAsync(new MqttApplicationMessageBuilder().WithTopic($"sc/v1/{device.Device.Id}/up")
                    .WithPayload(Senml.Temp(device.Device.Id, seq, 20, bt: Senml.Now - 600 + seq))
                    .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build(), Ct);
                Assert.Equal(MqttClientPublishReasonCode.Success, result.ReasonCode);
            }
        }, Ct);
        var advanced = TimeSpan.Zero;
        for (var step = 0; !publishing.IsCompleted && step < 6000; step++)
        {
            time.Advance(TimeSpan.FromMilliseconds(100));
            advanced += TimeSpan.FromMilliseconds(100);
            await Task.WhenAny(publishing, Task.Delay(10, Ct));
        }
        await publishing;

        using var tech = await hub.ClientAsync(World.Technician);
        var state = (await tech.GetFromJsonAsync<DeviceDto>($"/api/devices/{device.Device.Id}", Ct))!;
        var warnings = log.Count(l => l.Contains("exceeds its message budget", StringComparison.Ordinal));
        // Every wait is counted; the warnings are one per device per 10 s of (fake) time, however many messages went
        // over the budget in it (it was one per message that had to wait).
        Assert.True(state.Throttled >= messages / 2, $"throttled {state.Throttled} of {messages}");
        Assert.InRange(warnings, 1, 1 + (int)(advanced / TimeSpan.FromSeconds(10)));
        Assert.True(warnings < state.Throttled, $"{warnings} warnings for {state.Throttled} throttled messages in {advanced.TotalSeconds:0} s");
    }

    private sealed class Capture(ConcurrentQueue<string> lines) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Logger(categoryName, lines);
        public void Dispose() { }

        private sealed class Logger(string category, ConcurrentQueue<string> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;
            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (category.StartsWith("SmartCommunity", StringComparison.Ordinal))
                    lines.Enqueue($"{logLevel}: {category}: {formatter(state, exception)}");
            }
        }
    }
}
