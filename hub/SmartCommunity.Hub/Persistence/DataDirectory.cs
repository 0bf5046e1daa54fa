using System.Reflection;
using System.Runtime.InteropServices;

namespace SmartCommunity.Hub.Persistence;

/// <summary>
/// The data directory holds residents' personal data, password hashes, the sign-in signing keys, the VAPID private key
/// and device secrets' hashes: on Unix it is its owner's alone. The directory is 0700 (an existing one is tightened at
/// start); the files the hub creates are 0600 because the hub process runs with umask 077 — SQLite creates -wal/-shm
/// files, Quartz and Data Protection their files, long after start and out of the hub's hands, so a umask is the one
/// rule that reaches them all.
/// </summary>
public static class DataDirectory
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>
    /// umask 077 for the rest of the process, when the hub is the program. Hosted inside another program (the tests'
    /// WebApplicationFactory) it leaves the umask alone: that program's files and child processes (test servers'
    /// scripts) are not the hub's to restrict.
    /// </summary>
    public static void RestrictNewFilesToOwner()
    {
        if (OperatingSystem.IsWindows() || Assembly.GetEntryAssembly() != typeof(DataDirectory).Assembly)
            return;
        Umask(0b000_111_111); // 077: no bits for group and others
    }

    /// <summary>Creates the directory 0700, or tightens an existing one (an earlier version's, or one made by hand) to 0700.</summary>
    public static string Create(string path)
    {
        var full = Path.GetFullPath(path);
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(full);
            return full;
        }
        Directory.CreateDirectory(full, OwnerOnly);
        if ((File.GetUnixFileMode(full) & ~OwnerOnly) != 0)
        {
            try
            {
                File.SetUnixFileMode(full, OwnerOnly);
            }
            catch (UnauthorizedAccessException ex)
            {
                // Another user's directory (a volume mounted as is): the hub still runs; the operator is told why it is open.
                Console.Error.WriteLine($"warning: the data directory {full} is readable by others and could not be restricted to its owner: {ex.Message}");
            }
        }
        return full;
    }

    // mode_t is 32 bits on Linux and 16 on macOS; either way the argument travels in a register and the result is ignored.
    // DllImport, not LibraryImport: the generated stub would need unsafe code in the whole project for one blittable call.
    [DllImport("libc", EntryPoint = "umask")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern uint Umask(uint mask);
}
