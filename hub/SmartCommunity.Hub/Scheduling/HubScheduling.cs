using Quartz;
using SmartCommunity.Domain.Workflow;
using SmartCommunity.Hub.Reports;
using SmartCommunity.Hub.Workflow;

namespace SmartCommunity.Hub.Scheduling;

/// <summary>
/// Quartz for everything that must happen at a time, not on a request: escalation pages and the monthly report.
/// The store is SQLite in the data directory (Microsoft.Data.Sqlite), created at start-up, so a timer set before a
/// restart fires after it, once. Quartz runs on the container's <see cref="TimeProvider"/>, so tests drive it with
/// a fake clock. Other areas add their own jobs with <c>services.ConfigureAllQuartzSchedulers(q =&gt; q.AddJob…)</c>
/// or through <paramref name="configure"/>; this method stays the one place the scheduler itself is set up.
/// </summary>
public static class HubScheduling
{
    public const string StoreFile = "scheduler.db";

    public static void AddHubScheduling(this WebApplicationBuilder builder, Action<IQuartzBuilder>? configure = null)
    {
        var o = builder.Configuration.GetSection(HubOptions.Section).Get<HubOptions>() ?? new HubOptions();
        builder.Services.AddQuartz(q =>
        {
            q.UsePersistentStore(store =>
            {
                store.UseSqlite($"Data Source={o.DataPath(StoreFile)}");
                store.UseSystemTextJsonSerializer();
                store.ProvisionSchema();
            });
            q.AddJob<EscalationJob>(j => j.WithIdentity(EscalationJob.Key).StoreDurably());
            // 00:10 on the 1st, community time: the month just ended is complete in every grid's books.
            q.ScheduleJob<MonthlyReportJob>(
                t => t.WithIdentity(MonthlyReportJob.TriggerName).WithCronSchedule("0 10 0 1 * ?", c => c.InTimeZone(Roster.DefaultZone)),
                j => j.WithIdentity(MonthlyReportJob.Key));
            configure?.Invoke(q);
        });
        builder.Services.AddQuartzHostedService(q => q.WaitForJobsToComplete = true);
    }
}
