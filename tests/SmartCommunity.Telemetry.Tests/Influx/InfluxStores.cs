using SmartCommunity.Telemetry.Influx;

namespace SmartCommunity.Telemetry.Tests.Influx;

/// <summary>Store options for the InfluxDB tests: short timeouts and replay delays, a fresh database each.</summary>
internal static class InfluxStores
{
    public static InfluxTelemetryOptions Options(string url, string database, string spool) => new()
    {
        Url = url,
        Database = database,
        SpoolDirectory = spool,
        Timeout = TimeSpan.FromSeconds(5),
        ReplayInitialDelay = TimeSpan.FromMilliseconds(50),
        ReplayMaxDelay = TimeSpan.FromMilliseconds(200),
    };

    public static string NewDatabase() => "sc_test_" + Guid.NewGuid().ToString("N")[..16];
}
