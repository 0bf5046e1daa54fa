using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using MQTTnet;
using SmartCommunity.Testing;

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

    /// <summary>Starts an instance; the name fixes its MQTT client id, so a replacement with the same name resumes its broker session.
    /// <paramref name="more"/> are further settings (<c>--Key=value</c>) of this test.</summary>
    public async Task<HubProcess> StartInstanceAsync(string name, params string[] more)
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
        args.AddRange(more);
        var hub = await HubProcess.StartAsync(HubProcess.HubDllUnderTest(), args, keepData: false, TimeSpan.FromSeconds(180), CancellationToken.None);
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

    private sealed record Token(string AccessToken);
}
