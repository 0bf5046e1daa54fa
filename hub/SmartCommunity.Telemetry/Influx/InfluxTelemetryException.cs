namespace SmartCommunity.Telemetry.Influx;

/// <summary>What went wrong talking to InfluxDB, so callers (and the spool) can tell "try later" from "fix the setup".</summary>
public enum InfluxFailure
{
    /// <summary>Connection refused, timeout, 5xx, 429: transient; writes are spooled.</summary>
    Unreachable,

    /// <summary>The database/bucket does not exist.</summary>
    DatabaseNotFound,

    /// <summary>401/403: the token is wrong or lacks permission.</summary>
    Unauthorized,

    /// <summary>A field already exists with another type (someone else wrote "value" as an integer or string).</summary>
    TypeConflict,

    /// <summary>Any other 4xx or an InfluxQL error.</summary>
    Rejected,
}

/// <summary>An InfluxDB request failed; <see cref="Failure"/> says why and the message says what to do.</summary>
public sealed class InfluxTelemetryException(InfluxFailure failure, string message, Exception? inner = null)
    : Exception(message, inner)
{
    public InfluxFailure Failure { get; } = failure;
}
