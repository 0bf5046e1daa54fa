using Microsoft.Extensions.Options;

namespace SmartCommunity.Telemetry.Influx;

/// <summary>Which InfluxDB generation serves <see cref="InfluxTelemetryOptions.Url"/>; decides how databases and deletes are handled.</summary>
public enum InfluxApiVersion
{
    /// <summary>InfluxDB 1.x (optionally behind a proxy that maps /api/v2/write): InfluxQL creates databases and deletes.</summary>
    V1,

    /// <summary>InfluxDB 2.x: buckets through the v2 API, deletes through /api/v2/delete; InfluxQL reads need a DBRP mapping.</summary>
    V2,

    /// <summary>InfluxDB 3.x: the database must exist; there are no deletes (use the database's retention period).</summary>
    V3,
}

/// <summary>Timestamp precision of the writes (the v2 API's names).</summary>
public enum InfluxPrecision
{
    Ns,
    Us,
    Ms,
    S,
}

/// <summary>Settings of the InfluxDB backend (configuration section "Telemetry:Influx").</summary>
public sealed class InfluxTelemetryOptions
{
    public const string SectionName = "Telemetry:Influx";

    /// <summary>Base URL serving /api/v2/write, /query and /ping.</summary>
    public string Url { get; set; } = "http://127.0.0.1:8086";

    public InfluxApiVersion Api { get; set; } = InfluxApiVersion.V1;

    /// <summary>The 1.x/3.x database, or the 2.x bucket (which InfluxQL reaches through a DBRP mapping of the same name).</summary>
    public string Database { get; set; } = "smartcommunity";

    /// <summary>The 2.x organisation; ignored by 1.x and 3.x.</summary>
    public string Org { get; set; } = "-";

    /// <summary>API token (2.x/3.x) or "user:password" (1.x with auth). Set it from the environment
    /// (Telemetry__Influx__Token), never in a committed file.</summary>
    public string? Token { get; set; }

    /// <summary>Raw points.</summary>
    public string Measurement { get; set; } = "telemetry";

    /// <summary>Hourly rollups written by the retention job.</summary>
    public string RollupMeasurement { get; set; } = "telemetry_1h";

    /// <summary>
    /// Ns (the default) and Us keep two different values of one series in the same millisecond apart (a value-derived
    /// offset within the millisecond, see <see cref="InfluxLineProtocol.PointTimestamp"/>); at Ms the later one overwrites
    /// the earlier, at S every point of one second does.
    /// </summary>
    public InfluxPrecision Precision { get; set; } = InfluxPrecision.Ns;

    /// <summary>Most lines per HTTP write; InfluxData recommends about 5,000.</summary>
    public int BatchSize { get; set; } = 5_000;

    /// <summary>Compress write bodies (line protocol shrinks about 10×).</summary>
    public bool Gzip { get; set; } = true;

    /// <summary>Per HTTP request; a write that takes longer counts as "server unreachable" and is spooled.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>At start-up create the database/bucket when it is missing (V1, V2); otherwise start-up fails with a clear error.</summary>
    public bool CreateDatabase { get; set; } = true;

    /// <summary>Where points wait while InfluxDB is unreachable; the hub puts it in its data directory.</summary>
    public string SpoolDirectory { get; set; } = Path.Combine("data", "influx-spool");

    /// <summary>Beyond this the store stops accepting points (the writer then back-pressures ingestion). 1 GiB ≈ 10 million points.</summary>
    public long MaxSpoolBytes { get; set; } = 1L << 30;

    /// <summary>First wait before replaying the spool after a failed attempt; doubles up to <see cref="ReplayMaxDelay"/>.</summary>
    public TimeSpan ReplayInitialDelay { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan ReplayMaxDelay { get; set; } = TimeSpan.FromSeconds(30);

    internal string? FindError()
    {
        if (!Uri.TryCreate(Url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            return "Telemetry:Influx:Url must be an absolute http(s) URL.";
        }
        if (string.IsNullOrWhiteSpace(Database) || string.IsNullOrWhiteSpace(Measurement) || string.IsNullOrWhiteSpace(RollupMeasurement))
        {
            return "Telemetry:Influx:Database, Measurement and RollupMeasurement must not be empty.";
        }
        if (Measurement == RollupMeasurement)
        {
            return "Telemetry:Influx:Measurement and RollupMeasurement must differ (retention deletes raw points only).";
        }
        if (BatchSize < 1 || MaxSpoolBytes < 1 || Timeout <= TimeSpan.Zero)
        {
            return "Telemetry:Influx:BatchSize, MaxSpoolBytes and Timeout must be positive.";
        }
        if (string.IsNullOrWhiteSpace(SpoolDirectory))
        {
            return "Telemetry:Influx:SpoolDirectory must name a folder.";
        }
        if (ReplayInitialDelay <= TimeSpan.Zero || ReplayMaxDelay < ReplayInitialDelay)
        {
            return "Telemetry:Influx:ReplayInitialDelay must be positive and not above ReplayMaxDelay.";
        }
        return null;
    }

    internal void ThrowIfInvalid()
    {
        if (FindError() is { } error)
        {
            throw new ArgumentException(error, "options");
        }
    }
}

internal sealed class InfluxTelemetryOptionsValidator : IValidateOptions<InfluxTelemetryOptions>
{
    public ValidateOptionsResult Validate(string? name, InfluxTelemetryOptions options) =>
        options.FindError() is { } error ? ValidateOptionsResult.Fail(error) : ValidateOptionsResult.Success;
}
