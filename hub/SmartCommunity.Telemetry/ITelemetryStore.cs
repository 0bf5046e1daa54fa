namespace SmartCommunity.Telemetry;

/// <summary>Identifies one time series: one measured quantity (for example <c>temp</c>) of one device.</summary>
public readonly record struct SeriesKey(string DeviceId, string Name);

/// <summary>One reading. Times are stored with millisecond resolution (sub-millisecond parts are truncated).</summary>
public readonly record struct TelemetryPoint(SeriesKey Series, DateTimeOffset Time, double Value);

/// <summary>
/// The summary of the points of one series that fall in one bucket.
/// <see cref="Start"/> is aligned to a multiple of the interval since the Unix epoch.
/// </summary>
public readonly record struct AggregateBucket(DateTimeOffset Start, double Min, double Max, double Mean, int Count);

/// <summary>
/// Storage for sensor time series. Implementations: <see cref="SqliteTelemetryStore"/> (embedded default);
/// an InfluxDB store for city deployments.
/// </summary>
/// <remarks>
/// <para>A point is keyed by (series, time truncated to milliseconds). Writing the same point again (same key, same
/// value) changes nothing, so replaying a batch after a failure or a QoS 1 redelivery never duplicates data. A
/// different value at a key already taken is kept too, never overwritten: devices stamp whole seconds, so two readings
/// of one series a moment apart share a time, and both were accepted. It is read back within a millisecond or so of
/// its time (SQLite: the next free millisecond; InfluxDB: an offset inside the millisecond).</para>
/// <para>Values must be finite: neither SQLite (which turns NaN into NULL) nor InfluxDB line protocol can hold
/// NaN or infinity, so stores reject them with <see cref="ArgumentException"/> rather than store something else.</para>
/// <para>Query bounds are truncated to milliseconds like the points; returned times are UTC.</para>
/// </remarks>
public interface ITelemetryStore
{
    /// <summary>Writes the points; they are durable when the task completes. Idempotent per (series, time, value).</summary>
    Task WriteAsync(IReadOnlyList<TelemetryPoint> points, CancellationToken ct);

    /// <summary>Points of <paramref name="series"/> with <paramref name="from"/> ≤ time &lt; <paramref name="to"/>,
    /// ascending by time, at most <paramref name="limit"/> of them (the earliest ones).</summary>
    Task<IReadOnlyList<TelemetryPoint>> QueryRangeAsync(SeriesKey series, DateTimeOffset from, DateTimeOffset to, int limit, CancellationToken ct);

    /// <summary>The newest point of the series, or null when it has none.</summary>
    Task<TelemetryPoint?> LatestAsync(SeriesKey series, CancellationToken ct);

    /// <summary>The newest point of every series of one device (series without points are absent).</summary>
    Task<IReadOnlyDictionary<SeriesKey, TelemetryPoint>> LatestForDeviceAsync(string deviceId, CancellationToken ct);

    /// <summary>
    /// Min/max/mean/count of the points in [<paramref name="from"/>, <paramref name="to"/>) per bucket of
    /// <paramref name="interval"/> (whole milliseconds, at least one), buckets aligned to the Unix epoch (so the
    /// first bucket may start before <paramref name="from"/>), ascending; empty buckets are omitted.
    /// </summary>
    Task<IReadOnlyList<AggregateBucket>> AggregateAsync(SeriesKey series, DateTimeOffset from, DateTimeOffset to, TimeSpan interval, CancellationToken ct);

    /// <summary>The number of points stored for the series.</summary>
    Task<long> CountAsync(SeriesKey series, CancellationToken ct);

    /// <summary>
    /// Retention: deletes every point with time &lt; <paramref name="cutoff"/> in all series and returns how many were
    /// deleted. It is on the contract (not only on the SQLite store) so one scheduled retention job serves every backend.
    /// </summary>
    Task<long> DeleteOlderThanAsync(DateTimeOffset cutoff, CancellationToken ct);

    /// <summary>
    /// Erasure: deletes every point of every series of one device, raw and rolled up, and returns how many raw points
    /// were deleted. Used when a resident's data is erased on request; series that keep receiving points afterwards
    /// start again from empty.
    /// </summary>
    Task<long> DeleteDeviceAsync(string deviceId, CancellationToken ct);
}
