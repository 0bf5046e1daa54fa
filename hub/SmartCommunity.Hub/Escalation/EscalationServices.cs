using Quartz;
using SmartCommunity.Hub.Alerts;

namespace SmartCommunity.Hub.Escalation;

public static class EscalationServices
{
    /// <summary>Escalation on Quartz timers (one durable job, a trigger per step) and their reconciler, on-call rosters,
    /// paging, downlinks to devices and the pre-alarm's "are you OK?".</summary>
    public static void AddHubEscalation(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<OnCall>();
        builder.Services.AddSingleton<Downlink>();
        builder.Services.AddSingleton<Paging>();
        builder.Services.AddSingleton<EscalationService>();
        builder.Services.AddAlertRaisedListener<EscalationService>();
        builder.Services.AddSingleton<PreAlarmDownlinks>();
        builder.Services.AddAlertRaisedListener<PreAlarmDownlinks>();
        builder.Services.AddPreAlarmEndedListener<PreAlarmDownlinks>();
        builder.Services.AddOptions<EscalationOptions>().BindConfiguration(EscalationOptions.Section)
            .Validate(o => o.ReconcileInterval > TimeSpan.Zero && o.OverdueAfter > TimeSpan.Zero, "Hub:Escalation intervals must be positive")
            .ValidateOnStart();
        builder.Services.AddSingleton<EscalationReconciler>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<EscalationReconciler>());
        builder.Services.AddQuartz(q => q.AddJob<EscalationJob>(j => j.WithIdentity(EscalationJob.Key).StoreDurably()));
    }
}
