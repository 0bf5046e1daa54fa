using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;

namespace SmartCommunity.Testing;

/// <summary>
/// The real hub as a separate process, exactly as it is deployed (its Release build, its own runtime,
/// its own GC), on loopback ports and a throw-away data directory. Killed when the run ends, however it ends.
/// </summary>
public sealed class HubProcess : IAsyncDisposable
{
    public const string AdminEmail = "bench@local";

    private readonly Process _process;
    private readonly StreamWriter _log;
    private Task _pumps = Task.CompletedTask;
    private bool _logClosed;
    private readonly bool _keepData;
    private int _stopped;
    private int _disposed;

    private HubProcess(Process process, StreamWriter log, string dataDirectory, int httpPort, int mqttPort, string adminPassword, bool keepData)
    {
        _process = process;
        _log = log;
        DataDirectory = dataDirectory;
        HttpPort = httpPort;
        MqttPort = mqttPort;
        AdminPassword = adminPassword;
        _keepData = keepData;
    }

    public string DataDirectory { get; }
    public int HttpPort { get; }
    public int MqttPort { get; }
    public string AdminPassword { get; }
    public Uri BaseAddress => new($"http://127.0.0.1:{HttpPort}");
    public string LogPath => Path.Combine(DataDirectory, "hub.log");
    public int ProcessId => _process.Id;

    /// <summary>
    /// The hub build the tests run as a process: the solution's build of the tests' own configuration, or SC_TEST_HUB_DLL
    /// (e.g. the previous commit's build, to see a regression test fail).
    /// </summary>
    public static string HubDllUnderTest()
    {
        if (Environment.GetEnvironmentVariable("SC_TEST_HUB_DLL") is { Length: > 0 } other)
            return other;
        var dll = RepoPaths.HubDll();
        return File.Exists(dll) ? dll : throw new FileNotFoundException($"{dll} not found; build the solution");
    }

    /// <summary>Starts the hub and waits until GET /health answers Healthy.</summary>
    public static async Task<HubProcess> StartAsync(string hubDll, IReadOnlyList<string> extraArgs, bool keepData, TimeSpan deadline, CancellationToken ct)
    {
        // Absolute: the process starts in the build output folder, not in the caller's directory.
        hubDll = Path.GetFullPath(hubDll);
        if (!File.Exists(hubDll))
            throw new FileNotFoundException($"hub build not found at {hubDll}; build it with `dotnet build hub/SmartCommunity.Hub -c Release`", hubDll);
        var dataDirectory = Path.Combine(Path.GetTempPath(), "sc-bench-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(dataDirectory);
        var httpPort = FreePort.Next();
        var mqttPort = FreePort.Next();
        // Identity's default rules want upper, lower and a digit; 24 random hex digits plus a fixed tail satisfy them.
        var password = "Bench-" + RandomNumberGenerator.GetHexString(24, lowercase: true) + "A1";

        var start = new ProcessStartInfo("dotnet")
        {
            // The content root is the build output, where the hub's appsettings.json lives.
            WorkingDirectory = Path.GetDirectoryName(hubDll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[]
                 {
                     hubDll,
                     $"--Hub:DataDirectory={dataDirectory}",
                     "--Hub:BindAddress=127.0.0.1",
                     $"--Hub:HttpPort={httpPort.ToString(CultureInfo.InvariantCulture)}",
                     $"--Hub:MqttPort={mqttPort.ToString(CultureInfo.InvariantCulture)}",
                     $"--Hub:FirstAdmin:Email={AdminEmail}",
                     $"--Hub:FirstAdmin:Password={password}",
                     // Set-up provisions thousands of devices through the API with one account, far beyond a person's request budget.
                     "--Hub:RateLimits:Enabled=false",
                 }.Concat(extraArgs))
            start.ArgumentList.Add(arg);
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["DOTNET_NOLOGO"] = "1";

        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start dotnet");
        // The hub logs to the console; unread pipes would fill up and stall it, so both are copied to a file.
        var log = new StreamWriter(Path.Combine(dataDirectory, "hub.log")) { AutoFlush = true };
        var hub = new HubProcess(process, log, dataDirectory, httpPort, mqttPort, password, keepData);
        hub._pumps = Task.WhenAll(hub.PumpAsync(process.StandardOutput), hub.PumpAsync(process.StandardError));
        // Ctrl+C is handled by the caller's cancellation and DisposeAsync; this covers SIGTERM and an unhandled exception.
        AppDomain.CurrentDomain.ProcessExit += (_, _) => hub.Kill();
        AppDomain.CurrentDomain.UnhandledException += (_, _) => hub.Kill();
        try
        {
            await hub.WaitHealthyAsync(deadline, ct);
        }
        catch
        {
            Console.Error.WriteLine($"--- last lines of the hub log ---\n{hub.Tail(30)}");
            await hub.DisposeAsync();
            throw;
        }
        return hub;
    }

    private async Task WaitHealthyAsync(TimeSpan deadline, CancellationToken ct)
    {
        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var started = Stopwatch.GetTimestamp();
        var last = "no answer";
        while (Stopwatch.GetElapsedTime(started) < deadline)
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"the hub exited with code {_process.ExitCode} during start-up; see {LogPath}");
            try
            {
                using var response = await http.GetAsync(new Uri("/health", UriKind.Relative), ct);
                last = $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct)}";
                if (response.IsSuccessStatusCode && last.EndsWith("Healthy", StringComparison.Ordinal))
                    return;
            }
            catch (HttpRequestException ex)
            {
                last = ex.Message;
            }
            catch (TaskCanceledException) when (!ct.IsCancellationRequested)
            {
                last = "health check timed out";
            }
            await Task.Delay(200, ct);
        }
        throw new TimeoutException($"the hub was not healthy within {deadline.TotalSeconds:0} s (last: {last}); see {LogPath}");
    }

    /// <summary>The hub's resident set size, from /proc (Linux), for the report.</summary>
    public long? ResidentBytes()
    {
        try
        {
            _process.Refresh();
            return _process.HasExited ? null : _process.WorkingSet64;
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>VmRSS, VmHWM and open fds of the hub process, from /proc/{pid}/status and /proc/{pid}/fd.</summary>
    public ProcMemory Memory() => ProcStatus.Read(_process.Id);

    /// <summary>CPU time the hub has used so far (user + system, all threads).</summary>
    public TimeSpan? CpuTime()
    {
        try
        {
            _process.Refresh();
            return _process.HasExited ? null : _process.TotalProcessorTime;
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>The last lines the hub logged, for an error report.</summary>
    public string Tail(int lines)
    {
        try
        {
            lock (_log)
            {
                if (!_logClosed)
                    _log.Flush();
            }
            using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            var all = reader.ReadToEnd().Split('\n');
            return string.Join('\n', all.TakeLast(lines));
        }
        catch (IOException ex)
        {
            return $"(could not read {LogPath}: {ex.Message})";
        }
    }

    private async Task PumpAsync(StreamReader from)
    {
        while (await from.ReadLineAsync() is { } line)
        {
            lock (_log)
            {
                // After DisposeAsync gave up waiting for the pumps, the last lines have nowhere to go.
                if (!_logClosed)
                    _log.WriteLine(line);
            }
        }
    }

    /// <summary>
    /// SIGTERM, as an operator's Ctrl+C in run.sh or a service manager stops it: the hub's shutdown runs. Returns its exit
    /// code once it has exited (0 for a clean shutdown).
    /// </summary>
    public async Task<int> StopAsync(TimeSpan timeout)
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
            throw new InvalidOperationException("the hub was already stopped or killed");
        // .NET has no API to send SIGTERM to another process; kill(1) is in every Linux base system.
        using (var kill = Process.Start(new ProcessStartInfo("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]) { UseShellExecute = false })!)
            await kill.WaitForExitAsync();
        await _process.WaitForExitAsync().WaitAsync(timeout);
        return _process.ExitCode;
    }

    /// <summary>SIGKILL: no shutdown code runs (the cluster fault tests' kill -9).</summary>
    public void Kill()
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
            return;
        try
        {
            if (!_process.HasExited)
                _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        Kill();
        try
        {
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
            await _pumps.WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (TimeoutException)
        {
            // Reported by the missing data below at worst; the run is over either way.
        }
        lock (_log)
        {
            _logClosed = true;
            _log.Dispose();
        }
        _process.Dispose();
        if (_keepData)
            return;
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
