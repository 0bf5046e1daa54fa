namespace SmartCommunity.Telemetry;

/// <summary>
/// Hourly downsampling beside the raw points: the retention job rolls hours up before raw points expire, so charts
/// over months still have min/max/mean/count per hour. Both stores implement it.
/// </summary>
public interface ITelemetryRollups
{
    /// <summary>
    /// Computes the hourly buckets of every series for the whole hours in [<paramref name="from"/>, <paramref name="to"/>)
    /// (both are floored to the hour) and stores them, overwriting earlier results; returns how many buckets it wrote.
    /// Running it again over the same hours is harmless.
    /// </summary>
    Task<long> RollUpHourlyAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken ct);

    /// <summary>The stored hourly buckets of one series with from ≤ start &lt; to, ascending.</summary>
    Task<IReadOnlyList<AggregateBucket>> QueryHourlyAsync(SeriesKey series, DateTimeOffset from, DateTimeOffset to, CancellationToken ct);

    /// <summary>Deletes hourly buckets starting before <paramref name="cutoff"/>; returns how many.</summary>
    Task<long> DeleteHourlyOlderThanAsync(DateTimeOffset cutoff, CancellationToken ct);
}
