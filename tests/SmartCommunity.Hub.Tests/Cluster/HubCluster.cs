using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using MQTTnet;
using SmartCommunity.Bench;
using SmartCommunity.Hub.Tests.Infrastructure;
using SmartCommunity.Telemetry.Tests.Influx;

namespace SmartCommunity.Hub.Tests.Cluster;

/// <summary>
/// A production-shaped cluster on loopback: hub processes (the Release build, started as `dotnet SmartCommunity.Hub.dll`,
/// killable with SIGKILL) on a private Mosquitto 2 with dynamic security, one fresh PostgreSQL database, the shared
/// Redis (own channel prefix) and the shared InfluxDB (own database). The broker is private because the tests stop it.
/// </summary>
public sealed class HubCluster : IAsyncDisposable
{
    private readonly List<HubProcess> _all = [];
    private readonly string _group = "c" + Guid.NewGuid().ToString("N")[..10];
    private readonly string _database = ClusterServers.NewDatabaseName();
    private string _adminPassword = "";

    private HubCluster(PrivateMosquitto broker) => Broker = broker;

    public PrivateMosquitto Broker { get; }
    public string PostgresConnection => ClusterServers.PostgresDatabase(_database);
    public string InfluxDatabase => _database;

    public static async Task<HubCluster> StartAsync()
    {
        await ClusterServers.RequirePostgresAsync();
        await ClusterServers.RequireRedisAsync();
        await SharedInflux.RequireAsync();
        return new HubCluster(await PrivateMosquitto.StartAsync());
    }

    /// <summary>Starts an instance; the name fixes its MQTT client id, so a replacement with the same name resumes its broker session.</summary>
    public async Task<HubProcess> StartInstanceAsync(string name)
    {
        var args = new List<string>
        {
            "--Hub:Database:Provider=postgres",
            $"--ConnectionStrings:Hub={PostgresConnection}",
            $"--Hub:Redis:Configuration={ClusterServers.Redis}",
            $"--Hub:Redis:ChannelPrefix={_group}",
            "--Hub:Broker:Mode=external",
            "--Hub:Broker:External:Host=127.0.0.1",
            $"--Hub:Broker:External:Port={Broker.Port.ToString(CultureInfo.InvariantCulture)}",
            $"--Hub:Broker:External:Username=sc-hub-{_group}",
            $"--Hub:Broker:External:Password=pw-{_group}",
            $"--Hub:Broker:External:AdminUsername={Broker.AdminUser}",
            $"--Hub:Broker:External:AdminPassword={Broker.AdminPassword}",
            $"--Hub:Broker:External:SharedGroup={_group}",
            $"--Hub:Broker:External:ClientId=sc-hub-{_group}-{name}",
            "--Hub:Broker:External:ReconnectMaxDelay=00:00:01",
            "--Hub:Broker:External:SessionExpiry=00:10:00",
            "--Telemetry:Backend=influxdb",
            $"--Telemetry:Influx:Url={SharedInflux.Url}",
            $"--Telemetry:Influx:Database={_database}",
            // Quartz: an instance that stops checking in is declared dead after a few seconds, not the production 20 s.
            "--Hub:Scheduler:ClusterCheckinInterval=00:00:01",
            "--Hub:Scheduler:ClusterCheckinMisfireThreshold=00:00:02",
            // Test devices publish far faster than a pendant; the per-device budget is a policy, not under test here.
            "--Hub:DeviceMessagesPerSecond=10000",
            "--Hub:DeviceMessageBurst=100000",
        };
        var hub = await HubProcess.StartAsync(HubDll(), args, keepData: false, TimeSpan.FromSeconds(180), CancellationToken.None);
        lock (_all)
            _all.Add(hub);
        if (_adminPassword.Length == 0)
            _adminPassword = hub.AdminPassword; // the first instance created the first admin in the shared database
        return hub;
    }

    public async Task<HttpClient> AdminAsync(HubProcess on) => await ClientAsync(on, HubProcess.AdminEmail, _adminPassword);

    public static async Task<HttpClient> ClientAsync(HubProcess on, string email, string password)
    {
        var http = new HttpClient { BaseAddress = on.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        using var login = await http.PostAsJsonAsync("/api/auth/login", new { email, password });
        login.EnsureSuccessStatusCode();
        var token = (await login.Content.ReadFromJsonAsync<Token>())!.AccessToken;
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    public static async Task<string> TokenAsync(HubProcess on, string email, string password)
    {
        using var http = new HttpClient { BaseAddress = on.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        using var login = await http.PostAsJsonAsync("/api/auth/login", new { email, password });
        login.EnsureSuccessStatusCode();
        return (await login.Content.ReadFromJsonAsync<Token>())!.AccessToken;
    }

    public MqttClientOptions DeviceOptions(string deviceId, string secret, bool cleanStart = true) =>
        new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", Broker.Port)
            .WithCredentials(deviceId, secret)
            .WithClientId(deviceId)
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500)
            .WithCleanStart(cleanStart)
            .WithSessionExpiryInterval(cleanStart ? 0u : 3600u)
            .WithTimeout(TimeSpan.FromSeconds(10))
            .Build();

    /// <summary>The hub's log lines, for a failure message.</summary>
    public string Logs()
    {
        lock (_all)
            return string.Join("\n", _all.Select((h, i) => $"--- instance {i} (http {h.HttpPort}) ---\n{h.Tail(40)}"));
    }

    public async ValueTask DisposeAsync()
    {
        HubProcess[] all;
        lock (_all)
            all = [.. _all];
        foreach (var hub in all)
            await hub.DisposeAsync();
        await Broker.DisposeAsync();
        await ClusterServers.DropDatabaseAsync(PostgresConnection);
        try
        {
            await InfluxHttp.ExecuteAsync(SharedInflux.Url, $"DROP DATABASE \"{_database}\"");
        }
        catch (HttpRequestException)
        {
        }
    }

    /// <summary>The hub's own build output next to this test build (same configuration), which the solution build produced.</summary>
    internal static string HubDll()
    {
        // SC_TEST_HUB_DLL: run the process tests against another build (e.g. the previous commit's, to see a regression test fail).
        if (Environment.GetEnvironmentVariable("SC_TEST_HUB_DLL") is { Length: > 0 } other)
            return other;
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "hub", "SmartCommunity.Hub", "bin", configuration, "net10.0", "SmartCommunity.Hub.dll");
            if (File.Exists(candidate))
                return candidate;
        }
        throw new FileNotFoundException($"hub/SmartCommunity.Hub/bin/{configuration}/net10.0/SmartCommunity.Hub.dll not found above {AppContext.BaseDirectory}; build the solution");
    }

    private sealed record Token(string AccessToken);
}

/// <summary>A private Mosquitto 2 (tests/infra/mosquitto/up.sh with its own directory and port) that a test may stop and start.</summary>
public sealed class PrivateMosquitto : IAsyncDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "sc-mqtt-test-" + Guid.NewGuid().ToString("N")[..12]);

    public int Port { get; } = ClusterServers.FreePort();
    public string AdminUser { get; private set; } = "";
    public string AdminPassword { get; private set; } = "";

    public static async Task<PrivateMosquitto> StartAsync()
    {
        if (!File.Exists("/usr/sbin/mosquitto"))
        {
            const string message = "mosquitto is not installed (apt-get install mosquitto; .ci/run does)";
            if (ClusterServers.InCi)
                Assert.Fail("CI=true: " + message);
            Assert.Skip(message);
        }
        var broker = new PrivateMosquitto();
        await broker.UpAsync();
        return broker;
    }

    /// <summary>Starts the broker, or starts it again on its persisted state (sessions, queued messages, accounts).</summary>
    public async Task UpAsync()
    {
        var output = await RunAsync(ClusterServers.InfraScript("mosquitto/up.sh"));
        foreach (var line in output.Split('\n'))
        {
            if (line.StartsWith("SC_MQTT_ADMIN_USER=", StringComparison.Ordinal))
                AdminUser = line["SC_MQTT_ADMIN_USER=".Length..].Trim();
            if (line.StartsWith("SC_MQTT_ADMIN_PASSWORD=", StringComparison.Ordinal))
                AdminPassword = line["SC_MQTT_ADMIN_PASSWORD=".Length..].Trim();
        }
    }

    /// <summary>Stops the broker as an operator restarting it would (SIGTERM: Mosquitto writes its persistence file), keeping its state.</summary>
    public async Task StopAsync()
    {
        var pid = int.Parse((await File.ReadAllTextAsync(Path.Combine(_dir, "mosquitto.pid"))).Trim(), CultureInfo.InvariantCulture);
        using var process = Process.GetProcessById(pid);
        Process.Start("kill", ["-TERM", pid.ToString(CultureInfo.InvariantCulture)])!.WaitForExit();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await RunAsync(ClusterServers.InfraScript("mosquitto/down.sh"));
        }
        catch (InvalidOperationException)
        {
        }
    }

    private Task<string> RunAsync(string script) =>
        ClusterServers.RunScriptAsync(script, [], new Dictionary<string, string>
        {
            ["SC_MQTT_DIR"] = _dir,
            ["SC_MQTT_PORT"] = Port.ToString(CultureInfo.InvariantCulture),
        });
}
