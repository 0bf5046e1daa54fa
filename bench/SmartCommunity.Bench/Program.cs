using System.Diagnostics;
using System.Runtime.InteropServices;
using MQTTnet.Protocol;
using SmartCommunity.Bench;
using SmartCommunity.Testing;

// Load benchmark (issues #2 and #8): the same MQTT fleet against a bare MQTTnet broker (the ceiling) and
// against the real hub in its own process, then publish → SignalR alert latency at idle and under load,
// then 10,000 connected devices on a fresh hub (RSS and CPU). `cluster` as the first argument runs the cluster bench instead.
// Measures and prints; never asserts. Run through scripts/bench, which builds both in Release first.

using var cts = new CancellationTokenSource();
// Ctrl+C, SIGTERM and SIGHUP all let the run unwind, so the hub process is killed and its data directory removed.
void Stop(PosixSignalContext context)
{
    context.Cancel = true;
    cts.Cancel();
}
using var onInt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
using var onHup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, Stop);

// `cluster`: 1 vs 2 hub instances on an external Mosquitto (issue #9, scripts/bench-cluster, bench/SmartCommunity.Bench/Cluster).
if (args is ["cluster", ..])
    return await SmartCommunity.Bench.Cluster.ClusterBench.MainAsync(args[1..], cts.Token);

// `attack`: the partial-packet attack (issue #15, Attack.cs, scripts/bench-attack).
if (args is ["attack", ..])
{
    if (args is [_, "--help" or "-h"])
    {
        Console.WriteLine(AttackOptions.Usage);
        return 0;
    }
    try
    {
        var attack = AttackOptions.Parse(args[1..]);
        return await AttackBench.RunAsync(attack, attack.HubDll ?? Bench.DefaultHubDll(), cts.Token);
    }
    catch (Exception ex) when (ex is ArgumentException or FormatException or OverflowException)
    {
        Console.Error.WriteLine(ex.Message);
        Console.Error.WriteLine(AttackOptions.Usage);
        return 2;
    }
    catch (OperationCanceledException) when (cts.IsCancellationRequested)
    {
        Console.Error.WriteLine("bench: cancelled");
        return 130;
    }
}

// `flood`: the abuse benchmark (issue #10): a flooding device against well-behaved ones, default device budget (Flood.cs).
var flood = args is ["flood", ..];
if (flood && args is [_, "--help" or "-h"])
{
    Console.WriteLine(FloodOptions.Usage);
    return 0;
}
if (args is ["--help"] or ["-h"])
{
    Console.WriteLine(BenchOptions.Usage);
    Console.WriteLine();
    Console.WriteLine(FloodOptions.Usage);
    return 0;
}

BenchOptions options = new();
FloodOptions floodOptions = new();
try
{
    if (flood)
        floodOptions = FloodOptions.Parse(args[1..]);
    else
        options = BenchOptions.Parse(args);
}
catch (Exception ex) when (ex is ArgumentException or FormatException or OverflowException)
{
    Console.Error.WriteLine(ex.Message);
    Console.Error.WriteLine(flood ? FloodOptions.Usage : BenchOptions.Usage);
    return 2;
}

try
{
    if (flood)
    {
        var floodReport = await FloodBench.RunAsync(floodOptions, floodOptions.HubDll ?? Bench.DefaultHubDll(), cts.Token);
        floodReport.Print(Console.Out);
        return 0;
    }
    var report = await Bench.RunAsync(options, cts.Token);
    report.Print(Console.Out);
    return 0;
}
catch (OperationCanceledException) when (cts.IsCancellationRequested)
{
    Console.Error.WriteLine("bench: cancelled");
    return 130;
}
catch (Exception ex)
{
    // By now the hub has been stopped (await using); report and fail the script.
    Console.Error.WriteLine($"bench: failed: {ex}");
    return 1;
}

namespace SmartCommunity.Bench
{
    public static class Bench
    {
        public static async Task<Report> RunAsync(BenchOptions o, CancellationToken ct)
        {
            var hubDll = o.HubDll ?? DefaultHubDll();
            var report = new Report(o);
            Log($"machine: {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, .NET {Environment.Version}");
            Log($"fleet-size phase: {(o.FleetDevices > 0 ? $"{o.FleetDevices} devices, one reading per {o.FleetReadingInterval.TotalSeconds:0} s each, held {o.FleetHold.TotalSeconds:0} s" : "skipped")}");
            Log($"fleet: {o.Clients} clients, climate pack {Senml.Climate(Senml.ClimateId(0), 42, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000 * 1000 + 123).Length} bytes, {o.Rounds} round(s) of {o.ThroughputDuration.TotalSeconds:0} s per throughput phase, {o.AlertEvents} SOS per latency phase");
            var climateIds = Enumerable.Range(0, o.Clients).Select(Senml.ClimateId).ToList();

            // A quick run starts the fleet phase's hub now, beside the first one, instead of after it: the two start-ups
            // overlap (6–7 s each on a busy box) and the second hub then idles until its phase. A full run starts it
            // afterwards, so the 10,000-device figures come from a hub that did nothing else.
            var fleetHub = o.Quick && !o.FleetOnly && o.FleetDevices > 0 ? FleetSize.StartHubAsync(hubDll, o, ct) : null;
            try
            {
                if (!o.FleetOnly)
                    await RunFirstHubAsync(hubDll, o, report, climateIds, ct);
                // 5. Fleet size, on a hub of its own (the first one is stopped by now), so its memory is the fleet's alone.
                if (o.FleetDevices > 0)
                {
                    var started = fleetHub;
                    fleetHub = null;
                    report.Fleet = await FleetSize.RunAsync(hubDll, o, ct, started);
                }
            }
            finally
            {
                // The first hub's phases failed or were cancelled: the idle fleet hub goes too.
                if (fleetHub is not null)
                    await StopQuietlyAsync(fleetHub);
            }
            return report;
        }

        private static async Task StopQuietlyAsync(Task<HubProcess> starting)
        {
            try
            {
                await (await starting).DisposeAsync();
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // It never started (its own error is reported by StartAsync); nothing to stop.
            }
        }

        private static async Task RunFirstHubAsync(string hubDll, BenchOptions o, Report report, List<string> climateIds, CancellationToken ct)
        {
            Log($"starting the hub: {hubDll} {string.Join(' ', [.. BenchOptions.StandardHubArgs, .. o.HubArgs])}");
            var starting = Stopwatch.GetTimestamp();
            await using var hub = await HubProcess.StartAsync(hubDll, [.. BenchOptions.StandardHubArgs, .. o.HubArgs], o.KeepData, TimeSpan.FromSeconds(90), ct);
            Log($"hub healthy (pid {hub.ProcessId}) {Stopwatch.GetElapsedTime(starting).TotalSeconds:0.0} s after its start");
            try
            {
                await RunPhasesAsync(hub, o, report, climateIds, ct);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                Console.Error.WriteLine($"bench: failed: {ex.Message}\n--- last lines of the hub log ({hub.LogPath}) ---\n{hub.Tail(30)}");
                throw;
            }
        }

        private static async Task RunPhasesAsync(HubProcess hub, BenchOptions o, Report report, List<string> climateIds, CancellationToken ct)
        {
            // 1. Set-up through the API: a place for the alerts to belong to, a staff member to see them, the devices.
            using var api = new HubApi(hub.BaseAddress, await HubApi.LoginAsync(hub.BaseAddress, HubProcess.AdminEmail, hub.AdminPassword, ct));
            var world = await api.CreateWorldAsync(ct);
            var climate = new List<(string, string?)>();
            if (o.RegisterThroughImport)
                climate.AddRange(await api.ImportDevicesAsync("climate", climateIds, world, ct));
            else
                foreach (var id in climateIds)
                    climate.Add((id, (await api.RegisterDeviceAsync("climate", id, world.HouseholdId, null, ct)).Secret));
            var sos = new List<(string, string?)>();
            for (var i = 0; i < o.SosDevices; i++)
            {
                var id = Senml.SosId(i);
                sos.Add((id, (await api.RegisterDeviceAsync("sos", id, world.HouseholdId, world.ResidentId, ct)).Secret));
            }
            Log($"hub up (pid {hub.ProcessId}, http {hub.HttpPort}, mqtt {hub.MqttPort}); registered {climate.Count} climate ({(o.RegisterThroughImport ? "one import" : "one request each")}) and {sos.Count} SOS devices");

            await using var alerts = await AlertLatency.ConnectAsync(hub.BaseAddress, await HubApi.LoginAsync(hub.BaseAddress, world.StaffEmail, world.StaffPassword, ct), ct);
            await using var fleet = await Fleet.ConnectAsync(hub.MqttPort, climate, ct);
            await using var buttons = await Fleet.ConnectAsync(hub.MqttPort, sos, ct);

            // 2 and 3. Ceiling and hub, interleaved round by round: this box is shared, and a ceiling measured a
            // minute apart from the hub would compare two different machines. Both fleets stay connected;
            // the idle one costs nothing but keep-alives.
            await using (var broker = await CeilingBroker.StartAsync(FreePort.Next()))
            {
                await using var ceilingFleet = await Fleet.ConnectAsync(broker.Port, [.. climateIds.Select(id => (id, (string?)null))], ct);
                // Warm-up (JIT tiers, SQLite caches, first batches), not recorded.
                await WarmUpAsync(ceilingFleet, o, ct);
                await WarmUpAsync(fleet, o, ct);
                var drained = Stopwatch.GetTimestamp();
                await api.WaitQueueEmptyAsync(TimeSpan.FromSeconds(60), ct);
                Log($"warm-up done; the hub stored its backlog in {Stopwatch.GetElapsedTime(drained).TotalSeconds:0.0} s");
                for (var round = 1; round <= o.Rounds; round++)
                {
                    foreach (var qos in new[] { MqttQualityOfServiceLevel.AtMostOnce, MqttQualityOfServiceLevel.AtLeastOnce })
                    {
                        report.Throughput.Add(await MeasureThroughputAsync("ceiling", round, ceilingFleet, qos, o, broker.CountersAsync, hub, ct));
                        report.Throughput.Add(await MeasureThroughputAsync("hub", round, fleet, qos, o, api.CountersAsync, hub, ct));
                        // No phase inherits the store's backlog.
                        await api.WaitQueueEmptyAsync(TimeSpan.FromSeconds(120), ct);
                    }
                }
            }

            // 4. Alert latency: idle, then under paced background load.
            await alerts.MeasureAsync("warm-up", buttons.Publishers, Math.Min(20, o.AlertEvents), o.AlertTimeout, api, ct);
            report.Idle = await MeasureLatencyAsync("idle", 0, alerts, buttons, fleet, api, hub, o, ct);
            var bgMessages = Math.Max(1, o.BackgroundReadingsPerSecond / Senml.ReadingsPerClimatePack);
            report.Load = await MeasureLatencyAsync($"load {o.BackgroundReadingsPerSecond} readings/s", bgMessages, alerts, buttons, fleet, api, hub, o, ct);
            if (o.HeavyLoadPhase)
            {
                await api.WaitQueueEmptyAsync(TimeSpan.FromSeconds(60), ct);
                report.Heavy = await MeasureLatencyAsync($"load {o.HeavyMessagesPerSecond} msg/s", o.HeavyMessagesPerSecond, alerts, buttons, fleet, api, hub, o, ct);
            }
            if (o.AlarmMessagesPerSecond > 0)
            {
                await api.WaitQueueEmptyAsync(TimeSpan.FromSeconds(60), ct);
                report.Alarm = await MeasureLatencyAsync($"alarm {o.AlarmMessagesPerSecond} msg/s", o.AlarmMessagesPerSecond, alerts, buttons, fleet, api, hub, o, ct);
            }
            var final = await api.StatsAsync(ct);
            report.HubRejected = final.MessagesRejected;
            report.RejectedByReason = await api.RejectionsByReasonAsync(ct);
            if (final.MessagesRejected > 0)
                Log($"WARNING: the hub rejected {final.MessagesRejected} messages ({string.Join(", ", report.RejectedByReason.Select(r => $"{r.Key} {r.Value}"))}); the rates above count accepted messages only");
            report.HubResidentBytes = hub.ResidentBytes();
        }

        private static async Task WarmUpAsync(Fleet fleet, BenchOptions o, CancellationToken ct)
        {
            await fleet.FloodAsync(MqttQualityOfServiceLevel.AtMostOnce, TimeSpan.FromSeconds(1), o.WarmUpMaxMessages, ct);
            await fleet.FloodAsync(MqttQualityOfServiceLevel.AtLeastOnce, TimeSpan.FromSeconds(1), o.WarmUpMaxMessages, ct);
        }

        private static async Task<ThroughputResult> MeasureThroughputAsync(
            string target, int round, Fleet fleet, MqttQualityOfServiceLevel qos, BenchOptions o, Func<CancellationToken, Task<Counters>> probe, HubProcess? hub, CancellationToken ct)
        {
            // A QoS 0 phase on a busy box can leave a minute of backlog in the sockets and the fleet without connections
            // (keep-alive behind it): the next phase would otherwise measure nothing (hub QoS 1: "0 (100 clients failed)").
            if (await fleet.ReconnectLostAsync(ct) is > 0 and var reconnected)
                Log($"round {round}, {target}: {reconnected} clients had lost their connection (keep-alive behind a backlog); connected again");
            var cpu = new CpuMeter(hub);
            var r = await Throughput.MeasureAsync(target, fleet, qos, o, probe, ct);
            r = r with { Cpu = cpu.Stop(), Round = round };
            Log($"round {round}, {target} QoS {(int)qos}: sent {r.Sent}, received {r.Received.Messages} in {r.Elapsed.TotalSeconds:0.0} s (drain {r.Drain.TotalSeconds:0.0} s) → {r.MessagesPerSecond:0} msg/s, {r.ReadingsPerSecond:0} readings/s ({r.StoredReadingsPerSecond:0} stored/s); " +
                $"store queue max {r.MaxQueueDepth}, mean {r.MeanQueueDepth:0}; cpu hub/bench/other {r.Cpu}");
            return r;
        }

        private static async Task<LatencyRun> MeasureLatencyAsync(
            string phase, int backgroundMessagesPerSecond, AlertLatency alerts, Fleet buttons, Fleet fleet, HubApi api, HubProcess hub, BenchOptions o, CancellationToken ct)
        {
            if (backgroundMessagesPerSecond > 0 && await fleet.ReconnectLostAsync(ct) is > 0 and var reconnected)
                Log($"{reconnected} background clients had lost their connection (keep-alive behind a backlog); connected again");
            using var background = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var pacing = backgroundMessagesPerSecond > 0 ? fleet.PaceAsync(backgroundMessagesPerSecond, background.Token) : null;
            try
            {
                // Let the background load settle into its steady state before the first press.
                if (pacing is not null)
                    await Task.Delay(o.Quick ? TimeSpan.FromSeconds(1) : TimeSpan.FromSeconds(3), ct);
                var before = await api.StatsAsync(ct);
                var cpu = new CpuMeter(hub);
                var started = Stopwatch.GetTimestamp();
                var latency = await alerts.MeasureAsync(phase, buttons.Publishers, o.AlertEvents, o.AlertTimeout, api, ct);
                var window = Stopwatch.GetElapsedTime(started);
                var use = cpu.Stop();
                var after = await api.StatsAsync(ct);
                // The hub's counters include the presses themselves (one message, one record each).
                var bgMessages = after.MessagesAccepted - before.MessagesAccepted - (latency.Events - latency.Missed);
                var bgReadings = after.ReadingsAccepted - before.ReadingsAccepted - (latency.Events - latency.Missed);
                await background.CancelAsync();
                var paced = pacing is null ? null : await pacing;
                var run = new LatencyRun(latency, backgroundMessagesPerSecond, bgMessages / window.TotalSeconds, bgReadings / window.TotalSeconds,
                    paced, after.TelemetryQueueDepth, use, window) { LoadAverage = LoadAverage() };
                var publisher = paced is null ? "" : $", published {paced.Rate:0} msg/s (dropped as late {paced.Skipped}, lost {paced.NotSent})";
                Log($"alert latency ({phase}): p50 {latency.Percentile(0.5):0.00} ms, p99 {latency.Percentile(0.99):0.00} ms, max {latency.Max:0.00} ms, missed {latency.Missed}; " +
                    $"background ingested {run.BackgroundMessagesPerSecond:0} msg/s = {run.BackgroundReadingsPerSecond:0} readings/s (target {backgroundMessagesPerSecond} msg/s{publisher}), " +
                    $"telemetry queue at the end {after.TelemetryQueueDepth}; cpu hub/bench/other {use}; load average {run.LoadAverage}");
                if (latency.Outliers.Count > 0)
                    Log($"  presses over {AlertLatency.OutlierMs:0} ms (s into the phase: ms): " +
                        string.Join(", ", latency.Outliers.Select(x => $"{x.AtSeconds:0.0}: {x.Ms:0}")));
                return run;
            }
            finally
            {
                await background.CancelAsync();
                if (pacing is not null)
                    await pacing;
            }
        }

        /// <summary>The 1-minute load average (/proc/loadavg): the box is shared, and a latency taken at load 20 is not one taken at 1.</summary>
        internal static string LoadAverage()
        {
            try
            {
                return File.ReadAllText("/proc/loadavg").Split(' ')[0];
            }
            catch (IOException)
            {
                return "?";
            }
        }

        /// <summary>hub/SmartCommunity.Hub/bin/Release/net10.0 under the repository root (the folder holding SmartCommunity.sln).</summary>
        internal static string DefaultHubDll() => RepoPaths.HubDll("Release");

        private static void Log(string line) => Console.Error.WriteLine($"[{DateTime.Now:HH:mm:ss}] {line}");
    }
}
