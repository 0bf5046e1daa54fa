using SmartCommunity.Telemetry.Influx;
using SmartCommunity.Testing;

namespace SmartCommunity.Telemetry.Tests.Influx;

/// <summary>
/// The contract suite on InfluxDB 1.6 behind nginx's v2-write rewrite (tests/infra/influx), one database per test so
/// retention deletes in one test cannot touch another's points.
/// </summary>
public sealed class InfluxTelemetryStoreTests : TelemetryStoreContractTests
{
    private readonly string _database = InfluxStores.NewDatabase();
    private readonly string _spool = Path.Combine(Path.GetTempPath(), "sc-influx-spool", Guid.NewGuid().ToString("N"));

    protected override async Task<ITelemetryStore> OpenStoreAsync()
    {
        await SharedInflux.RequireAsync();
        var store = new InfluxTelemetryStore(InfluxStores.Options(SharedInflux.Url, _database, _spool));
        await store.EnsureDatabaseAsync(Ct);
        return store;
    }

    protected override async ValueTask DeleteStorageAsync()
    {
        if (await InfluxHttp.PingAsync(SharedInflux.Url))
        {
            await InfluxHttp.ExecuteAsync(SharedInflux.Url, $"DROP DATABASE \"{_database}\"");
        }
        if (Directory.Exists(_spool))
        {
            Directory.Delete(_spool, recursive: true);
        }
    }

    [Fact]
    public async Task WriteAsync_HealthyServer_NothingSpooledAndPointsCarryTheSchemaTags()
    {
        await SharedInflux.RequireAsync();
        var tags = new FixedTags(new TelemetryTags("pendant", "7", "42"));
        await using var store = new InfluxTelemetryStore(InfluxStores.Options(SharedInflux.Url, _database, _spool), tags);
        await store.EnsureDatabaseAsync(Ct);

        await store.WriteAsync([At(Temp, 0, 20.5)], Ct);

        Assert.Equal(0, store.SpooledPoints);
        var rows = await InfluxHttp.SelectAsync(SharedInflux.Url, _database,
            "SELECT \"value\", \"community\", \"device\", \"grid\", \"kind\", \"quantity\" FROM \"telemetry\"");
        var row = Assert.Single(rows);
        Assert.Equal(20.5, row[1].GetDouble());
        Assert.Equal(["7", Device, "42", "pendant", "temp"], row[2..].Select(v => v.GetString()));
    }

    [Theory]
    [InlineData(InfluxPrecision.Ns)]
    [InlineData(InfluxPrecision.Us)]
    [InlineData(InfluxPrecision.Ms)]
    [InlineData(InfluxPrecision.S)]
    public async Task WriteAsync_EachPrecision_StoresTheExactInstantAndReadsItBack(InfluxPrecision precision)
    {
        await SharedInflux.RequireAsync();
        var options = InfluxStores.Options(SharedInflux.Url, _database, _spool);
        options.Precision = precision;
        await using var store = new InfluxTelemetryStore(options);
        await store.EnsureDatabaseAsync(Ct);
        // Whole seconds for precision s (it cannot hold less); 12.345 s past T0 for the others.
        var time = precision == InfluxPrecision.S ? T0.AddSeconds(12) : T0.AddMilliseconds(12_345);

        await store.WriteAsync([new(Temp, time, 1.5)], Ct);

        Assert.Equal([new TelemetryPoint(Temp, time, 1.5)], await store.QueryRangeAsync(Temp, T0, T0.AddMinutes(1), 10, Ct));
        // Checked in nanoseconds on the server: InfluxDB 1.6 given "precision=us" unmapped would store 1/1000 of it.
        // At ns and us the value's offset keeps the point inside its millisecond; at ms and s it is the exact instant.
        var raw = Assert.Single(await InfluxHttp.SelectAsync(SharedInflux.Url, _database, "SELECT \"value\" FROM \"telemetry\"", epoch: "ns"));
        var stored = raw[0].GetInt64();
        Assert.Equal(time.ToUnixTimeMilliseconds(), stored / 1_000_000);
        if (precision is InfluxPrecision.Ms or InfluxPrecision.S)
            Assert.Equal(time.ToUnixTimeMilliseconds() * 1_000_000, stored);
        else
            Assert.Equal(InfluxLineProtocol.PointTimestamp(new(Temp, time, 1.5), precision) * (precision == InfluxPrecision.Us ? 1_000 : 1), stored);
    }

    [Fact]
    public async Task NginxRewrite_MicrosecondPrecision_MapsToInfluxV1Unit()
    {
        await SharedInflux.RequireAsync();
        await InfluxHttp.ExecuteAsync(SharedInflux.Url, $"CREATE DATABASE \"{_database}\"");

        var (status, body) = await InfluxHttp.WriteV2Async(SharedInflux.Url, _database, "us", "m v=1 1735689600000123");

        Assert.True(status == System.Net.HttpStatusCode.NoContent, body);
        var raw = Assert.Single(await InfluxHttp.SelectAsync(SharedInflux.Url, _database, "SELECT v FROM m", epoch: "ns"));
        Assert.Equal(1735689600000123000, raw[0].GetInt64());
    }

    [Fact]
    public async Task NginxRewrite_UnknownPrecision_RefusedInsteadOfStoredAsNanoseconds()
    {
        await SharedInflux.RequireAsync();
        await InfluxHttp.ExecuteAsync(SharedInflux.Url, $"CREATE DATABASE \"{_database}\"");

        var (status, _) = await InfluxHttp.WriteV2Async(SharedInflux.Url, _database, "minutes", "m v=1 1");

        Assert.Equal(System.Net.HttpStatusCode.BadRequest, status);
        Assert.Empty(await InfluxHttp.SelectAsync(SharedInflux.Url, _database, "SELECT v FROM m"));
    }

    [Fact]
    public async Task WriteAsync_FieldStoredAsIntegerByAnotherWriter_ThrowsRejectedWithTypeConflictMessage()
    {
        await SharedInflux.RequireAsync();
        await using var store = new InfluxTelemetryStore(InfluxStores.Options(SharedInflux.Url, _database, _spool));
        await store.EnsureDatabaseAsync(Ct);
        // Another tool wrote "value" as an integer into the same measurement and shard.
        await InfluxHttp.WriteV2Async(SharedInflux.Url, _database, "ms", $"telemetry,device=other,quantity=x value=1i {T0.ToUnixTimeMilliseconds()}");

        var error = await Assert.ThrowsAsync<TelemetryRejectedException>(() => store.WriteAsync([At(Temp, 1, 20.5)], Ct));

        var inner = Assert.IsType<InfluxTelemetryException>(error.InnerException);
        Assert.Equal(InfluxFailure.TypeConflict, inner.Failure);
        Assert.Contains("field type conflict", error.Message, StringComparison.Ordinal);
        Assert.Contains("Telemetry:Influx:Measurement", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, store.SpooledPoints); // a permanent refusal must not sit in the spool blocking later points
    }

    [Fact]
    public async Task Writer_BatchWithTypeConflict_FailsThatBatchOnlyAndKeepsWriting()
    {
        await SharedInflux.RequireAsync();
        await using var store = new InfluxTelemetryStore(InfluxStores.Options(SharedInflux.Url, _database, _spool));
        await store.EnsureDatabaseAsync(Ct);
        await InfluxHttp.WriteV2Async(SharedInflux.Url, _database, "ms", $"telemetry,device=other,quantity=x value=1i {T0.ToUnixTimeMilliseconds()}");
        await using var writer = new TelemetryWriter(store, new TelemetryOptions());
        await writer.StartAsync(Ct);

        await Assert.ThrowsAsync<TelemetryRejectedException>(() => writer.EnqueueAsync([At(Temp, 1, 1)], true, Ct).AsTask().Within());
        // The next day lands in a new shard, where "value" has no type yet: the writer was not stuck retrying.
        await writer.EnqueueAsync([At(Temp, 60 * 24 * 8, 2)], true, Ct).AsTask().Within();

        Assert.Equal(1, await store.CountAsync(Temp, Ct));
    }

    [Fact]
    public async Task EnsureDatabaseAsync_MissingDatabaseAndCreateDisabled_ThrowsDatabaseNotFoundNamingIt()
    {
        await SharedInflux.RequireAsync();
        var options = InfluxStores.Options(SharedInflux.Url, _database, _spool);
        options.CreateDatabase = false;
        await using var store = new InfluxTelemetryStore(options);

        var error = await Assert.ThrowsAsync<InfluxTelemetryException>(() => store.EnsureDatabaseAsync(Ct));

        Assert.Equal(InfluxFailure.DatabaseNotFound, error.Failure);
        Assert.Contains(_database, error.Message, StringComparison.Ordinal);
        Assert.Contains("CreateDatabase", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WriteAsync_MissingDatabase_ThrowsDatabaseNotFoundAndSpoolsNothing()
    {
        await SharedInflux.RequireAsync();
        await using var store = new InfluxTelemetryStore(InfluxStores.Options(SharedInflux.Url, _database, _spool));

        var error = await Assert.ThrowsAsync<InfluxTelemetryException>(() => store.WriteAsync([At(Temp, 0, 1)], Ct));

        Assert.Equal(InfluxFailure.DatabaseNotFound, error.Failure);
        Assert.Contains(_database, error.Message, StringComparison.Ordinal);
        Assert.Equal(0, store.SpooledPoints);
    }

    [Fact]
    public async Task Queries_MissingDatabase_ThrowDatabaseNotFound()
    {
        await SharedInflux.RequireAsync();
        await using var store = new InfluxTelemetryStore(InfluxStores.Options(SharedInflux.Url, _database, _spool));

        var error = await Assert.ThrowsAsync<InfluxTelemetryException>(() => store.CountAsync(Temp, Ct));

        Assert.Equal(InfluxFailure.DatabaseNotFound, error.Failure);
    }

    [Fact]
    public async Task History_YearPastRawRetention_ReadsRollupsThenRawPointsAsTheyWere()
    {
        await SharedInflux.RequireAsync();
        await using var store = new InfluxTelemetryStore(InfluxStores.Options(SharedInflux.Url, _database, _spool));
        await store.EnsureDatabaseAsync(Ct);
        await HistoryScenario.RunAsync(store, Temp);
    }

    [Fact]
    public async Task Retention_RawAndHourlyData_RollsUpThenDeletesEachPastItsRetention()
    {
        await SharedInflux.RequireAsync();
        await using var store = new InfluxTelemetryStore(InfluxStores.Options(SharedInflux.Url, _database, _spool));
        await store.EnsureDatabaseAsync(Ct);
        await RetentionScenario.RunAsync(store, Temp);
    }

    private sealed class FixedTags(TelemetryTags tags) : ITelemetryTagResolver
    {
        public TelemetryTags Resolve(string deviceId) => tags;
    }
}
