using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Data.Sqlite;

namespace SmartCommunity.Telemetry;

/// <summary>
/// The embedded time-series store: one SQLite file in WAL mode, points in a WITHOUT ROWID table clustered by
/// (series, time) so range scans, latest-value lookups and per-bucket aggregates all walk the primary key.
/// </summary>
/// <remarks>
/// <para>Writes go through one connection and are serialized; each <see cref="WriteAsync"/> is one transaction.
/// Reads open their own (pooled, read-only) connections, so WAL lets them run beside a commit.</para>
/// <para>Durability: <c>synchronous=NORMAL</c> in WAL mode means a completed write survives a crash of the process
/// but the last commits before a power loss or OS crash may roll back. That trade is made for write throughput;
/// alerts live in the relational store, not here.</para>
/// <para>Microsoft.Data.Sqlite executes synchronously even through its async methods, so every method here runs
/// its SQL on the calling thread and returns a completed task.</para>
/// </remarks>
public sealed class SqliteTelemetryStore : ITelemetryStore, ITelemetryRollups, IDisposable, IAsyncDisposable
{
    private readonly string _readConnectionString;
    private readonly SqliteConnection _writer;
    private readonly SemaphoreSlim _writeLock = new(1, 1);

    // Prepared once on the writer connection and reused for every batch.
    private readonly SqliteCommand _insertPoint;
    private readonly SqliteParameter _insertSeriesId;
    private readonly SqliteParameter _insertTime;
    private readonly SqliteParameter _insertValue;
    private readonly SqliteCommand _selectRun;
    private readonly SqliteCommand _selectSeriesId;
    private readonly SqliteCommand _insertSeries;

    // Series ids never change once committed (retention deletes points, never series), so they can be cached forever.
    private readonly ConcurrentDictionary<SeriesKey, long> _seriesIds = new();
    private readonly Meter _meter;
    private readonly Counter<long> _pointsShifted;
    private int _disposed;

    public SqliteTelemetryStore(TelemetryOptions options, IMeterFactory? meterFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.ThrowIfInvalid();
        _meter = meterFactory?.Create(TelemetryWriter.MeterName) ?? new Meter(TelemetryWriter.MeterName);
        _pointsShifted = _meter.CreateCounter<long>("smartcommunity.telemetry.points.shifted", "{point}",
            "Points whose (series, millisecond) already held another value, stored at the next free millisecond instead of overwriting it.");

        var path = System.IO.Path.GetFullPath(options.Path);
        if (System.IO.Path.GetDirectoryName(path) is { Length: > 0 } folder)
        {
            Directory.CreateDirectory(folder);
        }

        // The writer is not pooled: closing it must really close the file so the WAL is checkpointed and a later
        // store (or another process) can open it cleanly.
        var writeConnectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
        }.ToString();
        _readConnectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadOnly,
            Pooling = true,
        }.ToString();

        _writer = new SqliteConnection(writeConnectionString);
        try
        {
            _writer.Open();
            Execute(_writer, "PRAGMA journal_mode = WAL;");
            Execute(_writer, "PRAGMA synchronous = NORMAL;");
            SqliteTelemetrySchema.Migrate(_writer);

            _insertPoint = _writer.CreateCommand();
            _insertPoint.CommandText = SqliteTelemetrySchema.InsertPoint;
            _insertSeriesId = _insertPoint.Parameters.Add("$s", SqliteType.Integer);
            _insertTime = _insertPoint.Parameters.Add("$t", SqliteType.Integer);
            _insertValue = _insertPoint.Parameters.Add("$v", SqliteType.Real);
            _insertPoint.Prepare();

            _selectRun = _writer.CreateCommand();
            _selectRun.CommandText = SqliteTelemetrySchema.SelectRunFrom;
            _selectRun.Parameters.Add("$s", SqliteType.Integer);
            _selectRun.Parameters.Add("$t", SqliteType.Integer);
            _selectRun.Prepare();

            _selectSeriesId = _writer.CreateCommand();
            _selectSeriesId.CommandText = SqliteTelemetrySchema.SelectSeriesId;
            _selectSeriesId.Parameters.Add("$d", SqliteType.Text);
            _selectSeriesId.Parameters.Add("$n", SqliteType.Text);
            _selectSeriesId.Prepare();

            _insertSeries = _writer.CreateCommand();
            _insertSeries.CommandText = SqliteTelemetrySchema.InsertSeries;
            _insertSeries.Parameters.Add("$d", SqliteType.Text);
            _insertSeries.Parameters.Add("$n", SqliteType.Text);
            _insertSeries.Prepare();
        }
        catch
        {
            _writer.Dispose();
            _meter.Dispose();
            throw;
        }
    }

    public async Task WriteAsync(IReadOnlyList<TelemetryPoint> points, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(points);
        TelemetryPointValidation.Validate(points, nameof(points));
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (points.Count == 0)
        {
            return;
        }

        await _writeLock.WaitAsync(ct);
        try
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);

            // BEGIN IMMEDIATE: take the write lock up front so a busy database fails here, not halfway through.
            using var tx = _writer.BeginTransaction(deferred: false);
            _insertPoint.Transaction = tx;
            _selectRun.Transaction = tx;
            _selectSeriesId.Transaction = tx;
            _insertSeries.Transaction = tx;

            // Series created in this transaction join the cache only after the commit: on rollback their ids
            // would not exist.
            Dictionary<SeriesKey, long>? created = null;
            var shifted = 0;
            for (var i = 0; i < points.Count; i++)
            {
                ct.ThrowIfCancellationRequested();
                var p = points[i];
                var series = ResolveSeriesIdForWrite(p.Series, ref created);
                var t = TelemetryTime.ToUnixMs(p.Time);
                if (!TryInsert(series, t, p.Value) && StoreBesideTaken(series, t, p.Value))
                    shifted++;
            }

            tx.Commit();
            if (shifted > 0)
                _pointsShifted.Add(shifted);
            if (created is not null)
            {
                foreach (var (key, id) in created)
                {
                    _seriesIds.TryAdd(key, id);
                }
            }
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public Task<IReadOnlyList<TelemetryPoint>> QueryRangeAsync(
        SeriesKey series, DateTimeOffset from, DateTimeOffset to, int limit, CancellationToken ct)
    {
        TelemetryPointValidation.ValidateSeries(series, nameof(series));
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ct.ThrowIfCancellationRequested();

        using var connection = OpenReader();
        var result = new List<TelemetryPoint>();
        if (FindSeriesId(connection, series) is not { } id)
        {
            return Task.FromResult<IReadOnlyList<TelemetryPoint>>(result);
        }

        using var command = connection.CreateCommand();
        command.CommandText = SqliteTelemetrySchema.SelectRange;
        command.Parameters.AddWithValue("$s", id);
        command.Parameters.AddWithValue("$from", TelemetryTime.ToUnixMs(from));
        command.Parameters.AddWithValue("$to", TelemetryTime.ToUnixMs(to));
        command.Parameters.AddWithValue("$limit", limit);
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            result.Add(new TelemetryPoint(series, TelemetryTime.FromUnixMs(reader.GetInt64(0)), reader.GetDouble(1)));
        }
        return Task.FromResult<IReadOnlyList<TelemetryPoint>>(result);
    }

    public Task<TelemetryPoint?> LatestAsync(SeriesKey series, CancellationToken ct)
    {
        TelemetryPointValidation.ValidateSeries(series, nameof(series));
        ct.ThrowIfCancellationRequested();

        using var connection = OpenReader();
        if (FindSeriesId(connection, series) is not { } id)
        {
            return Task.FromResult<TelemetryPoint?>(null);
        }

        using var command = connection.CreateCommand();
        command.CommandText = SqliteTelemetrySchema.SelectLatest;
        command.Parameters.AddWithValue("$s", id);
        using var reader = command.ExecuteReader();
        TelemetryPoint? latest = reader.Read()
            ? new TelemetryPoint(series, TelemetryTime.FromUnixMs(reader.GetInt64(0)), reader.GetDouble(1))
            : null;
        return Task.FromResult(latest);
    }

    public Task<IReadOnlyDictionary<SeriesKey, TelemetryPoint>> LatestForDeviceAsync(string deviceId, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrEmpty(deviceId);
        ct.ThrowIfCancellationRequested();

        using var connection = OpenReader();
        using var command = connection.CreateCommand();
        command.CommandText = SqliteTelemetrySchema.SelectLatestForDevice;
        command.Parameters.AddWithValue("$d", deviceId);
        using var reader = command.ExecuteReader();
        var result = new Dictionary<SeriesKey, TelemetryPoint>();
        while (reader.Read())
        {
            var key = new SeriesKey(deviceId, reader.GetString(0));
            result[key] = new TelemetryPoint(key, TelemetryTime.FromUnixMs(reader.GetInt64(1)), reader.GetDouble(2));
        }
        return Task.FromResult<IReadOnlyDictionary<SeriesKey, TelemetryPoint>>(result);
    }

    public Task<IReadOnlyList<AggregateBucket>> AggregateAsync(
        SeriesKey series, DateTimeOffset from, DateTimeOffset to, TimeSpan interval, CancellationToken ct)
    {
        TelemetryPointValidation.ValidateSeries(series, nameof(series));
        var bucketMs = TelemetryTime.IntervalMs(interval, nameof(interval));
        ct.ThrowIfCancellationRequested();

        using var connection = OpenReader();
        var result = new List<AggregateBucket>();
        if (FindSeriesId(connection, series) is not { } id)
        {
            return Task.FromResult<IReadOnlyList<AggregateBucket>>(result);
        }

        using var command = connection.CreateCommand();
        command.CommandText = SqliteTelemetrySchema.SelectAggregate;
        command.Parameters.AddWithValue("$s", id);
        command.Parameters.AddWithValue("$from", TelemetryTime.ToUnixMs(from));
        command.Parameters.AddWithValue("$to", TelemetryTime.ToUnixMs(to));
        command.Parameters.AddWithValue("$b", bucketMs);
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            result.Add(new AggregateBucket(
                TelemetryTime.FromUnixMs(reader.GetInt64(0)),
                Min: reader.GetDouble(1),
                Max: reader.GetDouble(2),
                Mean: reader.GetDouble(3),
                Count: checked((int)reader.GetInt64(4))));
        }
        return Task.FromResult<IReadOnlyList<AggregateBucket>>(result);
    }

    public Task<long> CountAsync(SeriesKey series, CancellationToken ct)
    {
        TelemetryPointValidation.ValidateSeries(series, nameof(series));
        ct.ThrowIfCancellationRequested();

        using var connection = OpenReader();
        if (FindSeriesId(connection, series) is not { } id)
        {
            return Task.FromResult(0L);
        }

        using var command = connection.CreateCommand();
        command.CommandText = SqliteTelemetrySchema.CountPoints;
        command.Parameters.AddWithValue("$s", id);
        return Task.FromResult((long)command.ExecuteScalar()!);
    }

    public Task<long> DeleteOlderThanAsync(DateTimeOffset cutoff, CancellationToken ct) =>
        ForEachSeriesAsync(SqliteTelemetrySchema.DeleteOlderThan, c => c.Parameters.AddWithValue("$cutoff", TelemetryTime.ToUnixMs(cutoff)), ct);

    public Task<long> RollUpHourlyAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        const long Hour = 3_600_000;
        var fromMs = TelemetryTime.ToUnixMs(from);
        var toMs = TelemetryTime.ToUnixMs(to);
        fromMs -= ((fromMs % Hour) + Hour) % Hour;
        toMs -= ((toMs % Hour) + Hour) % Hour;
        if (toMs <= fromMs)
        {
            return Task.FromResult(0L);
        }
        return ForEachSeriesAsync(SqliteTelemetrySchema.RollUpSeries, c =>
        {
            c.Parameters.AddWithValue("$from", fromMs);
            c.Parameters.AddWithValue("$to", toMs);
        }, ct);
    }

    public Task<IReadOnlyList<AggregateBucket>> QueryHourlyAsync(SeriesKey series, DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        TelemetryPointValidation.ValidateSeries(series, nameof(series));
        ct.ThrowIfCancellationRequested();

        using var connection = OpenReader();
        var result = new List<AggregateBucket>();
        if (FindSeriesId(connection, series) is not { } id)
        {
            return Task.FromResult<IReadOnlyList<AggregateBucket>>(result);
        }
        using var command = connection.CreateCommand();
        command.CommandText = SqliteTelemetrySchema.SelectHourly;
        command.Parameters.AddWithValue("$s", id);
        command.Parameters.AddWithValue("$from", TelemetryTime.ToUnixMs(from));
        command.Parameters.AddWithValue("$to", TelemetryTime.ToUnixMs(to));
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            result.Add(new AggregateBucket(TelemetryTime.FromUnixMs(reader.GetInt64(0)), reader.GetDouble(1), reader.GetDouble(2),
                reader.GetDouble(3), checked((int)reader.GetInt64(4))));
        }
        return Task.FromResult<IReadOnlyList<AggregateBucket>>(result);
    }

    public Task<long> DeleteHourlyOlderThanAsync(DateTimeOffset cutoff, CancellationToken ct) =>
        ForEachSeriesAsync(SqliteTelemetrySchema.DeleteHourlyOlderThan, c => c.Parameters.AddWithValue("$cutoff", TelemetryTime.ToUnixMs(cutoff)), ct);

    /// <summary>Runs a per-series statement (parameter $s) for every series and adds up the rows it changed.</summary>
    public async Task<long> DeleteDeviceAsync(string deviceId, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrEmpty(deviceId);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        await _writeLock.WaitAsync(ct);
        try
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
            // Raw points and rollups go in one transaction: an erasure is complete or not done at all.
            using var tx = _writer.BeginTransaction(deferred: false);
            using var points = _writer.CreateCommand();
            points.Transaction = tx;
            points.CommandText = SqliteTelemetrySchema.DeleteDevicePoints;
            points.Parameters.AddWithValue("$d", deviceId);
            var deleted = points.ExecuteNonQuery();
            using var rollups = _writer.CreateCommand();
            rollups.Transaction = tx;
            rollups.CommandText = SqliteTelemetrySchema.DeleteDeviceRollups;
            rollups.Parameters.AddWithValue("$d", deviceId);
            rollups.ExecuteNonQuery();
            tx.Commit();
            return deleted;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private async Task<long> ForEachSeriesAsync(string sql, Action<SqliteCommand> bind, CancellationToken ct)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);

        List<long> seriesIds = [];
        using (var connection = OpenReader())
        using (var list = connection.CreateCommand())
        {
            list.CommandText = "SELECT id FROM series ORDER BY id";
            using var reader = list.ExecuteReader();
            while (reader.Read())
            {
                seriesIds.Add(reader.GetInt64(0));
            }
        }

        // One short transaction per series walks the primary key (series, t) instead of scanning the whole table,
        // and releases the write lock between series so ingestion keeps committing during a large purge.
        long changed = 0;
        foreach (var id in seriesIds)
        {
            await _writeLock.WaitAsync(ct);
            try
            {
                ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
                using var command = _writer.CreateCommand();
                command.CommandText = sql;
                command.Parameters.AddWithValue("$s", id);
                bind(command);
                changed += command.ExecuteNonQuery();
            }
            finally
            {
                _writeLock.Release();
            }
        }
        return changed;
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        // Wait for a commit in flight; later writers see _disposed once they get the lock.
        _writeLock.Wait();
        try
        {
            _insertPoint.Dispose();
            _selectRun.Dispose();
            _meter.Dispose(); // a no-op for a meter owned by an IMeterFactory
            _selectSeriesId.Dispose();
            _insertSeries.Dispose();
            _writer.Dispose();
        }
        finally
        {
            _writeLock.Release();
        }

        // Idle pooled readers would otherwise keep the file open after the store is gone.
        using var pooled = new SqliteConnection(_readConnectionString);
        SqliteConnection.ClearPool(pooled);
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    private bool TryInsert(long series, long t, double value)
    {
        _insertSeriesId.Value = series;
        _insertTime.Value = t;
        _insertValue.Value = value;
        return _insertPoint.ExecuteNonQuery() == 1;
    }

    /// <summary>
    /// (series, t) is taken. Devices stamp whole seconds, so two readings of one series a few hundred milliseconds
    /// apart arrive with the same time: overwriting would lose an accepted reading. The point goes to the first
    /// millisecond from t on that is free, unless the run of points from t already holds its value — then it is the
    /// same reading again (a replayed batch, a QoS 1 redelivery) and nothing is written. Returns true when it was
    /// stored at a later millisecond.
    /// </summary>
    private bool StoreBesideTaken(long series, long t, double value)
    {
        var next = t;
        while (true)
        {
            _selectRun.Parameters[0].Value = series;
            _selectRun.Parameters[1].Value = next;
            var rows = 0;
            var gap = false;
            using (var reader = _selectRun.ExecuteReader())
            {
                while (reader.Read())
                {
                    rows++;
                    if (reader.GetInt64(0) != next)
                    {
                        gap = true;
                        break;
                    }
                    if (reader.GetDouble(1).Equals(value))
                        return false;
                    next++;
                }
            }
            // A run longer than one read (64 different values within as many milliseconds) continues where it stopped.
            if (gap || rows < SqliteTelemetrySchema.RunLength)
                break;
        }
        if (!TryInsert(series, next, value))
            throw new InvalidOperationException($"telemetry point ({series}, {next}) was taken while the writer held the lock");
        return true;
    }

    private long ResolveSeriesIdForWrite(SeriesKey key, ref Dictionary<SeriesKey, long>? created)
    {
        if (_seriesIds.TryGetValue(key, out var id) || (created?.TryGetValue(key, out id) ?? false))
        {
            return id;
        }

        _selectSeriesId.Parameters[0].Value = key.DeviceId;
        _selectSeriesId.Parameters[1].Value = key.Name;
        if (_selectSeriesId.ExecuteScalar() is long existing)
        {
            _seriesIds.TryAdd(key, existing); // committed earlier (for example by a previous run), so safe to cache now
            return existing;
        }

        _insertSeries.Parameters[0].Value = key.DeviceId;
        _insertSeries.Parameters[1].Value = key.Name;
        id = (long)_insertSeries.ExecuteScalar()!;
        (created ??= []).Add(key, id);
        return id;
    }

    private long? FindSeriesId(SqliteConnection connection, SeriesKey key)
    {
        if (_seriesIds.TryGetValue(key, out var cached))
        {
            return cached;
        }

        using var command = connection.CreateCommand();
        command.CommandText = SqliteTelemetrySchema.SelectSeriesId;
        command.Parameters.AddWithValue("$d", key.DeviceId);
        command.Parameters.AddWithValue("$n", key.Name);
        if (command.ExecuteScalar() is long id)
        {
            _seriesIds.TryAdd(key, id);
            return id;
        }
        return null; // misses are not cached: the series may be created by the next write
    }

    private SqliteConnection OpenReader()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var connection = new SqliteConnection(_readConnectionString);
        try
        {
            connection.Open();
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
