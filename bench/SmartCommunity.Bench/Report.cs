using System.Globalization;
using MQTTnet.Protocol;
using SmartCommunity.Testing;

namespace SmartCommunity.Bench;

/// <summary>One latency phase: the samples plus what the background load actually was while they were taken.</summary>
public sealed record LatencyRun(
    LatencyResult Latency, int BackgroundTargetMessagesPerSecond, double BackgroundMessagesPerSecond, double BackgroundReadingsPerSecond,
    PacedResult? Paced, long QueueDepthAtEnd, CpuUse Cpu, TimeSpan Window)
{
    /// <summary>The 1-minute load average at the end of the phase.</summary>
    public string LoadAverage { get; init; } = "?";
}

/// <summary>Collects the results and prints them: two Markdown tables (pasteable into docs/benchmarks.md) and one summary line.</summary>
public sealed class Report(BenchOptions options)
{
    /// <summary>Every throughput phase of every round.</summary>
    public List<ThroughputResult> Throughput { get; } = [];

    private ThroughputResult? CeilingQos0 => Median("ceiling", MqttQualityOfServiceLevel.AtMostOnce);
    private ThroughputResult? CeilingQos1 => Median("ceiling", MqttQualityOfServiceLevel.AtLeastOnce);
    private ThroughputResult? HubQos0 => Median("hub", MqttQualityOfServiceLevel.AtMostOnce);
    private ThroughputResult? HubQos1 => Median("hub", MqttQualityOfServiceLevel.AtLeastOnce);

    /// <summary>The round with the median msg/s (the upper median for an even count): a real run, not an average of runs.</summary>
    private ThroughputResult? Median(string target, MqttQualityOfServiceLevel qos)
    {
        var runs = Throughput.Where(r => r.Target == target && r.Qos == qos).OrderBy(r => r.MessagesPerSecond).ToList();
        return runs.Count == 0 ? null : runs[runs.Count / 2];
    }

    private string Range(string target, MqttQualityOfServiceLevel qos)
    {
        var rates = Throughput.Where(r => r.Target == target && r.Qos == qos).Select(r => r.MessagesPerSecond).ToList();
        return rates.Count < 2 ? "" : $"{F(rates.Min())}–{F(rates.Max())}";
    }
    public LatencyRun? Idle { get; set; }
    public LatencyRun? Load { get; set; }
    public LatencyRun? Heavy { get; set; }

    /// <summary>The optional phase at --alarm-msgs (issue #22: 20,000 msg/s).</summary>
    public LatencyRun? Alarm { get; set; }
    public long HubRejected { get; set; }
    public IReadOnlyDictionary<string, long> RejectedByReason { get; set; } = new Dictionary<string, long>();
    public long? HubResidentBytes { get; set; }
    public FleetResult? Fleet { get; set; }

    private static string F(double v, string format = "0") => double.IsFinite(v) ? v.ToString(format, CultureInfo.InvariantCulture) : "n/a";

    private static double Ratio(ThroughputResult? hub, ThroughputResult? ceiling) =>
        hub is null || ceiling is null || ceiling.MessagesPerSecond <= 0 ? double.NaN : hub.MessagesPerSecond / ceiling.MessagesPerSecond;

    public void Print(TextWriter w)
    {
        if (Throughput.Count > 0)
            PrintThroughputAndLatency(w);
        if (Fleet is { } f)
            PrintFleet(w, f);
        w.WriteLine();
        w.WriteLine(SummaryLine());
        w.WriteLine(IssueLine());
    }

    private static void PrintFleet(TextWriter w, FleetResult f)
    {
        w.WriteLine();
        w.WriteLine($"Fleet size: {f.Devices} devices connected at once (MQTT 5, 30 s keep-alive) to a fresh hub, one climate pack (QoS 0) per {F(f.ReadingInterval.TotalSeconds)} s each, " +
                    $"spread evenly, held {F(f.Hold.TotalSeconds)} s; memory from /proc/<pid>/status");
        w.WriteLine();
        w.WriteLine("| devices | register s (devices/s, how) | connect s (devices/s) | hold s | target msg/s | sent (skipped) | accepted | accepted/sent | rejected | online at hub | " +
                    "hub VmRSS MiB: before registration / registered / connected / end of hold | hub max VmRSS in hold MiB | hub VmHWM MiB | hub fds | CPU cores hub / bench / other: connect; hold | bench VmRSS MiB, fds |");
        w.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        var registered = f.Devices < f.Requested ? $" of {f.Requested} requested" : "";
        w.WriteLine($"| {f.Devices}{registered} | {F(f.RegisterElapsed.TotalSeconds, "0.0")} ({F(f.RegisterPerSecond)}, {f.RegisterHow}) | {F(f.ConnectElapsed.TotalSeconds, "0.0")} ({F(f.ConnectPerSecond)}) | " +
                    $"{F(f.Hold.TotalSeconds)} | {F(f.Devices / f.ReadingInterval.TotalSeconds)} | {f.Paced.Sent} ({f.Paced.Skipped}) | {f.Accepted} | {F(f.AcceptedRatio, "0.000")} | {f.Rejected} | {f.OnlineAtHub} | " +
                    $"{M(f.HubBeforeRegistration.RssBytes)} / {M(f.HubRegistered.RssBytes)} / {M(f.HubConnected.RssBytes)} / {M(f.HubEnd.RssBytes)} | {M(f.HubMaxRssDuringHold)} | {M(f.HubEnd.HwmBytes)} | " +
                    $"{f.HubEnd.OpenFds?.ToString(CultureInfo.InvariantCulture) ?? "?"} | {f.ConnectCpu}; {f.HoldCpu} | {M(f.BenchEnd.RssBytes)}, {f.BenchEnd.OpenFds?.ToString(CultureInfo.InvariantCulture) ?? "?"} |");
    }

    private static string M(long? bytes) => F(ProcMemory.Mib(bytes));

    private void PrintThroughputAndLatency(TextWriter w)
    {
        w.WriteLine();
        w.WriteLine($"Throughput ({options.Clients} MQTT clients, one message in flight each, climate packs of 2 readings; {F(options.ThroughputDuration.TotalSeconds)} s per phase; " +
                    $"median of {options.Rounds} round(s), ceiling and hub interleaved)");
        w.WriteLine();
        w.WriteLine("| target | QoS | sent | received | window s | drain s | msg/s | msg/s all rounds | readings/s | stored readings/s | hub/ceiling | store queue max / mean | CPU cores hub / bench / other |");
        w.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var (target, qos, ceiling) in new[]
                 {
                     ("ceiling", MqttQualityOfServiceLevel.AtMostOnce, (ThroughputResult?)null), ("ceiling", MqttQualityOfServiceLevel.AtLeastOnce, null),
                     ("hub", MqttQualityOfServiceLevel.AtMostOnce, CeilingQos0), ("hub", MqttQualityOfServiceLevel.AtLeastOnce, CeilingQos1),
                 })
        {
            if (Median(target, qos) is not { } r)
                continue;
            var hub = target == "hub";
            var ratio = hub ? F(Ratio(r, ceiling), "0.00") : "";
            var failed = r.FailedClients > 0 ? $" ({r.FailedClients} clients failed)" : "";
            w.WriteLine($"| {(hub ? "hub (SQLite store)" : "bare MQTTnet broker")} | {(int)qos} | {r.Sent}{failed} | {r.Received.Messages} | {F(r.Elapsed.TotalSeconds, "0.0")} | {F(r.Drain.TotalSeconds, "0.0")} | " +
                        $"{F(r.MessagesPerSecond)} | {Range(target, qos)} | {F(r.ReadingsPerSecond)} | {(hub ? F(r.StoredReadingsPerSecond) : "")} | {ratio} | " +
                        $"{(hub ? $"{r.MaxQueueDepth} / {F(r.MeanQueueDepth)}" : "")} | {r.Cpu} |");
        }
        w.WriteLine();
        w.WriteLine($"Alert latency: SOS publish (MQTT QoS 1) → AlertRaised at a SignalR client signed in as staff, one press at a time, {options.AlertEvents} presses per phase");
        w.WriteLine();
        w.WriteLine("| phase | presses | missed | p50 ms | p90 ms | p99 ms | max ms | background target msg/s | background published msg/s | background ingested msg/s | readings/s | queue at end | CPU cores hub / bench / other | load average |");
        w.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var run in new[] { Idle, Load, Heavy, Alarm })
        {
            if (run is null)
                continue;
            var l = run.Latency;
            w.WriteLine($"| {l.Phase} | {l.Events} | {l.Missed} | {F(l.Percentile(0.5), "0.00")} | {F(l.Percentile(0.9), "0.00")} | {F(l.Percentile(0.99), "0.00")} | {F(l.Max, "0.00")} | " +
                        $"{run.BackgroundTargetMessagesPerSecond} | {(run.Paced is { } p ? F(p.Rate) : "")} | {F(run.BackgroundMessagesPerSecond)} | {F(run.BackgroundReadingsPerSecond)} | {run.QueueDepthAtEnd} | {run.Cpu} | {run.LoadAverage} |");
        }
        w.WriteLine();
        var reasons = RejectedByReason.Count == 0 ? "" : $" ({string.Join(", ", RejectedByReason.Select(r => $"{r.Key} {r.Value}"))})";
        w.WriteLine($"hub: {HubRejected} messages rejected in the whole run{reasons}; RSS at the end {(HubResidentBytes is { } b ? F(b / 1048576.0) + " MiB" : "n/a")}");
    }

    /// <summary>
    /// The line issue #8 asks for: hub/ceiling at QoS 0 and 1, the hub's QoS 0 msg/s, alert p99 under the 5,000 msg/s
    /// background (the heavy phase), and the fleet hub's peak RSS (VmHWM) with 10,000 devices — n/a for a smaller fleet.
    /// </summary>
    public string IssueLine()
    {
        var rss = Fleet is { Devices: >= 10_000 } f ? F(ProcMemory.Mib(f.HubEnd.HwmBytes)) : "n/a";
        return $"bench ingest_ratio_qos0={F(Ratio(HubQos0, CeilingQos0), "0.00")} ingest_ratio_qos1={F(Ratio(HubQos1, CeilingQos1), "0.00")} " +
               $"hub_qos0_msgs={F(HubQos0?.MessagesPerSecond ?? double.NaN)} alert_p99_ms={F(Heavy?.Latency.Percentile(0.99) ?? double.NaN, "0.00")} rss_10k_mib={rss}";
    }

    /// <summary>
    /// One line for scripts and closing notes. readings_per_s is the hub's ingest rate at QoS 0 with the
    /// embedded store, counted until the readings are stored; bg_readings_per_s is the background the hub actually ingested during the load phase;
    /// alert_5kmsg_* is the extra phase at 5,000 msg/s (issue #8's background rate).
    /// </summary>
    public string SummaryLine()
    {
        var fields = new List<(string, string)>
        {
            ("ceiling_qos0", F(CeilingQos0?.MessagesPerSecond ?? double.NaN)),
            ("ceiling_qos1", F(CeilingQos1?.MessagesPerSecond ?? double.NaN)),
            ("hub_qos0", F(HubQos0?.MessagesPerSecond ?? double.NaN)),
            ("hub_qos1", F(HubQos1?.MessagesPerSecond ?? double.NaN)),
            ("ingest_ratio_qos0", F(Ratio(HubQos0, CeilingQos0), "0.00")),
            ("ingest_ratio_qos1", F(Ratio(HubQos1, CeilingQos1), "0.00")),
            ("alert_idle_p50_ms", F(Idle?.Latency.Percentile(0.5) ?? double.NaN, "0.00")),
            ("alert_idle_p99_ms", F(Idle?.Latency.Percentile(0.99) ?? double.NaN, "0.00")),
            ("alert_load_p50_ms", F(Load?.Latency.Percentile(0.5) ?? double.NaN, "0.00")),
            ("alert_load_p99_ms", F(Load?.Latency.Percentile(0.99) ?? double.NaN, "0.00")),
            ("readings_per_s", F(HubQos0?.StoredReadingsPerSecond ?? double.NaN)),
            ("alert_idle_max_ms", F(Idle?.Latency.Max ?? double.NaN, "0.00")),
            ("alert_load_max_ms", F(Load?.Latency.Max ?? double.NaN, "0.00")),
            ("bg_readings_per_s", F(Load?.BackgroundReadingsPerSecond ?? double.NaN)),
            ("hub_qos1_readings_per_s", F(HubQos1?.StoredReadingsPerSecond ?? double.NaN)),
        };
        if (Heavy is not null)
        {
            fields.Add(("alert_5kmsg_p50_ms", F(Heavy.Latency.Percentile(0.5), "0.00")));
            fields.Add(("alert_5kmsg_p99_ms", F(Heavy.Latency.Percentile(0.99), "0.00")));
            fields.Add(("bg_5kmsg_ingested_msgs_per_s", F(Heavy.BackgroundMessagesPerSecond)));
        }
        var missed = (Idle?.Latency.Missed ?? 0) + (Load?.Latency.Missed ?? 0) + (Heavy?.Latency.Missed ?? 0) + (Alarm?.Latency.Missed ?? 0);
        fields.Add(("alerts_missed", missed.ToString(CultureInfo.InvariantCulture)));
        fields.Add(("hub_rejected", HubRejected.ToString(CultureInfo.InvariantCulture)));
        fields.Add(("hub_rss_mib", HubResidentBytes is { } b ? F(b / 1048576.0) : "n/a"));
        if (Fleet is { } f)
        {
            fields.Add(("fleet_devices", f.Devices.ToString(CultureInfo.InvariantCulture)));
            fields.Add(("fleet_register_s", F(f.RegisterElapsed.TotalSeconds, "0.0")));
            fields.Add(("fleet_connect_s", F(f.ConnectElapsed.TotalSeconds, "0.0")));
            fields.Add(("fleet_sent", f.Paced.Sent.ToString(CultureInfo.InvariantCulture)));
            fields.Add(("fleet_accepted", f.Accepted.ToString(CultureInfo.InvariantCulture)));
            fields.Add(("fleet_not_sent", f.Paced.NotSent.ToString(CultureInfo.InvariantCulture)));
            fields.Add(("fleet_rss_mib", F(ProcMemory.Mib(f.HubEnd.RssBytes))));
            fields.Add(("fleet_hwm_mib", F(ProcMemory.Mib(f.HubEnd.HwmBytes))));
            fields.Add(("fleet_hold_hub_cores", F(f.HoldCpu.HubCores ?? double.NaN, "0.00")));
        }
        fields.Add(("quick", options.Quick ? "1" : "0"));
        // Added after the keys above (issue #22), so scripts reading those by position or name keep working.
        if (Alarm is { } a)
        {
            fields.Add(("alarm_bg_target_msgs", a.BackgroundTargetMessagesPerSecond.ToString(CultureInfo.InvariantCulture)));
            fields.Add(("alarm_bg_published_msgs_per_s", F(a.Paced?.Rate ?? double.NaN)));
            fields.Add(("alarm_bg_ingested_msgs_per_s", F(a.BackgroundMessagesPerSecond)));
            fields.Add(("alarm_p50_ms", F(a.Latency.Percentile(0.5), "0.00")));
            fields.Add(("alarm_p99_ms", F(a.Latency.Percentile(0.99), "0.00")));
            fields.Add(("alarm_max_ms", F(a.Latency.Max, "0.00")));
            fields.Add(("alarm_missed", a.Latency.Missed.ToString(CultureInfo.InvariantCulture)));
            fields.Add(("alarm_load_avg", a.LoadAverage));
        }
        return "bench " + string.Join(' ', fields.Select(f => $"{f.Item1}={f.Item2}"));
    }
}
