namespace SmartCommunity.Telemetry;

/// <summary>
/// The store refused points for good (for example an InfluxDB field type conflict): writing them again cannot succeed,
/// so <see cref="TelemetryWriter"/> does not retry them and fails their waiters with this exception instead.
/// </summary>
public sealed class TelemetryRejectedException : Exception
{
    public TelemetryRejectedException(string message, int pointCount, Exception? inner = null) : base(message, inner) =>
        PointCount = pointCount;

    /// <summary>How many points the refused request held (InfluxDB 1.x still writes the others of a partial write).</summary>
    public int PointCount { get; }
}
