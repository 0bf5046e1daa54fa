using System.Diagnostics.Metrics;
using Quartz;
using SmartCommunity.Hub.Hosting;

namespace SmartCommunity.Hub.Cases;

public static class CasesServices
{
    /// <summary>Cases (接诉即办) with their overdue escalation (a Quartz job every minute), services for residents in special
    /// difficulty, and satisfaction scorecards.</summary>
    public static void AddHubCases(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<CaseService>();
        builder.Services.AddSingleton<CaseMetrics>();
        builder.Services.AddOptions<CaseOptions>().BindConfiguration(CaseOptions.Section)
            .Validate(o => o.MaxPhotoBytes is > 0 and <= 50 * 1024 * 1024, "Hub:Cases:MaxPhotoBytes must be between 1 byte and 50 MB")
            .ValidateOnStart();
        // A minute is well inside the shortest target (an hour): a case is escalated at most a minute late.
        builder.Services.AddQuartz(q => q.ScheduleJob<CaseEscalationJob>(
            t => t.WithIdentity("case-escalation").WithSimpleSchedule(s => s.WithInterval(TimeSpan.FromMinutes(1)).RepeatForever().WithMisfireInstruction(SimpleTriggerMisfireInstruction.FireNow)),
            j => j.WithIdentity(CaseEscalationJob.Key)));
    }
}

/// <summary>Refused case photos, by HTTP status (400 not an image, 413 too large, 415 not an accepted type).</summary>
public sealed class CaseMetrics
{
    private readonly Counter<long> _photosRefused;

    public CaseMetrics(IMeterFactory meterFactory) =>
        _photosRefused = meterFactory.Create(HubMetrics.MeterName).CreateCounter<long>("sc.cases.photos_refused", description: "Case photos refused, by status (400, 413, 415)");

    public void PhotoRefused(int status) => _photosRefused.Add(1, new KeyValuePair<string, object?>("status", status));
}
