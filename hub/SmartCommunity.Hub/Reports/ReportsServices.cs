using Quartz;
using SmartCommunity.Domain.Escalation;

namespace SmartCommunity.Hub.Reports;

public static class ReportsServices
{
    /// <summary>KPIs, and the monthly report written to the data directory by a Quartz job.</summary>
    public static void AddHubReports(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<ReportService>();
        // 00:10 on the 1st, community time: the month just ended is complete in every grid's books.
        builder.Services.AddQuartz(q => q.ScheduleJob<MonthlyReportJob>(
            t => t.WithIdentity(MonthlyReportJob.TriggerName).WithCronSchedule("0 10 0 1 * ?", c => c.InTimeZone(Roster.DefaultZone)),
            j => j.WithIdentity(MonthlyReportJob.Key)));
    }
}
