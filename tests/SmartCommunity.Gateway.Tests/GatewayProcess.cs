using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using SmartCommunity.Testing;

namespace SmartCommunity.Gateway.Tests;

/// <summary>
/// The gateway as it is deployed: its Release (or Debug) build run by <c>dotnet</c> in its own process, on loopback
/// ports, with a data directory that outlives the process so a restart (or a <c>kill -9</c>) finds its queue and its
/// cached registry.
/// </summary>
public sealed class GatewayProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StreamWriter _log;
    private readonly Task _pumps;

    private GatewayProcess(Process process, StreamWriter log, int mqttPort, int httpPort)
    {
        _process = process;
        _log = log;
        MqttPort = mqttPort;
        HttpPort = httpPort;
        _pumps = Task.WhenAll(Pump(process.StandardOutput), Pump(process.StandardError));
    }

    public int MqttPort { get; }
    public int HttpPort { get; }
    public int ProcessId => _process.Id;

    /// <summary>What the gateway wrote to stdout and stderr so far.</summary>
    public string Log()
    {
        lock (_log)
        {
            _log.Flush();
            using var read = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            return new StreamReader(read).ReadToEnd();
        }
    }

    private string LogPath => ((FileStream)_log.BaseStream).Name;

    public static string Dll()
    {
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
        var dll = Path.Combine(RepoPaths.Root, "edge", "SmartCommunity.Gateway", "bin", configuration, "net10.0", "SmartCommunity.Gateway.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException($"{dll} not found; build the solution");
    }

    /// <summary>Settings a test may change; the rest are the test's loopback world.</summary>
    public sealed record Settings(string DataDirectory, int MqttPort, int HttpPort)
    {
        public long DiskQuotaBytes { get; init; } = 64L * 1024 * 1024;
        public int SegmentBytes { get; init; } = 64 * 1024;
        public string RegistrySyncInterval { get; init; } = "00:00:01";
        public IReadOnlyList<string> Extra { get; init; } = [];
        /// <summary>Settings given by environment, as secrets are (<c>Gateway__Twilio__AuthToken</c>).</summary>
        public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

        public static Settings Fresh() =>
            new(Path.Combine(Path.GetTempPath(), "sc-gw-" + Guid.NewGuid().ToString("N")[..12]), FreePort.Next(), FreePort.Next());
    }

    /// <summary>Where the gateway finds its hub: the test's stand-in or the real hub (possibly behind a proxy the test cuts).</summary>
    public sealed record HubTarget(string GatewayId, string GatewaySecret, int HttpPort, int MqttPort);

    public static Task<GatewayProcess> StartAsync(FakeHub hub, Settings settings, CancellationToken ct) =>
        StartAsync(new HubTarget(FakeHub.GatewayId, hub.GatewaySecret, hub.HttpPort, hub.MqttPort), settings, ct);

    public static async Task<GatewayProcess> StartAsync(HubTarget hub, Settings settings, CancellationToken ct)
    {
        Directory.CreateDirectory(settings.DataDirectory);
        var dll = Dll();
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var inv = CultureInfo.InvariantCulture;
        foreach (var arg in new[]
                 {
                     dll,
                     $"--Gateway:Id={hub.GatewayId}",
                     $"--Gateway:HubUrl=http://127.0.0.1:{hub.HttpPort.ToString(inv)}/",
                     "--Gateway:UplinkHost=127.0.0.1",
                     $"--Gateway:UplinkPort={hub.MqttPort.ToString(inv)}",
                     "--Gateway:UplinkTls=false",
                     $"--Gateway:DataDirectory={settings.DataDirectory}",
                     "--Gateway:BindAddress=127.0.0.1",
                     $"--Gateway:MqttPort={settings.MqttPort.ToString(inv)}",
                     $"--Gateway:HttpPort={settings.HttpPort.ToString(inv)}",
                     $"--Gateway:RegistrySyncInterval={settings.RegistrySyncInterval}",
                     "--Gateway:HealthInterval=00:00:01",
                     "--Gateway:ReconnectMin=00:00:00.100",
                     "--Gateway:ReconnectMax=00:00:00.500",
                     $"--Gateway:DiskQuotaBytes={settings.DiskQuotaBytes.ToString(inv)}",
                     $"--Gateway:SegmentBytes={settings.SegmentBytes.ToString(inv)}",
                 }.Concat(settings.Extra))
            start.ArgumentList.Add(arg);
        // The secret by environment, as a systemd credential or EnvironmentFile would give it: never on a command line.
        start.Environment["Gateway__Secret"] = hub.GatewaySecret;
        foreach (var (name, value) in settings.Environment)
            start.Environment[name] = value;
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["Logging__LogLevel__Default"] = "Information";
        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start dotnet");
        var log = new StreamWriter(Path.Combine(settings.DataDirectory, $"gateway-{process.Id}.log")) { AutoFlush = true };
        var gateway = new GatewayProcess(process, log, settings.MqttPort, settings.HttpPort);
        try
        {
            await Eventually.GetAsync(async () => await gateway.TryStatusAsync(ct), s => s is not null, TimeSpan.FromSeconds(60), "the gateway's /status");
        }
        catch
        {
            await gateway.DisposeAsync();
            throw;
        }
        return gateway;
    }

    private async Task Pump(StreamReader reader)
    {
        while (await reader.ReadLineAsync() is { } line)
        {
            lock (_log)
                _log.WriteLine(line);
        }
    }

    public async Task<JsonElement?> TryStatusAsync(CancellationToken ct)
    {
        if (_process.HasExited)
            throw new InvalidOperationException($"the gateway exited with code {_process.ExitCode}");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        try
        {
            return await http.GetFromJsonAsync<JsonElement>(new Uri($"http://127.0.0.1:{HttpPort}/status"), ct);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            return null;
        }
    }

    public async Task<JsonElement> StatusAsync(CancellationToken ct) =>
        await TryStatusAsync(ct) ?? throw new InvalidOperationException("the gateway's /status did not answer");

    /// <summary><c>kill -9</c>: no shutdown, no flush, no will handled by the gateway itself.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
            _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    public async ValueTask DisposeAsync()
    {
        Kill();
        await _pumps;
        lock (_log)
            _log.Dispose();
        _process.Dispose();
    }
}
