using Microsoft.Data.Sqlite;

namespace SmartCommunity.Telemetry;

/// <summary>The schema, its migrations and the SQL of <see cref="SqliteTelemetryStore"/>, kept together.</summary>
internal static class SqliteTelemetrySchema
{
    /// <summary>
    /// Migration N (1-based) brings <c>PRAGMA user_version</c> from N-1 to N. Append new steps; never edit shipped ones.
    /// </summary>
    private static readonly string[] Migrations =
    [
        """
        CREATE TABLE series (
            id     INTEGER PRIMARY KEY,
            device TEXT NOT NULL,
            name   TEXT NOT NULL,
            UNIQUE (device, name)
        );
        -- Clustered by (series, t): a series' points sit together in time order, so range queries, latest and
        -- per-bucket aggregates read one contiguous run of the primary key. No foreign key to series: the check
        -- would cost a lookup per point and the store is the only writer.
        CREATE TABLE points (
            series INTEGER NOT NULL,
            t      INTEGER NOT NULL, -- Unix milliseconds
            v      REAL    NOT NULL,
            PRIMARY KEY (series, t)
        ) WITHOUT ROWID;
        """,
        """
        -- Hourly downsampling kept after raw points expire (retention job). Sum rather than mean, so a mean over
        -- several hours can be computed exactly from the rows.
        CREATE TABLE rollups_1h (
            series INTEGER NOT NULL,
            t      INTEGER NOT NULL, -- Unix milliseconds, start of the hour
            min    REAL    NOT NULL,
            max    REAL    NOT NULL,
            sum    REAL    NOT NULL,
            count  INTEGER NOT NULL,
            PRIMARY KEY (series, t)
        ) WITHOUT ROWID;
        """,
    ];

    public static int CurrentVersion => Migrations.Length;

    // A taken (series, t) is never overwritten: the store then looks at the run of points from t on (SelectRunFrom).
    public const string InsertPoint =
        "INSERT INTO points (series, t, v) VALUES ($s, $t, $v) ON CONFLICT (series, t) DO NOTHING";

    public const int RunLength = 64;

    public const string SelectRunFrom = "SELECT t, v FROM points WHERE series = $s AND t >= $t ORDER BY t LIMIT 64";

    public const string SelectSeriesId = "SELECT id FROM series WHERE device = $d AND name = $n";

    public const string InsertSeries = "INSERT INTO series (device, name) VALUES ($d, $n) RETURNING id";

    public const string SelectRange =
        "SELECT t, v FROM points WHERE series = $s AND t >= $from AND t < $to ORDER BY t LIMIT $limit";

    public const string SelectLatest = "SELECT t, v FROM points WHERE series = $s ORDER BY t DESC LIMIT 1";

    // The correlated MAX(t) is answered from the end of the series' primary-key run, one seek per series.
    public const string SelectLatestForDevice = """
        SELECT s.name, p.t, p.v
        FROM series AS s
        JOIN points AS p ON p.series = s.id
        WHERE s.device = $d AND p.t = (SELECT MAX(t) FROM points WHERE series = s.id)
        """;

    // ((t % b) + b) % b is the non-negative remainder, so buckets floor towards negative infinity and stay aligned
    // to the epoch for times before 1970 too (SQLite's % keeps the dividend's sign).
    public const string SelectAggregate = """
        SELECT t - ((t % $b) + $b) % $b AS bucket, MIN(v), MAX(v), AVG(v), COUNT(*)
        FROM points
        WHERE series = $s AND t >= $from AND t < $to
        GROUP BY bucket
        ORDER BY bucket
        """;

    public const string CountPoints = "SELECT COUNT(*) FROM points WHERE series = $s";

    // Per series, so it walks the primary key (series, t) instead of scanning all points of the hour range.
    public const string RollUpSeries = """
        INSERT INTO rollups_1h (series, t, min, max, sum, count)
        SELECT series, t - ((t % 3600000) + 3600000) % 3600000 AS hour, MIN(v), MAX(v), SUM(v), COUNT(*)
        FROM points
        WHERE series = $s AND t >= $from AND t < $to
        GROUP BY hour
        ON CONFLICT (series, t) DO UPDATE SET min = excluded.min, max = excluded.max, sum = excluded.sum, count = excluded.count
        """;

    public const string SelectHourly =
        "SELECT t, min, max, sum / count, count FROM rollups_1h WHERE series = $s AND t >= $from AND t < $to ORDER BY t";

    public const string DeleteHourlyOlderThan = "DELETE FROM rollups_1h WHERE series = $s AND t < $cutoff";

    // Series rows stay (they hold only the device id and quantity name): their ids are cached by the store forever.
    public const string DeleteDevicePoints = "DELETE FROM points WHERE series IN (SELECT id FROM series WHERE device = $d)";

    public const string DeleteDeviceRollups = "DELETE FROM rollups_1h WHERE series IN (SELECT id FROM series WHERE device = $d)";

    public const string DeleteOlderThan = "DELETE FROM points WHERE series = $s AND t < $cutoff";

    /// <summary>Creates or upgrades the schema; refuses a file written by a newer build rather than guess.</summary>
    public static void Migrate(SqliteConnection connection)
    {
        long version;
        using (var read = connection.CreateCommand())
        {
            read.CommandText = "PRAGMA user_version";
            version = (long)read.ExecuteScalar()!;
        }

        if (version > CurrentVersion)
        {
            throw new InvalidOperationException(
                $"The telemetry database '{connection.DataSource}' has schema version {version}; " +
                $"this build knows versions up to {CurrentVersion}.");
        }

        for (var next = (int)version + 1; next <= CurrentVersion; next++)
        {
            // Each step and its version bump commit together, so a crash mid-migration leaves the previous version.
            using var tx = connection.BeginTransaction(deferred: false);
            using var step = connection.CreateCommand();
            step.Transaction = tx;
            step.CommandText = Migrations[next - 1] + $"\nPRAGMA user_version = {next};";
            step.ExecuteNonQuery();
            tx.Commit();
        }
    }
}
