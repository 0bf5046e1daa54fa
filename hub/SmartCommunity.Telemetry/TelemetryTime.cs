namespace SmartCommunity.Telemetry;

/// <summary>Conversions between <see cref="DateTimeOffset"/> and the stored Unix-millisecond form.</summary>
internal static class TelemetryTime
{
    // ToUnixTimeMilliseconds floors (it divides non-negative ticks since year 1), so a time and its truncated
    // form always land in the same millisecond, also before 1970.
    public static long ToUnixMs(DateTimeOffset time) => time.ToUnixTimeMilliseconds();

    public static DateTimeOffset FromUnixMs(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);

    public static long IntervalMs(TimeSpan interval, string paramName)
    {
        var ms = interval.Ticks / TimeSpan.TicksPerMillisecond;
        if (ms < 1)
        {
            throw new ArgumentOutOfRangeException(paramName, interval, "The interval must be at least one millisecond.");
        }
        return ms;
    }
}
