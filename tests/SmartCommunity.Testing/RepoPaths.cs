namespace SmartCommunity.Testing;

/// <summary>The repository's files, found from the build output of whichever test or benchmark is running.</summary>
public static class RepoPaths
{
    private static readonly Lazy<string> FoundRoot = new(FindRoot);

    /// <summary>The folder holding SmartCommunity.sln.</summary>
    public static string Root => FoundRoot.Value;

    /// <summary>protocol/vectors: the golden SenML packs the hub, the firmware and the simulator agree on.</summary>
    public static string Vectors => Path.Combine(Root, "protocol", "vectors");

    public static string Docs => Path.Combine(Root, "docs");

    /// <summary>A file of the test servers' scripts (tests/infra/…), which must exist.</summary>
    public static string Infra(string relative)
    {
        var path = Path.Combine(Root, "tests", "infra", relative);
        return File.Exists(path) || Directory.Exists(path) ? path : throw new FileNotFoundException($"tests/infra/{relative} not found under {Root}");
    }

    /// <summary>
    /// The hub's build (hub/SmartCommunity.Hub/bin/{configuration}/net10.0/SmartCommunity.Hub.dll), which the solution
    /// build produced; <paramref name="configuration"/> defaults to the caller's own (Release or Debug).
    /// </summary>
    public static string HubDll(string? configuration = null)
    {
        configuration ??= AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
        return Path.Combine(Root, "hub", "SmartCommunity.Hub", "bin", configuration, "net10.0", "SmartCommunity.Hub.dll");
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "SmartCommunity.sln")))
                return dir.FullName;
        }
        throw new DirectoryNotFoundException("SmartCommunity.sln not found above " + AppContext.BaseDirectory);
    }
}
