using System.Globalization;
using System.Text;

namespace SmartCommunity.Telemetry.Influx;

/// <summary>Formats points as InfluxDB line protocol and InfluxQL literals; both escape differently, so both live here.</summary>
internal static class InfluxLineProtocol
{
    public const string DeviceTag = "device";
    public const string QuantityTag = "quantity";
    public const string KindTag = "kind";
    public const string CommunityTag = "community";
    public const string GridTag = "grid";
    public const string ValueField = "value";

    /// <summary>
    /// One line: <c>telemetry,community=c,device=d,grid=g,kind=k,quantity=temp value=21.5 1735689600000</c>.
    /// Tags are in key order, which is what InfluxDB sorts them to anyway (saves it the work).
    /// </summary>
    public static string FormatPoint(string measurement, TelemetryPoint point, TelemetryTags tags, InfluxPrecision precision)
    {
        var sb = new StringBuilder(128);
        AppendMeasurement(sb, measurement);
        AppendTags(sb, point.Series, tags);
        sb.Append(' ').Append(ValueField).Append('=').Append(FormatFloat(point.Value));
        sb.Append(' ').Append(PointTimestamp(point, precision).ToString(CultureInfo.InvariantCulture));
        return sb.ToString();
    }

    /// <summary>
    /// The point's time in <paramref name="precision"/>, plus (at ns and us) an offset within its millisecond derived from
    /// the value. InfluxDB keys a point by series and timestamp and overwrites on a second write; devices stamp whole
    /// seconds, so two readings of one series sent a few hundred milliseconds apart share a time. With the offset two
    /// different values land on different timestamps and both are kept, while the same value written again (a replayed
    /// spool batch, a QoS 1 redelivery) lands on itself. Reads are in milliseconds, so the offset never shows.
    /// </summary>
    public static long PointTimestamp(TelemetryPoint point, InfluxPrecision precision)
    {
        var ms = TelemetryTime.ToUnixMs(point.Time);
        return precision switch
        {
            InfluxPrecision.Ns => checked(Timestamp(ms, precision) + WithinMillisecond(point.Value, 1_000_000, ms)),
            InfluxPrecision.Us => checked(Timestamp(ms, precision) + WithinMillisecond(point.Value, 1_000, ms)),
            _ => Timestamp(ms, precision),
        };
    }

    private static long WithinMillisecond(double value, ulong slots, long unixMs)
    {
        // Before 1970 InfluxQL's epoch=ms rounds towards zero, so an offset would read back one millisecond late.
        if (unixMs < 0)
        {
            return 0;
        }
        // SplitMix64's finaliser spreads neighbouring values (20.5, 20.6) over the slots; 0.0 and -0.0 are one value.
        var z = BitConverter.DoubleToUInt64Bits(value == 0 ? 0d : value);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9UL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebUL;
        z ^= z >> 31;
        return (long)(z % slots);
    }

    /// <summary>An hourly rollup line of the retention job; the count is an integer field.</summary>
    public static string FormatRollup(
        string measurement, IReadOnlyDictionary<string, string> tags, long unixMs, double min, double max, double mean, long count, InfluxPrecision precision)
    {
        var sb = new StringBuilder(160);
        AppendMeasurement(sb, measurement);
        foreach (var (key, value) in tags.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            if (value.Length > 0)
            {
                sb.Append(',');
                AppendEscaped(sb, key, tagLike: true);
                sb.Append('=');
                AppendEscaped(sb, value, tagLike: true);
            }
        }
        sb.Append(" min=").Append(FormatFloat(min))
          .Append(",max=").Append(FormatFloat(max))
          .Append(",mean=").Append(FormatFloat(mean))
          .Append(",count=").Append(count.ToString(CultureInfo.InvariantCulture)).Append('i')
          .Append(' ').Append(Timestamp(unixMs, precision).ToString(CultureInfo.InvariantCulture));
        return sb.ToString();
    }

    public static long Timestamp(long unixMs, InfluxPrecision precision) => precision switch
    {
        InfluxPrecision.Ns => checked(unixMs * 1_000_000),
        InfluxPrecision.Us => checked(unixMs * 1_000),
        InfluxPrecision.Ms => unixMs,
        // Floor, not truncate towards zero, so a time before 1970 stays in its own second.
        InfluxPrecision.S => (long)Math.Floor(unixMs / 1000.0),
        _ => throw new ArgumentOutOfRangeException(nameof(precision)),
    };

    public static string PrecisionName(InfluxPrecision precision) => precision switch
    {
        InfluxPrecision.Ns => "ns",
        InfluxPrecision.Us => "us",
        InfluxPrecision.Ms => "ms",
        InfluxPrecision.S => "s",
        _ => throw new ArgumentOutOfRangeException(nameof(precision)),
    };

    // "R" round-trips every double; line protocol reads a number without an "i" suffix as a float, exponent included.
    public static string FormatFloat(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>An InfluxQL identifier: always double-quoted, so names like "name" or "time" cannot clash with keywords.</summary>
    public static string Identifier(string name) => "\"" + name.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

    /// <summary>An InfluxQL string literal (tag values in WHERE clauses).</summary>
    public static string Literal(string value) => "'" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal) + "'";

    /// <summary>An InfluxQL time literal. RFC 3339 rather than an epoch number: it also works for times before 1970.</summary>
    public static string TimeLiteral(DateTimeOffset time) =>
        "'" + TelemetryTime.FromUnixMs(TelemetryTime.ToUnixMs(time)).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture) + "'";

    private static void AppendTags(StringBuilder sb, SeriesKey series, TelemetryTags tags)
    {
        AppendTag(sb, CommunityTag, tags.Community);
        AppendTag(sb, DeviceTag, series.DeviceId);
        AppendTag(sb, GridTag, tags.Grid);
        AppendTag(sb, KindTag, tags.Kind);
        AppendTag(sb, QuantityTag, series.Name);
    }

    private static void AppendTag(StringBuilder sb, string key, string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return; // line protocol has no empty tag values; an absent tag reads back as ""
        }
        sb.Append(',').Append(key).Append('=');
        AppendEscaped(sb, value, tagLike: true);
    }

    private static void AppendMeasurement(StringBuilder sb, string measurement) => AppendEscaped(sb, measurement, tagLike: false);

    private static void AppendEscaped(StringBuilder sb, string text, bool tagLike)
    {
        if (text.EndsWith('\\'))
        {
            // A trailing backslash would escape the separator after it and merge the tag with the next.
            throw new ArgumentException($"'{text}' ends with a backslash, which line protocol cannot carry.");
        }
        foreach (var c in text)
        {
            switch (c)
            {
                case '\n' or '\r':
                    // A newline would end the line mid-point and turn the rest into a malformed line.
                    throw new ArgumentException($"'{text}' contains a line break, which line protocol cannot carry.");
                case ',' or ' ':
                case '=' when tagLike:
                    sb.Append('\\').Append(c);
                    break;
                default:
                    sb.Append(c);
                    break;
            }
        }
    }
}
