using System.Diagnostics;
using System.Globalization;

namespace SmartCommunity.Bench.Cluster;

/// <summary>
/// Cores used over a phase (1.0 = one core busy the whole time) by each hub process, by the phase's Mosquitto, by the
/// bench, by the shared servers (every process named postgres, influxd, nginx or redis-server: they serve whoever uses
/// them, other people's tests included) and by the rest of the machine.
/// </summary>
public readonly record struct ClusterCpuUse(IReadOnlyList<double?> Hubs, double? Mosquitto, double Bench, double? Servers, double? Other)
{
    public double? HubsTotal => Hubs.Count == 0 ? null : Hubs.Sum(h => h ?? 0);
}

/// <summary>CPU time from /proc/{pid}/stat (utime + stime) and /proc/stat, sampled at the start and the end of a phase.</summary>
public sealed class ClusterCpuMeter
{
    private readonly IReadOnlyList<int> _hubs;
    private readonly int? _mosquitto;
    private readonly long _started = Stopwatch.GetTimestamp();
    private readonly double?[] _hubStart;
    private readonly double? _mosquittoStart;
    private readonly TimeSpan _benchStart = Process.GetCurrentProcess().TotalProcessorTime;
    private readonly double? _machineStart = MachineBusySeconds();
    private readonly Dictionary<int, double> _serversStart = ServerProcesses();

    /// <summary>The shared servers' process names (/proc/{pid}/comm).</summary>
    private static readonly HashSet<string> ServerNames = new(StringComparer.Ordinal) { "postgres", "influxd", "nginx", "redis-server" };

    public ClusterCpuMeter(IReadOnlyList<int> hubPids, int? mosquittoPid)
    {
        _hubs = hubPids;
        _mosquitto = mosquittoPid;
        _hubStart = [.. hubPids.Select(p => (double?)ProcessSeconds(p))];
        _mosquittoStart = mosquittoPid is { } m ? ProcessSeconds(m) : null;
    }

    public ClusterCpuUse Stop()
    {
        var wall = Stopwatch.GetElapsedTime(_started).TotalSeconds;
        double? Rate(double? start, double? end) => start is { } s && end is { } e ? (e - s) / wall : null;
        var hubs = _hubs.Select((pid, i) => Rate(_hubStart[i], ProcessSeconds(pid))).ToList();
        var mosquitto = _mosquitto is { } m ? Rate(_mosquittoStart, ProcessSeconds(m)) : null;
        var bench = (Process.GetCurrentProcess().TotalProcessorTime - _benchStart).TotalSeconds / wall;
        var machine = Rate(_machineStart, MachineBusySeconds());
        // A server process that started during the phase (a PostgreSQL backend per new connection) counts in full;
        // one that ended during it is missed (its few ticks show up as "other").
        var servers = ServerProcesses().Sum(p => p.Value - _serversStart.GetValueOrDefault(p.Key)) / wall;
        double? other = machine is { } all ? Math.Max(0, all - bench - hubs.Sum(h => h ?? 0) - (mosquitto ?? 0) - servers) : null;
        return new ClusterCpuUse(hubs, mosquitto, bench, servers, other);
    }

    private static Dictionary<int, double> ServerProcesses()
    {
        var found = new Dictionary<int, double>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
                continue;
            try
            {
                if (ServerNames.Contains(File.ReadAllText(Path.Combine(dir, "comm")).Trim()) && ProcessSeconds(pid) is { } seconds)
                    found[pid] = seconds;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Gone meanwhile.
            }
        }
        return found;
    }

    /// <summary>utime + stime of a process, in seconds (fields 14 and 15 of /proc/{pid}/stat, USER_HZ = 100).</summary>
    private static double? ProcessSeconds(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // The command name (field 2) may hold spaces; the fields after its closing parenthesis start at field 3.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException or ArgumentOutOfRangeException)
        {
            return null;
        }
    }

    private static double? MachineBusySeconds()
    {
        try
        {
            var ticks = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Take(8)
                .Select(t => long.Parse(t, CultureInfo.InvariantCulture)).ToArray();
            return (ticks.Sum() - ticks[3] - ticks[4]) / 100.0;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }
}
