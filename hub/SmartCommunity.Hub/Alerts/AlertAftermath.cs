using SmartCommunity.Domain.Alerts;
using SmartCommunity.Hub.Escalation;
using SmartCommunity.Hub.Notifications;

namespace SmartCommunity.Hub.Alerts;

/// <summary>
/// Side effects of a state change, after it is stored, wherever it came from (the board, an SMS reply, a link): stop
/// paging and tell the device once someone has it; tell the family when it is over.
/// </summary>
public sealed class AlertAftermath(EscalationService escalation, Downlink downlink, FamilyNotifications family)
{
    public async Task AfterChangeAsync(Alert before, Alert after, CancellationToken ct)
    {
        if (before.AcknowledgedAt is null && after.AcknowledgedAt is not null)
            await AcknowledgedAsync(after, ct);
        if (before.IsOpen && !after.IsOpen && after.Outcome is not AlertOutcome.ResidentCancelled)
            await family.ResolvedAsync(after, ct);
    }

    /// <summary>The alert was just acknowledged.</summary>
    public async Task AcknowledgedAsync(Alert after, CancellationToken ct)
    {
        await escalation.StopAsync(after, ct);
        // Resolving straight away (a false alarm) also stamps the acknowledgement, but nobody is coming then.
        if (after.IsOpen)
            await downlink.SendAsync(after.DeviceId, Downlink.HelpComing, ct);
    }
}
