using Microsoft.Data.Sqlite;

namespace SmartCommunity.Telemetry.Tests;

/// <summary>The contract suite on the embedded store, plus what only SQLite has: schema, journal mode, query plans.</summary>
public sealed class SqliteTelemetryStoreTests : TelemetryStoreContractTests
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "sc-telemetry-tests", Guid.NewGuid().ToString("N"));

    private string DatabasePath => Path.Combine(_folder, "telemetry.db");

    protected override Task<ITelemetryStore> OpenStoreAsync() =>
        Task.FromResult<ITelemetryStore>(new SqliteTelemetryStore(new TelemetryOptions { Path = DatabasePath }));

    protected override ValueTask DeleteStorageAsync()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task Open_NewFile_CreatesVersionedSchemaInWalModeWithClusteredPoints()
    {
        await OpenAsync();

        using var connection = OpenRaw();
        Assert.Equal((long)SqliteTelemetrySchema.CurrentVersion, Scalar(connection, "PRAGMA user_version"));
        Assert.Equal("wal", Scalar(connection, "PRAGMA journal_mode"));
        var pointsSql = (string)Scalar(connection, "SELECT sql FROM sqlite_schema WHERE name = 'points'")!;
        Assert.Contains("WITHOUT ROWID", pointsSql, StringComparison.Ordinal);
        Assert.Contains("PRIMARY KEY (series, t)", pointsSql, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Open_FileFromNewerSchemaVersion_RefusesToOpen()
    {
        Directory.CreateDirectory(_folder);
        using (var connection = OpenRaw())
        {
            Scalar(connection, "PRAGMA user_version = 99");
        }

        var error = await Assert.ThrowsAsync<InvalidOperationException>(OpenAsync);
        Assert.Contains("99", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(SqliteTelemetrySchema.SelectRange)]
    [InlineData(SqliteTelemetrySchema.SelectLatest)]
    [InlineData(SqliteTelemetrySchema.SelectAggregate)]
    [InlineData(SqliteTelemetrySchema.CountPoints)]
    [InlineData(SqliteTelemetrySchema.DeleteOlderThan)]
    public async Task QueryPlan_PointQueries_SearchThePrimaryKeyInsteadOfScanning(string sql)
    {
        await OpenAsync();
        using var connection = OpenRaw();
        using var command = connection.CreateCommand();
        command.CommandText = "EXPLAIN QUERY PLAN " + sql;
        foreach (var name in new[] { "$s", "$from", "$to", "$limit", "$b", "$cutoff" })
        {
            if (sql.Contains(name, StringComparison.Ordinal))
            {
                command.Parameters.AddWithValue(name, 1L);
            }
        }

        var plan = new List<string>();
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                plan.Add(reader.GetString(3));
            }
        }

        Assert.Contains(plan, step => step.StartsWith("SEARCH points USING PRIMARY KEY (series=?", StringComparison.Ordinal));
        Assert.DoesNotContain(plan, step => step.StartsWith("SCAN points", StringComparison.Ordinal));
    }

    [Fact]
    public async Task QueryPlan_LatestForDevice_SeeksDeviceIndexAndEachSeriesKey()
    {
        await OpenAsync();
        using var connection = OpenRaw();
        using var command = connection.CreateCommand();
        command.CommandText = "EXPLAIN QUERY PLAN " + SqliteTelemetrySchema.SelectLatestForDevice;
        command.Parameters.AddWithValue("$d", "x");

        var plan = new List<string>();
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                plan.Add(reader.GetString(3));
            }
        }

        Assert.Contains(plan, step => step.StartsWith("SEARCH s USING", StringComparison.Ordinal));
        Assert.DoesNotContain(plan, step => step.StartsWith("SCAN", StringComparison.Ordinal));
    }

    [Fact]
    public async Task History_YearPastRawRetention_ReadsRollupsThenRawPointsAsTheyWere()
    {
        var store = await OpenAsync();
        await HistoryScenario.RunAsync(store, Temp);
    }

    [Fact]
    public async Task Retention_RawAndHourlyData_RollsUpThenDeletesEachPastItsRetention()
    {
        var store = await OpenAsync();
        await RetentionScenario.RunAsync(store, Temp);
    }

    private SqliteConnection OpenRaw()
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = DatabasePath, Pooling = false }.ToString());
        connection.Open();
        return connection;
    }

    private static object? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }
}
