using System.Diagnostics;

namespace SmartCommunity.Testing;

/// <summary>The real <c>sc-provision</c> as its own process (the build output next to the tests), as a technician runs it.</summary>
public static class ProvisionerProcess
{
    public sealed record Result(int ExitCode, string Output, string Error);

    /// <summary>Runs <c>sc-provision</c> with <paramref name="args"/>, writing <paramref name="input"/> to its standard input (a QR scanner's text).</summary>
    public static async Task<Result> RunAsync(IReadOnlyList<string> args, string input, CancellationToken cancellationToken)
    {
        var tool = Path.Combine(AppContext.BaseDirectory, "sc-provision.dll");
        Assert.True(File.Exists(tool), $"{tool} is missing: the test project references edge/SmartCommunity.Provisioner");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(tool);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(start) ?? throw new InvalidOperationException("sc-provision did not start");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.StandardInput.WriteAsync(input.AsMemory(), cancellationToken);
        process.StandardInput.Close();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            throw new TimeoutException($"sc-provision did not exit within 60 s: {await error}");
        }

        return new Result(process.ExitCode, await output, await error);
    }
}
