// Points per second into InfluxDB through the hub's telemetry path (TelemetryWriter + InfluxTelemetryStore), into
// the embedded SQLite store through the same writer, and a raw line-protocol POST loop to the same InfluxDB endpoint
// as the ceiling. One run; prints a Markdown table with the ratios.
//
//   tests/infra/influx/up.sh
//   dotnet run -c Release --project bench/SmartCommunity.Telemetry.Bench -- [points=500000] [url=http://127.0.0.1:18087]
//
// "hub" mode (HubBench.cs): the same three rows with MQTT and the whole hub (a child process) in front of the stores:
//   dotnet run -c Release --project bench/SmartCommunity.Telemetry.Bench -- hub [points=240000] [url] [devices=200]
using System.Diagnostics;
using System.IO.Compression;
using System.Net.Http.Headers;
using SmartCommunity.Telemetry;
using SmartCommunity.Telemetry.Influx;

if (args.Length > 0 && args[0] == "hub")
{
    return await SmartCommunity.Telemetry.Bench.HubBench.RunAsync(args[1..]);
}

var points = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 500_000;
var url = args.Length > 1 ? args[1] : Environment.GetEnvironmentVariable("SC_INFLUX_URL") ?? "http://127.0.0.1:18087";
const int Devices = 1_000;        // 1,000 devices × 5 quantities = 5,000 series
const int Producers = 8;          // like several MQTT connections handing packs to the writer
const int PackSize = 5;           // one SenML pack of five readings
var t0 = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
string[] quantities = ["temp", "hum", "co2", "batt", "rssi"];
var work = Path.Combine(Path.GetTempPath(), "sc-telemetry-bench-" + Guid.NewGuid().ToString("N")[..8]);
Directory.CreateDirectory(work);

TelemetryPoint PointAt(int i) =>
    new(new SeriesKey($"dev-{i % Devices:D4}", quantities[i / Devices % quantities.Length]), t0.AddMilliseconds(i / (Devices * quantities.Length) * 1000L), 20 + i % 100 * 0.1);

async Task<double> ThroughWriterAsync(ITelemetryStore store, TelemetryOptions options)
{
    await using var writer = new TelemetryWriter(store, options);
    await writer.StartAsync(CancellationToken.None);
    var sw = Stopwatch.StartNew();
    await Task.WhenAll(Enumerable.Range(0, Producers).Select(p => Task.Run(async () =>
    {
        var pack = new TelemetryPoint[PackSize];
        for (var start = p * PackSize; start < points; start += Producers * PackSize)
        {
            for (var j = 0; j < PackSize; j++)
            {
                pack[j] = PointAt(Math.Min(start + j, points - 1));
            }
            await writer.EnqueueAsync(pack.ToArray(), waitUntilDurable: false, CancellationToken.None);
        }
    })));
    await writer.StopAsync(CancellationToken.None); // returns when every point is committed
    return points / sw.Elapsed.TotalSeconds;
}

var rows = new List<(string Name, double Rate)>();
using var http = new HttpClient { BaseAddress = new Uri(url.TrimEnd('/') + "/") };

// 1. Raw ceiling: pre-formatted lines, 5,000 per gzip'd POST, one connection (the store also sends one at a time).
var rawDb = "sc_bench_raw";
await http.PostAsync("query?q=" + Uri.EscapeDataString($"DROP DATABASE {rawDb}; CREATE DATABASE {rawDb}"), null);
var lines = Enumerable.Range(0, points).Select(i => InfluxLineProtocol.FormatPoint("telemetry", PointAt(i), default, InfluxPrecision.Ms)).ToArray();
var bodies = lines.Chunk(5_000).Select(chunk =>
{
    using var buffer = new MemoryStream();
    using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest))
    {
        gzip.Write(System.Text.Encoding.UTF8.GetBytes(string.Join('\n', chunk)));
    }
    return buffer.ToArray();
}).ToArray();
var swRaw = Stopwatch.StartNew();
foreach (var body in bodies)
{
    using var content = new ByteArrayContent(body);
    content.Headers.ContentEncoding.Add("gzip");
    content.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
    using var response = await http.PostAsync($"api/v2/write?org=-&bucket={rawDb}&precision=ms", content);
    response.EnsureSuccessStatusCode();
}
rows.Add(("raw line-protocol POST loop (ceiling)", points / swRaw.Elapsed.TotalSeconds));

// 2. InfluxDB through writer + store (formatting, InfluxDB.Client, gzip, 5,000 lines per request).
var influxOptions = new InfluxTelemetryOptions { Url = url, Database = "sc_bench_store", SpoolDirectory = Path.Combine(work, "spool") };
await http.PostAsync("query?q=" + Uri.EscapeDataString("DROP DATABASE sc_bench_store"), null);
await using (var influx = new InfluxTelemetryStore(influxOptions))
{
    await influx.EnsureDatabaseAsync(CancellationToken.None);
    rows.Add(("InfluxDB store via TelemetryWriter", await ThroughWriterAsync(influx, new TelemetryOptions { MaxBatch = 5_000 })));
    if (influx.SpooledPoints != 0)
    {
        throw new InvalidOperationException("The benchmark spooled points: InfluxDB was not reachable throughout.");
    }
    var written = 0L;
    for (var d = 0; d < 3; d++)
    {
        written += await influx.CountAsync(new SeriesKey($"dev-{d:D4}", "temp"), CancellationToken.None);
    }
    Console.Error.WriteLine($"check: {written} points in 3 sample series (expected {3 * (points / (Devices * quantities.Length) + 0)}±3)");
}

// 3. SQLite through the same writer.
using (var sqlite = new SqliteTelemetryStore(new TelemetryOptions { Path = Path.Combine(work, "telemetry.db") }))
{
    rows.Add(("SQLite store via TelemetryWriter", await ThroughWriterAsync(sqlite, new TelemetryOptions())));
}

var ceiling = rows[0].Rate;
Console.WriteLine($"{points:N0} points, {Devices * quantities.Length:N0} series, {Producers} producers, packs of {PackSize}; {Environment.ProcessorCount} cores");
Console.WriteLine();
Console.WriteLine("| path | points/s | vs raw ceiling |");
Console.WriteLine("| --- | ---: | ---: |");
foreach (var (name, rate) in rows)
{
    Console.WriteLine($"| {name} | {rate:N0} | {rate / ceiling:P0} |");
}
Directory.Delete(work, recursive: true);
return 0;
