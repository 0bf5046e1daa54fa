namespace SmartCommunity.Simulator.Tests;

/// <summary>Finds files of the repository from the test's output folder.</summary>
internal static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    public static string Vectors => Path.Combine(Root, "protocol", "vectors");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "SmartCommunity.sln")) || Directory.Exists(Path.Combine(dir.FullName, "protocol", "vectors")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException($"No SmartCommunity.sln or protocol/vectors above {AppContext.BaseDirectory}.");
    }
}
