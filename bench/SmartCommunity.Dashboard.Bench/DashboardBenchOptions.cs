using System.Globalization;

namespace SmartCommunity.Dashboard.Bench;

/// <summary>
/// One run's sizes. The defaults are issue 22's case (1,000 open alerts, a burst of 100 alerts/s for 10 s); the run of
/// 2026-11-29 is <c>--open 500 --rate 50 --duration 10</c>.
/// </summary>
public sealed record DashboardBenchOptions
{
    /// <summary>Open alerts on the board before the burst (raised in-process, not measured).</summary>
    public int Open { get; init; } = 1000;

    /// <summary>New alerts per second during the burst, each from its own SOS device.</summary>
    public int Rate { get; init; } = 100;

    /// <summary>How long the burst publishes.</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Where to write the report (markdown) besides stdout; none by default, so a run never overwrites the
    /// hand-written parts of docs/dashboard-benchmark.md.</summary>
    public string? ReportPath { get; init; }

    /// <summary>Alerts in the burst: one device each.</summary>
    public int Burst => (int)Math.Round(Rate * Duration.TotalSeconds);

    public const string Usage = """
        Usage: dotnet run --project bench/SmartCommunity.Dashboard.Bench -c Release -- [options]
          --open N        open alerts on the board before the burst (default 1000)
          --rate N        new alerts per second in the burst (default 100)
          --duration S    seconds the burst lasts (default 10)
          --report FILE   also write the report (markdown) to FILE
        The run of 2026-11-29: --open 500 --rate 50 --duration 10
        """;

    public static DashboardBenchOptions Parse(IReadOnlyList<string> args)
    {
        var options = new DashboardBenchOptions();
        for (var i = 0; i < args.Count; i++)
        {
            string Value() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            int Positive(string v) => int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n > 0
                ? n : throw new ArgumentException($"{args[i - 1]}: a whole number above 0, not '{v}'");
            options = args[i] switch
            {
                "--open" => options with { Open = Positive(Value()) },
                "--rate" => options with { Rate = Positive(Value()) },
                "--duration" => options with { Duration = TimeSpan.FromSeconds(Positive(Value())) },
                "--report" => options with { ReportPath = Value() },
                _ => throw new ArgumentException($"unknown option {args[i]}"),
            };
        }
        // The run finds its burst alerts in one GET /api/alerts (newest first), which lists at most 1,000.
        if (options.Burst > 1000)
            throw new ArgumentException($"a burst of {options.Burst} alerts: at most 1,000 (rate × duration)");
        return options;
    }
}
