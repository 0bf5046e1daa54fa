using System.Diagnostics;
using System.Globalization;
using SmartCommunity.Testing;

namespace SmartCommunity.Gateway.Tests;

/// <summary>
/// A measurement, not a test (left out of ./test.sh): the gateway process with 3,000 connected devices at a reading a
/// minute each — its RSS and CPU — then an outage of <c>SC_GW_BENCH_OUTAGE_MINUTES</c> (60) of that fleet's traffic and the
/// replay: messages per second, time until the hub is current, and how late a live SOS sent every second during the
/// replay reaches the hub. Run:
/// <c>dotnet test --project tests/SmartCommunity.Gateway.Tests -c Release -- --filter-class "SmartCommunity.Gateway.Tests.GatewayBenchmark"</c>
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
