using System.Net;
using System.Net.Http.Json;
using MQTTnet;
using MQTTnet.Protocol;
using SmartCommunity.Hub.Alerts;
using SmartCommunity.Hub.Devices;
using SmartCommunity.Testing;

namespace SmartCommunity.Hub.Tests;

/// <summary>
/// The hub on PostgreSQL while the database server is stopped and started again (pg_ctl, a private server on a free
/// port): health follows the database, the hub reconnects by itself, and an alert published during the outage is
/// either refused (the device sends it again) or stored — never acknowledged and lost.
/// </summary>
public sealed class PostgresRestartTests
{
    [Fact]
    public async Task PostgresRestart_MidStream_HealthFollowsAndNoAcknowledgedAlertIsLost()
    {
        await using var pg = await PrivatePostgres.StartAsync();
        await using var hub = new HubApp(settings: ClusterServers.PostgresSettings(pg.ConnectionString, new Dictionary<string, string?>
        {
            // Fewer, shorter retries than in production, so the outage outlasts them and the refusal path is taken.
            ["Hub:Database:MaxRetryCount"] = "2",
            ["Hub:Database:MaxRetryDelay"] = "00:00:00.500",
        }));
        hub.Start();
        var world = await hub.SeedWorldAsync();
        var during = await hub.RegisterDeviceAsync("sos", residentId: world.ResidentA);
        var after = await hub.RegisterDeviceAsync("sos", residentId: world.ResidentB);
        using var staff = await hub.ClientAsync(World.Staff);
        using var duringClient = await hub.ConnectDeviceAsync(during);
        using var afterClient = await hub.ConnectDeviceAsync(after);
        using var anonymous = hub.Anonymous();
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/health")).StatusCode);

        await pg.StopAsync();
        await Eventually.GetAsync(() => anonymous.GetAsync("/health"), r => r.StatusCode == HttpStatusCode.ServiceUnavailable,
            timeout: TimeSpan.FromSeconds(60), what: "/health Unhealthy while PostgreSQL is down");
        var sosDuring = SosMessage(during.Device.Id, 1);
        var outageAnswer = await duringClient.PublishAsync(sosDuring, TestContext.Current.CancellationToken);

        TestContext.Current.TestOutputHelper?.WriteLine($"SOS published while PostgreSQL was down: {outageAnswer.ReasonCode}");
        await pg.UpAsync();
        await Eventually.GetAsync(() => anonymous.GetAsync("/health"), r => r.StatusCode == HttpStatusCode.OK,
            timeout: TimeSpan.FromSeconds(60), what: "/health Healthy after PostgreSQL is back");
        // A device whose publish was refused sends the same message again (same sequence number), as the firmware does.
        var retried = outageAnswer.ReasonCode == MqttClientPublishReasonCode.Success ? outageAnswer
            : await duringClient.PublishAsync(sosDuring, TestContext.Current.CancellationToken);
        var afterAnswer = await afterClient.PublishAsync(SosMessage(after.Device.Id, 1), TestContext.Current.CancellationToken);

        Assert.Equal(MqttClientPublishReasonCode.Success, retried.ReasonCode);
        Assert.Equal(MqttClientPublishReasonCode.Success, afterAnswer.ReasonCode);
        var open = (await staff.GetFromJsonAsync<List<AlertDto>>("/api/alerts?status=open", TestContext.Current.CancellationToken))!;
        Assert.Single(open, a => a.DeviceId == during.Device.Id);
        Assert.Single(open, a => a.DeviceId == after.Device.Id);
        // Errors were logged while the database was down; that they stop afterwards is what "recovered" means: any
        // error logged from here on fails the test when the hub is disposed.
        hub.LoggedErrors.Clear();
        var stillFine = await afterClient.PublishAsync(SosMessage(after.Device.Id, 2), TestContext.Current.CancellationToken);
        Assert.Equal(MqttClientPublishReasonCode.Success, stillFine.ReasonCode);
    }

    private static MqttApplicationMessage SosMessage(string deviceId, uint seq) =>
        new MqttApplicationMessageBuilder().WithTopic($"sc/v1/{deviceId}/up").WithPayload(Senml.Sos(deviceId, seq))
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build();
}
