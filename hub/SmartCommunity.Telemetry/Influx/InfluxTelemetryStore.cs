using System.Text.Json;
using InfluxDB.Client;
using InfluxDB.Client.Api.Domain;
using InfluxDB.Client.Core.Exceptions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace SmartCommunity.Telemetry.Influx;

/// <summary>
/// The city-scale time-series store: writes line protocol with InfluxDB.Client to <c>/api/v2/write</c> (gzip, at most
/// <see cref="InfluxTelemetryOptions.BatchSize"/> lines per request) and reads with InfluxQL on <c>/query</c>.
/// Schema: measurement <c>telemetry</c>, tags device, quantity (the series name), kind, community, grid, float field
/// <c>value</c>; see docs/influxdb.md.
/// </summary>
/// <remarks>
/// <para>Outages: when InfluxDB is unreachable (connection refused, timeout, 5xx) a write is appended to an on-disk spool
/// and completes — durable on disk — so ingestion keeps going. From then on every write goes to the spool, behind the
/// older ones, until a background loop has replayed it all in order; then writes go direct again. Points are keyed by
/// series and timestamp, so a batch replayed twice (crash between send and delete) overwrites itself: never doubled.</para>
/// <para>Errors that waiting cannot fix are not spooled: a type conflict or other 4xx throws
/// <see cref="TelemetryRejectedException"/> (the writer drops the batch instead of retrying forever); a missing database
/// or bad token throws <see cref="InfluxTelemetryException"/> (the writer retries with backoff and logs it).</para>
/// <para>Memory: the store holds one batch at a time; the <see cref="TelemetryWriter"/> queue in front of it is the bound.</para>
/// </remarks>
public sealed partial class InfluxTelemetryStore : ITelemetryStore, ITelemetryRollups, IAsyncDisposable, IDisposable
{
    private static readonly DateTimeOffset Beginning = new(1677, 9, 22, 0, 0, 0, TimeSpan.Zero); // InfluxDB's earliest time

    private readonly InfluxTelemetryOptions _options;
    private readonly ITelemetryTagResolver _tags;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly InfluxDBClient _client;
    private readonly WriteApiAsync _writeApi;
    private readonly InfluxQueryClient _query;
    private readonly InfluxSpool _spool;
    private readonly WritePrecision _precision;
    private readonly string _m;
    private readonly string _rollup;

    // Writes are serialized (the writer has one loop anyway) so "spool empty → write direct" cannot overtake a replay.
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private readonly SemaphoreSlim _replayGate = new(1, 1);
    private readonly SemaphoreSlim _replaySignal = new(0);
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _replayLoop;
    private int _disposed;

    public InfluxTelemetryStore(
        InfluxTelemetryOptions options, ITelemetryTagResolver? tags = null, TimeProvider? timeProvider = null, ILogger<InfluxTelemetryStore>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.ThrowIfInvalid();
        _options = options;
        _tags = tags ?? NoTelemetryTags.Instance;
        _time = timeProvider ?? TimeProvider.System;
        _logger = logger ?? NullLogger<InfluxTelemetryStore>.Instance;
        _m = InfluxLineProtocol.Identifier(options.Measurement);
        _rollup = InfluxLineProtocol.Identifier(options.RollupMeasurement);
        _precision = options.Precision switch
        {
            InfluxPrecision.Ns => WritePrecision.Ns,
            InfluxPrecision.Us => WritePrecision.Us,
            InfluxPrecision.Ms => WritePrecision.Ms,
            _ => WritePrecision.S,
        };

        _spool = new InfluxSpool(options.SpoolDirectory, options.MaxSpoolBytes);
        var clientOptions = new InfluxDBClientOptions(options.Url)
        {
            Org = options.Org,
            Bucket = options.Database,
            Timeout = options.Timeout,
        };
        if (!string.IsNullOrEmpty(options.Token))
        {
            clientOptions.Token = options.Token; // the client refuses an empty token; 1.x without auth needs none
        }
        _client = new InfluxDBClient(clientOptions);
        if (options.Gzip)
        {
            _client.EnableGzip();
        }
        _writeApi = _client.GetWriteApiAsync();
        _query = new InfluxQueryClient(options);

        _replayLoop = Task.Run(ReplayLoopAsync, CancellationToken.None);
        if (!_spool.IsEmpty)
        {
            _replaySignal.Release(); // points left by a previous run go out first
        }
    }

    /// <summary>Points waiting in the spool for InfluxDB to come back.</summary>
    public long SpooledPoints => _spool.Points;

    public InfluxTelemetryOptions Options => _options;

    /// <summary>
    /// Start-up check: the database (bucket) exists, or is created when <see cref="InfluxTelemetryOptions.CreateDatabase"/>.
    /// Throws <see cref="InfluxTelemetryException"/> with <see cref="InfluxFailure.DatabaseNotFound"/> otherwise.
    /// </summary>
    public async Task EnsureDatabaseAsync(CancellationToken ct)
    {
        switch (_options.Api)
        {
            case InfluxApiVersion.V1:
                var databases = await _query.ExecuteAsync("SHOW DATABASES", withDatabase: false, ct);
                var exists = databases.SelectMany(s => s.Rows).Any(r => r[0].GetString() == _options.Database);
                if (!exists)
                {
                    if (!_options.CreateDatabase)
                    {
                        throw MissingDatabase();
                    }
                    await _query.ExecuteAsync("CREATE DATABASE " + InfluxLineProtocol.Identifier(_options.Database), withDatabase: false, ct);
                    LogDatabaseCreated(_options.Database);
                }
                break;

            case InfluxApiVersion.V2:
                var bucket = await WrapAsync(() => _client.GetBucketsApi().FindBucketByNameAsync(_options.Database, ct), ct);
                if (bucket is null)
                {
                    if (!_options.CreateDatabase)
                    {
                        throw MissingDatabase();
                    }
                    var orgs = await WrapAsync(() => _client.GetOrganizationsApi().FindOrganizationsAsync(org: _options.Org, cancellationToken: ct), ct);
                    var org = orgs.FirstOrDefault() ?? throw new InfluxTelemetryException(InfluxFailure.Rejected, $"InfluxDB has no organisation '{_options.Org}' (Telemetry:Influx:Org).");
                    await WrapAsync(() => _client.GetBucketsApi().CreateBucketAsync(_options.Database, org.Id, ct), ct);
                    LogDatabaseCreated(_options.Database);
                }
                // Reads need the DBRP mapping; a query proves it exists and gives a clear error when not.
                await _query.QueryAsync("SHOW MEASUREMENTS LIMIT 1", ct);
                break;

            default:
                await _query.QueryAsync("SHOW MEASUREMENTS LIMIT 1", ct);
                break;
        }
    }

    /// <summary>Pings InfluxDB; throws <see cref="InfluxTelemetryException"/> (Unreachable) when it does not answer.</summary>
    public Task PingAsync(CancellationToken ct) => _query.PingAsync(ct);

    public async Task WriteAsync(IReadOnlyList<TelemetryPoint> points, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(points);
        TelemetryPointValidation.Validate(points, nameof(points));
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (points.Count == 0)
        {
            return;
        }

        // Format everything first: a bad tag value fails the call before anything is sent.
        var lines = new string[points.Count];
        for (var i = 0; i < points.Count; i++)
        {
            var p = points[i];
            lines[i] = InfluxLineProtocol.FormatPoint(_options.Measurement, p, _tags.Resolve(p.Series.DeviceId), _options.Precision);
        }

        await _writeGate.WaitAsync(ct);
        try
        {
            if (!_spool.IsEmpty)
            {
                _spool.Append(lines, _options.Precision); // behind the older spooled points, so order is kept
                SignalReplay();
                return;
            }

            for (var start = 0; start < lines.Length; start += _options.BatchSize)
            {
                var chunk = new ArraySegment<string>(lines, start, Math.Min(_options.BatchSize, lines.Length - start));
                try
                {
                    await SendAsync(chunk, _options.Precision, ct);
                }
                catch (InfluxTelemetryException ex) when (ex.Failure == InfluxFailure.Unreachable)
                {
                    // The chunks already sent are in InfluxDB; the rest waits on disk.
                    _spool.Append(lines[start..], _options.Precision);
                    LogSpooling(lines.Length - start, ex.Message);
                    SignalReplay();
                    return;
                }
                catch (InfluxTelemetryException ex) when (ex.Failure is InfluxFailure.TypeConflict or InfluxFailure.Rejected)
                {
                    throw new TelemetryRejectedException(ex.Message, chunk.Count, ex);
                }
            }
        }
        finally
        {
            _writeGate.Release();
        }
    }

    /// <summary>
    /// Replays the spool now, oldest batch first; true when it is empty afterwards. The background loop calls this after
    /// every spooled write and then with backoff; tests call it to replay without waiting for a timer.
    /// </summary>
    public async Task<bool> ReplaySpoolAsync(CancellationToken ct)
    {
        await _replayGate.WaitAsync(ct);
        try
        {
            while (_spool.Peek() is { } batch)
            {
                try
                {
                    await SendAsync(batch.Lines, batch.Precision, ct);
                }
                catch (InfluxTelemetryException ex) when (ex.Failure is InfluxFailure.TypeConflict or InfluxFailure.Rejected)
                {
                    // Waiting cannot fix it; keep the file for an operator instead of blocking every later batch.
                    _spool.Reject(batch);
                    LogSpoolBatchRejected(batch.Lines.Length, Path.GetFileName(batch.File), ex.Message);
                    continue;
                }
                catch (InfluxTelemetryException ex)
                {
                    LogReplayFailed(_spool.Points, ex.Message);
                    return false;
                }

                // Under the write gate: a writer that saw the spool non-empty has already appended behind this batch.
                await _writeGate.WaitAsync(ct);
                try
                {
                    if (_spool.Remove(batch))
                    {
                        LogSpoolDrained();
                        return true;
                    }
                }
                finally
                {
                    _writeGate.Release();
                }
            }
            return true;
        }
        finally
        {
            _replayGate.Release();
        }
    }

    public async Task<IReadOnlyList<TelemetryPoint>> QueryRangeAsync(SeriesKey series, DateTimeOffset from, DateTimeOffset to, int limit, CancellationToken ct)
    {
        TelemetryPointValidation.ValidateSeries(series, nameof(series));
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        var result = await _query.QueryAsync(
            $"SELECT \"value\" FROM {_m} WHERE {SeriesFilter(series)} AND {TimeRange(from, to)} ORDER BY time ASC LIMIT {limit}", ct);
        return [.. Rows(result).Select(r => new TelemetryPoint(series, Time(r[0]), r[1].GetDouble()))];
    }

    public async Task<TelemetryPoint?> LatestAsync(SeriesKey series, CancellationToken ct)
    {
        TelemetryPointValidation.ValidateSeries(series, nameof(series));
        var result = await _query.QueryAsync($"SELECT \"value\" FROM {_m} WHERE {SeriesFilter(series)} ORDER BY time DESC LIMIT 1", ct);
        return Rows(result).Select(r => (TelemetryPoint?)new TelemetryPoint(series, Time(r[0]), r[1].GetDouble())).FirstOrDefault();
    }

    public async Task<IReadOnlyDictionary<SeriesKey, TelemetryPoint>> LatestForDeviceAsync(string deviceId, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrEmpty(deviceId);
        // last() is a selector: without GROUP BY time it returns the newest point's own timestamp, per quantity.
        var result = await _query.QueryAsync(
            $"SELECT last(\"value\") FROM {_m} WHERE \"{InfluxLineProtocol.DeviceTag}\" = {InfluxLineProtocol.Literal(deviceId)} GROUP BY \"{InfluxLineProtocol.QuantityTag}\"", ct);
        var latest = new Dictionary<SeriesKey, TelemetryPoint>();
        foreach (var s in result)
        {
            if (s.Rows.Count == 0 || !s.Tags.TryGetValue(InfluxLineProtocol.QuantityTag, out var quantity) || quantity.Length == 0)
            {
                continue;
            }
            var key = new SeriesKey(deviceId, quantity);
            var row = s.Rows[0];
            latest[key] = new TelemetryPoint(key, Time(row[0]), row[1].GetDouble());
        }
        return latest;
    }

    public async Task<IReadOnlyList<AggregateBucket>> AggregateAsync(SeriesKey series, DateTimeOffset from, DateTimeOffset to, TimeSpan interval, CancellationToken ct)
    {
        TelemetryPointValidation.ValidateSeries(series, nameof(series));
        var bucketMs = TelemetryTime.IntervalMs(interval, nameof(interval));
        // GROUP BY time() aligns buckets to the Unix epoch, like the contract; fill(none) omits empty buckets.
        var result = await _query.QueryAsync(
            $"SELECT min(\"value\"), max(\"value\"), mean(\"value\"), count(\"value\") FROM {_m} WHERE {SeriesFilter(series)} AND {TimeRange(from, to)} " +
            $"GROUP BY time({bucketMs}ms) fill(none)", ct);
        return [.. Rows(result).Select(r => new AggregateBucket(Time(r[0]), r[1].GetDouble(), r[2].GetDouble(), r[3].GetDouble(), checked((int)r[4].GetInt64())))];
    }

    public async Task<long> CountAsync(SeriesKey series, CancellationToken ct)
    {
        TelemetryPointValidation.ValidateSeries(series, nameof(series));
        var result = await _query.QueryAsync($"SELECT count(\"value\") FROM {_m} WHERE {SeriesFilter(series)}", ct);
        return Rows(result).Select(r => r[1].GetInt64()).FirstOrDefault();
    }

    public Task<long> DeleteOlderThanAsync(DateTimeOffset cutoff, CancellationToken ct) => DeleteOlderThanAsync(_options.Measurement, "value", cutoff, ct);

    public async Task<long> DeleteDeviceAsync(string deviceId, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrEmpty(deviceId);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var device = $"\"{InfluxLineProtocol.DeviceTag}\" = {InfluxLineProtocol.Literal(deviceId)}";
        // As in retention: InfluxDB does not say how many points a delete removed, so count first.
        var counted = await _query.QueryAsync($"SELECT count(\"value\") FROM {_m} WHERE {device}", ct);
        var count = Rows(counted).Select(r => r[1].GetInt64()).FirstOrDefault();
        switch (_options.Api)
        {
            case InfluxApiVersion.V1:
                // DROP SERIES removes the series from the index too, so not even the device's tag values remain.
                await _query.ExecuteAsync($"DROP SERIES FROM {_m} WHERE {device}", withDatabase: true, ct);
                await _query.ExecuteAsync($"DROP SERIES FROM {_rollup} WHERE {device}", withDatabase: true, ct);
                break;
            case InfluxApiVersion.V2:
                foreach (var measurement in new[] { _options.Measurement, _options.RollupMeasurement })
                {
                    await WrapAsync(async () =>
                    {
                        await _client.GetDeleteApi().Delete(Beginning.UtcDateTime, DateTime.UtcNow.AddYears(100),
                            $"_measurement=\"{measurement}\" AND {InfluxLineProtocol.DeviceTag}=\"{deviceId.Replace("\"", "\\\"", StringComparison.Ordinal)}\"",
                            _options.Database, _options.Org, ct);
                        return true;
                    }, ct);
                }
                break;
            default:
                throw new NotSupportedException("InfluxDB 3 has no deletes: a resident's readings there expire with the database's retention period (docs/influxdb.md).");
        }
        return count;
    }

    // ---- rollups (ITelemetryRollups) ----

    public async Task<long> RollUpHourlyAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        var start = FloorToHour(from);
        var end = FloorToHour(to);
        if (end <= start)
        {
            return 0;
        }

        // GROUP BY * keeps every tag, so a rollup series has the same device/quantity/kind/community/grid as its raw series.
        var result = await _query.QueryAsync(
            $"SELECT min(\"value\"), max(\"value\"), mean(\"value\"), count(\"value\") FROM {_m} WHERE {TimeRange(start, end)} GROUP BY time(1h), * fill(none)", ct);
        var lines = new List<string>();
        foreach (var s in result)
        {
            foreach (var r in s.Rows)
            {
                lines.Add(InfluxLineProtocol.FormatRollup(_options.RollupMeasurement, s.Tags, r[0].GetInt64(),
                    r[1].GetDouble(), r[2].GetDouble(), r[3].GetDouble(), r[4].GetInt64(), InfluxPrecision.Ms));
            }
        }
        for (var i = 0; i < lines.Count; i += _options.BatchSize)
        {
            // Rollups are recomputable from raw points, so they are not spooled: a failure fails this run and the next recomputes.
            await SendAsync(lines.Skip(i).Take(_options.BatchSize).ToList(), InfluxPrecision.Ms, ct);
        }
        return lines.Count;
    }

    public async Task<IReadOnlyList<AggregateBucket>> QueryHourlyAsync(SeriesKey series, DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        TelemetryPointValidation.ValidateSeries(series, nameof(series));
        var result = await _query.QueryAsync(
            $"SELECT \"min\", \"max\", \"mean\", \"count\" FROM {_rollup} WHERE {SeriesFilter(series)} AND {TimeRange(from, to)} ORDER BY time ASC", ct);
        return [.. Rows(result).Select(r => new AggregateBucket(Time(r[0]), r[1].GetDouble(), r[2].GetDouble(), r[3].GetDouble(), checked((int)r[4].GetInt64())))];
    }

    public Task<long> DeleteHourlyOlderThanAsync(DateTimeOffset cutoff, CancellationToken ct) => DeleteOlderThanAsync(_options.RollupMeasurement, "count", cutoff, ct);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        await _stopping.CancelAsync();
        try
        {
            await _replayLoop;
        }
        catch (OperationCanceledException)
        {
            // The loop ends by cancellation; whatever is still spooled stays on disk for the next start.
        }
        _client.Dispose();
        _query.Dispose();
        _stopping.Dispose();
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    private async Task<long> DeleteOlderThanAsync(string measurement, string countedField, DateTimeOffset cutoff, CancellationToken ct)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var m = InfluxLineProtocol.Identifier(measurement);
        var before = $"time < {InfluxLineProtocol.TimeLiteral(cutoff)}";
        // InfluxDB does not report how many points a delete removed, so count them first (a point written in between
        // with an old timestamp would be deleted uncounted; retention only needs the figure for its log).
        var counted = await _query.QueryAsync($"SELECT count({InfluxLineProtocol.Identifier(countedField)}) FROM {m} WHERE {before}", ct);
        var count = Rows(counted).Select(r => r[1].GetInt64()).FirstOrDefault();
        if (count == 0)
        {
            return 0;
        }

        switch (_options.Api)
        {
            case InfluxApiVersion.V1:
                await _query.ExecuteAsync($"DELETE FROM {m} WHERE {before}", withDatabase: true, ct);
                break;
            case InfluxApiVersion.V2:
                // 2.x's /query is read-only; its delete API takes an inclusive stop, so stop one tick before the cutoff.
                await WrapAsync(async () =>
                {
                    await _client.GetDeleteApi().Delete(Beginning.UtcDateTime, cutoff.UtcDateTime.AddTicks(-1),
                        $"_measurement=\"{measurement}\"", _options.Database, _options.Org, ct);
                    return true;
                }, ct);
                break;
            default:
                throw new NotSupportedException("InfluxDB 3 has no deletes: set the database's retention period instead (docs/influxdb.md).");
        }
        return count;
    }

    private async Task SendAsync(IEnumerable<string> lines, InfluxPrecision precision, CancellationToken ct)
    {
        var writePrecision = precision switch
        {
            InfluxPrecision.Ns => WritePrecision.Ns,
            InfluxPrecision.Us => WritePrecision.Us,
            InfluxPrecision.Ms => WritePrecision.Ms,
            _ => WritePrecision.S,
        };
        await WrapAsync(async () =>
        {
            await _writeApi.WriteRecordsAsync(lines.ToList(), writePrecision, _options.Database, _options.Org, ct);
            return true;
        }, ct);
    }

    /// <summary>Turns the client's exceptions into <see cref="InfluxTelemetryException"/> with a classified failure.</summary>
    private async Task<T> WrapAsync<T>(Func<Task<T>> call, CancellationToken ct)
    {
        try
        {
            return await call();
        }
        catch (HttpException ex)
        {
            var text = string.IsNullOrWhiteSpace(ex.Message) ? ex.ErrorBody?.ToString() ?? "" : ex.Message;
            throw InfluxQueryClient.Classify((System.Net.HttpStatusCode)ex.Status, text, _options.Database, "the write");
        }
        // A timeout surfaces as TaskCanceledException too; only the caller's own cancellation is not an outage.
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException or InfluxException && !ct.IsCancellationRequested)
        {
            throw new InfluxTelemetryException(InfluxFailure.Unreachable, $"InfluxDB at {_options.Url} is unreachable: {ex.Message}", ex);
        }
    }

    private async Task ReplayLoopAsync()
    {
        var ct = _stopping.Token;
        while (!ct.IsCancellationRequested)
        {
            await _replaySignal.WaitAsync(ct);
            var delay = _options.ReplayInitialDelay;
            // Wait first: the signal comes right after a write failed, so an immediate retry would almost surely fail too.
            while (!_spool.IsEmpty)
            {
                await Task.Delay(delay, _time, ct);
                try
                {
                    if (await ReplaySpoolAsync(ct))
                    {
                        break;
                    }
                }
                catch (Exception ex) when (!ct.IsCancellationRequested)
                {
                    // A spool file that cannot be read (disk trouble) must not end the loop: points would then wait
                    // until the next restart. Log and try again after the backoff.
                    LogReplayError(ex);
                }
                delay = delay * 2 < _options.ReplayMaxDelay ? delay * 2 : _options.ReplayMaxDelay;
            }
        }
    }

    private void SignalReplay()
    {
        if (_replaySignal.CurrentCount == 0)
        {
            _replaySignal.Release();
        }
    }

    private InfluxTelemetryException MissingDatabase() => new(InfluxFailure.DatabaseNotFound,
        $"InfluxDB at {_options.Url} has no database/bucket '{_options.Database}' and Telemetry:Influx:CreateDatabase is false. " +
        "Create it (2.x: a bucket plus a DBRP mapping; see docs/influxdb.md) or allow the hub to create it.");

    private static string SeriesFilter(SeriesKey series) =>
        $"\"{InfluxLineProtocol.DeviceTag}\" = {InfluxLineProtocol.Literal(series.DeviceId)} AND \"{InfluxLineProtocol.QuantityTag}\" = {InfluxLineProtocol.Literal(series.Name)}";

    private static string TimeRange(DateTimeOffset from, DateTimeOffset to) =>
        $"time >= {InfluxLineProtocol.TimeLiteral(from)} AND time < {InfluxLineProtocol.TimeLiteral(to)}";

    private static IEnumerable<JsonElement[]> Rows(IReadOnlyList<InfluxSeries> result) => result.SelectMany(s => s.Rows);

    private static DateTimeOffset Time(JsonElement element) => TelemetryTime.FromUnixMs(element.GetInt64());

    private static DateTimeOffset FloorToHour(DateTimeOffset time)
    {
        var ms = TelemetryTime.ToUnixMs(time);
        const long Hour = 3_600_000;
        return TelemetryTime.FromUnixMs(ms - (((ms % Hour) + Hour) % Hour));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Created InfluxDB database {Database}")]
    private partial void LogDatabaseCreated(string database);

    [LoggerMessage(Level = LogLevel.Warning, Message = "InfluxDB unreachable; spooled {Count} points to disk ({Reason})")]
    private partial void LogSpooling(int count, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Replaying the InfluxDB spool failed; {Points} points still spooled ({Reason})")]
    private partial void LogReplayFailed(long points, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Replaying the InfluxDB spool failed unexpectedly; retrying")]
    private partial void LogReplayError(Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "InfluxDB is back; the spool is replayed and empty")]
    private partial void LogSpoolDrained();

    [LoggerMessage(Level = LogLevel.Error, Message = "InfluxDB refused {Count} spooled points for good; kept in rejected/{File}: {Reason}")]
    private partial void LogSpoolBatchRejected(int count, string file, string reason);
}
