using Microsoft.Extensions.Options;

namespace SmartCommunity.Telemetry;

/// <summary>Settings of the embedded time-series store and its batching writer (configuration section "Telemetry").</summary>
public sealed class TelemetryOptions
{
    public const string SectionName = "Telemetry";

    /// <summary>The SQLite file; its folder is created when missing.</summary>
    public string Path { get; set; } = System.IO.Path.Combine("data", "telemetry.db");

    /// <summary>Points the writer queues before producers wait (back-pressure). 50,000 points are about 2.5 MB.</summary>
    public int QueueCapacity { get; set; } = 50_000;

    /// <summary>Most points committed in one transaction; bounds how long one commit holds the write lock.</summary>
    public int MaxBatch { get; set; } = 5_000;

    /// <summary>
    /// How long the writer may hold a partly filled batch waiting for more points (the "flush interval"). Zero (the
    /// default, right for SQLite) is pure group commit. A remote store such as InfluxDB prefers fewer, larger requests;
    /// but QoS 1 ingestion waits for durability, so every millisecond here is added to a device's PUBACK.
    /// </summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.Zero;

    /// <summary>The store backend the hub uses: "sqlite" (embedded default) or "influxdb".</summary>
    public string Backend { get; set; } = "sqlite";

    /// <summary>First wait after a failed commit; doubles on each further failure up to <see cref="RetryMaxDelay"/>.</summary>
    public TimeSpan RetryInitialDelay { get; set; } = TimeSpan.FromMilliseconds(100);

    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The first problem with these settings, or null when they are usable.</summary>
    internal string? FindError()
    {
        if (string.IsNullOrWhiteSpace(Path))
        {
            return "Telemetry:Path must name a file.";
        }
        if (QueueCapacity < 1)
        {
            return "Telemetry:QueueCapacity must be at least 1.";
        }
        if (MaxBatch < 1)
        {
            return "Telemetry:MaxBatch must be at least 1.";
        }
        if (FlushInterval < TimeSpan.Zero)
        {
            return "Telemetry:FlushInterval must not be negative.";
        }
        if (RetryInitialDelay <= TimeSpan.Zero || RetryMaxDelay < RetryInitialDelay)
        {
            return "Telemetry:RetryInitialDelay must be positive and not above RetryMaxDelay.";
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

/// <summary>Makes <c>ValidateOnStart</c> report the concrete problem.</summary>
internal sealed class TelemetryOptionsValidator : IValidateOptions<TelemetryOptions>
{
    public ValidateOptionsResult Validate(string? name, TelemetryOptions options) =>
        options.FindError() is { } error ? ValidateOptionsResult.Fail(error) : ValidateOptionsResult.Success;
}
