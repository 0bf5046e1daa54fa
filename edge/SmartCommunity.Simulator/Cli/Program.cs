namespace SmartCommunity.Simulator.Cli;

internal static class Program
{
    // Not top-level statements: a global `Program` type would clash with the hub's in test projects that reference both.
    public static Task<int> Main(string[] args) => SimulatorCommand.InvokeAsync(args);
}
