using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using MQTTnet.Protocol;
using SmartCommunity.Testing;

namespace SmartCommunity.Bench.Cluster;

/// <summary>One measured phase: who consumed, what was sent and ingested, over which window, and who burned the CPU.</summary>
public sealed record ClusterPhase(
    string Target, int Instances, int Round, long Sent, long Ingested, IReadOnlyList<long> PerInstance, long Rejected,
    TimeSpan Elapsed, TimeSpan Drain, long FailedClients, ClusterCpuUse Cpu)
{
    public double MessagesPerSecond => Ingested / Elapsed.TotalSeconds;
}

/// <summary>
/// Issue #9: hub ingestion with 1 and 2 hub instances on a shared external broker, next to the broker's own ceiling,
/// measured side by side in one run. Every phase gets its own Mosquitto 2 (tests/infra/mosquitto/up.sh, private
/// directory and port), and every hub phase a fresh PostgreSQL database, a fresh InfluxDB database and its own Redis
/// channel prefix; the hub processes run with the settings of the cluster tests (HubCluster). K device clients
/// publish canonical climate packs at QoS 1 back to back to the broker; what counts is what the consumers took in
/// (hubs: the sum of GET /api/stats messagesAccepted over the instances), from the first publish to the last rise.
/// </summary>
public static class ClusterBench
{
    private const string Ceiling = "ceiling";

    public static async Task<int> MainAsync(IReadOnlyList<string> args, CancellationToken ct)
    {
        if (args is ["--help"] or ["-h"])
        {
            Console.WriteLine(ClusterOptions.Usage);
            return 0;
        }
        ClusterOptions o;
        try
        {
            o = ClusterOptions.Parse(args);
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or OverflowException)
        {
            Console.Error.WriteLine(ex.Message);
            Console.Error.WriteLine(ClusterOptions.Usage);
            return 2;
        }
        try
        {
            var phases = await RunAsync(o, ct);
            Print(Console.Out, o, phases);
            return 0;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            Console.Error.WriteLine("bench-cluster: cancelled");
            return 130;
        }
        catch (Exception ex)
        {
            Console.Error.WriteLine($"bench-cluster: failed: {ex}");
            return 1;
        }
    }

    public static async Task<List<ClusterPhase>> RunAsync(ClusterOptions o, CancellationToken ct)
    {
        var hubDll = o.HubDll ?? RepoPaths.HubDll("Release");
        var infra = Path.Combine(RepoPaths.Root, "tests", "infra");
        Log($"machine: {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, .NET {Environment.Version}; load average {LoadAverage()}");
        Log($"{o.Clients} QoS 1 publishers, {o.Duration.TotalSeconds:0} s per phase, {o.Rounds} round(s) of ceiling / 1 hub / 2 hubs; " +
            $"PostgreSQL {Redact(o.Postgres)}, Redis {o.Redis}, InfluxDB {o.InfluxUrl}");
        var phases = new List<ClusterPhase>();
        for (var round = 1; round <= o.Rounds; round++)
        {
            // Every other round in reverse, so a machine that gets busier (or quieter) during the run does not favour one target.
            int[] order = round % 2 == 1 ? [0, 1, 2] : [2, 1, 0];
            foreach (var instances in order)
            {
                var phase = instances == 0
                    ? await CeilingPhaseAsync(o, infra, round, ct)
                    : await HubPhaseAsync(o, infra, hubDll, instances, round, ct);
                phases.Add(phase);
                Log($"round {round}, {Label(phase)}: sent {phase.Sent}, ingested {phase.Ingested} ({string.Join(" + ", phase.PerInstance)}) in {phase.Elapsed.TotalSeconds:0.0} s " +
                    $"(drain {phase.Drain.TotalSeconds:0.0} s) → {phase.MessagesPerSecond:0} msg/s; cores hubs {F(phase.Cpu.HubsTotal, "0.00")} / mosquitto {F(phase.Cpu.Mosquitto, "0.00")} / bench {F(phase.Cpu.Bench, "0.00")} / servers {F(phase.Cpu.Servers, "0.00")} / other {F(phase.Cpu.Other, "0.00")}" +
                    (phase.Rejected > 0 ? $"; WARNING: {phase.Rejected} rejected" : "") + (phase.FailedClients > 0 ? $"; WARNING: {phase.FailedClients} publishers lost their connection" : ""));
            }
        }
        return phases;
    }

    /// <summary>Phase 0: the same publishers, plain MQTTnet subscribers on the shared filter in place of the hubs.</summary>
    private static async Task<ClusterPhase> CeilingPhaseAsync(ClusterOptions o, string infra, int round, CancellationToken ct)
    {
        await using var broker = await BenchMosquitto.StartAsync(infra, ct);
        var devices = Enumerable.Range(0, o.Clients).Select(i => (Senml.ClimateId(i), RandomNumberGenerator.GetHexString(32, lowercase: true))).ToList();
        var filter = $"$share/bench/{Topic}";
        var password = RandomNumberGenerator.GetHexString(32, lowercase: true);
        await broker.ProvisionAsync(devices, "bench-ceiling", password, filter, ct);
        await using var subscribers = await SharedSubscribers.ConnectAsync(broker.Port, "bench-ceiling", password, filter, o.CeilingSubscribers, ct);
        await using var fleet = await Fleet.ConnectAsync(broker.Port, [.. devices.Select(d => (d.Item1, (string?)d.Item2))], ct);
        await WarmUpAsync(fleet, subscribers.CountersAsync, ct);
        var cpu = new ClusterCpuMeter([], broker.ProcessId);
        var r = await Throughput.MeasureAsync(Ceiling, fleet, MqttQualityOfServiceLevel.AtLeastOnce, Options(o), subscribers.CountersAsync, ct);
        return new ClusterPhase(Ceiling, 0, round, r.Sent, r.Received.Messages, [r.Received.Messages], 0, r.Elapsed, r.Drain, r.FailedClients, cpu.Stop());
    }

    /// <summary>Phases 1 and 2: N hub processes in one shared group on a fresh broker, database and Influx database.</summary>
    private static async Task<ClusterPhase> HubPhaseAsync(ClusterOptions o, string infra, string hubDll, int instances, int round, CancellationToken ct)
    {
        var id = Guid.NewGuid().ToString("N");
        var group = "b" + id[..10];
        var database = "sc_bench_" + id[..16];
        var postgres = WithDatabase(o.Postgres, database);
        await RequireServersAsync(o, ct);
        var hubs = new List<HubProcess>();
        var apis = new List<HubApi>();
        var broker = await BenchMosquitto.StartAsync(infra, ct);
        try
        {
            // One at a time: the first creates the database, migrates it and seeds the first admin (the others then find them).
            for (var i = 0; i < instances; i++)
            {
                var name = ((char)('a' + i)).ToString();
                Log($"round {round}, {instances} hub(s): starting instance {name} (group {group}, database {database})");
                hubs.Add(await HubProcess.StartAsync(hubDll, HubArgs(o, broker, postgres, group, database, name), o.KeepData, TimeSpan.FromSeconds(180), ct));
            }
            foreach (var hub in hubs)
                apis.Add(new HubApi(hub.BaseAddress, await HubApi.LoginAsync(hub.BaseAddress, HubProcess.AdminEmail, hubs[0].AdminPassword, ct)));

            // Devices registered through the API, as a technician would: the hub provisions them in Mosquitto (dynamic security).
            var world = await apis[0].CreateWorldAsync(ct);
            var devices = new List<(string, string?)>();
            for (var i = 0; i < o.Clients; i++)
            {
                var deviceId = Senml.ClimateId(i);
                devices.Add((deviceId, (await apis[0].RegisterDeviceAsync("climate", deviceId, world.HouseholdId, null, ct)).Secret));
            }
            await using var fleet = await Fleet.ConnectAsync(broker.Port, devices, ct);

            async Task<Counters> Probe(CancellationToken token)
            {
                var all = await Task.WhenAll(apis.Select(a => a.CountersAsync(token)));
                return new Counters(all.Sum(c => c.Messages), all.Sum(c => c.Readings), all.Sum(c => c.Rejected), all.Sum(c => c.QueueDepth));
            }
            await WarmUpAsync(fleet, Probe, ct);
            var before = await Task.WhenAll(apis.Select(a => a.CountersAsync(ct)));
            var cpu = new ClusterCpuMeter([.. hubs.Select(h => h.ProcessId)], broker.ProcessId);
            var r = await Throughput.MeasureAsync($"hub×{instances}", fleet, MqttQualityOfServiceLevel.AtLeastOnce, Options(o), Probe, ct);
            var use = cpu.Stop();
            var after = await Task.WhenAll(apis.Select(a => a.CountersAsync(ct)));
            var perInstance = after.Select((a, i) => a.Messages - before[i].Messages).ToList();
            return new ClusterPhase("hub", instances, round, r.Sent, r.Received.Messages, perInstance, r.Received.Rejected, r.Elapsed, r.Drain, r.FailedClients, use);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            foreach (var hub in hubs)
                Console.Error.WriteLine($"--- last lines of {hub.LogPath} ---\n{hub.Tail(30)}");
            throw;
        }
        finally
        {
            foreach (var api in apis)
                api.Dispose();
            foreach (var hub in hubs)
                await hub.DisposeAsync();
            await broker.DisposeAsync();
            if (!o.KeepData)
                await DropDatabasesAsync(o, database);
        }
    }

    /// <summary>Fails at once, with the way out, when a shared server is gone (rather than after a hub's 180 s health deadline).</summary>
    private static async Task RequireServersAsync(ClusterOptions o, CancellationToken ct)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        try
        {
            using var ping = await http.GetAsync(new Uri(o.InfluxUrl.TrimEnd('/') + "/ping"), ct);
            ping.EnsureSuccessStatusCode();
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            throw new InvalidOperationException($"InfluxDB does not answer at {o.InfluxUrl}/ping ({ex.Message}); start it with tests/infra/influx/up.sh", ex);
        }
        var keys = o.Postgres.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(p => p.Split('=', 2))
            .Where(kv => kv.Length == 2).ToDictionary(kv => kv[0].ToUpperInvariant(), kv => kv[1]);
        var redis = o.Redis.Split(',')[0].Split(':');
        foreach (var (what, host, port, script) in new[]
                 {
                     ("PostgreSQL", keys.GetValueOrDefault("HOST", "127.0.0.1"), keys.GetValueOrDefault("PORT", "5432"), "tests/infra/postgres/up.sh"),
                     ("Redis", redis[0], redis.Length > 1 ? redis[1] : "6379", "tests/infra/redis/up.sh"),
                 })
        {
            try
            {
                using var tcp = new System.Net.Sockets.TcpClient();
                await tcp.ConnectAsync(host, int.Parse(port, CultureInfo.InvariantCulture), ct).AsTask().WaitAsync(TimeSpan.FromSeconds(10), ct);
            }
            catch (Exception ex) when (ex is System.Net.Sockets.SocketException or TimeoutException)
            {
                throw new InvalidOperationException($"{what} does not answer at {host}:{port} ({ex.Message}); start it with {script}", ex);
            }
        }
    }

    /// <summary>The hub settings of the cluster tests (tests/SmartCommunity.Hub.Tests/Cluster/HubCluster.cs), with the bench's per-device budget.</summary>
    private static List<string> HubArgs(ClusterOptions o, BenchMosquitto broker, string postgres, string group, string database, string name) =>
    [
        "--Hub:Database:Provider=postgres",
        $"--ConnectionStrings:Hub={postgres}",
        $"--Hub:Redis:Configuration={o.Redis}",
        $"--Hub:Redis:ChannelPrefix={group}",
        "--Hub:Broker:Mode=external",
        "--Hub:Broker:External:Host=127.0.0.1",
        $"--Hub:Broker:External:Port={broker.Port.ToString(CultureInfo.InvariantCulture)}",
        $"--Hub:Broker:External:Username=sc-hub-{group}",
        $"--Hub:Broker:External:Password=pw-{group}",
        $"--Hub:Broker:External:AdminUsername={broker.AdminUser}",
        $"--Hub:Broker:External:AdminPassword={broker.AdminPassword}",
        $"--Hub:Broker:External:SharedGroup={group}",
        $"--Hub:Broker:External:ClientId=sc-hub-{group}-{name}",
        "--Hub:Broker:External:SessionExpiry=00:10:00",
        "--Telemetry:Backend=influxdb",
        $"--Telemetry:Influx:Url={o.InfluxUrl}",
        $"--Telemetry:Influx:Database={database}",
        // K clients stand in for a fleet of thousands, each far above a pendant's rate: the budget is raised as in scripts/bench.
        .. BenchOptions.StandardHubArgs,
        .. o.HubArgs,
    ];

    /// <summary>1 s of publishing, not recorded (JIT, connection pools, first batches), then wait until the consumers have taken it all in.</summary>
    private static async Task WarmUpAsync(Fleet fleet, Func<CancellationToken, Task<Counters>> probe, CancellationToken ct)
    {
        await fleet.FloodAsync(MqttQualityOfServiceLevel.AtLeastOnce, TimeSpan.FromSeconds(1), 5_000, ct);
        var last = await probe(ct);
        var steady = Stopwatch.GetTimestamp();
        var deadline = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(steady) < TimeSpan.FromSeconds(1.5) || last.QueueDepth > 0)
        {
            if (Stopwatch.GetElapsedTime(deadline) > TimeSpan.FromSeconds(90))
                throw new TimeoutException("the warm-up's messages were not all taken in within 90 s");
            await Task.Delay(200, ct);
            var now = await probe(ct);
            if (now.Messages != last.Messages)
                steady = Stopwatch.GetTimestamp();
            last = now;
        }
    }

    private static BenchOptions Options(ClusterOptions o) => new() { Clients = o.Clients, ThroughputDuration = o.Duration, ThroughputMaxMessages = 2_000_000 };

    private const string Topic = "sc/v1/+/up";

    private static string WithDatabase(string connection, string database)
    {
        var parts = connection.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(p => !p.StartsWith("Database=", StringComparison.OrdinalIgnoreCase)).ToList();
        parts.Add("Database=" + database);
        return string.Join(';', parts);
    }

    private static string Redact(string connection) => string.Join(';', connection.Split(';')
        .Select(p => p.StartsWith("Password=", StringComparison.OrdinalIgnoreCase) ? "Password=…" : p));

    /// <summary>Drops the phase's PostgreSQL database (psql, WITH (FORCE)) and InfluxDB database; a failure is reported, not fatal.</summary>
    private static async Task DropDatabasesAsync(ClusterOptions o, string database)
    {
        var keys = o.Postgres.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(p => p.Split('=', 2)).Where(kv => kv.Length == 2)
            .ToDictionary(kv => kv[0].ToUpperInvariant(), kv => kv[1]);
        string Key(string name, string fallback) => keys.TryGetValue(name, out var v) ? v : fallback;
        var psql = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin", "psql")).Where(File.Exists).Order().LastOrDefault() ?? "psql"
            : "psql";
        try
        {
            var start = new ProcessStartInfo(psql) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in new[] { "-h", Key("HOST", "127.0.0.1"), "-p", Key("PORT", "5432"), "-U", Key("USERNAME", "sc"), "-d", Key("DATABASE", "postgres"),
                         "-v", "ON_ERROR_STOP=1", "-qtA", "-c", $"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)" })
                start.ArgumentList.Add(a);
            start.Environment["PGPASSWORD"] = Key("PASSWORD", "");
            using var process = Process.Start(start)!;
            var stderr = process.StandardError.ReadToEndAsync();
            await process.StandardOutput.ReadToEndAsync();
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
            if (process.ExitCode != 0)
                Log($"WARNING: could not drop PostgreSQL database {database}: {(await stderr).Trim()}");
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or TimeoutException or InvalidOperationException)
        {
            Log($"WARNING: could not drop PostgreSQL database {database}: {ex.Message}");
        }
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
            using var response = await http.PostAsync(new Uri($"{o.InfluxUrl.TrimEnd('/')}/query?q={Uri.EscapeDataString($"DROP DATABASE \"{database}\"")}"), null);
            if (!response.IsSuccessStatusCode)
                Log($"WARNING: could not drop InfluxDB database {database}: {(int)response.StatusCode}");
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            Log($"WARNING: could not drop InfluxDB database {database}: {ex.Message}");
        }
    }

    // ---- report ----

    private static string Label(ClusterPhase p) => p.Instances switch
    {
        0 => "broker ceiling",
        1 => "1 hub instance",
        _ => $"{p.Instances} hub instances",
    };

    private static string F(double? v, string format = "0") =>
        v is { } x && double.IsFinite(x) ? x.ToString(format, CultureInfo.InvariantCulture) : "n/a";

    private static double Median(IEnumerable<double> values)
    {
        var v = values.Order().ToList();
        if (v.Count == 0)
            return double.NaN;
        return v.Count % 2 == 1 ? v[v.Count / 2] : (v[(v.Count / 2) - 1] + v[v.Count / 2]) / 2;
    }

    public static void Print(TextWriter w, ClusterOptions o, IReadOnlyList<ClusterPhase> phases)
    {
        w.WriteLine($"Cluster ingestion: {o.Clients} device clients publishing climate packs at QoS 1 back to back to a private Mosquitto 2, " +
            $"{o.Duration.TotalSeconds:0} s per phase, {o.Rounds} round(s); consumers on `$share/<group>/sc/v1/+/up`. Machine: {Environment.ProcessorCount} cores.");
        w.WriteLine();
        w.WriteLine("| phase | round | sent | ingested (per instance) | not ingested | window s | drain s | msg/s | CPU cores: hubs (per instance) / mosquitto / bench / PG+Influx+Redis / other |");
        w.WriteLine("|---|---|---|---|---|---|---|---|---|");
        foreach (var p in phases)
        {
            var hubs = p.Instances == 0 ? "-" : $"{F(p.Cpu.HubsTotal, "0.00")}" + (p.Instances > 1 ? $" ({string.Join(" + ", p.Cpu.Hubs.Select(h => F(h, "0.00")))})" : "");
            w.WriteLine($"| {Label(p)} | {p.Round} | {p.Sent} | {p.Ingested}{(p.Instances > 1 ? $" ({string.Join(" + ", p.PerInstance)})" : "")} | {p.Sent - p.Ingested} | " +
                $"{F(p.Elapsed.TotalSeconds, "0.0")} | {F(p.Drain.TotalSeconds, "0.0")} | {F(p.MessagesPerSecond)} | {hubs} / {F(p.Cpu.Mosquitto, "0.00")} / {F(p.Cpu.Bench, "0.00")} / {F(p.Cpu.Servers, "0.00")} / {F(p.Cpu.Other, "0.00")} |");
        }

        double Rate(int n) => Median(phases.Where(p => p.Instances == n).Select(p => p.MessagesPerSecond));
        string Span(int n)
        {
            var rates = phases.Where(p => p.Instances == n).Select(p => p.MessagesPerSecond).ToList();
            return rates.Count < 2 ? "" : $"{F(rates.Min())}–{F(rates.Max())}";
        }
        double? Mean(int n, Func<ClusterPhase, double?> pick)
        {
            var v = phases.Where(p => p.Instances == n).Select(pick).OfType<double>().ToList();
            return v.Count == 0 ? null : v.Average();
        }
        var ceiling = Rate(0);
        var hub1 = Rate(1);
        var hub2 = Rate(2);
        w.WriteLine();
        w.WriteLine("| consumer | msg/s (median) | msg/s all rounds | / ceiling | / 1 instance | CPU cores hubs / mosquitto / bench / PG+Influx+Redis / other (mean) |");
        w.WriteLine("|---|---|---|---|---|---|");
        foreach (var n in new[] { 0, 1, 2 })
        {
            var rate = Rate(n);
            w.WriteLine($"| {(n == 0 ? $"broker ceiling ({o.CeilingSubscribers} MQTTnet subscribers)" : n == 1 ? "1 hub instance" : "2 hub instances")} | {F(rate)} | {Span(n)} | " +
                $"{(n == 0 ? "1.00" : F(rate / ceiling, "0.00"))} | {(n == 0 ? "" : F(rate / hub1, "0.00"))} | " +
                $"{(n == 0 ? "-" : F(Mean(n, p => p.Cpu.HubsTotal), "0.00"))} / {F(Mean(n, p => p.Cpu.Mosquitto), "0.00")} / {F(Mean(n, p => p.Cpu.Bench), "0.00")} / {F(Mean(n, p => p.Cpu.Servers), "0.00")} / {F(Mean(n, p => p.Cpu.Other), "0.00")} |");
        }
        w.WriteLine();
        w.WriteLine($"Note: {Environment.ProcessorCount} cores shared by the publishers (bench), Mosquitto, the hub instance(s), PostgreSQL, InfluxDB and any other work " +
            "(*PG+Influx+Redis* is every postgres, influxd, nginx and redis-server process, which also serve other people's work; *other* is the rest of the machine). 2 instances on the same cores cannot show the scaling of 2 machines: hub2/hub1 says how two " +
            "instances share this box, not how a cluster of machines scales.");
        var rejected = phases.Sum(p => p.Rejected);
        if (rejected > 0)
            w.WriteLine($"WARNING: the hubs rejected {rejected} messages; the rates count accepted messages only.");
        w.WriteLine();
        w.WriteLine($"bench-cluster ceiling_msgs={F(ceiling)} hub1_msgs={F(hub1)} hub2_msgs={F(hub2)} ratio_hub1_ceiling={F(hub1 / ceiling, "0.00")} " +
            $"ratio_hub2_ceiling={F(hub2 / ceiling, "0.00")} ratio_hub2_hub1={F(hub2 / hub1, "0.00")} cores={Environment.ProcessorCount} " +
            $"clients={o.Clients} seconds={o.Duration.TotalSeconds:0} rounds={o.Rounds}");
    }

    private static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "?";
        }
    }

    private static void Log(string line) => Console.Error.WriteLine($"[{DateTime.Now:HH:mm:ss}] {line}");
}
