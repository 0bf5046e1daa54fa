using SmartCommunity.Telemetry.Influx;

namespace SmartCommunity.Telemetry.Tests.Influx;

/// <summary>What the store does with no server at all: nothing here needs InfluxDB installed.</summary>
public sealed class InfluxStoreOfflineTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly SeriesKey Temp = new("dev-1", "temp");
    private readonly string _spool = Path.Combine(Path.GetTempPath(), "sc-influx-offline", Guid.NewGuid().ToString("N"));

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose()
    {
        if (Directory.Exists(_spool))
        {
            Directory.Delete(_spool, recursive: true);
        }
    }

    // Port 1 on loopback: connection refused at once, the plainest "server down". Millisecond precision keeps the
    // spooled lines' timestamps readable here (the default, ns, adds the value's offset inside the millisecond).
    private InfluxTelemetryStore Open(long maxSpoolBytes = 1L << 30) =>
        new(new InfluxTelemetryOptions { Url = "http://127.0.0.1:1", SpoolDirectory = _spool, MaxSpoolBytes = maxSpoolBytes, Precision = InfluxPrecision.Ms });

    [Fact]
    public async Task WriteAsync_ConnectionRefused_CompletesWithPointsDurableInTheSpool()
    {
        await using var store = Open();

        await store.WriteAsync([new(Temp, T0, 1), new(Temp, T0.AddSeconds(1), 2)], Ct);

        Assert.Equal(2, store.SpooledPoints);
        var file = Assert.Single(Directory.GetFiles(_spool, "*.lp"));
        Assert.Equal(
            ["telemetry,device=dev-1,quantity=temp value=1 1735689600000", "telemetry,device=dev-1,quantity=temp value=2 1735689601000"],
            File.ReadAllLines(file));
    }

    [Fact]
    public async Task WriteAsync_SpoolFull_ThrowsSoTheWriterBacksOff()
    {
        await using var store = Open(maxSpoolBytes: 100);
        await store.WriteAsync([new(Temp, T0, 1)], Ct);

        var error = await Assert.ThrowsAsync<IOException>(() => store.WriteAsync([new(Temp, T0.AddSeconds(1), 2)], Ct));

        Assert.Contains("spool", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, store.SpooledPoints);
    }

    [Fact]
    public async Task RetentionJob_ServerDown_DeferredWithoutThrowing_TheRunItselfStillReportsUnreachable()
    {
        await using var store = Open();
        var retention = new TelemetryRetention(store, Microsoft.Extensions.Options.Options.Create(new TelemetryRetentionOptions()), TimeProvider.System);

        // Quartz logs a job's unhandled exception as an error every hour of an outage; the job defers instead.
        await new TelemetryRetentionJob(retention).Execute(null!, Ct);

        var error = await Assert.ThrowsAsync<InfluxTelemetryException>(() => retention.RunOnceAsync(Ct));
        Assert.Equal(InfluxFailure.Unreachable, error.Failure);
    }

    [Fact]
    public async Task HealthCheck_ServerDown_DegradedWithSpoolDepth()
    {
        await using var store = Open();
        await store.WriteAsync([new(Temp, T0, 1)], Ct);

        var result = await new InfluxTelemetryHealthCheck(store).CheckHealthAsync(new(), Ct);

        Assert.Equal(Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Degraded, result.Status);
        Assert.Contains("1 points spooled", result.Description, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("dev 1", "temp", "telemetry,device=dev\\ 1,quantity=temp value=1.5 1735689600000")]
    [InlineData("a,b=c", "t", "telemetry,device=a\\,b\\=c,quantity=t value=1.5 1735689600000")]
    public void FormatPoint_SpecialCharactersInTags_EscapedForLineProtocol(string device, string name, string expected)
    {
        var line = InfluxLineProtocol.FormatPoint("telemetry", new(new(device, name), T0, 1.5), default, InfluxPrecision.Ms);

        Assert.Equal(expected, line);
    }

    [Fact]
    public void FormatPoint_TimeBeforeEpochAtSecondPrecision_FloorsToItsOwnSecond()
    {
        var line = InfluxLineProtocol.FormatPoint("m", new(Temp, DateTimeOffset.UnixEpoch.AddMilliseconds(-1), 1), default, InfluxPrecision.S);

        Assert.EndsWith(" -1", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(InfluxPrecision.Ns, 1_000_000)]
    [InlineData(InfluxPrecision.Us, 1_000)]
    public void PointTimestamp_ValuesInOneMillisecond_DifferentValuesApartSameValueOnItself(InfluxPrecision precision, long perMillisecond)
    {
        var ms = T0.ToUnixTimeMilliseconds();
        var values = new[] { 20.5, 20.6, 21.0, 0.0, -0.0, 1.0, 87, 100_000 };

        var stamps = values.Select(v => InfluxLineProtocol.PointTimestamp(new(Temp, T0, v), precision)).ToList();

        Assert.All(stamps, t => Assert.Equal(ms, t / perMillisecond)); // every one inside its own millisecond
        Assert.Equal(values.Length - 1, stamps.Distinct().Count()); // only 0.0 and -0.0 (one value) share a timestamp
        Assert.Equal(stamps, values.Select(v => InfluxLineProtocol.PointTimestamp(new(Temp, T0, v), precision))); // and again the same
    }

    [Fact]
    public void PointTimestamp_BeforeTheEpoch_NoOffset()
    {
        var time = DateTimeOffset.UnixEpoch.AddMilliseconds(-5);

        Assert.Equal(-5_000_000, InfluxLineProtocol.PointTimestamp(new(Temp, time, 42.5), InfluxPrecision.Ns));
    }

    [Fact]
    public void FormatPoint_LineBreakInDeviceId_Throws()
    {
        Assert.Throws<ArgumentException>(() => InfluxLineProtocol.FormatPoint("m", new(new("a\nb", "t"), T0, 1), default, InfluxPrecision.Ms));
    }
}
