using System.Diagnostics;
using System.Globalization;
using MQTTnet;
using MQTTnet.Protocol;
using SmartCommunity.Testing;

namespace SmartCommunity.Bench;

/// <summary>
/// Options of the flood benchmark (issue #10, "throttling figures"): one hub with the DEFAULT per-device
/// budget, well-behaved devices at their normal pace, and one device flooding as fast as it can.
/// </summary>
public sealed record FloodOptions
{
    public string? HubDll { get; init; }

    /// <summary>How long each phase (baseline, QoS 0 flood, QoS 1 flood) runs.</summary>
    public TimeSpan PhaseDuration { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>Rounds of the three phases, interleaved (A B C A B C …); samples are pooled per phase.</summary>
    public int Rounds { get; init; } = 2;

    /// <summary>Well-behaved climate devices, each publishing one pack at QoS 1 per <see cref="ReadingInterval"/>.</summary>
    public int Devices { get; init; } = 50;

    public TimeSpan ReadingInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The SOS button is pressed this often (each alert resolved before the next press).</summary>
    public TimeSpan SosInterval { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>QoS 1 publishes the flooder keeps in flight in the QoS 1 phase.</summary>
    public int Qos1InFlight { get; init; } = 10;

    /// <summary>Unrecorded warm-up: each phase once, this long.</summary>
    public TimeSpan WarmUp { get; init; } = TimeSpan.FromSeconds(4);

    public TimeSpan AlertTimeout { get; init; } = TimeSpan.FromSeconds(10);

    public bool KeepData { get; init; }

    /// <summary>Extra hub settings (e.g. another budget); the bench passes none of its own, so the hub's defaults apply.</summary>
    public IReadOnlyList<string> HubArgs { get; init; } = [];

    public const string Usage = """
        usage: SmartCommunity.Bench flood [--seconds S] [--rounds R] [--devices N] [--sos-ms M] [--inflight K]
                                          [--hub-dll PATH] [--keep-data] [--hub-arg ARG]...
          --seconds S     seconds per phase (default 20)
          --rounds R      rounds of baseline / QoS 0 flood / QoS 1 flood, interleaved (default 2)
          --devices N     well-behaved climate devices, one QoS 1 pack per second each (default 50)
          --sos-ms M      SOS press interval in ms (default 200)
          --inflight K    QoS 1 publishes the flooder keeps in flight (default 10)
          --hub-dll PATH  the hub's Release build
          --keep-data     keep the hub's temporary data directory and log
          --hub-arg ARG   pass a setting to the hub (the device budget is left at the hub's default unless given here)
        """;

    public static FloodOptions Parse(IReadOnlyList<string> args)
    {
        var o = new FloodOptions();
        for (var i = 0; i < args.Count; i++)
        {
            string Next() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            int NextInt() => int.Parse(Next(), NumberStyles.Integer, CultureInfo.InvariantCulture) is var v && v > 0
                ? v : throw new ArgumentException($"{args[i]} must be a positive integer");
            o = args[i] switch
            {
                "--seconds" => o with { PhaseDuration = TimeSpan.FromSeconds(NextInt()) },
                "--rounds" => o with { Rounds = NextInt() },
                "--devices" => o with { Devices = NextInt() },
                "--sos-ms" => o with { SosInterval = TimeSpan.FromMilliseconds(NextInt()) },
                "--inflight" => o with { Qos1InFlight = NextInt() },
                "--hub-dll" => o with { HubDll = Next() },
                "--keep-data" => o with { KeepData = true },
                "--hub-arg" => o with { HubArgs = [.. o.HubArgs, Next()] },
                _ => throw new ArgumentException($"unknown argument {args[i]}"),
            };
        }
        return o;
    }
}

public enum FloodPhaseKind
{
    Baseline,
    FloodQos0,
    FloodQos1,
}

/// <summary>What the flooder did in one phase, from both ends: what the bench sent and acknowledged, what the hub counted.</summary>
/// <param name="Sent">Publishes completed (QoS 0: written to the socket; QoS 1: PUBACK received).</param>
/// <param name="Acked">QoS 1 PUBACKs with reason Success.</param>
/// <param name="AcceptedByHub">The hub's accepted-message counter over the phase, minus the others' and the SOS messages.</param>
/// <param name="RateLimited">The flooder's rate_limited rejections over the phase (GET /api/devices/{id}/rejections).</param>
/// <param name="Throttled">Change of the flooder's <c>throttled</c> count (budget found empty; at QoS 1 once per wait, not per message).</param>
public sealed record FlooderResult(long Sent, long Acked, long Failed, long AcceptedByHub, long RateLimited, long Throttled);

public sealed record FloodPhase(
    FloodPhaseKind Kind, int Round, TimeSpan Window, FlooderResult? Flooder,
    double[] OthersSortedMs, long OthersFailed, LatencyResult Sos, CpuUse Cpu)
{
    public double OthersPercentile(double p) => new LatencyResult("", OthersSortedMs.Length, 0, OthersSortedMs, []).Percentile(p);
}

/// <summary>
/// publish → PUBACK for the well-behaved devices and publish → SignalR for an SOS, with and without one device
/// flooding the hub; the hub keeps its default per-device budget (20 msg/s, burst 200).
/// </summary>
public static class FloodBench
{
    private const string FlooderQos0 = "flood-q0";
    private const string FlooderQos1 = "flood-q1";

    public static async Task<FloodReport> RunAsync(FloodOptions o, string hubDll, CancellationToken ct)
    {
        Log($"machine: {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, .NET {Environment.Version}");
        // No StandardHubArgs: the device budget stays at the hub's default. (HubProcess still turns the HTTP rate limits
        // off, which only concern the API the bench uses for set-up and for resolving alerts.)
        Log($"starting the hub: {hubDll} {string.Join(' ', o.HubArgs)}");
        await using var hub = await HubProcess.StartAsync(hubDll, o.HubArgs, o.KeepData, TimeSpan.FromSeconds(90), ct);
        try
        {
            return await RunPhasesAsync(hub, o, ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Console.Error.WriteLine($"bench flood: failed: {ex.Message}\n--- last lines of the hub log ({hub.LogPath}) ---\n{hub.Tail(30)}");
            throw;
        }
    }

    private static async Task<FloodReport> RunPhasesAsync(HubProcess hub, FloodOptions o, CancellationToken ct)
    {
        using var api = new HubApi(hub.BaseAddress, await HubApi.LoginAsync(hub.BaseAddress, HubProcess.AdminEmail, hub.AdminPassword, ct));
        var world = await api.CreateWorldAsync(ct);
        var climate = new List<(string, string?)>();
        for (var i = 0; i < o.Devices; i++)
        {
            var id = Senml.ClimateId(i);
            climate.Add((id, (await api.RegisterDeviceAsync("climate", id, world.HouseholdId, null, ct)).Secret));
        }
        var sosId = Senml.SosId(0);
        var sos = (sosId, (string?)(await api.RegisterDeviceAsync("sos", sosId, world.HouseholdId, world.ResidentId, ct)).Secret);
        // Two flooders, one per flood phase, so each starts its phase with a full bucket (it refills while the other phases run).
        var flooders = new List<(string, string?)>();
        foreach (var id in new[] { FlooderQos0, FlooderQos1 })
            flooders.Add((id, (await api.RegisterDeviceAsync("climate", id, world.HouseholdId, null, ct)).Secret));
        Log($"hub up (pid {hub.ProcessId}); {o.Devices} climate devices at one QoS 1 pack per {o.ReadingInterval.TotalSeconds:0.#} s, " +
            $"SOS every {o.SosInterval.TotalMilliseconds:0} ms, flooders {FlooderQos0} (QoS 0) and {FlooderQos1} (QoS 1, {o.Qos1InFlight} in flight); " +
            $"{o.Rounds} round(s) of {o.PhaseDuration.TotalSeconds:0} s per phase");

        await using var alerts = await AlertLatency.ConnectAsync(hub.BaseAddress, await HubApi.LoginAsync(hub.BaseAddress, world.StaffEmail, world.StaffPassword, ct), ct);
        await using var fleet = await Fleet.ConnectAsync(hub.MqttPort, climate, ct);
        await using var button = await Fleet.ConnectAsync(hub.MqttPort, [sos], ct);
        await using var flood = await Fleet.ConnectAsync(hub.MqttPort, flooders, ct);
        var ctx = new Context(hub, api, alerts, fleet.Publishers, button.Publishers[0], flood.Publishers[0], flood.Publishers[1], o);

        Log($"warm-up: each phase once for {o.WarmUp.TotalSeconds:0} s (not recorded)");
        foreach (var kind in Enum.GetValues<FloodPhaseKind>())
            await RunPhaseAsync(ctx, kind, 0, o.WarmUp, ct);

        var report = new FloodReport(o);
        for (var round = 1; round <= o.Rounds; round++)
        {
            foreach (var kind in Enum.GetValues<FloodPhaseKind>())
                report.Phases.Add(await RunPhaseAsync(ctx, kind, round, o.PhaseDuration, ct));
        }
        // The well-behaved devices must never have met the budget.
        var devices = await api.DevicesAsync(ct);
        report.OthersThrottledOrRejected = devices.Where(d => d.Id.StartsWith("clim-", StringComparison.Ordinal) || d.Id == sosId)
            .Sum(d => d.Throttled + d.Rejected);
        return report;
    }

    private sealed record Context(
        HubProcess Hub, HubApi Api, AlertLatency Alerts, IReadOnlyList<Publisher> Others, Publisher Sos, Publisher Qos0Flooder, Publisher Qos1Flooder, FloodOptions O);

    private static async Task<FloodPhase> RunPhaseAsync(Context c, FloodPhaseKind kind, int round, TimeSpan duration, CancellationToken ct)
    {
        var flooder = kind switch
        {
            FloodPhaseKind.FloodQos0 => c.Qos0Flooder,
            FloodPhaseKind.FloodQos1 => c.Qos1Flooder,
            _ => null,
        };
        await c.Api.WaitQueueEmptyAsync(TimeSpan.FromSeconds(60), ct);
        var before = await c.Api.StatsAsync(ct);
        var flooderBefore = flooder is null ? null : await c.Api.DeviceAsync(flooder.DeviceId, ct);
        var limitedBefore = flooder is null ? 0 : await c.Api.RejectedAsync(flooder.DeviceId, "rate_limited", ct);

        var cpu = new CpuMeter(c.Hub);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        stop.CancelAfter(duration);
        var started = Stopwatch.GetTimestamp();
        var others = PaceOthersAsync(c.Others, c.O.ReadingInterval, stop.Token);
        var flooding = kind switch
        {
            FloodPhaseKind.FloodQos0 => FloodAsync(flooder!, MqttQualityOfServiceLevel.AtMostOnce, 1, stop.Token),
            FloodPhaseKind.FloodQos1 => FloodAsync(flooder!, MqttQualityOfServiceLevel.AtLeastOnce, c.O.Qos1InFlight, stop.Token),
            _ => Task.FromResult((Sent: 0L, Acked: 0L, Failed: 0L)),
        };
        var name = round == 0 ? $"warm-up {kind}" : $"{kind} round {round}";
        var sos = await c.Alerts.MeasureAsync(name, [c.Sos], int.MaxValue, c.O.AlertTimeout, c.Api, ct, every: c.O.SosInterval, duration: duration);
        var (othersMs, othersAcked, othersFailed) = await others;
        var (sent, acked, failed) = await flooding;
        var window = Stopwatch.GetElapsedTime(started);
        var use = cpu.Stop();

        // Let the hub work off what the flooder left in its socket before reading the counters.
        var after = await SettleAsync(c.Api, ct);
        FlooderResult? flooderResult = null;
        if (flooder is not null)
        {
            var state = await c.Api.DeviceAsync(flooder.DeviceId, ct);
            var limited = await c.Api.RejectedAsync(flooder.DeviceId, "rate_limited", ct);
            var accepted = after.MessagesAccepted - before.MessagesAccepted - othersAcked - (sos.Events - sos.Missed);
            flooderResult = new FlooderResult(sent, acked, failed, accepted, limited - limitedBefore, state.Throttled - flooderBefore!.Throttled);
        }
        var phase = new FloodPhase(kind, round, window, flooderResult, othersMs, othersFailed, sos, use);
        Log($"{name}: {window.TotalSeconds:0.0} s; others PUBACK p50 {phase.OthersPercentile(0.5):0.00} p99 {phase.OthersPercentile(0.99):0.00} ms ({othersMs.Length} acked, {othersFailed} failed); " +
            $"SOS p50 {sos.Percentile(0.5):0.00} p99 {sos.Percentile(0.99):0.00} ms ({sos.Events} presses, {sos.Missed} missed)" +
            (flooderResult is { } f ? $"; flooder sent {f.Sent} ({f.Sent / window.TotalSeconds:0}/s), hub accepted {f.AcceptedByHub} ({f.AcceptedByHub / window.TotalSeconds:0.0}/s), rate_limited {f.RateLimited}, throttled {f.Throttled}, failed {f.Failed}" : "") +
            $"; cpu hub/bench/other {use}");
        return phase;
    }

    /// <summary>Polls /api/stats until the hub's message counters stop moving (at most 30 s).</summary>
    private static async Task<StatsDto> SettleAsync(HubApi api, CancellationToken ct)
    {
        var last = await api.StatsAsync(ct);
        var until = Stopwatch.GetTimestamp() + Stopwatch.Frequency * 30;
        while (Stopwatch.GetTimestamp() < until)
        {
            await Task.Delay(300, ct);
            var now = await api.StatsAsync(ct);
            if (now.MessagesAccepted == last.MessagesAccepted && now.MessagesRejected == last.MessagesRejected && now.TelemetryQueueDepth == 0)
                return now;
            last = now;
        }
        return last;
    }

    /// <summary>
    /// Each device publishes one climate pack at QoS 1 per interval, the devices spread evenly over the interval,
    /// and times publish → PUBACK (sent once the readings are durable). A late publish is not caught up with a burst:
    /// the next one is simply due at its own slot.
    /// </summary>
    private static async Task<(double[] SortedMs, long Acked, long Failed)> PaceOthersAsync(IReadOnlyList<Publisher> devices, TimeSpan interval, CancellationToken stop)
    {
        var started = Stopwatch.GetTimestamp();
        var loops = devices.Select((p, i) => Task.Run(async () =>
        {
            var samples = new List<double>();
            long failed = 0;
            var offset = interval * i / devices.Count;
            for (var k = 0; ; k++)
            {
                var wait = offset + interval * k - Stopwatch.GetElapsedTime(started);
                try
                {
                    if (wait > TimeSpan.Zero)
                        await Task.Delay(wait, stop);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
                if (stop.IsCancellationRequested)
                    break;
                var message = p.Climate(MqttQualityOfServiceLevel.AtLeastOnce);
                var sent = Stopwatch.GetTimestamp();
                try
                {
                    var result = await p.Client.PublishAsync(message, CancellationToken.None);
                    if (result.ReasonCode == MqttClientPublishReasonCode.Success)
                        samples.Add(Stopwatch.GetElapsedTime(sent).TotalMilliseconds);
                    else
                        failed++;
                }
                catch (Exception ex) when (ex is MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException)
                {
                    failed++;
                    break;
                }
            }
            return (samples, failed);
        }, CancellationToken.None)).ToList();
        var all = await Task.WhenAll(loops);
        var ms = all.SelectMany(r => r.samples).ToArray();
        Array.Sort(ms);
        return (ms, ms.Length, all.Sum(r => r.failed));
    }

    /// <summary>The flooder: climate packs back to back, <paramref name="inFlight"/> publishes at a time, until <paramref name="stop"/>.</summary>
    private static async Task<(long Sent, long Acked, long Failed)> FloodAsync(Publisher p, MqttQualityOfServiceLevel qos, int inFlight, CancellationToken stop)
    {
        long sent = 0, acked = 0, failed = 0;
        var loops = Enumerable.Range(0, inFlight).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    // Not cancelled mid-publish (a torn QoS 1 exchange would break the session); the stop flag ends the loop.
                    var result = await p.Client.PublishAsync(p.Climate(qos), CancellationToken.None);
                    Interlocked.Increment(ref sent);
                    if (qos == MqttQualityOfServiceLevel.AtLeastOnce && result.ReasonCode == MqttClientPublishReasonCode.Success)
                        Interlocked.Increment(ref acked);
                }
                catch (Exception ex) when (ex is MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException)
                {
                    Interlocked.Increment(ref failed);
                    break;
                }
            }
        }, CancellationToken.None));
        await Task.WhenAll(loops);
        return (sent, acked, failed);
    }

    private static void Log(string line) => Console.Error.WriteLine($"[{DateTime.Now:HH:mm:ss}] {line}");
}

/// <summary>The flood benchmark's output: one Markdown table (per round, then pooled per phase) and one summary line.</summary>
public sealed class FloodReport(FloodOptions options)
{
    public List<FloodPhase> Phases { get; } = [];

    /// <summary>Throttled + rejected counts of the well-behaved devices and the SOS button at the end (should be 0).</summary>
    public long OthersThrottledOrRejected { get; set; }

    private static string F(double v, string format = "0") => double.IsFinite(v) ? v.ToString(format, CultureInfo.InvariantCulture) : "n/a";

    private static string Label(FloodPhaseKind k) => k switch
    {
        FloodPhaseKind.Baseline => "A baseline (no flooder)",
        FloodPhaseKind.FloodQos0 => "B flooder QoS 0",
        _ => "C flooder QoS 1",
    };

    /// <summary>All rounds of one phase as a single phase: samples pooled, counts and windows summed, CPU time-weighted.</summary>
    public FloodPhase? Pooled(FloodPhaseKind kind)
    {
        var runs = Phases.Where(p => p.Kind == kind).ToList();
        if (runs.Count == 0)
            return null;
        var window = TimeSpan.FromTicks(runs.Sum(r => r.Window.Ticks));
        var others = runs.SelectMany(r => r.OthersSortedMs).Order().ToArray();
        var sosMs = runs.SelectMany(r => r.Sos.SortedMs).Order().ToArray();
        var sos = new LatencyResult(Label(kind), runs.Sum(r => r.Sos.Events), runs.Sum(r => r.Sos.Missed), sosMs, []);
        FlooderResult? flooder = runs.All(r => r.Flooder is not null)
            ? new FlooderResult(runs.Sum(r => r.Flooder!.Sent), runs.Sum(r => r.Flooder!.Acked), runs.Sum(r => r.Flooder!.Failed),
                runs.Sum(r => r.Flooder!.AcceptedByHub), runs.Sum(r => r.Flooder!.RateLimited), runs.Sum(r => r.Flooder!.Throttled))
            : null;
        double? Weighted(Func<CpuUse, double?> f) => runs.All(r => f(r.Cpu) is not null)
            ? runs.Sum(r => f(r.Cpu)!.Value * r.Window.TotalSeconds) / window.TotalSeconds : null;
        var cpu = new CpuUse(Weighted(u => u.HubCores), Weighted(u => u.BenchCores) ?? double.NaN, Weighted(u => u.OtherCores));
        return new FloodPhase(kind, 0, window, flooder, others, runs.Sum(r => r.OthersFailed), sos, cpu);
    }

    private static double Ratio(double v, double baseline) => baseline > 0 ? v / baseline : double.NaN;

    public void Print(TextWriter w)
    {
        w.WriteLine();
        w.WriteLine($"Flooding device ({options.Devices} devices × 1 QoS 1 climate pack per {options.ReadingInterval.TotalSeconds:0.#} s, SOS every {options.SosInterval.TotalMilliseconds:0} ms, " +
            $"{options.PhaseDuration.TotalSeconds:0} s per phase, {options.Rounds} round(s) interleaved; hub budget at its default unless --hub-arg changed it)");
        w.WriteLine();
        w.WriteLine("| phase | round | window s | flooder offered msg/s | flooder accepted msg/s | flooder rate_limited | flooder throttled | others PUBACKs (failed) | others p50 ms | others p99 ms | others p99 / baseline | SOS presses (missed) | SOS p50 ms | SOS p99 ms | SOS p99 / baseline | CPU cores hub / bench / other |");
        w.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var round in Phases.Select(p => p.Round).Distinct())
        {
            var baseline = Phases.FirstOrDefault(p => p.Round == round && p.Kind == FloodPhaseKind.Baseline);
            foreach (var p in Phases.Where(p => p.Round == round))
                Row(w, p, round.ToString(CultureInfo.InvariantCulture), baseline);
        }
        var pooledBaseline = Pooled(FloodPhaseKind.Baseline);
        foreach (var kind in Enum.GetValues<FloodPhaseKind>())
        {
            if (Pooled(kind) is { } p)
                Row(w, p, "**all**", pooledBaseline);
        }
        w.WriteLine();
        w.WriteLine($"Well-behaved devices and the SOS button throttled or rejected at the end of the run: {OthersThrottledOrRejected}.");
        w.WriteLine();
        w.WriteLine(SummaryLine());
    }

    private static void Row(TextWriter w, FloodPhase p, string round, FloodPhase? baseline)
    {
        var secs = p.Window.TotalSeconds;
        var f = p.Flooder;
        var othersP99 = p.OthersPercentile(0.99);
        var sosP99 = p.Sos.Percentile(0.99);
        w.WriteLine($"| {Label(p.Kind)} | {round} | {F(secs, "0.0")} | {(f is null ? "" : F(f.Sent / secs))} | {(f is null ? "" : F(f.AcceptedByHub / secs, "0.0"))} | " +
            $"{(f is null ? "" : f.RateLimited.ToString(CultureInfo.InvariantCulture))} | {(f is null ? "" : f.Throttled.ToString(CultureInfo.InvariantCulture))} | " +
            $"{p.OthersSortedMs.Length} ({p.OthersFailed}) | {F(p.OthersPercentile(0.5), "0.00")} | {F(othersP99, "0.00")} | " +
            $"{(baseline is null ? "" : F(Ratio(othersP99, baseline.OthersPercentile(0.99)), "0.00"))} | {p.Sos.Events} ({p.Sos.Missed}) | {F(p.Sos.Percentile(0.5), "0.00")} | {F(sosP99, "0.00")} | " +
            $"{(baseline is null ? "" : F(Ratio(sosP99, baseline.Sos.Percentile(0.99)), "0.00"))} | {p.Cpu} |");
    }

    public string SummaryLine()
    {
        var a = Pooled(FloodPhaseKind.Baseline);
        var parts = new List<string> { "bench-flood" };
        foreach (var (kind, tag) in new[] { (FloodPhaseKind.FloodQos0, "qos0"), (FloodPhaseKind.FloodQos1, "qos1") })
        {
            if (Pooled(kind) is not { Flooder: { } f } p || a is null)
                continue;
            var secs = p.Window.TotalSeconds;
            parts.Add($"flooder_offered_{tag}={F(f.Sent / secs)}");
            parts.Add($"flooder_accepted_{tag}={F(f.AcceptedByHub / secs, "0.0")}");
            parts.Add($"others_p99_ratio_{tag}={F(Ratio(p.OthersPercentile(0.99), a.OthersPercentile(0.99)), "0.00")}");
            parts.Add($"sos_p99_ratio_{tag}={F(Ratio(p.Sos.Percentile(0.99), a.Sos.Percentile(0.99)), "0.00")}");
        }
        if (a is not null)
        {
            parts.Add($"others_p99_baseline_ms={F(a.OthersPercentile(0.99), "0.00")}");
            parts.Add($"sos_p99_baseline_ms={F(a.Sos.Percentile(0.99), "0.00")}");
        }
        parts.Add($"others_throttled={OthersThrottledOrRejected}");
        return string.Join(' ', parts);
    }
}
