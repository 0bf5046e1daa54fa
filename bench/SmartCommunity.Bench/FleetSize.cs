using System.Diagnostics;
using MQTTnet.Protocol;
using SmartCommunity.Testing;

namespace SmartCommunity.Bench;

/// <summary>What the fleet-size phase saw: set-up times, the paced hold, and the hub's memory and CPU at each step.</summary>
public sealed record FleetResult(
    int Requested, int Devices, TimeSpan RegisterElapsed, string RegisterHow,
    TimeSpan ConnectElapsed, int ConnectParallelism, int OnlineAtHub,
    TimeSpan Hold, TimeSpan ReadingInterval, PacedResult Paced, long Accepted, long ReadingsAccepted, long Rejected,
    ProcMemory HubBeforeRegistration, ProcMemory HubRegistered, ProcMemory HubConnected, ProcMemory HubEnd, long? HubMaxRssDuringHold,
    CpuUse ConnectCpu, CpuUse HoldCpu, ProcMemory BenchConnected, ProcMemory BenchEnd)
{
    public double RegisterPerSecond => Devices / RegisterElapsed.TotalSeconds;
    public double ConnectPerSecond => Devices / ConnectElapsed.TotalSeconds;
    public double AcceptedRatio => Paced.Sent == 0 ? double.NaN : (double)Accepted / Paced.Sent;
}

/// <summary>
/// Phase 5 (issue #8, "fleet size"): N devices (10,000 by default) registered through the API, all connected at
/// once with a 30 s keep-alive, each publishing one climate pack every 10 s (N / 10 msg/s in total, round-robin,
/// so the devices' publishes are spread evenly over the interval), held for a fixed time. Runs against its own,
/// fresh hub process, so the memory it reports is the fleet's and not the throughput phases' heap. The hub keeps
/// its default per-device budget here (20 msg/s): one message per 10 s is far below it.
/// </summary>
public static class FleetSize
{
    /// <summary>The phase's own hub, with the bench's settings (the default device budget: see the class comment).</summary>
    public static Task<HubProcess> StartHubAsync(string hubDll, BenchOptions o, CancellationToken ct) =>
        HubProcess.StartAsync(hubDll, o.HubArgs, o.KeepData, TimeSpan.FromSeconds(90), ct);

    /// <param name="started">A hub started earlier for this phase (a quick run starts it beside the first hub); null starts one now.</param>
    public static async Task<FleetResult> RunAsync(string hubDll, BenchOptions o, CancellationToken ct, Task<HubProcess>? started = null)
    {
        var devices = o.FleetDevices;
        // Every client is a socket in this process (and one in the hub, which inherits the limit); stdio, the
        // runtime and the other fleets need a few hundred more.
        if (ProcStatus.OpenFileLimit() is { } limit && limit < devices + 1000)
            throw new InvalidOperationException(
                $"the open-file limit (ulimit -n) is {limit}, too low for {devices} MQTT clients plus the hub; raise it (scripts/bench does, up to the hard limit) or pass a smaller --fleet");

        Log(started is null ? $"fleet: starting a fresh hub for {devices} devices" : $"fleet: {devices} devices on the hub started beside the first one");
        await using var hub = await (started ?? StartHubAsync(hubDll, o, ct));
        try
        {
            return await RunAsync(hub, devices, o, ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            Console.Error.WriteLine($"bench: fleet phase failed: {ex.Message}\n--- last lines of the hub log ({hub.LogPath}) ---\n{hub.Tail(30)}");
            throw;
        }
    }

    private static async Task<FleetResult> RunAsync(HubProcess hub, int requested, BenchOptions o, CancellationToken ct)
    {
        using var api = new HubApi(hub.BaseAddress, await HubApi.LoginAsync(hub.BaseAddress, HubProcess.AdminEmail, hub.AdminPassword, ct));
        var world = await api.CreateWorldAsync(ct);
        var beforeRegistration = hub.Memory();

        // 1. Registration: bulk onboarding, HubApi.ImportBatch devices a request, one request at a time (the way an
        //    administrator adds a fleet), or with --register api one POST /api/devices per device, a few in flight.
        //    Bounded by a deadline: if the API is too slow for the whole fleet, the phase goes on with what it got
        //    and the report says so.
        var registered = new (string Id, string? Secret)[requested];
        var done = 0;
        var started = Stopwatch.GetTimestamp();
        using (var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct))
        {
            deadline.CancelAfter(o.FleetRegisterDeadline);
            try
            {
                if (o.RegisterThroughImport)
                {
                    for (var from = 0; from < requested; from += HubApi.ImportBatch)
                    {
                        var ids = Enumerable.Range(from, Math.Min(HubApi.ImportBatch, requested - from)).Select(Senml.FleetId).ToList();
                        var batch = await api.ImportDevicesAsync("climate", ids, world, deadline.Token);
                        for (var i = 0; i < batch.Count; i++)
                            registered[from + i] = batch[i];
                        done += batch.Count;
                        if (done < requested)
                            Log($"fleet: registered {done} devices in {Stopwatch.GetElapsedTime(started).TotalSeconds:0.0} s");
                    }
                }
                else
                {
                    await Parallel.ForAsync(0, requested, new ParallelOptions { MaxDegreeOfParallelism = o.FleetRegisterParallelism, CancellationToken = deadline.Token }, async (i, token) =>
                    {
                        var id = Senml.FleetId(i);
                        registered[i] = (id, (await api.RegisterDeviceAsync("climate", id, world.HouseholdId, null, token)).Secret);
                        if (Interlocked.Increment(ref done) % 1000 == 0)
                            Log($"fleet: registered {done} devices in {Stopwatch.GetElapsedTime(started).TotalSeconds:0.0} s");
                    });
                }
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                Log($"WARNING: registration hit its {o.FleetRegisterDeadline.TotalSeconds:0} s deadline after {done} of {requested} devices; the fleet phase continues with those");
            }
        }
        var registerElapsed = Stopwatch.GetElapsedTime(started);
        var fleetDevices = registered.Where(d => d.Id is not null).ToList();
        var afterRegistration = hub.Memory();
        var how = o.RegisterThroughImport ? $"imports of up to {HubApi.ImportBatch}" : $"{o.FleetRegisterParallelism} requests in flight";
        Log($"fleet: registered {fleetDevices.Count} devices in {registerElapsed.TotalSeconds:0.0} s ({fleetDevices.Count / registerElapsed.TotalSeconds:0}/s, {how}); hub {afterRegistration}");

        // 2. Connect them all (MQTT 5, 30 s keep-alive, clean session), a bounded number of handshakes at a time.
        var connectCpu = new CpuMeter(hub);
        started = Stopwatch.GetTimestamp();
        Fleet fleet;
        using (var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct))
        {
            deadline.CancelAfter(o.FleetConnectDeadline);
            fleet = await Fleet.ConnectAsync(hub.MqttPort, fleetDevices, deadline.Token, o.FleetConnectParallelism);
        }
        await using var _ = fleet;
        var connectElapsed = Stopwatch.GetElapsedTime(started);
        var connectUse = connectCpu.Stop();
        // The hub marks a device online on its first accepted message, not on connect (Ingestion/IngestionPipeline.cs): devices
        // online is read after the hold instead.
        var benchConnected = ProcStatus.Self();
        var connected = hub.Memory();
        Log($"fleet: connected {fleet.Publishers.Count} clients in {connectElapsed.TotalSeconds:0.0} s ({fleet.Publishers.Count / connectElapsed.TotalSeconds:0}/s); " +
            $"hub {connected}; bench {benchConnected}; cpu hub/bench/other {connectUse}");

        // 3. Hold: every device publishes one climate pack per interval, spread evenly, for the hold time.
        var rate = Math.Max(1, (int)Math.Round(fleet.Publishers.Count / o.FleetReadingInterval.TotalSeconds));
        var before = await api.StatsAsync(ct);
        var holdCpu = new CpuMeter(hub);
        long? maxRss = null;
        var series = new List<string>();
        PacedResult paced;
        using (var hold = CancellationTokenSource.CreateLinkedTokenSource(ct))
        {
            hold.CancelAfter(o.FleetHold);
            var pacing = fleet.PaceAsync(rate, hold.Token);
            // RSS every 10 s while holding (VmHWM also covers registration and connect; this is the hold alone),
            // logged as it is taken so a long hold shows its curve while it runs.
            while (!pacing.IsCompleted)
            {
                await Task.WhenAny(pacing, Task.Delay(TimeSpan.FromSeconds(10), CancellationToken.None));
                var sample = hub.Memory().RssBytes;
                series.Add($"{holdCpu.Elapsed.TotalSeconds:0}s {ProcMemory.Mib(sample):0}");
                Log($"fleet: hold {holdCpu.Elapsed.TotalSeconds:0} s, hub VmRSS {ProcMemory.Mib(sample):0} MiB");
                if (sample is { } rss && rss > (maxRss ?? 0))
                    maxRss = rss;
            }
            paced = await pacing;
        }
        var holdUse = holdCpu.Stop();
        Log($"fleet: hub VmRSS MiB during the hold: {string.Join(", ", series)}");
        // QoS 0 has no acknowledgement: wait until the hub's count stops rising before comparing it with what was sent.
        var after = await api.StatsAsync(ct);
        for (var quiet = 0; quiet < 4 && after.MessagesAccepted - before.MessagesAccepted < paced.Sent;)
        {
            await Task.Delay(250, ct);
            var now = await api.StatsAsync(ct);
            quiet = now.MessagesAccepted == after.MessagesAccepted ? quiet + 1 : 0;
            after = now;
        }
        var online = after.DevicesOnline;
        var end = hub.Memory();
        var benchEnd = ProcStatus.Self();
        var result = new FleetResult(requested, fleet.Publishers.Count, registerElapsed, how, connectElapsed, o.FleetConnectParallelism, online,
            paced.Elapsed, o.FleetReadingInterval, paced, after.MessagesAccepted - before.MessagesAccepted, after.ReadingsAccepted - before.ReadingsAccepted,
            after.MessagesRejected - before.MessagesRejected, beforeRegistration, afterRegistration, connected, end, maxRss, connectUse, holdUse, benchConnected, benchEnd);
        Log($"fleet: held {paced.Elapsed.TotalSeconds:0} s at {rate} msg/s target: sent {paced.Sent} (skipped {paced.Skipped}, not sent on {paced.LostClients} lost connections {paced.NotSent}), accepted {result.Accepted} ({result.AcceptedRatio:P1}), rejected {result.Rejected}; " +
            $"{online} devices online at the hub; hub {end}, max RSS while holding {ProcMemory.Mib(maxRss):0} MiB; cpu hub/bench/other {holdUse}; bench {benchEnd}");
        return result;
    }

    private static void Log(string line) => Console.Error.WriteLine($"[{DateTime.Now:HH:mm:ss}] {line}");
}
