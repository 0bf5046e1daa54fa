using SmartCommunity.Domain.Alerts;

namespace SmartCommunity.Hub.Alerts;

/// <summary>Follow-up work when a new alert is stored: escalation timers, family notifications, the pre-alarm downlink.</summary>
public interface IAlertRaisedListener
{
    Task OnRaisedAsync(Alert alert, CancellationToken ct);
}

/// <summary>Follow-up work when a stored change ends an alert's pre-alarm (<see cref="Alert.PreAlarmPending"/> turns false):
/// called off, acknowledged, resolved, or its window ran out and staff were paged.</summary>
public interface IPreAlarmEndedListener
{
    Task OnPreAlarmEndedAsync(Alert alert, CancellationToken ct);
}

/// <summary>
/// The "alert raised" channel between <see cref="AlertService"/> and the areas that follow an alert up: escalation (the
/// first timer), the pre-alarm downlinks (the resident's "are you OK?") and the family's notification. Each area declares
/// its listener in its own registration (<see cref="AlertsServices.AddAlertRaisedListener{T}"/>); they are subscribed
/// once, by <see cref="AlertFollowUpsSubscription"/> at start-up before any hosted service can raise an alert, and run in
/// registration order (Program.cs: escalation, then notifications). A channel rather than constructor injection: the
/// listeners lead back to AlertService (a downlink goes through the broker, whose external consumer feeds ingestion,
/// which raises alerts; escalation records its pages through AlertService).
/// </summary>
public sealed class AlertFollowUps
{
    private readonly TaskCompletionSource _subscribed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private IAlertRaisedListener[] _raised = [];
    private IPreAlarmEndedListener[] _preAlarmEnded = [];

    public void Subscribe(IEnumerable<IAlertRaisedListener> raised, IEnumerable<IPreAlarmEndedListener> preAlarmEnded)
    {
        if (_subscribed.Task.IsCompleted)
            throw new InvalidOperationException("The alert follow-ups are subscribed once, at start-up.");
        _raised = [.. raised];
        _preAlarmEnded = [.. preAlarmEnded];
        _subscribed.SetResult();
    }

    /// <summary>The listeners to a new alert. Before the subscription (nothing raises that early) this waits for it: an
    /// alert never goes without its follow-ups.</summary>
    public async ValueTask<IReadOnlyList<IAlertRaisedListener>> RaisedAsync(CancellationToken ct)
    {
        await _subscribed.Task.WaitAsync(ct);
        return _raised;
    }

    /// <summary>The listeners to the end of a pre-alarm; waits for the subscription like <see cref="RaisedAsync"/>.</summary>
    public async ValueTask<IReadOnlyList<IPreAlarmEndedListener>> PreAlarmEndedAsync(CancellationToken ct)
    {
        await _subscribed.Task.WaitAsync(ct);
        return _preAlarmEnded;
    }
}

/// <summary>Subscribes the declared listeners to <see cref="AlertFollowUps"/>; registered to start before every other
/// hosted service but the start-up tasks (which raise no alerts).</summary>
public sealed class AlertFollowUpsSubscription(
    AlertFollowUps followUps, IEnumerable<IAlertRaisedListener> raised, IEnumerable<IPreAlarmEndedListener> preAlarmEnded) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        followUps.Subscribe(raised, preAlarmEnded);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
