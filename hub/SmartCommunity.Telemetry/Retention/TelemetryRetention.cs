using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Quartz;

namespace SmartCommunity.Telemetry;

/// <summary>Retention and downsampling settings (configuration section "Telemetry:Retention").</summary>
public sealed class TelemetryRetentionOptions
{
    public const string SectionName = "Telemetry:Retention";

    public bool Enabled { get; set; } = true;

    /// <summary>Raw points older than this are deleted.</summary>
    public TimeSpan RawRetention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>Hourly rollups older than this are deleted.</summary>
    public TimeSpan RollupRetention { get; set; } = TimeSpan.FromDays(730);

    /// <summary>Each run recomputes the hourly rollups of this many past hours, so points that arrive late (a device's
    /// offline buffer, the InfluxDB spool) still count; it must stay well below <see cref="RawRetention"/>.</summary>
    public TimeSpan RollupLookback { get; set; } = TimeSpan.FromHours(6);

    /// <summary>Quartz cron expression; hourly, a few minutes past the hour so the last hour is complete.</summary>
    public string Schedule { get; set; } = "0 5 * * * ?";

    internal string? FindError()
    {
        if (RollupLookback < TimeSpan.FromHours(1))
        {
            return "Telemetry:Retention:RollupLookback must be at least one hour.";
        }
        if (RawRetention <= RollupLookback)
        {
            return "Telemetry:Retention:RawRetention must exceed RollupLookback, or raw points would go before they are rolled up.";
        }
        if (RollupRetention < RawRetention)
        {
            return "Telemetry:Retention:RollupRetention must not be shorter than RawRetention.";
        }
        try
        {
            _ = new CronExpression(Schedule);
        }
        catch (FormatException ex)
        {
            return $"Telemetry:Retention:Schedule '{Schedule}' is not a valid Quartz cron expression: {ex.Message}";
        }
        return null;
    }
}

internal sealed class TelemetryRetentionOptionsValidator : IValidateOptions<TelemetryRetentionOptions>
{
    public ValidateOptionsResult Validate(string? name, TelemetryRetentionOptions options) =>
        options.FindError() is { } error ? ValidateOptionsResult.Fail(error) : ValidateOptionsResult.Success;
}

/// <summary>What one retention run did.</summary>
public readonly record struct RetentionResult(long HourlyBucketsWritten, long RawPointsDeleted, long HourlyBucketsDeleted);

/// <summary>
/// One retention run over any store: roll the recent hours up, then delete raw points and rollups past their
/// retention. Rolling up first, over hours far younger than the raw cutoff, means no hour is deleted before it is rolled up.
/// </summary>
public sealed partial class TelemetryRetention(
    ITelemetryStore store, IOptions<TelemetryRetentionOptions> options, TimeProvider time, ILogger<TelemetryRetention>? logger = null)
{
    private readonly ILogger _logger = logger ?? NullLogger<TelemetryRetention>.Instance;

    public async Task<RetentionResult> RunOnceAsync(CancellationToken ct)
    {
        var o = options.Value;
        var now = time.GetUtcNow();
        long written = 0, rollupsDeleted = 0;
        var rollups = store as ITelemetryRollups;
        if (rollups is not null)
        {
            written = await rollups.RollUpHourlyAsync(now - o.RollupLookback, now, ct);
        }
        var deleted = await store.DeleteOlderThanAsync(now - o.RawRetention, ct);
        if (rollups is not null)
        {
            rollupsDeleted = await rollups.DeleteHourlyOlderThanAsync(now - o.RollupRetention, ct);
        }
        LogRun(written, deleted, rollupsDeleted);
        return new RetentionResult(written, deleted, rollupsDeleted);
    }

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Telemetry retention: {Written} hourly buckets rolled up, {Deleted} raw points and {RollupsDeleted} hourly buckets deleted")]
    private partial void LogRun(long written, long deleted, long rollupsDeleted);
}

/// <summary>The Quartz adapter: one run per trigger, never two at once (a slow purge must not overlap the next hour's).
/// A store that is down only defers the run: the next one rolls up the whole lookback, so nothing is lost, and an
/// outage is a warning here (the store's health check and spool report it), not an error per hour.</summary>
[DisallowConcurrentExecution]
public sealed partial class TelemetryRetentionJob(TelemetryRetention retention, ILogger<TelemetryRetentionJob>? logger = null) : IJob
{
    public static readonly JobKey Key = new("telemetry-retention", "telemetry");

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        try
        {
            await retention.RunOnceAsync(cancellationToken);
        }
        catch (Influx.InfluxTelemetryException e) when (e.Failure == Influx.InfluxFailure.Unreachable)
        {
            LogDeferred(logger ?? NullLogger<TelemetryRetentionJob>.Instance, e.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Telemetry retention deferred to the next run: the store is unreachable ({Reason})")]
    private static partial void LogDeferred(ILogger logger, string reason);
}
