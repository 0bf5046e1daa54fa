using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using MQTTnet;
using MQTTnet.Protocol;
using SmartCommunity.Testing;
using SmartCommunity.Hub.Devices;
using SmartCommunity.Hub.Places;
using SmartCommunity.Hub.Tests.Cluster;

namespace SmartCommunity.Hub.Tests;

/// <summary>
/// The partial-packet attack (issue #15) on the hub as its own process (its Release build, so its CPU time is its own):
/// a packet cut short and the sending side closed, on TCP and on MQTT over WebSockets, with and without a device
/// credential. MQTTnet used to spin on the completed pipe (one core per such connection, until a timeout; never with
/// keep-alive 0). While the attack runs, a good device keeps publishing and gets every PUBACK and /health answers;
/// afterwards every attack connection is closed by the hub and the hub is idle again.
/// </summary>
public sealed class PartialPacketTests
{
    private const int Connections = 12;

    // A hub serving one device (10 QoS 1 messages/s) and /health (4/s) uses a few percent of a core; one connection
    // spinning uses a whole one on a quiet machine. On a machine busy with other work a spinning thread gets less, but it
    // stays runnable all the time, which WatchAsync also counts.
    private const double IdleCoresAtMost = 0.4;

    // On a loaded machine a thread with real work may wait for a core in every look; a few more than before the attack are
    // that, while the unfixed hub kept one thread per attack connection (12) runnable.
    private const int SpinSlack = 3;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(AttackVariant.TcpAnonymous)]
    [InlineData(AttackVariant.TcpDevice)]
    [InlineData(AttackVariant.WebSocketAnonymous)]
    [InlineData(AttackVariant.WebSocketDevice)]
    public async Task PartialPacketThenClose_AnyTransport_ConnectionEndsAndHubReturnsToIdle(AttackVariant variant)
    {
        await using var hub = await HubProcess.StartAsync(HubProcess.HubDllUnderTest(),
            [
                // Long, so that an unfixed hub would spin far past this test (the spin lasted until this timeout): what
                // ends an attack connection must be the end of its bytes, not a timer.
                "--Hub:MqttConnectTimeout=00:05:00",
            ],
            keepData: false, TimeSpan.FromSeconds(180), Ct);
        using var admin = await HubCluster.ClientAsync(hub, HubProcess.AdminEmail, hub.AdminPassword);
        var community = await HubApp.PostAsync<CommunityDto>(admin, "/api/communities", new CreateCommunityRequest("Attack", null));
        var grid = await HubApp.PostAsync<GridDto>(admin, "/api/grids", new CreateGridRequest(community.Id, "Grid"));
        var home = await HubApp.PostAsync<HouseholdDto>(admin, "/api/households", new CreateHouseholdRequest(grid.Id, "Flat 1"));
        var good = await RegisterAsync(admin, home.Id);
        // One attacker device per connection: several connections of one credential would be refused or take each
        // other's session over, which is not the attack under test.
        var attackers = new List<DeviceCredentials>();
        for (var i = 0; i < Connections; i++)
            attackers.Add(await RegisterAsync(admin, home.Id));

        using var device = new MqttClientFactory().CreateMqttClient();
        await device.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", hub.MqttPort)
            .WithCredentials(good.Device.Id, good.Secret).WithClientId(good.Device.Id)
            .WithTimeout(TimeSpan.FromSeconds(60)).Build(), Ct);
        using var stop = new CancellationTokenSource();
        var published = 0;
        var publisher = Task.Run(async () =>
        {
            for (uint seq = 1; !stop.IsCancellationRequested; seq++)
            {
                var result = await device.PublishAsync(new MqttApplicationMessageBuilder().WithTopic($"sc/v1/{good.Device.Id}/up")
                    .WithPayload(Senml.Temp(good.Device.Id, seq, 21, bt: Senml.Now - 3600 + seq))
                    .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build(), CancellationToken.None);
                Assert.Equal(MqttClientPublishReasonCode.Success, result.ReasonCode);
                Interlocked.Increment(ref published);
                await Task.Delay(100, CancellationToken.None);
            }
        }, CancellationToken.None);
        var healthChecks = 0;
        var health = Task.Run(async () =>
        {
            using var http = new HttpClient { BaseAddress = hub.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
            while (!stop.IsCancellationRequested)
            {
                using var response = await http.GetAsync(new Uri("/health", UriKind.Relative), CancellationToken.None);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                Assert.Equal("Healthy", await response.Content.ReadAsStringAsync(CancellationToken.None));
                Interlocked.Increment(ref healthChecks);
                await Task.Delay(250, CancellationToken.None);
            }
        }, CancellationToken.None);
        // Warm: the good device's path is compiled and running, and the hub's start-up work (a freshly started hub keeps
        // a third to half a core busy for its first half minute) is over before the attack starts.
        await Eventually.GetAsync(() => Task.FromResult(Volatile.Read(ref published)), n => n >= 10 || publisher.IsCompleted, TimeSpan.FromSeconds(60), "10 PUBACKs before the attack");
        var quiet = await Eventually.GetAsync(() => CoresUsedAsync(hub, TimeSpan.FromSeconds(1)), c => c < 0.15, TimeSpan.FromMinutes(3), "the hub to settle after its start");
        // Threads the busy machine keeps waiting for a core while the hub serves the device and /health: the baseline that
        // a spinning connection (one always-runnable thread each, 12 here) stands far above.
        var (_, waitingBefore) = await WatchAsync(hub, TimeSpan.FromSeconds(3));
        var before = Volatile.Read(ref published);

        var target = new AttackTarget(hub.MqttPort, new Uri($"ws://127.0.0.1:{hub.HttpPort}/mqtt"));
        var attacks = new List<AttackConnection>();
        double cores;
        int spinning;
        try
        {
            foreach (var attacker in attackers)
            {
                var connection = await AttackConnection.OpenAsync(variant, target, (attacker.Device.Id, attacker.Secret), attacker.Device.Id, Ct);
                attacks.Add(connection);
                if (variant is AttackVariant.TcpDevice or AttackVariant.WebSocketDevice)
                    Assert.Equal(0, connection.ConnAck);
            }
            // Right after the attack: a spinning connection keeps the process busy (on WebSockets an unfixed hub spun
            // until the transport gave up on the close handshake, 5 s later; on TCP until a timeout, or for ever).
            (cores, spinning) = await WatchAsync(hub, TimeSpan.FromSeconds(3));
            for (var i = 0; i < attacks.Count; i++)
                Assert.True(await attacks[i].ClosedByHubAsync(TimeSpan.FromSeconds(30)), $"{variant} #{i}: the hub kept the connection open\n{hub.Tail(20)}");
        }
        finally
        {
            foreach (var attack in attacks)
                await attack.DisposeAsync();
            await stop.CancelAsync();
        }
        await publisher;
        await health;
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{variant}: {published - before} PUBACKs and {healthChecks} health checks during and after the attack; {quiet:0.000} cores before it, " +
            $"{cores:0.000} in the 3 s after it, {spinning} threads runnable throughout");
        Assert.True(published > before && healthChecks > 0, $"{published - before} PUBACKs, {healthChecks} health checks during the attack");
        Assert.True(device.IsConnected);
        Assert.True(spinning <= waitingBefore + SpinSlack && cores <= IdleCoresAtMost,
            $"{variant}: after the attack {spinning} of the hub's threads stayed runnable ({waitingBefore} before it) and it used {cores:0.00} cores " +
            $"(an idle hub: at most {SpinSlack} more than before, {IdleCoresAtMost} cores)\n{hub.Tail(20)}");
    }

    /// <summary>CPU time the hub process used over the window, in cores (1.0 = one core busy throughout).</summary>
    private static async Task<double> CoresUsedAsync(HubProcess hub, TimeSpan window) => (await WatchAsync(hub, window)).Cores;

    /// <summary>
    /// Over the window: the hub's CPU time in cores, and how many of its threads were runnable (state R in /proc) at every
    /// one of 20 looks. A spinning thread is always runnable, whether the machine gives it a whole core or, busy with
    /// other work, a sliver of one; a thread serving requests sleeps between them.
    /// </summary>
    private static async Task<(double Cores, int AlwaysRunnable)> WatchAsync(HubProcess hub, TimeSpan window)
    {
        const int looks = 20;
        var runnable = new Dictionary<string, int>();
        var before = hub.CpuTime() ?? throw new InvalidOperationException("the hub process has exited");
        var started = Stopwatch.GetTimestamp();
        for (var look = 0; look < looks; look++)
        {
            foreach (var task in Directory.EnumerateDirectories($"/proc/{hub.ProcessId}/task"))
            {
                try
                {
                    // "tid (name) S ...": the state follows the last ')' (a thread name may contain one).
                    var stat = await File.ReadAllTextAsync(Path.Combine(task, "stat"), Ct);
                    if (stat[(stat.LastIndexOf(')') + 2)..].StartsWith('R'))
                        runnable[task] = runnable.GetValueOrDefault(task) + 1;
                }
                catch (IOException)
                {
                    // The thread ended between the listing and the read.
                }
            }
            await Task.Delay(window / looks, Ct);
        }
        var after = hub.CpuTime() ?? throw new InvalidOperationException("the hub process has exited");
        return ((after - before).TotalSeconds / Stopwatch.GetElapsedTime(started).TotalSeconds, runnable.Count(r => r.Value == looks));
    }

    private static async Task<DeviceCredentials> RegisterAsync(HttpClient admin, int householdId) =>
        await HubApp.PostAsync<DeviceCredentials>(admin, "/api/devices", new RegisterDeviceRequest("climate", null, null, null, householdId, null, null));
}
