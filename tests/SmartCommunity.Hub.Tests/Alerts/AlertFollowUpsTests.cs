using Microsoft.Extensions.DependencyInjection;
using SmartCommunity.Domain.Alerts;
using SmartCommunity.Hub.Alerts;
using SmartCommunity.Hub.Escalation;
using SmartCommunity.Hub.Notifications;
using SmartCommunity.Testing;

namespace SmartCommunity.Hub.Tests;

/// <summary>The "alert raised" channel: who follows a new alert up, in which order, and that nothing raised before the
/// subscription goes without its follow-ups.</summary>
public sealed class AlertFollowUpsTests
{
    private sealed class Probe : IAlertRaisedListener
    {
        public Task OnRaisedAsync(Alert alert, CancellationToken ct) => Task.CompletedTask;
    }

    [Fact]
    public async Task FollowUps_HubStarted_EscalationThenPreAlarmDownlinksThenFamilies()
    {
        await using var hub = new HubApp();
        hub.Start();
        var followUps = hub.Services.GetRequiredService<AlertFollowUps>();

        // Escalation's first timer before anything else that can take time; the family last.
        Assert.Equal([typeof(EscalationService), typeof(PreAlarmDownlinks), typeof(FamilyNotifications)],
            (await followUps.RaisedAsync(CancellationToken.None)).Select(l => l.GetType()));
        Assert.Equal([typeof(PreAlarmDownlinks)], (await followUps.PreAlarmEndedAsync(CancellationToken.None)).Select(l => l.GetType()));
    }

    [Fact]
    public async Task RaisedAsync_BeforeTheSubscription_WaitsForIt()
    {
        var followUps = new AlertFollowUps();
        var probe = new Probe();

        var listeners = followUps.RaisedAsync(CancellationToken.None).AsTask();
        Assert.False(listeners.IsCompleted);
        followUps.Subscribe([probe], []);

        Assert.Same(probe, Assert.Single(await listeners));
    }

    [Fact]
    public void Subscribe_Twice_Throws()
    {
        var followUps = new AlertFollowUps();
        followUps.Subscribe([new Probe()], []);

        Assert.Throws<InvalidOperationException>(() => followUps.Subscribe([], []));
    }
}
