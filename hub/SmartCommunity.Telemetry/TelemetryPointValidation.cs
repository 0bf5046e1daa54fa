namespace SmartCommunity.Telemetry;

internal static class TelemetryPointValidation
{
    /// <summary>
    /// Rejects points no store can hold. The writer checks at enqueue time so a bad point fails its producer at
    /// once instead of poisoning a batch that would then be retried forever.
    /// </summary>
    public static void Validate(IReadOnlyList<TelemetryPoint> points, string paramName)
    {
        for (var i = 0; i < points.Count; i++)
        {
            var p = points[i];
            if (string.IsNullOrEmpty(p.Series.DeviceId) || string.IsNullOrEmpty(p.Series.Name))
            {
                throw new ArgumentException($"Point {i} has an empty device id or series name.", paramName);
            }
            if (!double.IsFinite(p.Value))
            {
                throw new ArgumentException($"Point {i} of {p.Series} has the non-finite value {p.Value}.", paramName);
            }
        }
    }

    public static void ValidateSeries(SeriesKey series, string paramName)
    {
        if (string.IsNullOrEmpty(series.DeviceId) || string.IsNullOrEmpty(series.Name))
        {
            throw new ArgumentException("The device id and series name must not be empty.", paramName);
        }
    }
}
