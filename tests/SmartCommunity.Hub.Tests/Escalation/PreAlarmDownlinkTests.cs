using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using MQTTnet;
using MQTTnet.Protocol;
using SmartCommunity.Domain.Alerts;
using SmartCommunity.Hub.Alerts;
using SmartCommunity.Hub.Devices;
using SmartCommunity.Hub.Escalation;
using SmartCommunity.Testing;

namespace SmartCommunity.Hub.Tests;

/// <summary>
/// The hub's side of the pre-alarm seam (docs/protocol.md, downlinks): an inferred alert's pre-alarm is announced to the
/// resident's pendant and wearable with the seconds left, and its end is announced whichever way it ends. The devices
/// here are plain MQTT clients with the devices' credentials, listening on their <c>down</c> topics; the journey with the
/// firmware core answering is <see cref="JourneyInactivityTests"/>. Timers run on a fake clock.
/// </summary>
public sealed class PreAlarmDownlinkTests
{
    public enum Ending
    {
        FamilyCancels,
        PendantCancels,
        StaffAcknowledges,
        WindowRunsOutIntoPaging,
        ResidentPressesSos,
    }

    private sealed class Listener(IMqttClient client) : IDisposable
    {
        public ConcurrentQueue<string> Received { get; } = new();
        public IMqttClient Client => client;

        public static async Task<Listener> ConnectAsync(HubApp hub, DeviceCredentials device)
        {
            var listener = new Listener(await hub.ConnectDeviceAsync(device));
            listener.Client.ApplicationMessageReceivedAsync += e =>
            {
                listener.Received.Enqueue(Encoding.UTF8.GetString(e.ApplicationMessage.Payload));
                return Task.CompletedTask;
            };
            await listener.Client.SubscribeAsync($"sc/v1/{device.Device.Id}/down", MqttQualityOfServiceLevel.AtLeastOnce);
            return listener;
        }

        public Task<List<string>> WaitForAsync(int count, string what) =>
            Eventually.GetAsync(() => Task.FromResult(Received.ToList()), l => l.Count >= count, what: what);

        public void Dispose() => client.Dispose();
    }

    [Theory]
    [InlineData(Ending.FamilyCancels)]
    [InlineData(Ending.PendantCancels)]
    [InlineData(Ending.StaffAcknowledges)]
    [InlineData(Ending.WindowRunsOutIntoPaging)]
    [InlineData(Ending.ResidentPressesSos)]
    public async Task InactivityPreAlarm_AsksTheResidentsButtonsWithTheSecondsLeft_AndTellsThemWhenItEnds(Ending ending)
    {
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds()));
        await using var hub = new HubApp(time: time);
        hub.Start();
        var world = await hub.SeedWorldAsync();
        var pir = await hub.RegisterDeviceAsync("pir", householdId: world.HouseholdA);
        var pendant = await hub.RegisterDeviceAsync("sos", residentId: world.ResidentA);
        var wearable = await hub.RegisterDeviceAsync("wearable", residentId: world.ResidentA);
        var neighbour = await hub.RegisterDeviceAsync("sos", residentId: world.ResidentB);
        using var pendantDown = await Listener.ConnectAsync(hub, pendant);
        using var wearableDown = await Listener.ConnectAsync(hub, wearable);
        using var neighbourDown = await Listener.ConnectAsync(hub, neighbour);

        var quiet = await hub.Services.GetRequiredService<AlertService>().RaiseAsync(
            new AlertSignal(pir.Device.Id, AlertKind.Inactivity, Severity.Warning, "No movement this morning", time.GetUtcNow()),
            new AlertPlace(world.ResidentA, world.HouseholdA, world.GridA, world.CommunityId), CancellationToken.None);

        // Ten minutes to answer, on both of her devices with a button.
        Assert.Equal([Downlink.PreAlarm(600)], await pendantDown.WaitForAsync(1, "the pre-alarm on the pendant"));
        Assert.Equal([Downlink.PreAlarm(600)], await wearableDown.WaitForAsync(1, "the pre-alarm on the wearable"));
        Assert.Equal("""{"cmd":"pre-alarm","s":600}""", Downlink.PreAlarm(600));

        time.Advance(TimeSpan.FromMinutes(2));
        switch (ending)
        {
            case Ending.FamilyCancels:
                using (var family = await hub.ClientAsync(World.FamilyA))
                    Assert.Equal(HttpStatusCode.OK, (await family.PostAsync($"/api/alerts/{quiet.Id}/cancel", null)).StatusCode);
                break;
            case Ending.PendantCancels:
                await PublishAsync(pendantDown.Client, pendant.Device.Id, Senml.Pack(pendant.Device.Id, 1, "{\"n\":\"cancel\",\"vb\":true}", time.GetUtcNow().ToUnixTimeSeconds()));
                break;
            case Ending.StaffAcknowledges:
                using (var staff = await hub.ClientAsync(World.Staff))
                    Assert.Equal(HttpStatusCode.OK, (await staff.PostAsJsonAsync($"/api/alerts/{quiet.Id}/ack", new AcknowledgeRequest(null))).StatusCode);
                break;
            case Ending.WindowRunsOutIntoPaging:
                time.Advance(TimeSpan.FromMinutes(8));
                break;
            case Ending.ResidentPressesSos:
                await PublishAsync(pendantDown.Client, pendant.Device.Id, Senml.Pack(pendant.Device.Id, 1, "{\"n\":\"sos\",\"vb\":true}", time.GetUtcNow().ToUnixTimeSeconds()));
                break;
        }

        Assert.Equal([Downlink.PreAlarm(600), Downlink.PreAlarmEnd], await pendantDown.WaitForAsync(2, "the pre-alarm's end on the pendant"));
        Assert.Equal([Downlink.PreAlarm(600), Downlink.PreAlarmEnd], await wearableDown.WaitForAsync(2, "the pre-alarm's end on the wearable"));
        Assert.Empty(neighbourDown.Received);
        using var api = await hub.ClientAsync(World.Staff);
        var after = (await api.GetFromJsonAsync<AlertDto>($"/api/alerts/{quiet.Id}"))!;
        var expected = ending switch
        {
            Ending.FamilyCancels or Ending.PendantCancels => ("resolved", 0),
            Ending.StaffAcknowledges => ("acknowledged", 0),
            Ending.WindowRunsOutIntoPaging => ("raised", 1),
            // Staff still see the inferred alert; they are on their way for the SOS anyway.
            _ => ("raised", 0),
        };
        Assert.Equal(expected, (after.Status, after.PagesSent));
    }

    [Fact]
    public async Task Fall_IsNotAnnouncedAsAPreAlarm()
    {
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds()));
        await using var hub = new HubApp(time: time);
        hub.Start();
        var world = await hub.SeedWorldAsync();
        var pendant = await hub.RegisterDeviceAsync("sos", residentId: world.ResidentA);
        var wearable = await hub.RegisterDeviceAsync("wearable", residentId: world.ResidentA);
        using var pendantDown = await Listener.ConnectAsync(hub, pendant);
        using var wearableDown = await Listener.ConnectAsync(hub, wearable);

        await PublishAsync(wearableDown.Client, wearable.Device.Id, Senml.Pack(wearable.Device.Id, 1, "{\"n\":\"fall\",\"vb\":true}", time.GetUtcNow().ToUnixTimeSeconds()));
        using var staff = await hub.ClientAsync(World.Staff);
        var fall = (await Eventually.GetAsync(() => staff.GetFromJsonAsync<List<AlertDto>>("/api/alerts?status=open"), l => l!.Count == 1, what: "the fall"))![0];
        // Staff acknowledge: help-coming goes to the wearable that saw the fall, and no pre-alarm came before it.
        Assert.Equal(HttpStatusCode.OK, (await staff.PostAsJsonAsync($"/api/alerts/{fall.Id}/ack", new AcknowledgeRequest(null))).StatusCode);

        Assert.Equal([Downlink.HelpComing], await wearableDown.WaitForAsync(1, "help-coming on the wearable"));
        Assert.Empty(pendantDown.Received);
    }

    private static Task PublishAsync(IMqttClient mqtt, string deviceId, byte[] payload) =>
        mqtt.PublishAsync(new MqttApplicationMessageBuilder().WithTopic($"sc/v1/{deviceId}/up").WithPayload(payload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
}
