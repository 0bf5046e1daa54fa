using System.Diagnostics;
using SmartCommunity.Testing;

namespace SmartCommunity.Bench;

/// <summary>
/// CPU used by the hub, by the bench itself and by everything else over a phase, in cores (1.0 = one core
/// busy for the whole phase). On a 2-core box this shows at a glance whether a phase was CPU-bound and who
/// burned it: the load generator shares the machine with the hub, and other work may share it with both.
/// </summary>
public sealed class CpuMeter
{
    private readonly HubProcess? _hub;
    private readonly long _started = Stopwatch.GetTimestamp();
    private readonly TimeSpan _hubStart;
    private readonly TimeSpan _benchStart;
    private readonly double? _machineStart;

    public CpuMeter(HubProcess? hub)
    {
        _hub = hub;
        _hubStart = hub?.CpuTime() ?? TimeSpan.Zero;
        _benchStart = Process.GetCurrentProcess().TotalProcessorTime;
        _machineStart = MachineBusySeconds();
    }

    /// <summary>Time since the meter started.</summary>
    public TimeSpan Elapsed => Stopwatch.GetElapsedTime(_started);

    public CpuUse Stop()
    {
        var wall = Stopwatch.GetElapsedTime(_started).TotalSeconds;
        var bench = (Process.GetCurrentProcess().TotalProcessorTime - _benchStart).TotalSeconds / wall;
        double? hub = _hub?.CpuTime() is { } now ? (now - _hubStart).TotalSeconds / wall : null;
        // Everything else on the box (other builds, the IDE, ...): a phase with a large value here is contaminated.
        double? others = MachineBusySeconds() is { } end && _machineStart is { } start
            ? Math.Max(0, (end - start) / wall - bench - (hub ?? 0))
            : null;
        return new CpuUse(hub, bench, others);
    }

    /// <summary>Busy CPU seconds of the whole machine since boot, from the first line of /proc/stat (Linux only).</summary>
    private static double? MachineBusySeconds()
    {
        try
        {
            var line = File.ReadLines("/proc/stat").First();
            // cpu  user nice system idle iowait irq softirq steal ...  (in USER_HZ ticks, 100 per second on Linux)
            var ticks = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Take(8)
                .Select(t => long.Parse(t, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
            var busy = ticks.Sum() - ticks[3] - ticks[4];
            return busy / 100.0;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }
}

/// <summary>Average cores busy during a phase: the hub process, this process, and the rest of the machine.</summary>
public readonly record struct CpuUse(double? HubCores, double BenchCores, double? OtherCores)
{
    private static string F(double? v) => v is { } x ? x.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture) : "-";

    public override string ToString() => $"{F(HubCores)} / {F(BenchCores)} / {F(OtherCores)}";
}
