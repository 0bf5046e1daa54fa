using Microsoft.Data.Sqlite;
using SmartCommunity.Hub.Hosting;
using SmartCommunity.Testing;

namespace SmartCommunity.Hub.Tests;

/// <summary>
/// The scheduler's SQLite store (escalation timers) is in write-ahead logging like the hub's own databases: in the rollback
/// journal every timer transaction cost several fsyncs, and a device's PUBACK waits for its alert's first timer
/// (docs/dashboard-benchmark.md, issue 22's burst of 100 alerts/s).
/// </summary>
public sealed class SchedulerStoreTests
{
    [Fact]
    public async Task SchedulerStore_SqliteHubStarted_IsInWriteAheadLog()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var hub = new HubApp(settings: new Dictionary<string, string?> { ["Hub:Database:Provider"] = "sqlite" }).Start();

        await using var connection = new SqliteConnection($"Data Source={Path.Combine(hub.DataDirectory, HubScheduling.StoreFile)};Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode;";
        Assert.Equal("wal", (string?)await command.ExecuteScalarAsync(ct));
    }
}
