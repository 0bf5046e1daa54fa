using System.Net;
using System.Net.Http.Json;
using System.Text;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using MQTTnet;
using MQTTnet.Protocol;
using SmartCommunity.Domain.Alerts;
using SmartCommunity.Hub.Alerts;
using SmartCommunity.Hub.Audit;
using SmartCommunity.Hub.Escalation;
using SmartCommunity.Testing;

namespace SmartCommunity.Hub.Tests;

/// <summary>The closed loop end to end: escalation on Quartz driven by a fake clock, workflow API, timeline, audit,
/// family feedback, pre-alarms and the "help is coming" downlink to a real MQTT device.</summary>
public sealed class ClosedLoopTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 29, 2, 0, 0, TimeSpan.Zero));
    private readonly HubApp _hub;
    private World _world = null!;

    public ClosedLoopTests() => _hub = new HubApp(time: _time);

    public async ValueTask InitializeAsync()
    {
        _hub.Start();
        _world = await _hub.SeedWorldAsync();
    }

    public async ValueTask DisposeAsync() => await _hub.DisposeAsync();

    private Task<Alert> RaiseAsync(AlertKind kind, Severity severity, string deviceId = "dev-1", int? residentId = null) =>
        _hub.Services.GetRequiredService<AlertService>().RaiseAsync(
            new AlertSignal(deviceId, kind, severity, "test signal", _time.GetUtcNow()),
            new AlertPlace(residentId ?? _world.ResidentA, _world.HouseholdA, _world.GridA, _world.CommunityId), CancellationToken.None);

    private async Task<List<AlertEventDto>> TimelineAsync(long id)
    {
        using var staff = await _hub.ClientAsync(World.Staff);
        return (await staff.GetFromJsonAsync<List<AlertEventDto>>($"/api/alerts/{id}/timeline"))!;
    }

    private async Task<List<AlertEventDto>> PagesAsync(long id, int atLeast) =>
        await Eventually.GetAsync(async () => (await TimelineAsync(id)).Where(e => e.Type == "paged").ToList(), p => p.Count >= atLeast, what: $"{atLeast} pages");

    [Fact]
    public async Task CriticalAlert_NotAcknowledged_PagesGridWorkerThenDutyOfficerAfter60s()
    {
        var alert = await RaiseAsync(AlertKind.Sos, Severity.Critical);

        var first = await PagesAsync(alert.Id, 1);
        Assert.Equal(0, Assert.Single(first).Level);
        Assert.Contains("Worker A", first[0].Detail, StringComparison.Ordinal);

        _time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(0, (await PagesAsync(alert.Id, 2))[1].Level);

        _time.Advance(TimeSpan.FromSeconds(30));
        var third = (await PagesAsync(alert.Id, 3))[2];
        Assert.Equal(1, third.Level);
        Assert.Contains("Staff", third.Detail, StringComparison.Ordinal);
        Assert.Equal(_time.GetUtcNow(), third.At);
    }

    [Fact]
    public async Task Acknowledge_ByStaff_StopsPagingAndSendsHelpComingToTheDevice()
    {
        var device = await _hub.RegisterDeviceAsync("sos", residentId: _world.ResidentA);
        using var mqtt = await _hub.ConnectDeviceAsync(device);
        var downlink = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        mqtt.ApplicationMessageReceivedAsync += e =>
        {
            downlink.TrySetResult(e.ApplicationMessage.Topic + " " + Encoding.UTF8.GetString(e.ApplicationMessage.Payload));
            return Task.CompletedTask;
        };
        await mqtt.SubscribeAsync($"sc/v1/{device.Device.Id}/down", MqttQualityOfServiceLevel.AtLeastOnce);
        await mqtt.PublishAsync(new MqttApplicationMessageBuilder().WithTopic($"sc/v1/{device.Device.Id}/up")
            .WithPayload(Senml.Pack(device.Device.Id, 1, "{\"n\":\"sos\",\"vb\":true}", _time.GetUtcNow().ToUnixTimeSeconds()))
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
        using var staff = await _hub.ClientAsync(World.Staff);
        var alert = (await Eventually.GetAsync(() => staff.GetFromJsonAsync<List<AlertDto>>("/api/alerts?status=open"), l => l!.Count == 1, what: "the SOS alert"))![0];
        await PagesAsync(alert.Id, 1);

        var ack = await staff.PostAsJsonAsync($"/api/alerts/{alert.Id}/ack", new AcknowledgeRequest("on my way"));

        Assert.Equal(HttpStatusCode.OK, ack.StatusCode);
        Assert.Equal($"sc/v1/{device.Device.Id}/down {Downlink.HelpComing}", await Eventually.ReceiveAsync(downlink, what: "the help-coming downlink"));
        // A marker on the same schedule: an alert raised now pages every 30 s on the timers the acknowledged alert's pages
        // would have had, due at the same moments. Two minutes pass a repeat at a time (a step due at once, never one the
        // scheduler would treat as misfired), and each time the marker's page proves the scheduler fired what was due.
        var marker = await RaiseAsync(AlertKind.Sos, Severity.Critical, deviceId: "marker-1");
        await PagesAsync(marker.Id, 1);
        for (var repeat = 1; repeat <= 4; repeat++)
        {
            _time.Advance(TimeSpan.FromSeconds(30));
            await PagesAsync(marker.Id, 1 + repeat);
        }
        Assert.Single(await TimelineAsync(alert.Id), e => e.Type == "paged");
    }

    [Fact]
    public async Task Workflow_DispatchOnSiteCommentResolve_IsOnTimelineAndInAuditLog()
    {
        var alert = await RaiseAsync(AlertKind.Smoke, Severity.Critical);
        using var staff = await _hub.ClientAsync(World.Staff);

        (await staff.PostAsJsonAsync($"/api/alerts/{alert.Id}/dispatch", new DispatchRequest(World.WorkerA))).EnsureSuccessStatusCode();
        using var worker = await _hub.ClientAsync(World.WorkerA);
        (await worker.PostAsync($"/api/alerts/{alert.Id}/on-site", null)).EnsureSuccessStatusCode();
        (await worker.PostAsJsonAsync($"/api/alerts/{alert.Id}/comments", new CommentRequest("Burnt toast, window opened"))).EnsureSuccessStatusCode();
        var resolved = await (await worker.PostAsJsonAsync($"/api/alerts/{alert.Id}/resolve", new ResolveRequest("false_alarm", null))).Content.ReadFromJsonAsync<AlertDto>();
        var again = await worker.PostAsJsonAsync($"/api/alerts/{alert.Id}/on-site", new { });

        Assert.Equal(("resolved", "false_alarm", "Worker A"), (resolved!.Status, resolved.Outcome, resolved.AssignedTo));
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        var types = (await TimelineAsync(alert.Id)).Select(e => e.Type).Where(t => t != "paged").ToList();
        Assert.Equal(["raised", "acknowledged", "dispatched", "on_site", "comment", "resolved"], types);
        using var admin = await _hub.AdminAsync();
        var audit = (await admin.GetFromJsonAsync<List<AuditEntryDto>>("/api/audit"))!;
        Assert.Contains(audit, a => a.UserName == World.Staff && a.Action == $"POST /api/alerts/{alert.Id}/dispatch" && a.Status == 200);
        Assert.Contains(audit, a => a.UserName == World.WorkerA && a.Action == $"POST /api/alerts/{alert.Id}/on-site" && a.Status == 409);
    }

    [Fact]
    public async Task Feedback_FamilyOfAnotherResident_IsNotFound_OwnRelative_IsRecorded()
    {
        var alert = await RaiseAsync(AlertKind.Sos, Severity.Critical);
        using var staff = await _hub.ClientAsync(World.Staff);
        using var familyA = await _hub.ClientAsync(World.FamilyA);
        using var familyB = await _hub.ClientAsync(World.FamilyB);
        var early = await familyA.PostAsJsonAsync($"/api/alerts/{alert.Id}/feedback", new FeedbackRequest(5, null));
        (await staff.PostAsJsonAsync($"/api/alerts/{alert.Id}/resolve", new ResolveRequest("real", "Helped up"))).EnsureSuccessStatusCode();

        var stranger = await familyB.PostAsJsonAsync($"/api/alerts/{alert.Id}/feedback", new FeedbackRequest(1, "not mine"));
        var asStaff = await staff.PostAsJsonAsync($"/api/alerts/{alert.Id}/feedback", new FeedbackRequest(5, null));
        var own = await familyA.PostAsJsonAsync($"/api/alerts/{alert.Id}/feedback", new FeedbackRequest(4, "Quick and kind"));
        var twice = await familyA.PostAsJsonAsync($"/api/alerts/{alert.Id}/feedback", new FeedbackRequest(5, null));

        Assert.Equal(HttpStatusCode.Conflict, early.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, stranger.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, asStaff.StatusCode);
        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, twice.StatusCode);
        var stored = await staff.GetFromJsonAsync<AlertDto>($"/api/alerts/{alert.Id}");
        Assert.Equal((4, "Quick and kind"), (stored!.FeedbackRating, stored.FeedbackComment));
    }

    [Fact]
    public async Task InactivityPreAlarm_CancelledByFamilyInsideWindow_NeverPagesStaff()
    {
        var quiet = await RaiseAsync(AlertKind.Inactivity, Severity.Warning, "pir-1");
        Assert.Equal(_time.GetUtcNow().AddMinutes(10), quiet.PreAlarmUntil);
        using var familyB = await _hub.ClientAsync(World.FamilyB);
        using var familyA = await _hub.ClientAsync(World.FamilyA);

        Assert.Equal(HttpStatusCode.NotFound, (await familyB.PostAsync($"/api/alerts/{quiet.Id}/cancel", null)).StatusCode);
        _time.Advance(TimeSpan.FromMinutes(5));
        var cancelled = await (await familyA.PostAsync($"/api/alerts/{quiet.Id}/cancel", null)).Content.ReadFromJsonAsync<AlertDto>();
        _time.Advance(TimeSpan.FromMinutes(10));

        Assert.Equal(("resolved", "resident_cancelled"), (cancelled!.Status, cancelled.Outcome));
        Assert.DoesNotContain(await TimelineAsync(quiet.Id), e => e.Type == "paged");
    }

    [Fact]
    public async Task InactivityPreAlarm_NotCancelled_PagesWhenWindowEnds()
    {
        var quiet = await RaiseAsync(AlertKind.Inactivity, Severity.Warning, "pir-1");
        Assert.DoesNotContain(await TimelineAsync(quiet.Id), e => e.Type == "paged");

        _time.Advance(TimeSpan.FromMinutes(10));

        var page = Assert.Single(await PagesAsync(quiet.Id, 1));
        Assert.Equal(quiet.PreAlarmUntil, page.At);
    }

    [Fact]
    public async Task Fall_PagesAtOnce_FamilyCannotCancelIt_ButReportsBeingWithHerLiveOnTheBoard()
    {
        await using var board = await _hub.SignalRAsync(World.Staff);
        var updates = new System.Collections.Concurrent.ConcurrentQueue<AlertDto>();
        board.On<AlertDto>("AlertUpdated", a => updates.Enqueue(a));
        await board.StartSubscribedAsync();
        var fall = await RaiseAsync(AlertKind.Fall, Severity.Critical, "wear-1");
        Assert.Null(fall.PreAlarmUntil);
        // One cancel window, the wearable's: the hub pages the grid worker at the raise, without waiting.
        Assert.Equal(fall.RaisedAt, Assert.Single(await PagesAsync(fall.Id, 1)).At);
        using var familyA = await _hub.ClientAsync(World.FamilyA);
        using var familyB = await _hub.ClientAsync(World.FamilyB);
        using var staff = await _hub.ClientAsync(World.Staff);

        var cancel = await familyA.PostAsync($"/api/alerts/{fall.Id}/cancel", null);
        var stranger = await familyB.PostAsync($"/api/alerts/{fall.Id}/with-resident", null);
        var asStaff = await staff.PostAsync($"/api/alerts/{fall.Id}/with-resident", null);
        _time.Advance(TimeSpan.FromSeconds(20));
        var with = await familyA.PostAsync($"/api/alerts/{fall.Id}/with-resident", null);

        Assert.Equal(HttpStatusCode.Conflict, cancel.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, stranger.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, asStaff.StatusCode);
        Assert.Equal(HttpStatusCode.OK, with.StatusCode);
        var reported = (await with.Content.ReadFromJsonAsync<AlertDto>())!;
        Assert.Equal(("raised", "Family A", _time.GetUtcNow()), (reported.Status, reported.WithResidentBy, reported.WithResidentAt));
        var pushed = await Eventually.GetAsync(() => Task.FromResult(updates.LastOrDefault(a => a.Id == fall.Id && a.WithResidentBy is not null)), a => a is not null,
            what: "AlertUpdated with the family's report on the staff's board");
        Assert.Equal(("Family A", _time.GetUtcNow()), (pushed!.WithResidentBy, pushed.WithResidentAt));
        var withEvent = Assert.Single(await TimelineAsync(fall.Id), e => e.Type == "with_resident");
        Assert.Equal(("Family A", _time.GetUtcNow()), (withEvent.Actor, withEvent.At));
        // Still open, and still escalating for staff: the next page comes on time.
        _time.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(2, (await PagesAsync(fall.Id, 2)).Count);
        Assert.Equal("raised", (await staff.GetFromJsonAsync<AlertDto>($"/api/alerts/{fall.Id}"))!.Status);
    }
}
