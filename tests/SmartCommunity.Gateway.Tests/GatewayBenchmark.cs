using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using SmartCommunity.Hub.Alerts;
using SmartCommunity.Hub.Devices;
using SmartCommunity.Hub.Gateways;
using SmartCommunity.Hub.Hosting;
using SmartCommunity.Telemetry;
using SmartCommunity.Testing;

namespace SmartCommunity.Gateway.Tests;

/// <summary>
/// A measurement, not a test (left out of ./test.sh): the gateway process with 3,000 connected devices at a reading a
/// minute each — its RSS and CPU — then an outage of <c>SC_GW_BENCH_OUTAGE_MINUTES</c> (60) of that fleet's traffic and the
/// replay: messages per second, time until the hub is current, and how late a live SOS sent every second during the
/// replay reaches the hub; against the tests' stand-in for the hub's broker, or (the second) the real hub. Run:
/// <c>dotnet test --project tests/SmartCommunity.Gateway.Tests -c Release -- --filter-method "*.Gateway_ThreeThousandDevices*"</c> (the stand-in),
/// <c>--filter-method "*GatewayToRealHub*"</c> (the real hub), <c>--filter-class "SmartCommunity.Gateway.Tests.GatewayBenchmark"</c> (both).
/// </summary>
[Trait("Category", "Benchmark")]
public sealed class GatewayBenchmark
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Gateway_ThreeThousandDevices_ResourcesAndReplayRate()
    {
        var devices = int.Parse(Environment.GetEnvironmentVariable("SC_GW_BENCH_DEVICES") ?? "3000", CultureInfo.InvariantCulture);
        var outageMinutes = int.Parse(Environment.GetEnvironmentVariable("SC_GW_BENCH_OUTAGE_MINUTES") ?? "60", CultureInfo.InvariantCulture);
        var steady = TimeSpan.FromSeconds(60);
        await using var hub = new FakeHub();
        var fleet = Enumerable.Range(1, devices).Select(i => TestDevice.Create($"clim-{i:D5}", "climate")).ToList();
        var pendant = TestDevice.Create("sos-00001", "sos");
        fleet.ForEach(hub.Register);
        hub.Register(pendant);
        await hub.StartBrokerAsync();
        var settings = GatewayProcess.Settings.Fresh() with { DiskQuotaBytes = 1L << 30, SegmentBytes = 4 << 20, RegistrySyncInterval = "00:01:00" };
        await using var gateway = await GatewayProcess.StartAsync(hub, settings, Ct);
        await Eventually.GetAsync(() => gateway.StatusAsync(Ct), s => s.GetProperty("registryDevices").GetInt32() == devices + 1, TimeSpan.FromSeconds(60), "the registry synced");

        var clients = new DeviceClient[devices];
        for (var batch = 0; batch < devices; batch += 100)
        {
            await Task.WhenAll(Enumerable.Range(batch, Math.Min(100, devices - batch)).Select(async i =>
                clients[i] = await DeviceClient.ConnectAsync(fleet[i], gateway.MqttPort, Ct)));
        }
        await using var sos = await DeviceClient.ConnectAsync(pendant, gateway.MqttPort, Ct);
        try
        {
            // Steady state: every device a reading a minute, spread over the minute.
            var (cpu0, wall0) = (CpuSeconds(gateway.ProcessId), Stopwatch.GetTimestamp());
            await Task.WhenAll(clients.Select(async (c, i) =>
            {
                await Task.Delay(TimeSpan.FromMilliseconds(steady.TotalMilliseconds * i / devices), Ct);
                await c.PublishAsync(DeviceClient.Temp, Ct);
            }));
            var elapsed = Stopwatch.GetElapsedTime(wall0).TotalSeconds;
            var cores = (CpuSeconds(gateway.ProcessId) - cpu0) / elapsed;
            var rssMiB = RssKiB(gateway.ProcessId) / 1024.0;
            await Eventually.TrueAsync(() => hub.AcceptedCount == devices, "the steady minute forwarded", Ct, TimeSpan.FromSeconds(60));

            // The outage: the hub is gone while the fleet sends an hour's readings.
            await hub.StopBrokerAsync();
            var perDevice = outageMinutes;
            var fill = Stopwatch.GetTimestamp();
            await Task.WhenAll(clients.Select(async c =>
            {
                for (var k = 0; k < perDevice; k++)
                    await c.PublishAsync(DeviceClient.Temp, Ct);
            }));
            var fillSeconds = Stopwatch.GetElapsedTime(fill).TotalSeconds;
            var queued = (await gateway.StatusAsync(Ct)).GetProperty("health");
            var total = devices * (1 + perDevice);

            // The replay, with an SOS every second on top.
            var replay = Stopwatch.GetTimestamp();
            await hub.StartBrokerAsync();
            var sent = new List<(uint Seq, long At)>();
            while (hub.AcceptedCount < total + sent.Count)
            {
                var at = Stopwatch.GetTimestamp();
                sent.Add((await sos.PublishAsync(DeviceClient.Sos, Ct), at));
                await Task.Delay(1000, Ct);
                if (Stopwatch.GetElapsedTime(replay) > TimeSpan.FromMinutes(15))
                    throw new TimeoutException($"replay not done after 15 min: {hub.AcceptedCount} of {total}");
            }
            var current = Stopwatch.GetElapsedTime(replay).TotalSeconds;
            await Eventually.TrueAsync(() => hub.Accepted(pendant.Id).Count == sent.Count, "every SOS arrived", Ct);
            var arrivals = hub.Arrivals.Where(a => a.DeviceId == pendant.Id).GroupBy(a => a.Seq).ToDictionary(g => g.Key!.Value, g => g.Min(a => a.At));
            var lateness = sent.Select(s => Stopwatch.GetElapsedTime(s.At, arrivals[s.Seq]).TotalMilliseconds).Order().ToList();

            var report = string.Create(CultureInfo.InvariantCulture, $"""
                gateway benchmark ({devices} devices, one reading a minute each, {Environment.ProcessorCount} cores shared with the devices and the hub stand-in)
                  steady: RSS {rssMiB:F0} MiB, CPU {cores:F3} cores over {elapsed:F0} s
                  outage of {outageMinutes} min of traffic: {devices * perDevice} messages queued in {fillSeconds:F1} s ({devices * perDevice / fillSeconds:F0} msg/s stored, fsync'd), queue {queued.GetProperty("queueBytes").GetInt64() / 1048576.0:F1} MiB, disk {queued.GetProperty("diskUsedBytes").GetInt64() / 1048576.0:F1} MiB; RSS then {RssKiB(gateway.ProcessId) / 1024.0:F0} MiB
                  replay: {total} messages current after {current:F1} s ({devices * perDevice / current:F0} msg/s); hub duplicates {hub.Duplicates}
                  live SOS during the replay ({lateness.Count}): median {lateness[lateness.Count / 2]:F0} ms, max {lateness[^1]:F0} ms from press to the hub
                """);
            TestContext.Current.SendDiagnosticMessage(report);
            Console.WriteLine(report);
            await File.WriteAllTextAsync(Path.Combine(Path.GetTempPath(), "sc-gateway-benchmark.txt"), report, Ct);
        }
        finally
        {
            foreach (var c in clients)
            {
                if (c is not null)
                    await c.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// The same measurement against the real hub (<see cref="HubApp"/> in this process: API, embedded broker, ingestion into
    /// its default store, alerts, the board's SignalR feed) with its default message budget (20/s, burst 200 per device),
    /// the gateway's uplink through a relay the benchmark cuts. The hour's readings are stamped a minute apart in the past
    /// (as a device catching up sends them), so the store keeps each one and can be counted. The hub is current when it
    /// accepted every reading and its telemetry queue is empty; at the end its store is counted per device. The live SOS
    /// latency is from the press (the pendant's publish to the gateway) to the alert on the duty staff's board (SignalR, the
    /// alert raised or its occurrence count reaching that press).
    /// </summary>
    [Fact]
    public async Task GatewayToRealHub_ThreeThousandDevices_ResourcesAndReplayRate()
    {
        var devices = int.Parse(Environment.GetEnvironmentVariable("SC_GW_BENCH_DEVICES") ?? "3000", CultureInfo.InvariantCulture);
        var outageMinutes = int.Parse(Environment.GetEnvironmentVariable("SC_GW_BENCH_OUTAGE_MINUTES") ?? "60", CultureInfo.InvariantCulture);
        var steady = TimeSpan.FromSeconds(60);
        // The hub's defaults, except the HTTP API's per-user limit (off for load benchmarks that provision thousands of devices).
        await using var hub = new HubApp(settings: new Dictionary<string, string?> { ["Hub:RateLimits:Enabled"] = "false" });
        hub.Start();
        var options = hub.Services.GetRequiredService<IOptions<HubOptions>>().Value;
        var metrics = hub.Services.GetRequiredService<HubMetrics>();
        using var counters = new HubCounters();
        var world = await hub.SeedWorldAsync();
        using var admin = await hub.AdminAsync();
        var gw = await HubApp.PostAsync<GatewayCredentials>(admin, "/api/gateways", new RegisterGatewayRequest("gw-bench", world.CommunityId, "Bench gate"));

        // Registration through the API, a few requests in flight (as bench/ FleetSize does).
        var registering = Stopwatch.GetTimestamp();
        var fleet = new TestDevice[devices];
        await Parallel.ForAsync(0, devices, new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = Ct }, async (i, _) =>
        {
            var c = await HubApp.PostAsync<DeviceCredentials>(admin, "/api/devices",
                new RegisterDeviceRequest("climate", null, null, null, i % 2 == 0 ? world.HouseholdA : world.HouseholdB, null, null));
            fleet[i] = new TestDevice(c.Device.Id, "climate", c.Secret);
        });
        var registerSeconds = Stopwatch.GetElapsedTime(registering).TotalSeconds;
        var p = await hub.RegisterDeviceAsync("sos", residentId: world.ResidentA);
        var pendant = new TestDevice(p.Device.Id, "sos", p.Secret);

        await using var uplink = new UplinkProxy(hub.MqttPort);
        var settings = GatewayProcess.Settings.Fresh() with { DiskQuotaBytes = 1L << 30, SegmentBytes = 4 << 20, RegistrySyncInterval = "00:01:00" };
        await using var gateway = await GatewayProcess.StartAsync(new GatewayProcess.HubTarget(gw.Id, gw.Secret, hub.HttpPort, uplink.Port), settings, Ct);
        await Eventually.GetAsync(() => gateway.StatusAsync(Ct),
            s => s.GetProperty("registryDevices").GetInt32() == devices + 1 && s.GetProperty("uplinkConnected").GetBoolean(), TimeSpan.FromSeconds(120),
            "the registry synced and the uplink up");

        // The duty staff's board: the first press raises the SOS alert, each later one is an occurrence of it.
        var onBoard = new ConcurrentDictionary<int, long>();
        await using var board = await hub.SignalRAsync(World.Staff);
        void Seen(AlertDto a)
        {
            if (a.DeviceId == pendant.Id)
                onBoard.TryAdd(a.Occurrences, Stopwatch.GetTimestamp());
        }
        board.On<AlertDto>(nameof(IAlertsClient.AlertRaised), Seen);
        board.On<AlertDto>(nameof(IAlertsClient.AlertUpdated), Seen);
        await board.StartSubscribedAsync();

        var clients = new DeviceClient[devices];
        var connecting = Stopwatch.GetTimestamp();
        for (var batch = 0; batch < devices; batch += 100)
        {
            await Task.WhenAll(Enumerable.Range(batch, Math.Min(100, devices - batch)).Select(async i =>
                clients[i] = await DeviceClient.ConnectAsync(fleet[i], gateway.MqttPort, Ct)));
        }
        var connectSeconds = Stopwatch.GetElapsedTime(connecting).TotalSeconds;
        await using var sos = await DeviceClient.ConnectAsync(pendant, gateway.MqttPort, Ct);
        try
        {
            var accepted0 = metrics.Snapshot(0, 0).MessagesAccepted;
            // Steady state: every device a reading a minute, spread over the minute.
            var steadyStart = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            var (cpu0, wall0) = (CpuSeconds(gateway.ProcessId), Stopwatch.GetTimestamp());
            await Task.WhenAll(clients.Select(async (c, i) =>
            {
                await Task.Delay(TimeSpan.FromMilliseconds(steady.TotalMilliseconds * i / devices), Ct);
                await c.PublishAsync(DeviceClient.Temp, Ct);
            }));
            var elapsed = Stopwatch.GetElapsedTime(wall0).TotalSeconds;
            var cores = (CpuSeconds(gateway.ProcessId) - cpu0) / elapsed;
            var rssMiB = RssKiB(gateway.ProcessId) / 1024.0;
            await Eventually.TrueAsync(() => metrics.Snapshot(0, 0).MessagesAccepted - accepted0 >= devices, "the steady minute at the hub", Ct, TimeSpan.FromSeconds(60));
            var steadyAccepted = metrics.Snapshot(0, 0).MessagesAccepted - accepted0;

            // The outage: the uplink is cut while the fleet sends an hour's readings, stamped a minute apart before the steady minute.
            await uplink.CutAsync();
            await Eventually.GetAsync(() => gateway.StatusAsync(Ct), s => !s.GetProperty("uplinkConnected").GetBoolean(), TimeSpan.FromSeconds(30), "the gateway noticed the cut");
            var perDevice = outageMinutes;
            var hourStart = steadyStart - (60L * (perDevice + 2));
            var fill = Stopwatch.GetTimestamp();
            await Task.WhenAll(clients.Select(async c =>
            {
                for (var k = 0; k < perDevice; k++)
                    await c.PublishAsync(DeviceClient.Temp, hourStart + (60L * k), Ct);
            }));
            var fillSeconds = Stopwatch.GetElapsedTime(fill).TotalSeconds;
            var queued = (await gateway.StatusAsync(Ct)).GetProperty("health");
            var rssQueuedMiB = RssKiB(gateway.ProcessId) / 1024.0;
            var backlog = devices * perDevice;

            // The replay, with an SOS every second on top.
            var pacedBefore = counters.Paced;
            var rejectedBefore = counters.Rejected;
            var cpu1 = CpuSeconds(gateway.ProcessId);
            var replay = Stopwatch.GetTimestamp();
            uplink.Restore();
            var sent = new List<long>();
            using var stopSos = CancellationTokenSource.CreateLinkedTokenSource(Ct);
            var pressing = Task.Run(async () =>
            {
                while (!stopSos.IsCancellationRequested)
                {
                    var at = Stopwatch.GetTimestamp();
                    await sos.PublishAsync(DeviceClient.Sos, Ct);
                    lock (sent)
                        sent.Add(at);
                    try
                    {
                        await Task.Delay(1000, stopSos.Token);
                    }
                    catch (OperationCanceledException) when (stopSos.IsCancellationRequested)
                    {
                    }
                }
            }, Ct);
            double current;
            while (true)
            {
                var snapshot = metrics.Snapshot(0, 0);
                int pressed;
                lock (sent)
                    pressed = sent.Count;
                // Every reading of the backlog and every press so far accepted, and every accepted reading in the store.
                if (snapshot.MessagesAccepted - accepted0 >= devices + backlog + pressed && snapshot.TelemetryQueueDepth == 0)
                {
                    current = Stopwatch.GetElapsedTime(replay).TotalSeconds;
                    break;
                }
                if (Stopwatch.GetElapsedTime(replay) > TimeSpan.FromMinutes(20))
                    throw new TimeoutException($"replay not done after 20 min: {snapshot.MessagesAccepted - accepted0} of {devices + backlog + pressed} accepted, telemetry queue {snapshot.TelemetryQueueDepth}");
                await Task.Delay(100, Ct);
            }
            var replayCores = (CpuSeconds(gateway.ProcessId) - cpu1) / current;
            await stopSos.CancelAsync();
            await pressing;
            // The gateway drops a message from its queue on the hub's PUBACK, which waits until the readings are durable: a
            // second view of "current" (its health, refreshed every second here).
            var drained = await Eventually.GetAsync(() => gateway.StatusAsync(Ct), s => s.GetProperty("health").GetProperty("queueDepth").GetInt64() == 0,
                TimeSpan.FromSeconds(60), "the gateway's queue drained");
            var drainedSeconds = Stopwatch.GetElapsedTime(replay).TotalSeconds;
            await Eventually.TrueAsync(() => onBoard.Keys.DefaultIfEmpty(0).Max() >= sent.Count, "every SOS on the board", Ct, TimeSpan.FromSeconds(30));
            var lateness = sent.Select((at, k) => Stopwatch.GetElapsedTime(at, onBoard.Where(e => e.Key >= k + 1).Min(e => e.Value)).TotalMilliseconds).Order().ToList();

            // The hub's store, counted: every reading once.
            var store = hub.Services.GetRequiredService<ITelemetryStore>();
            long stored = 0, missing = 0, extra = 0;
            foreach (var d in fleet)
            {
                var n = await store.CountAsync(new SeriesKey(d.Id, "temp"), Ct);
                stored += n;
                if (n < 1 + perDevice) missing++;
                if (n > 1 + perDevice) extra++;
            }
            var duplicates = counters.RejectedFor("duplicate");
            var report = string.Create(CultureInfo.InvariantCulture, $"""
                gateway benchmark, real hub ({devices} devices, one reading a minute each; the hub in-process with the devices, default budget {options.DeviceMessagesPerSecond}/s burst {options.DeviceMessageBurst}; {Environment.ProcessorCount} cores, load {LoadAverage()})
                  setup: {devices} devices registered through the API in {registerSeconds:F1} s, connected to the gateway in {connectSeconds:F1} s
                  steady: gateway RSS {rssMiB:F0} MiB, CPU {cores:F3} cores over {elapsed:F0} s; {steadyAccepted} messages accepted at the hub
                  outage of {outageMinutes} min of traffic: {backlog} messages queued in {fillSeconds:F1} s ({backlog / fillSeconds:F0} msg/s stored, fsync'd), queue {queued.GetProperty("queueBytes").GetInt64() / 1048576.0:F1} MiB, disk {queued.GetProperty("diskUsedBytes").GetInt64() / 1048576.0:F1} MiB; gateway RSS then {rssQueuedMiB:F0} MiB
                  replay: {backlog} messages current at the hub (accepted, telemetry queue empty) after {current:F1} s ({backlog / current:F0} msg/s), the gateway's queue seen empty after {drainedSeconds:F1} s; gateway CPU {replayCores:F2} cores, RSS {RssKiB(gateway.ProcessId) / 1024.0:F0} MiB after
                  hub: store {stored} temp readings of {(long)devices * (1 + perDevice)} expected ({missing} devices short, {extra} over); duplicates {duplicates}; rejections {counters.Rejected - rejectedBefore} during the replay ({counters.Describe()} in all); paced (0x97) {counters.Paced - pacedBefore}; gateway refusedByHub {drained.GetProperty("health").GetProperty("refusedByHub").GetInt64()}
                  live SOS during the replay ({lateness.Count}): median {lateness[lateness.Count / 2]:F0} ms, max {lateness[^1]:F0} ms from press to the duty staff's board
                """);
            TestContext.Current.SendDiagnosticMessage(report);
            Console.WriteLine(report);
            await File.WriteAllTextAsync(Path.Combine(Path.GetTempPath(), "sc-gateway-benchmark-realhub.txt"), report, Ct);
            Assert.Equal((long)devices * (1 + perDevice), stored);
        }
        finally
        {
            foreach (var c in clients)
            {
                if (c is not null)
                    await c.DisposeAsync();
            }
        }
    }

    private static string LoadAverage() => string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));

    /// <summary>The hub's pacing and rejection counters (meter SmartCommunity.Hub), by reason.</summary>
    private sealed class HubCounters : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly ConcurrentDictionary<string, long> _rejected = new(StringComparer.Ordinal);
        private long _paced;

        public HubCounters()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == HubMetrics.MeterName && instrument.Name is "sc.messages.gateway_paced" or "sc.messages.rejected")
                    listener.EnableMeasurementEvents(instrument);
            };
            _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
            {
                if (instrument.Name == "sc.messages.gateway_paced")
                {
                    Interlocked.Add(ref _paced, value);
                    return;
                }
                var reason = "?";
                foreach (var t in tags)
                {
                    if (t.Key == "reason")
                        reason = t.Value?.ToString() ?? "?";
                }
                _rejected.AddOrUpdate(reason, value, (_, n) => n + value);
            });
            _listener.Start();
        }

        public long Paced => Interlocked.Read(ref _paced);
        public long Rejected => _rejected.Values.Sum();
        public long RejectedFor(string reason) => _rejected.GetValueOrDefault(reason);
        public string Describe() => _rejected.IsEmpty ? "none" : string.Join(", ", _rejected.Select(r => $"{r.Key} {r.Value}"));

        public void Dispose() => _listener.Dispose();
    }

    private static double CpuSeconds(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // utime and stime are fields 14 and 15 of the line, 12 and 13 after the command name.
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
    }

    private static long RssKiB(int pid) =>
        long.Parse(File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1],
            CultureInfo.InvariantCulture);
}
