using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using MQTTnet;
using MQTTnet.Protocol;
using SmartCommunity.Testing;

namespace SmartCommunity.Telemetry.Bench;

/// <summary>
/// "hub" mode: points/s through the whole hub — MQTT (QoS 1) → ingestion → TelemetryWriter → store — into InfluxDB
/// and into SQLite, next to a raw line-protocol POST loop to the same InfluxDB server as the ceiling, in one run.
/// The hub is its Release build in a child process (as bench/SmartCommunity.Bench starts it), one backend at a time.
///
///   tests/infra/influx/up.sh
///   dotnet build hub/SmartCommunity.Hub -c Release
///   dotnet run -c Release --project bench/SmartCommunity.Telemetry.Bench -- hub [points=240000] [url=http://127.0.0.1:18087] [devices=200]
///
/// A device publishes its packs one after the other, each awaited until its PUBACK, which the hub sends only when the
/// pack's readings are durable; so when the last PUBACK is in, every point is stored (checked afterwards by counting).
/// </summary>
internal static class HubBench
{
    private const int Instants = 3;                   // a pack holds three sampling instants ...
    private const int PointsPerPack = Instants * 2;   // ... of temp and hum: six readings
    private const string InfluxDatabase = "sc_bench_hub";

    public static async Task<int> RunAsync(string[] args)
    {
        var points = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 240_000;
        var url = args.Length > 1 ? args[1] : Environment.GetEnvironmentVariable("SC_INFLUX_URL") ?? "http://127.0.0.1:18087";
        var devices = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 200;
        var packsPerDevice = Math.Max(1, points / PointsPerPack / devices);
        points = packsPerDevice * devices * PointsPerPack;
        var hubDll = RepoPaths.HubDll("Release");
        using var cts = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; cts.Cancel(); };
        var ct = cts.Token;
        using var influx = new HttpClient { BaseAddress = new Uri(url.TrimEnd('/') + "/"), Timeout = TimeSpan.FromSeconds(60) };

        var rows = new List<(string Name, double Rate, string Check)>();
        var influxd = InfluxdCpu.FromEnvironment();
        var cpu0 = influxd.Read();
        var ceilingRate = await RawCeilingAsync(influx, devices, packsPerDevice, ct);
        rows.Add(("raw line-protocol POST loop to InfluxDB (ceiling)", ceilingRate.Rate, $"{ceilingRate.Seconds:0.0} s, influxd CPU {influxd.Since(cpu0)}"));

        await InfluxQueryAsync(influx, $"DROP DATABASE {InfluxDatabase}", ct);
        var (influxRate, influxCheck) = await ThroughHubAsync(hubDll, devices, packsPerDevice,
            ["--Telemetry:Backend=influxdb", $"--Telemetry:Influx:Url={url}", $"--Telemetry:Influx:Database={InfluxDatabase}"], influxd, ct);
        var stored = await InfluxCountAsync(influx, ct);
        var expected = (long)devices * (packsPerDevice + 1) * PointsPerPack; // + the warm-up pack
        if (stored != expected)
            throw new InvalidOperationException($"InfluxDB holds {stored} points, expected {expected}");
        rows.Add(("hub → InfluxDB (MQTT QoS 1 → ingestion → writer → store)", influxRate, $"{stored:N0} points counted in InfluxDB; {influxCheck}"));

        var (sqliteRate, sqliteCheck) = await ThroughHubAsync(hubDll, devices, packsPerDevice, ["--Telemetry:Backend=sqlite"], null, ct);
        rows.Add(("hub → SQLite (same path, embedded store)", sqliteRate, sqliteCheck));

        var ceiling = rows[0].Rate;
        Console.WriteLine($"{points:N0} timed points ({devices} devices × {packsPerDevice} packs × {PointsPerPack} readings, QoS 1, one pack in flight per device); {Environment.ProcessorCount} cores");
        Console.WriteLine();
        Console.WriteLine("| path | points/s | vs raw ceiling | check |");
        Console.WriteLine("| --- | ---: | ---: | --- |");
        foreach (var (name, rate, check) in rows)
            Console.WriteLine($"| {name} | {rate:N0} | {rate / ceiling:P0} | {check} |");
        Console.WriteLine();
        Console.WriteLine($"hub → InfluxDB / hub → SQLite: {influxRate / sqliteRate:0.00}");
        return 0;
    }

    /// <summary>
    /// The very lines the hub writes (same formatter, tags, series and timestamps), pre-formatted, 5,000 per gzip'd POST
    /// on one connection: what the server takes from a client that costs nothing.
    /// </summary>
    private static async Task<(double Rate, double Seconds)> RawCeilingAsync(HttpClient influx, int deviceCount, int packsPerDevice, CancellationToken ct)
    {
        const string db = "sc_bench_hub_raw";
        await InfluxQueryAsync(influx, $"DROP DATABASE {db}", ct);
        await InfluxQueryAsync(influx, $"CREATE DATABASE {db}", ct);
        var bt = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 3600);
        var tags = new SmartCommunity.Telemetry.Influx.TelemetryTags("climate", "1", "1");
        var lines = new List<string>(deviceCount * packsPerDevice * PointsPerPack);
        for (var seq = 2; seq <= packsPerDevice + 1; seq++)
        {
            for (var d = 0; d < deviceCount; d++)
            {
                for (var k = 0; k < Instants; k++)
                {
                    var time = bt.AddMilliseconds((seq * Instants + k) * 10);
                    foreach (var (quantity, value) in new[] { ("temp", 20 + (seq + k) % 50 / 10.0), ("hum", 45.0 + (seq + k) % 30) })
                    {
                        var point = new TelemetryPoint(new SeriesKey($"bench-{d:D4}", quantity), time, value);
                        lines.Add(SmartCommunity.Telemetry.Influx.InfluxLineProtocol.FormatPoint("telemetry", point, tags, SmartCommunity.Telemetry.Influx.InfluxPrecision.Ms));
                    }
                }
            }
        }
        var points = lines.Count;
        var bodies = lines.Chunk(5_000).Select(chunk =>
        {
            using var buffer = new MemoryStream();
            using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest))
                gzip.Write(Encoding.UTF8.GetBytes(string.Join('\n', chunk)));
            return buffer.ToArray();
        }).ToArray();
        var sw = Stopwatch.StartNew();
        foreach (var body in bodies)
        {
            using var content = new ByteArrayContent(body);
            content.Headers.ContentEncoding.Add("gzip");
            content.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
            using var response = await influx.PostAsync($"api/v2/write?org=-&bucket={db}&precision=ms", content, ct);
            response.EnsureSuccessStatusCode();
        }
        return (points / sw.Elapsed.TotalSeconds, sw.Elapsed.TotalSeconds);
    }

    private static async Task<(double Rate, string Check)> ThroughHubAsync(string hubDll, int deviceCount, int packsPerDevice, string[] backendArgs, InfluxdCpu? influxd, CancellationToken ct)
    {
        string[] args =
        [
            .. backendArgs,
            // The per-device budget (20/s, burst 200) would measure the throttle, not the store.
            "--Hub:DeviceMessagesPerSecond=100000",
            "--Hub:DeviceMessageBurst=1000000",
        ];
        await using var hub = await HubProcess.StartAsync(hubDll, args, keepData: false, TimeSpan.FromSeconds(120), ct);
        using var http = new HttpClient { BaseAddress = hub.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        var token = await PostAsync<TokenResponse>(http, "/api/auth/login", new { email = HubProcess.AdminEmail, password = hub.AdminPassword }, ct);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token.AccessToken);
        var community = await PostAsync<IdOnly>(http, "/api/communities", new { name = "Bench Community" }, ct);
        var grid = await PostAsync<IdOnly>(http, "/api/grids", new { communityId = community.Id, name = "Bench Grid" }, ct);
        var household = await PostAsync<IdOnly>(http, "/api/households", new { gridId = grid.Id, address = "Bldg 1, Flat 101" }, ct);

        var clients = new List<(string Id, IMqttClient Client)>();
        try
        {
            for (var d = 0; d < deviceCount; d++)
            {
                var id = $"bench-{d:D4}";
                var device = await PostAsync<DeviceCredentials>(http, "/api/devices", new { kind = "climate", id, householdId = household.Id }, ct);
                var client = new MqttClientFactory().CreateMqttClient();
                await client.ConnectAsync(new MqttClientOptionsBuilder()
                    .WithTcpServer("127.0.0.1", hub.MqttPort)
                    .WithCredentials(device.Device.Id, device.Secret)
                    .WithClientId(device.Device.Id)
                    .WithTimeout(TimeSpan.FromSeconds(30))
                    .Build(), ct);
                clients.Add((device.Device.Id, client));
            }

            var bt = DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 3600;
            // Warm-up: one pack per device (JIT, connections, the store's first batches), not timed.
            await Task.WhenAll(clients.Select(c => PublishAsync(c.Client, c.Id, bt, 1, ct)));
            var cpuBefore = hub.CpuTime();
            var influxdBefore = influxd?.Read();
            var sw = Stopwatch.StartNew();
            await Task.WhenAll(clients.Select(c => Task.Run(async () =>
            {
                for (var seq = 2; seq <= packsPerDevice + 1; seq++)
                    await PublishAsync(c.Client, c.Id, bt, seq, ct);
            }, ct)));
            var elapsed = sw.Elapsed;
            var cpu = hub.CpuTime() - cpuBefore;
            var influxdCpu = influxd is null ? "" : $", influxd CPU {influxd.Since(influxdBefore)}";
            var timedPoints = (long)deviceCount * packsPerDevice * PointsPerPack;

            var stats = await http.GetFromJsonAsync<JsonElement>("/api/stats", ct);
            var readings = stats.GetProperty("readingsAccepted").GetInt64();
            var queue = stats.GetProperty("telemetryQueueDepth").GetInt64();
            using var health = await http.GetAsync(new Uri("/health", UriKind.Relative), ct);
            var healthText = await health.Content.ReadAsStringAsync(ct);
            var expected = (long)deviceCount * (packsPerDevice + 1) * PointsPerPack;
            if (readings != expected || queue != 0)
                throw new InvalidOperationException($"the hub accepted {readings} readings (expected {expected}), queue {queue}; see {hub.LogPath}");
            Console.Error.WriteLine($"{string.Join(' ', backendArgs)}: {timedPoints:N0} points in {elapsed.TotalSeconds:0.00} s, hub CPU {cpu?.TotalSeconds:0.0} s");
            return (timedPoints / elapsed.TotalSeconds,
                $"{readings:N0} readings accepted, queue {queue}, /health {healthText}; {elapsed.TotalSeconds:0.0} s, hub CPU {cpu?.TotalSeconds:0.0} s{influxdCpu}");
        }
        finally
        {
            foreach (var (_, client) in clients)
                client.Dispose();
        }
    }

    private static async Task PublishAsync(IMqttClient client, string id, long bt, int seq, CancellationToken ct)
    {
        var sb = new StringBuilder(400);
        sb.Append(CultureInfo.InvariantCulture, $"[{{\"bn\":\"urn:dev:sc:{id}:\",\"bt\":{bt},\"n\":\"seq\",\"v\":{seq}}}");
        for (var k = 0; k < Instants; k++)
        {
            // 10 ms apart: every reading of a series has its own timestamp (InfluxDB keys points by series + time).
            var t = ((seq * Instants + k) * 10 / 1000.0).ToString("R", CultureInfo.InvariantCulture);
            sb.Append(CultureInfo.InvariantCulture, $",{{\"n\":\"temp\",\"u\":\"Cel\",\"t\":{t},\"v\":{20 + (seq + k) % 50 / 10.0}}}");
            sb.Append(CultureInfo.InvariantCulture, $",{{\"n\":\"hum\",\"u\":\"%RH\",\"t\":{t},\"v\":{45 + (seq + k) % 30}}}");
        }
        sb.Append(']');
        var message = new MqttApplicationMessageBuilder()
            .WithTopic($"sc/v1/{id}/up")
            .WithPayload(Encoding.UTF8.GetBytes(sb.ToString()))
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build();
        var result = await client.PublishAsync(message, ct);
        if (result.ReasonCode != MqttClientPublishReasonCode.Success)
            throw new InvalidOperationException($"{id} seq {seq}: {result.ReasonCode} {result.ReasonString}");
    }

    private static async Task InfluxQueryAsync(HttpClient influx, string statement, CancellationToken ct)
    {
        using var response = await influx.PostAsync("query?q=" + Uri.EscapeDataString(statement), null, ct);
        response.EnsureSuccessStatusCode();
    }

    private static async Task<long> InfluxCountAsync(HttpClient influx, CancellationToken ct)
    {
        var json = await influx.GetFromJsonAsync<JsonElement>($"query?db={InfluxDatabase}&q={Uri.EscapeDataString("SELECT count(\"value\") FROM \"telemetry\"")}", ct);
        var result = json.GetProperty("results")[0];
        return result.TryGetProperty("series", out var series) ? series[0].GetProperty("values")[0][1].GetInt64() : 0;
    }

    private static async Task<T> PostAsync<T>(HttpClient http, string path, object body, CancellationToken ct)
    {
        using var response = await http.PostAsJsonAsync(path, body, ct);
        if (!response.IsSuccessStatusCode)
            throw new HttpRequestException($"POST {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct)}");
        return await response.Content.ReadFromJsonAsync<T>(ct) ?? throw new InvalidOperationException($"POST {path} returned nothing");
    }

    /// <summary>CPU seconds of the influxd process named by SC_INFLUXD_PID (e.g. $(cat /tmp/sc-influx/influxd.pid)), from /proc.</summary>
    private sealed record InfluxdCpu(int? Pid)
    {
        public static InfluxdCpu FromEnvironment() =>
            new(int.TryParse(Environment.GetEnvironmentVariable("SC_INFLUXD_PID"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var pid) ? pid : null);

        public double? Read()
        {
            if (Pid is not { } pid || !File.Exists($"/proc/{pid}/stat"))
                return null;
            // Fields 14 and 15 (utime, stime) in clock ticks (100/s), after the parenthesised command name.
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
        }

        public string Since(double? before) => Read() is { } now && before is { } b ? $"{now - b:0.0} s" : "n/a (set SC_INFLUXD_PID)";
    }

    private sealed record TokenResponse(string AccessToken);
    private sealed record IdOnly(int Id);
    private sealed record DeviceInfo(string Id);
    private sealed record DeviceCredentials(DeviceInfo Device, string Secret);
}
