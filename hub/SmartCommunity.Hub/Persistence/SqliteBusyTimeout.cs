using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace SmartCommunity.Hub.Persistence;

/// <summary>
/// Lets SQLite itself wait for a competing writer (its busy handler retries within milliseconds)
/// instead of failing with SQLITE_BUSY, which Microsoft.Data.Sqlite retries with a fixed 150 ms sleep:
/// measured as 150 ms stalls of alert inserts whenever the device-state flush wrote at the same time.
/// </summary>
public sealed class SqliteBusyTimeout : DbConnectionInterceptor
{
    private const string Pragma = "PRAGMA busy_timeout = 5000;";

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        using var command = connection.CreateCommand();
        command.CommandText = Pragma;
        command.ExecuteNonQuery();
    }

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = Pragma;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
