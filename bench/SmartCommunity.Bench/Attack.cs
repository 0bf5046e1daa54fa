using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using MQTTnet;
using MQTTnet.Protocol;
using SmartCommunity.Testing;

namespace SmartCommunity.Bench;

/// <summary>Options of the attack benchmark (issue #15): the partial-packet attack at a steady rate against one hub.</summary>
public sealed record AttackOptions
{
    public string? HubDll { get; init; }

    /// <summary>Attack connections opened per second, the four variants in turn.</summary>
    public int Rate { get; init; } = 50;

    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Measured without the attack, before and after it.</summary>
    public TimeSpan Baseline { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan After { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Registered devices whose credentials the credentialed variants use, in turn (each connection its own client id).</summary>
    public int Attackers { get; init; } = 20;

    public bool KeepData { get; init; }

    public IReadOnlyList<string> HubArgs { get; init; } = [];

    public const string Usage = """
        usage: SmartCommunity.Bench attack [--rate N] [--seconds S] [--after S] [--attackers N] [--hub-dll PATH] [--keep-data] [--hub-arg ARG]...
          --rate N        attack connections per second, TCP/WebSocket × anonymous/device in turn (default 50)
          --seconds S     how long the attack runs (default 60)
          --after S       measured after the attack (default 30; 10 s before it)
          --attackers N   devices whose credentials the credentialed variants use (default 20)
          --hub-dll PATH  the hub's Release build (e.g. an older one, for a before/after comparison)
          --keep-data     keep the hub's temporary data directory and log
          --hub-arg ARG   pass a setting to the hub
        """;

    public static AttackOptions Parse(IReadOnlyList<string> args)
    {
        var o = new AttackOptions();
        for (var i = 0; i < args.Count; i++)
        {
            string Next() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            int NextInt() => int.Parse(Next(), NumberStyles.Integer, CultureInfo.InvariantCulture) is var v && v > 0
                ? v : throw new ArgumentException($"{args[i]} must be a positive integer");
            o = args[i] switch
            {
                "--rate" => o with { Rate = NextInt() },
                "--seconds" => o with { Duration = TimeSpan.FromSeconds(NextInt()) },
                "--after" => o with { After = TimeSpan.FromSeconds(NextInt()) },
                "--attackers" => o with { Attackers = NextInt() },
                "--hub-dll" => o with { HubDll = Next() },
                "--keep-data" => o with { KeepData = true },
                "--hub-arg" => o with { HubArgs = [.. o.HubArgs, Next()] },
                _ => throw new ArgumentException($"unknown argument {args[i]}"),
            };
        }
        return o;
    }
}

/// <summary>One phase (before, during, after the attack): the hub's CPU and runnable threads per second, /health and PUBACK latency.</summary>
public sealed record AttackPhase(string Name, double[] CoresPerSecond, int[] RunnablePerSecond, double[] HealthMs, long HealthFailed, double[] PubAckMs, long PubAckFailed)
{
    public static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
}

/// <summary>
/// The partial-packet attack against the hub in its own process: a well-behaved device publishes QoS 1 every 100 ms and
/// /health is probed every 100 ms (each probe on its own, so a stalled hub shows as long probes, not as fewer of them)
/// while attack connections are opened at a steady rate, each sending part of a packet and closing its sending side.
/// Measures and prints; never asserts.
/// </summary>
public static class AttackBench
{
    private static readonly AttackVariant[] Variants = Enum.GetValues<AttackVariant>();
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(30);

    public static async Task<int> RunAsync(AttackOptions o, string hubDll, CancellationToken ct)
    {
        Log($"machine: {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, .NET {Environment.Version}");
        Log($"starting the hub: {hubDll} {string.Join(' ', o.HubArgs)}");
        await using var hub = await HubProcess.StartAsync(hubDll, o.HubArgs, o.KeepData, TimeSpan.FromSeconds(90), ct);
        using var api = new HubApi(hub.BaseAddress, await HubApi.LoginAsync(hub.BaseAddress, HubProcess.AdminEmail, hub.AdminPassword, ct));
        var world = await api.CreateWorldAsync(ct);
        var good = await api.RegisterDeviceAsync("climate", "clim-good", world.HouseholdId, null, ct);
        var attackers = new List<(string, string)>();
        for (var i = 0; i < o.Attackers; i++)
        {
            var id = $"clim-atk{i:00}";
            attackers.Add((id, (await api.RegisterDeviceAsync("climate", id, world.HouseholdId, null, ct)).Secret));
        }
        Log($"hub up (pid {hub.ProcessId}); attack: {o.Rate} connections/s for {o.Duration.TotalSeconds:0} s, {string.Join(", ", Variants)} in turn");

        using var device = new MqttClientFactory().CreateMqttClient();
        await device.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", hub.MqttPort)
            .WithCredentials(good.Device.Id, good.Secret).WithClientId(good.Device.Id)
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(30)).WithTimeout(ProbeTimeout).Build(), ct);

        var samples = new Samples();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var probes = new[]
        {
            PublishAsync(device, good.Device.Id, samples, stop.Token),
            HealthAsync(hub.BaseAddress, samples, stop.Token),
            CpuAsync(hub, samples, stop.Token),
        };
        var clock = Stopwatch.StartNew();
        var phases = new List<(string Name, TimeSpan From, TimeSpan To)>();

        await Task.Delay(o.Baseline, ct);
        phases.Add(("before", TimeSpan.Zero, clock.Elapsed));
        var attackStart = clock.Elapsed;
        var stats = await AttackAsync(hub, attackers, o, ct);
        phases.Add(($"attack ({o.Rate}/s)", attackStart, attackStart + o.Duration));
        // After the last attack connection was closed (or given up on, 10 s after it opened).
        var afterStart = clock.Elapsed;
        await Task.Delay(o.After, ct);
        phases.Add(("after", afterStart, clock.Elapsed));
        await stop.CancelAsync();
        await Task.WhenAll(probes);

        var report = phases.Select(p => samples.Phase(p.Name, p.From, p.To)).ToList();
        Print(Console.Out, o, hubDll, report, stats);
        return 0;
    }

    private sealed record AttackStats(long Opened, long OpenFailed, long ClosedByHub, long StillOpen);

    private static async Task<AttackStats> AttackAsync(HubProcess hub, List<(string Id, string Secret)> attackers, AttackOptions o, CancellationToken ct)
    {
        var target = new AttackTarget(hub.MqttPort, new Uri($"ws://127.0.0.1:{hub.HttpPort}/mqtt"));
        long opened = 0, openFailed = 0, closed = 0, stillOpen = 0;
        var running = new List<Task>();
        var interval = TimeSpan.FromSeconds(1.0 / o.Rate);
        var total = (int)(o.Duration.TotalSeconds * o.Rate);
        var start = Stopwatch.GetTimestamp();
        for (var n = 0; n < total; n++)
        {
            // Paced against the start, so a slow open does not slow the attack down.
            var due = interval * n - Stopwatch.GetElapsedTime(start);
            if (due > TimeSpan.Zero)
                await Task.Delay(due, ct);
            var variant = Variants[n % Variants.Length];
            var attacker = attackers[n / Variants.Length % attackers.Count];
            var clientId = $"{attacker.Id}-{n}";
            running.Add(Task.Run(async () =>
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                timeout.CancelAfter(TimeSpan.FromSeconds(10));
                AttackConnection connection;
                try
                {
                    connection = await AttackConnection.OpenAsync(variant, target, attacker, clientId, timeout.Token);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
                {
                    Interlocked.Increment(ref openFailed);
                    return;
                }
                await using (connection)
                {
                    Interlocked.Increment(ref opened);
                    if (await connection.ClosedByHubAsync(TimeSpan.FromSeconds(10)))
                        Interlocked.Increment(ref closed);
                    else
                        Interlocked.Increment(ref stillOpen);
                }
            }, CancellationToken.None));
        }
        await Task.WhenAll(running);
        return new AttackStats(opened, openFailed, closed, stillOpen);
    }

    private sealed class Samples
    {
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        public readonly ConcurrentBag<(TimeSpan At, double Ms, bool Ok)> Health = [];
        public readonly ConcurrentBag<(TimeSpan At, double Ms, bool Ok)> PubAcks = [];
        public readonly ConcurrentBag<(TimeSpan At, double Cores, int Runnable)> Cpu = [];

        public TimeSpan Now => _clock.Elapsed;

        public AttackPhase Phase(string name, TimeSpan from, TimeSpan to)
        {
            bool In(TimeSpan at) => at >= from && at < to;
            var health = Health.Where(s => In(s.At)).ToList();
            var acks = PubAcks.Where(s => In(s.At)).ToList();
            return new AttackPhase(name,
                [.. Cpu.Where(s => In(s.At)).Select(s => s.Cores)],
                [.. Cpu.Where(s => In(s.At)).Select(s => s.Runnable)],
                [.. health.Select(s => s.Ms).Order()], health.Count(s => !s.Ok),
                [.. acks.Select(s => s.Ms).Order()], acks.Count(s => !s.Ok));
        }
    }

    /// <summary>QoS 1 every 100 ms; one at a time (a device waits for its PUBACK), timed from publish to PUBACK.</summary>
    private static async Task PublishAsync(IMqttClient device, string id, Samples samples, CancellationToken ct)
    {
        for (uint seq = 1; !ct.IsCancellationRequested; seq++)
        {
            var at = samples.Now;
            var ok = false;
            try
            {
                var result = await device.PublishAsync(new MqttApplicationMessageBuilder().WithTopic($"sc/v1/{id}/up")
                    .WithPayload(Senml.Climate(id, seq)).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build(), CancellationToken.None);
                ok = result.ReasonCode == MqttClientPublishReasonCode.Success;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                // A timeout or a dropped connection: counted as failed at its full wait.
            }
            samples.PubAcks.Add((at, (samples.Now - at).TotalMilliseconds, ok));
            try
            {
                await Task.Delay(100, ct);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>GET /health every 100 ms, each probe on its own (at most 300 outstanding).</summary>
    private static async Task HealthAsync(Uri baseAddress, Samples samples, CancellationToken ct)
    {
        using var http = new HttpClient { BaseAddress = baseAddress, Timeout = ProbeTimeout };
        var outstanding = new List<Task>();
        while (!ct.IsCancellationRequested)
        {
            outstanding.RemoveAll(t => t.IsCompleted);
            if (outstanding.Count < 300)
                outstanding.Add(ProbeAsync());
            try
            {
                await Task.Delay(100, ct);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
        await Task.WhenAll(outstanding);

        async Task ProbeAsync()
        {
            var at = samples.Now;
            var ok = false;
            try
            {
                using var response = await http.GetAsync(new Uri("/health", UriKind.Relative), CancellationToken.None);
                ok = response.IsSuccessStatusCode;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
            }
            samples.Health.Add((at, (samples.Now - at).TotalMilliseconds, ok));
        }
    }

    /// <summary>The hub's CPU time each second, in cores.</summary>
    private static async Task CpuAsync(HubProcess hub, Samples samples, CancellationToken ct)
    {
        var last = hub.CpuTime() ?? TimeSpan.Zero;
        var lastAt = samples.Now;
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
            {
                var now = hub.CpuTime() ?? last;
                var at = samples.Now;
                samples.Cpu.Add((at, (now - last).TotalSeconds / (at - lastAt).TotalSeconds, RunnableThreads(hub.ProcessId)));
                (last, lastAt) = (now, at);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>The hub's threads in state R (running or waiting for a core) right now: a spinning connection is always one.</summary>
    private static int RunnableThreads(int pid)
    {
        var runnable = 0;
        try
        {
            foreach (var task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
            {
                try
                {
                    var stat = File.ReadAllText(Path.Combine(task, "stat"));
                    if (stat[(stat.LastIndexOf(')') + 2)..].StartsWith('R'))
                        runnable++;
                }
                catch (IOException)
                {
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
        return runnable;
    }

    private static void Print(TextWriter w, AttackOptions o, string hubDll, List<AttackPhase> phases, AttackStats stats)
    {
        static string F(double v) => double.IsNaN(v) ? "-" : v.ToString(v >= 100 ? "0" : "0.0", CultureInfo.InvariantCulture);
        static string C(double v) => double.IsNaN(v) ? "-" : v.ToString("0.00", CultureInfo.InvariantCulture);
        w.WriteLine($"hub: {hubDll}");
        w.WriteLine($"attack: {o.Rate} connections/s for {o.Duration.TotalSeconds:0} s ({string.Join(", ", Variants)} in turn): " +
            $"{stats.Opened} opened, {stats.OpenFailed} not opened within 10 s, {stats.ClosedByHub} closed by the hub within 10 s, {stats.StillOpen} still open then");
        w.WriteLine();
        w.WriteLine("| phase | hub CPU cores mean | max (per s) | hub threads runnable mean | max | /health p50 ms | p99 ms | max ms | failed | PUBACK p50 ms | p99 ms | max ms | failed |");
        w.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var p in phases)
        {
            w.WriteLine($"| {p.Name} | {C(p.CoresPerSecond.DefaultIfEmpty(double.NaN).Average())} | {C(p.CoresPerSecond.DefaultIfEmpty(double.NaN).Max())} " +
                $"| {F(p.RunnablePerSecond.Select(r => (double)r).DefaultIfEmpty(double.NaN).Average())} | {F(p.RunnablePerSecond.Select(r => (double)r).DefaultIfEmpty(double.NaN).Max())} " +
                $"| {F(AttackPhase.Percentile(p.HealthMs, 0.5))} | {F(AttackPhase.Percentile(p.HealthMs, 0.99))} | {F(p.HealthMs.DefaultIfEmpty(double.NaN).Max())} | {p.HealthFailed}/{p.HealthMs.Length} " +
                $"| {F(AttackPhase.Percentile(p.PubAckMs, 0.5))} | {F(AttackPhase.Percentile(p.PubAckMs, 0.99))} | {F(p.PubAckMs.DefaultIfEmpty(double.NaN).Max())} | {p.PubAckFailed}/{p.PubAckMs.Length} |");
        }
    }

    private static void Log(string line) => Console.Error.WriteLine($"[{DateTime.Now:HH:mm:ss}] {line}");
}
