using Microsoft.Data.Sqlite;
using Quartz;
using SmartCommunity.Hub.Persistence;

namespace SmartCommunity.Hub.Hosting;

/// <summary>
/// Quartz for everything that must happen at a time, not on a request: escalation pages, the monthly report, retention,
/// retraining. The store is SQLite in the data directory (Microsoft.Data.Sqlite), or the clustered ADO store in the shared
/// PostgreSQL database when Hub:Database:Provider is postgres; either is created at start-up, so a timer set before a
/// restart fires after it, once. Quartz runs on the container's <see cref="TimeProvider"/>, so tests drive it with
/// a fake clock. Each area adds its own jobs in its registration (<c>services.AddQuartz(q =&gt; q.AddJob…)</c>, e.g.
/// Escalation/EscalationServices.cs) or through <paramref name="configure"/>; this method stays the one place the scheduler
/// itself is set up.
/// </summary>
public static class HubScheduling
{
    public const string StoreFile = "scheduler.db";

    public static void AddHubScheduling(this WebApplicationBuilder builder, Action<IQuartzBuilder>? configure = null)
    {
        var o = HubOptions.Read(builder.Configuration);
        var database = HubDatabaseOptions.Read(builder.Configuration);
        var cluster = HubSchedulerOptions.Read(builder.Configuration);
        builder.Services.AddOptions<HubSchedulerOptions>().BindConfiguration(HubSchedulerOptions.Section).ValidateDataAnnotations()
            .Validate(s => s.ClusterCheckinInterval > TimeSpan.Zero && s.ClusterCheckinMisfireThreshold > TimeSpan.Zero, "Hub:Scheduler intervals must be positive")
            .ValidateOnStart();
        builder.Services.AddQuartz(q =>
        {
            q.UsePersistentStore(store =>
            {
                if (database.IsPostgres)
                {
                    // Several instances share the schedule: each trigger fires on one of them, and the triggers of an
                    // instance that stops checking in are taken over by another (instance ids are generated).
                    store.UsePostgres(builder.Configuration.GetConnectionString(HubDatabaseOptions.ConnectionStringName)!);
                    store.UseClustering(c =>
                    {
                        c.CheckinInterval = cluster.ClusterCheckinInterval;
                        c.CheckinMisfireThreshold = cluster.ClusterCheckinMisfireThreshold;
                    });
                }
                else
                {
                    store.UseSqlite($"Data Source={o.DataPath(StoreFile)}");
                }
                store.UseSystemTextJsonSerializer();
                // Several instances starting at once may all provision: the losers find the winner's tables.
                store.ProvisionSchema();
            });
            configure?.Invoke(q);
        });
        builder.Services.AddQuartzHostedService(q => q.WaitForJobsToComplete = true);
    }

    /// <summary>
    /// Puts the SQLite store (<paramref name="path"/>) into write-ahead logging, as the hub's own databases are; called at
    /// start-up before the scheduler opens it. In the default rollback journal every Quartz transaction costs several
    /// fsyncs (journal, database, journal removal), and a new SOS alert costs several transactions (its first page is due
    /// at once: the timer is stored, acquired, fired and completed, the next one stored), while the device's PUBACK waits
    /// for the first of them. In WAL a commit is one append and one fsync of the log, equally durable (synchronous stays
    /// FULL). WAL is a property of the file: set once, it persists.
    /// </summary>
    public static async Task UseWriteAheadLogAsync(string path, CancellationToken ct)
    {
        await using var connection = new SqliteConnection($"Data Source={path}");
        await connection.OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode=WAL;";
        await command.ExecuteScalarAsync(ct);
    }
}

/// <summary>Hub:Scheduler — the clustered store's failure detection (PostgreSQL only). Quartz measures both on the wall clock.</summary>
public sealed class HubSchedulerOptions
{
    public const string Section = "Hub:Scheduler";

    /// <summary>How often an instance records that it is alive.</summary>
    public TimeSpan ClusterCheckinInterval { get; set; } = TimeSpan.FromSeconds(7.5);

    /// <summary>How long past a missed check-in the others wait before taking over that instance's triggers.</summary>
    public TimeSpan ClusterCheckinMisfireThreshold { get; set; } = TimeSpan.FromSeconds(15);

    public static HubSchedulerOptions Read(IConfiguration configuration) =>
        configuration.GetSection(Section).Get<HubSchedulerOptions>() ?? new HubSchedulerOptions();
}
