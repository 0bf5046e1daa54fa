using System.Globalization;

namespace SmartCommunity.Testing;

/// <summary>Memory and file descriptors of a process, straight from /proc (Linux): VmRSS, VmHWM and the open-fd count.</summary>
public readonly record struct ProcMemory(long? RssBytes, long? HwmBytes, int? OpenFds)
{
    public static double Mib(long? bytes) => bytes is { } b ? b / 1048576.0 : double.NaN;

    public override string ToString() =>
        $"VmRSS {Mib(RssBytes).ToString("0", CultureInfo.InvariantCulture)} MiB, VmHWM {Mib(HwmBytes).ToString("0", CultureInfo.InvariantCulture)} MiB, {OpenFds?.ToString(CultureInfo.InvariantCulture) ?? "?"} fds";
}

public static class ProcStatus
{
    /// <summary>VmRSS, VmHWM (peak RSS since start) and open fds of <paramref name="pid"/>; nulls where /proc cannot be read.</summary>
    public static ProcMemory Read(int pid)
    {
        long? rss = null, hwm = null;
        int? fds = null;
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                    rss = Kib(line);
                else if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                    hwm = Kib(line);
            }
            fds = Directory.GetFiles($"/proc/{pid}/fd").Length;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
        {
        }
        return new ProcMemory(rss, hwm, fds);
    }

    public static ProcMemory Self() => Read(Environment.ProcessId);

    /// <summary>The soft "Max open files" limit of this process (what ulimit -n shows), or null when unknown or unlimited.</summary>
    public static long? OpenFileLimit()
    {
        try
        {
            var line = File.ReadLines("/proc/self/limits").FirstOrDefault(l => l.StartsWith("Max open files", StringComparison.Ordinal));
            var soft = line?["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
            return soft is null || soft == "unlimited" ? null : long.Parse(soft, CultureInfo.InvariantCulture);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
        {
            return null;
        }
    }

    // "VmRSS:	  123456 kB"
    private static long Kib(string line) =>
        long.Parse(line.Split(' ', '\t', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
}
