using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using MQTTnet;
using MQTTnet.Protocol;
using SmartCommunity.Domain.Alerts;
using SmartCommunity.Hub.Alerts;
using SmartCommunity.Testing;

namespace SmartCommunity.Hub.Tests;

/// <summary>The resident's buttons on an open alert, on the real hub: cancel on the pendant calls off an inferred alert's
/// pre-alarm, not a fall. Timers are driven by a fake clock; only real I/O (MQTT, HTTP) is polled, with a deadline.</summary>
public sealed class DeviceButtonTests
{
    // 10:00 on Sunday 29 November 2026 in Shanghai.
    private static readonly DateTimeOffset Morning = new(2026, 11, 29, 2, 0, 0, TimeSpan.Zero);

    private static async Task<(HubApp Hub, FakeTimeProvider Time, World World)> StartAsync(DateTimeOffset start)
    {
        var time = new FakeTimeProvider(start);
        var hub = new HubApp(time: time);
        hub.Start();
        var world = await hub.SeedWorldAsync();
        return (hub, time, world);
    }

    private static Task PublishAsync(IMqttClient mqtt, string deviceId, string channel, byte[] payload) =>
        mqtt.PublishAsync(new MqttApplicationMessageBuilder().WithTopic($"sc/v1/{deviceId}/{channel}").WithPayload(payload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());

    private static byte[] Pack(FakeTimeProvider time, string deviceId, uint seq, string records) =>
        Senml.Pack(deviceId, seq, records, time.GetUtcNow().ToUnixTimeSeconds());

    private static async Task<List<AlertDto>> AlertsAsync(HttpClient http, string status = "all") =>
        (await http.GetFromJsonAsync<List<AlertDto>>($"/api/alerts?status={status}"))!;

    private static Task<Alert> RaiseInactivityAsync(HubApp hub, World world, FakeTimeProvider time, string deviceId) =>
        hub.Services.GetRequiredService<AlertService>().RaiseAsync(
            new AlertSignal(deviceId, AlertKind.Inactivity, Severity.Warning, "No movement this morning", time.GetUtcNow()),
            new AlertPlace(world.ResidentA, world.HouseholdA, world.GridA, world.CommunityId), CancellationToken.None);

    [Fact]
    public async Task InactivityPreAlarm_CancelButtonOnResidentsPendantInsideWindow_NeverPagesAndResolvesAsResidentCancelled()
    {
        var (hub, time, world) = await StartAsync(Morning);
        await using var _ = hub;
        var pir = await hub.RegisterDeviceAsync("pir", householdId: world.HouseholdA);
        var pendant = await hub.RegisterDeviceAsync("sos", residentId: world.ResidentA);
        using var pendantMqtt = await hub.ConnectDeviceAsync(pendant);
        using var staff = await hub.ClientAsync(World.Staff);

        var quiet = await RaiseInactivityAsync(hub, world, time, pir.Device.Id);
        Assert.Equal(time.GetUtcNow().AddMinutes(10), quiet.PreAlarmUntil);

        time.Advance(TimeSpan.FromMinutes(3));
        await PublishAsync(pendantMqtt, pendant.Device.Id, "up", Pack(time, pendant.Device.Id, 1, "{\"n\":\"cancel\",\"vb\":true}"));
        var cancelled = await Eventually.GetAsync(async () => (await staff.GetFromJsonAsync<AlertDto>($"/api/alerts/{quiet.Id}"))!,
            a => a.Status == "resolved", what: "the pre-alarm cancelled by the button");
        time.Advance(TimeSpan.FromMinutes(15));

        Assert.Equal(("resolved", "resident_cancelled", "device:" + pendant.Device.Id), (cancelled.Status, cancelled.Outcome, cancelled.ResolvedBy));
        var timeline = (await staff.GetFromJsonAsync<List<AlertEventDto>>($"/api/alerts/{quiet.Id}/timeline"))!;
        Assert.DoesNotContain(timeline, e => e.Type == "paged");
        Assert.Equal(0, (await staff.GetFromJsonAsync<AlertDto>($"/api/alerts/{quiet.Id}"))!.PagesSent);
    }

    [Fact]
    public async Task CancelButton_DuringAFall_LeavesTheFallOpenForStaff()
    {
        // The wearable's own window was the resident's chance to cancel a fall; once sent, it is staff's to resolve.
        var (hub, time, world) = await StartAsync(Morning);
        await using var _ = hub;
        var wearable = await hub.RegisterDeviceAsync("wearable", residentId: world.ResidentA);
        var pendant = await hub.RegisterDeviceAsync("sos", residentId: world.ResidentA);
        using var wearableMqtt = await hub.ConnectDeviceAsync(wearable);
        using var pendantMqtt = await hub.ConnectDeviceAsync(pendant);
        using var staff = await hub.ClientAsync(World.Staff);

        await PublishAsync(wearableMqtt, wearable.Device.Id, "up", Pack(time, wearable.Device.Id, 1, "{\"n\":\"fall\",\"vb\":true}"));
        var fall = (await Eventually.GetAsync(() => AlertsAsync(staff, "open"), l => l.Count == 1, what: "the fall"))[0];
        // At QoS 1 the PUBACK comes after the hub handled the pack (its button observers included).
        await PublishAsync(pendantMqtt, pendant.Device.Id, "up", Pack(time, pendant.Device.Id, 1, "{\"n\":\"cancel\",\"vb\":true}"));

        // The page is sent by the escalation job, on its own thread: wait for it rather than race it.
        var after = await Eventually.GetAsync(async () => (await staff.GetFromJsonAsync<AlertDto>($"/api/alerts/{fall.Id}"))!,
            a => a.PagesSent >= 1, what: "the fall's page, sent at once");
        Assert.Equal(("fall", "raised", (DateTimeOffset?)null), (after.Kind, after.Status, after.PreAlarmUntil));
    }
}
