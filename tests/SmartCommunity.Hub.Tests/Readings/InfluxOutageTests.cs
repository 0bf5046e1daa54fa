using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using MQTTnet;
using MQTTnet.Protocol;
using SmartCommunity.Hub.Devices;
using SmartCommunity.Testing;
using SmartCommunity.Telemetry.Influx;

namespace SmartCommunity.Hub.Tests;

/// <summary>
/// The issue's hub-level fault test: the real hub (Telemetry:Backend=influxdb) in front of its own influxd + nginx pair
/// (<see cref="PrivateInflux"/>, shared with the Telemetry tests by a linked source file), devices publishing canonical
/// SenML over MQTT at QoS 1 the whole time, influxd killed for 30 s and started again. Every acknowledged reading must
/// then be in InfluxDB exactly once, with its value, time and tags. In CI a missing influxd/nginx fails the test.
/// </summary>
public sealed class InfluxOutageTests : IAsyncLifetime
{
    private const int DeviceCount = 4;
    private const int StepMs = 50; // each device publishes every ~50 ms; a pack's readings are stamped bt + seq × 50 ms
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(30);

    private readonly string _database = "sc_hub_outage_" + Guid.NewGuid().ToString("N")[..12];
    private PrivateInflux? _influx;
    private HubApp? _hub;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _influx = await PrivateInflux.StartAsync();
        _hub = new HubApp(settings: new Dictionary<string, string?>
        {
            ["Telemetry:Backend"] = "influxdb",
            ["Telemetry:Influx:Url"] = _influx.Url,
            ["Telemetry:Influx:Database"] = _database,
            ["Telemetry:Influx:Timeout"] = "00:00:05",
            // Replay starts promptly once influxd is back instead of after the production backoff (1 s … 30 s).
            ["Telemetry:Influx:ReplayInitialDelay"] = "00:00:00.100",
            ["Telemetry:Influx:ReplayMaxDelay"] = "00:00:00.500",
            ["Telemetry:RetryInitialDelay"] = "00:00:00.050",
            ["Telemetry:RetryMaxDelay"] = "00:00:00.500",
            // 20 packs/s per device is the default budget's edge; the test must measure the store, not the throttle.
            ["Hub:DeviceMessagesPerSecond"] = "1000",
            ["Hub:DeviceMessageBurst"] = "10000",
        });
        _hub.Start();
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_hub is not null)
                await _hub.DisposeAsync();
        }
        finally
        {
            if (_influx is not null)
                await _influx.DisposeAsync();
        }
    }

    [Fact]
    public async Task InfluxdDown30s_WhileDevicesPublishAtQos1_EveryReadingInInfluxExactlyOnce()
    {
        var hub = _hub!;
        var influx = _influx!;
        var world = await hub.SeedWorldAsync();
        var store = hub.Services.GetRequiredService<InfluxTelemetryStore>();
        var devices = new List<DeviceCredentials>();
        for (var i = 0; i < DeviceCount; i++)
            devices.Add(await hub.RegisterDeviceAsync("climate", householdId: i % 2 == 0 ? world.HouseholdA : world.HouseholdB));

        // Whole seconds ten minutes back: inside the decoder's clock-skew window for the whole run.
        var bt = DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 600;
        var publishers = devices.Select(d => new Publisher(hub, d, bt)).ToList();
        foreach (var p in publishers)
            await p.ConnectAsync();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var running = publishers.Select(p => p.RunAsync(stop.Token)).ToList();

        // Before: readings go straight into InfluxDB.
        await Eventually.GetAsync(() => CountAsync(influx), n => n >= 100, TimeSpan.FromSeconds(30), "readings in InfluxDB before the outage");
        var ackedBefore = publishers.Sum(p => p.Acked);

        // The outage: influxd is SIGKILLed (nginx stays up and answers 502), devices keep publishing at QoS 1.
        await influx.StopInfluxdAsync();
        var down = DateTime.UtcNow;
        var spooled = await Eventually.GetAsync(() => Task.FromResult(store.SpooledPoints), n => n > 0, TimeSpan.FromSeconds(20), "readings spooled to disk");
        var remaining = Outage - (DateTime.UtcNow - down);
        if (remaining > TimeSpan.Zero)
            await Task.Delay(remaining, Ct); // the issue's 30 s outage while the devices publish; nothing is asserted on time
        var ackedDuringOutage = publishers.Sum(p => p.Acked) - ackedBefore;
        var spooledAtEnd = store.SpooledPoints;

        // Back: influxd restarts on the same data; the spool replays while devices keep publishing a little longer.
        await influx.StartInfluxdAsync();
        var ackedAtRestart = publishers.Sum(p => p.Acked);
        await Eventually.GetAsync(() => Task.FromResult(publishers.Sum(p => p.Acked)), n => n >= ackedAtRestart + 40, TimeSpan.FromSeconds(20), "publishing after the restart");
        await stop.CancelAsync();
        await Task.WhenAll(running);

        await Eventually.GetAsync(() => Task.FromResult(store.SpooledPoints), n => n == 0, TimeSpan.FromSeconds(30), "the spool replayed");

        Assert.All(publishers, p => Assert.Empty(p.Failures));
        Assert.True(ackedDuringOutage > 0, "devices had readings acknowledged while influxd was down");
        Assert.True(spooled > 0 && spooledAtEnd > 0, $"the outage spooled readings ({spooled} early, {spooledAtEnd} at its end)");
        foreach (var p in publishers)
        {
            var device = p.Device.Device.Id;
            var gridId = (devices.IndexOf(p.Device) % 2 == 0 ? world.GridA : world.GridB).ToString(CultureInfo.InvariantCulture);
            foreach (var quantity in new[] { "temp", "hum" })
            {
                var rows = await InfluxHttp.SelectAsync(influx.Url, _database,
                    $"SELECT \"value\", \"kind\", \"community\", \"grid\" FROM \"telemetry\" WHERE \"device\" = '{device}' AND \"quantity\" = '{quantity}'");
                var expected = Enumerable.Range(1, p.Acked).Select(seq => (bt * 1000 + seq * (long)StepMs, Publisher.Value(quantity, seq))).ToList();
                var stored = rows.Select(r => (r[0].GetInt64(), r[1].GetDouble())).ToList();
                Assert.Equal(expected.Count, stored.Count); // none missing, none doubled
                Assert.Equal(expected, stored);             // every reading with its own time and value, oldest first
                Assert.All(rows, r => Assert.Equal(("climate", world.CommunityId.ToString(CultureInfo.InvariantCulture), gridId),
                    (r[2].GetString(), r[3].GetString(), r[4].GetString())));
            }
        }
        var total = await CountAsync(influx);
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{publishers.Sum(p => p.Acked)} packs acknowledged ({ackedDuringOutage} while influxd was down), {spooledAtEnd} points spooled at the outage's end, {total} points in InfluxDB");
        Assert.Equal(2L * publishers.Sum(p => p.Acked), total);
    }

    private async Task<long> CountAsync(PrivateInflux influx)
    {
        // Through nginx: while influxd is down this answers 502, which the probe counts as "not yet".
        try
        {
            var rows = await InfluxHttp.SelectAsync(influx.Url, _database, "SELECT count(\"value\") FROM \"telemetry\"");
            return rows.Count == 0 ? 0 : rows[0][1].GetInt64();
        }
        catch (HttpRequestException)
        {
            return -1;
        }
    }

    /// <summary>
    /// One climate device on its own MQTT connection: canonical SenML packs (seq, temp, hum) at QoS 1, one after the
    /// other, each awaited until its PUBACK — which the hub sends only when the readings are durable (in InfluxDB or in
    /// the disk spool). Sequence numbers run 1, 2, 3, … so what was acknowledged is exactly seq 1 … <see cref="Acked"/>.
    /// </summary>
    private sealed class Publisher(HubApp hub, DeviceCredentials device, long bt)
    {
        private IMqttClient? _client;
        private int _acked;

        public DeviceCredentials Device => device;
        public int Acked => Volatile.Read(ref _acked);
        public ConcurrentQueue<string> Failures { get; } = new();

        public static double Value(string quantity, int seq) =>
            quantity == "temp" ? 18 + seq % 700 / 100.0 : 40 + seq % 400 / 10.0;

        public async Task ConnectAsync() => _client = await hub.ConnectDeviceAsync(device);

        public async Task RunAsync(CancellationToken stop)
        {
            var id = device.Device.Id;
            var topic = $"sc/v1/{id}/up";
            using var client = _client!;
            while (!stop.IsCancellationRequested)
            {
                var seq = _acked + 1;
                var t = (seq * StepMs / 1000.0).ToString("R", CultureInfo.InvariantCulture);
                var payload = Encoding.UTF8.GetBytes(
                    $"[{{\"bn\":\"urn:dev:sc:{id}:\",\"bt\":{bt},\"n\":\"seq\",\"v\":{seq}}}," +
                    $"{{\"n\":\"temp\",\"u\":\"Cel\",\"t\":{t},\"v\":{Value("temp", seq).ToString("R", CultureInfo.InvariantCulture)}}}," +
                    $"{{\"n\":\"hum\",\"u\":\"%RH\",\"t\":{t},\"v\":{Value("hum", seq).ToString("R", CultureInfo.InvariantCulture)}}}]");
                var message = new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload)
                    .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build();
                // Not cancelled by "stop": a publish in flight finishes, so Acked is exact.
                var result = await client.PublishAsync(message, CancellationToken.None);
                if (result.ReasonCode != MqttClientPublishReasonCode.Success)
                {
                    Failures.Enqueue($"{id} seq {seq}: {result.ReasonCode} {result.ReasonString}");
                    return;
                }
                Interlocked.Increment(ref _acked);
                try
                {
                    await Task.Delay(StepMs, stop);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
            await client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().WithReason(MqttClientDisconnectOptionsReason.NormalDisconnection).Build(), CancellationToken.None);
        }
    }
}
