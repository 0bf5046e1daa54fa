using System.Diagnostics;
using System.Net;
using System.Text.Json;

namespace SmartCommunity.Testing;

/// <summary>
/// Where the InfluxDB tests find their server. In CI (CI=true) a missing server or binary fails the test, because
/// .ci/run starts it; locally the tests skip with a message saying how to start it.
/// </summary>
public static class InfluxAvailability
{
    public static void Missing(string what) =>
        ClusterServers.Missing(what, "tests/infra/influx/up.sh (installs Debian's influxdb and nginx)");
}

/// <summary>The shared server started by tests/infra/influx/up.sh: nginx (v2 write API) in front of influxd 1.6.</summary>
public static class SharedInflux
{
    public static string Url => Environment.GetEnvironmentVariable("SC_INFLUX_URL") is { Length: > 0 } url ? url : "http://127.0.0.1:18087";

    private static readonly Lazy<Task<bool>> Reachable = new(() => InfluxHttp.PingAsync(Url));

    public static async Task RequireAsync()
    {
        if (!await Reachable.Value)
        {
            InfluxAvailability.Missing($"No InfluxDB answers at {Url} (SC_INFLUX_URL)");
        }
    }
}

/// <summary>Raw HTTP to a server, for arranging and checking what the store cannot (or must not) do itself.</summary>
public static class InfluxHttp
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    public static async Task<bool> PingAsync(string url)
    {
        try
        {
            using var response = await Http.GetAsync(url.TrimEnd('/') + "/ping");
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
        catch (TaskCanceledException)
        {
            return false;
        }
    }

    public static async Task ExecuteAsync(string url, string statement)
    {
        using var response = await Http.PostAsync(url.TrimEnd('/') + "/query?q=" + Uri.EscapeDataString(statement), null);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>Posts line protocol to the v2 write endpoint (through nginx's rewrite); returns status and body.</summary>
    public static async Task<(HttpStatusCode Status, string Body)> WriteV2Async(string url, string database, string precision, string lines)
    {
        using var content = new StringContent(lines);
        using var response = await Http.PostAsync($"{url.TrimEnd('/')}/api/v2/write?org=-&bucket={Uri.EscapeDataString(database)}&precision={precision}", content);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>Rows of the first series of a SELECT, times in the given epoch unit.</summary>
    public static async Task<List<JsonElement[]>> SelectAsync(string url, string database, string statement, string epoch = "ms")
    {
        var json = await Http.GetStringAsync($"{url.TrimEnd('/')}/query?db={Uri.EscapeDataString(database)}&epoch={epoch}&q={Uri.EscapeDataString(statement)}");
        using var doc = JsonDocument.Parse(json);
        var rows = new List<JsonElement[]>();
        foreach (var result in doc.RootElement.GetProperty("results").EnumerateArray())
        {
            if (result.TryGetProperty("series", out var series))
            {
                foreach (var s in series.EnumerateArray())
                {
                    foreach (var row in s.GetProperty("values").EnumerateArray())
                    {
                        rows.Add([.. row.EnumerateArray().Select(v => v.Clone())]);
                    }
                }
            }
        }
        return rows;
    }
}

/// <summary>
/// A private influxd + nginx pair on free ports, from the same config templates as up.sh, that a test may stop and
/// start: outages without disturbing the shared server other tests use. Processes are ended by their own handles.
/// </summary>
public sealed class PrivateInflux : IAsyncDisposable
{
    public static readonly string InfraFolder = RepoPaths.Infra("influx");
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "sc-influx-test", Guid.NewGuid().ToString("N")[..12]);
    private readonly int _influxPort = FreePort.Next();
    private readonly int _rpcPort = FreePort.Next();
    private readonly int _nginxPort = FreePort.Next();
    private Process? _influxd;
    private Process? _nginx;

    /// <summary>The nginx URL: what the store talks to.</summary>
    public string Url => $"http://127.0.0.1:{_nginxPort}";

    public string DirectUrl => $"http://127.0.0.1:{_influxPort}";

    public string SpoolDirectory => Path.Combine(_dir, "spool");

    public static async Task<PrivateInflux> StartAsync()
    {
        if (!File.Exists("/usr/bin/influxd") || !File.Exists("/usr/sbin/nginx"))
        {
            InfluxAvailability.Missing("influxd or nginx is not installed");
        }
        var server = new PrivateInflux();
        foreach (var sub in new[] { "meta", "data", "wal", "client_body", "proxy", "fastcgi", "uwsgi", "scgi" })
        {
            Directory.CreateDirectory(Path.Combine(server._dir, sub));
        }
        File.WriteAllText(Path.Combine(server._dir, "influxdb.conf"), server.Fill(File.ReadAllText(Path.Combine(InfraFolder, "influxdb.conf"))));
        // In the foreground so the test owns the process; the shared template says "daemon on" for up.sh.
        File.WriteAllText(Path.Combine(server._dir, "nginx.conf"), server.Fill(File.ReadAllText(Path.Combine(InfraFolder, "nginx.conf")))
            .Replace("daemon on;", "daemon off;", StringComparison.Ordinal)
            .Replace("worker_processes 1;", "worker_processes 1;\nmaster_process off;", StringComparison.Ordinal));
        if (Environment.UserName == "root")
        {
            // With master_process off the single process keeps root's identity, so the temp folders are writable.
        }
        await server.StartInfluxdAsync();
        server._nginx = Process.Start(new ProcessStartInfo("/usr/sbin/nginx", ["-p", server._dir, "-c", Path.Combine(server._dir, "nginx.conf")])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        });
        await WaitUntilAsync(() => InfluxHttp.PingAsync(server.Url), "nginx on " + server.Url);
        return server;
    }

    public async Task StartInfluxdAsync()
    {
        _influxd = Process.Start(new ProcessStartInfo("/usr/bin/influxd", ["-config", Path.Combine(_dir, "influxdb.conf")])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        });
        _influxd!.BeginErrorReadLine();
        _influxd.BeginOutputReadLine();
        await WaitUntilAsync(() => InfluxHttp.PingAsync(DirectUrl), "influxd on " + DirectUrl);
    }

    public async Task StopInfluxdAsync()
    {
        if (_influxd is { HasExited: false } p)
        {
            p.Kill(); // SIGKILL: the harshest outage; the WAL keeps what influxd acknowledged
            await p.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        }
        _influxd?.Dispose();
        _influxd = null;
    }

    public async ValueTask DisposeAsync()
    {
        await StopInfluxdAsync();
        if (_nginx is { HasExited: false } n)
        {
            n.Kill();
            await n.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        }
        _nginx?.Dispose();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
            // A temp folder left behind is harmless; failing the test over it is not.
        }
    }

    private string Fill(string template) => template
        .Replace("@DIR@", _dir, StringComparison.Ordinal)
        .Replace("@INFLUX_PORT@", _influxPort.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)
        .Replace("@RPC_PORT@", _rpcPort.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)
        .Replace("@NGINX_PORT@", _nginxPort.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);

    private static async Task WaitUntilAsync(Func<Task<bool>> ready, string what)
    {
        // Bounded polling for a real process to come up; the deadline only turns a hang into a failure.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!await ready())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{what} did not become ready within 30 s.");
            }
            await Task.Delay(50);
        }
    }
}
