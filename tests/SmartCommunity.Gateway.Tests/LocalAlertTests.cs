using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using SmartCommunity.Hub.Tests;
using SmartCommunity.Testing;

namespace SmartCommunity.Gateway.Tests;

/// <summary>While the hub is unreachable a life-safety event raises a local alert: board, sounder, SMS, then the hub.</summary>
public sealed class LocalAlertTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task LocalAlert_SosWhileHubUnreachable_OnBoardSoundedAcknowledgedAndReportedBeforeReplay()
    {
        await using var hub = new FakeHub();
        var pendant = TestDevice.Create("sos-0001", "sos");
        var climate = TestDevice.Create("clim-0001", "climate");
        hub.Register(pendant);
        hub.Register(climate);
        var settings = GatewayProcess.Settings.Fresh();
        Directory.CreateDirectory(settings.DataDirectory);
        var sounded = Path.Combine(settings.DataDirectory, "sounded.txt");
        var sounder = Path.Combine(settings.DataDirectory, "sounder.sh");
        await File.WriteAllTextAsync(sounder, $"#!/bin/sh\necho \"$1 $2\" >> '{sounded}'\n", Ct);
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(sounder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var password = "duty-" + Guid.NewGuid().ToString("N");
        // The hub's PUBACK within the ack timeout is what keeps a connected SOS from raising locally: on a box this busy the
        // stand-in hub can take longer than 1 s (LocalAlert_SosOverSilentlyDeadUplink… is the test of that rule).
        settings = settings with
        {
            Extra = [$"--Gateway:SounderCommand={sounder}", $"--Gateway:BoardPassword={password}", "--Gateway:LifeSafetyAckTimeout=00:00:30"],
        };
        await using var gateway = await GatewayProcess.StartAsync(hub, settings, Ct);
        await Eventually.GetAsync(() => gateway.StatusAsync(Ct), s => s.GetProperty("registryDevices").GetInt32() == 2, what: "the registry synced");
        await using var c = await DeviceClient.ConnectAsync(climate, gateway.MqttPort, Ct);
        await using var p = await DeviceClient.ConnectAsync(pendant, gateway.MqttPort, Ct);
        await c.PublishAsync(DeviceClient.Temp, Ct);
        var sosSeq = await p.PublishAsync(DeviceClient.Sos, Ct);
        await c.PublishAsync(DeviceClient.Temp, Ct);

        using var board = new BoardClient(gateway.HttpPort);
        Assert.Equal(HttpStatusCode.Unauthorized, (await board.Http.GetAsync(new Uri("/api/alerts", UriKind.Relative), Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, await board.SignInAsync("王芳", password, Ct));
        var open = await board.OpenAlertsAsync(Ct);
        var sos = Assert.Single(open);
        Assert.Equal("sos-0001", sos.GetProperty("deviceId").GetString());
        Assert.Equal("sos", sos.GetProperty("kind").GetString());
        Assert.Equal("critical", sos.GetProperty("severity").GetString());
        Assert.Equal("raised", sos.GetProperty("status").GetString());
        await Eventually.TrueAsync(() => File.Exists(sounded) && File.ReadAllText(sounded).Contains("sos-0001 sos", StringComparison.Ordinal), "the sounder ran", Ct);

        var localId = sos.GetProperty("localId").GetString();
        using var ack = await board.AcknowledgeAsync(sos.GetProperty("id").GetInt64(), Ct);
        Assert.Equal(HttpStatusCode.OK, ack.StatusCode);
        var acked = Assert.Single(await board.OpenAlertsAsync(Ct));
        Assert.Equal("acknowledged", acked.GetProperty("status").GetString());
        Assert.Equal("王芳", acked.GetProperty("acknowledgedBy").GetString());

        await hub.StartBrokerAsync();
        await Eventually.TrueAsync(() => hub.Accepted("sos-0001").Count == 1 && hub.Accepted("clim-0001").Count == 2, "the queue replayed", Ct);
        var topics = hub.Everything.Select(e => e.Topic).ToList();
        var alertAt = topics.IndexOf($"sc/gw/v1/{FakeHub.GatewayId}/alert");
        Assert.True(alertAt >= 0 && alertAt < topics.IndexOf("sc/v1/sos-0001/up"), "the local alert reached the hub before the replayed SOS");
        var alert = JsonDocument.Parse(hub.Everything.First(e => e.Topic.EndsWith("/alert", StringComparison.Ordinal)).Payload).RootElement;
        Assert.Equal(1, alert.GetProperty("v").GetInt32());
        Assert.Equal(localId, alert.GetProperty("localId").GetString());
        Assert.Equal("sos-0001", alert.GetProperty("deviceId").GetString());
        Assert.Equal("sos", alert.GetProperty("kind").GetString());
        Assert.Equal(sosSeq, alert.GetProperty("seq").GetUInt32());
        Assert.Equal("王芳", alert.GetProperty("ackBy").GetString());
        Assert.Equal(JsonValueKind.String, alert.GetProperty("ackAt").ValueKind);
        Assert.Equal(JsonValueKind.Null, alert.GetProperty("resolvedAt").ValueKind);

        // Once the hub is reachable an SOS is the hub's to page: no second local alert.
        await Eventually.GetAsync(() => gateway.StatusAsync(Ct), s => s.GetProperty("uplinkConnected").GetBoolean(), what: "the uplink up");
        await p.PublishAsync(DeviceClient.Sos, Ct);
        await Eventually.TrueAsync(() => hub.Accepted("sos-0001").Count == 2, "the second SOS forwarded", Ct);
        // The hub has the first one now: it left the local board, and the second SOS raised none there.
        Assert.Empty(await board.OpenAlertsAsync(Ct));
        Assert.Single(hub.Everything, e => e.Topic.EndsWith("/alert", StringComparison.Ordinal));
    }

    /// <summary>The link dies silently (every connection stays open, nothing gets through): the hub's missing PUBACK for the
    /// SOS raises the local alert at the ack timeout, while the forwarder still takes the uplink for connected — a keep-alive
    /// would have needed 30 s + 15 s (before this, the board still said "connected" when the wait gave up). After the link is back the
    /// hub gets the local alert before the SOS, and there is still one local alert.</summary>
    [Fact]
    public async Task LocalAlert_SosOverSilentlyDeadUplink_RaisedAtAckTimeoutWhileUplinkSeemsUp()
    {
        await using var hub = new FakeHub();
        await hub.StartBrokerAsync();
        await using var uplink = new UplinkProxy(hub.MqttPort);
        var pendant = TestDevice.Create("sos-0002", "sos");
        hub.Register(pendant);
        var password = "duty-" + Guid.NewGuid().ToString("N");
        var settings = GatewayProcess.Settings.Fresh() with { Extra = [$"--Gateway:BoardPassword={password}"] };
        await using var gateway = await GatewayProcess.StartAsync(new GatewayProcess.HubTarget(FakeHub.GatewayId, hub.GatewaySecret, hub.HttpPort, uplink.Port), settings, Ct);
        await Eventually.GetAsync(() => gateway.StatusAsync(Ct), s => s.GetProperty("registryDevices").GetInt32() == 1 && s.GetProperty("uplinkConnected").GetBoolean(),
            what: "the registry synced and the uplink up");
        await using var p = await DeviceClient.ConnectAsync(pendant, gateway.MqttPort, Ct);
        await p.PublishAsync(DeviceClient.Temp, Ct);
        await Eventually.TrueAsync(() => hub.Accepted("sos-0002").Count == 1, "a reading through the relay", Ct);
        using var board = new BoardClient(gateway.HttpPort);
        Assert.Equal(HttpStatusCode.NoContent, await board.SignInAsync("王芳", password, Ct));

        uplink.BlackHole();
        var pressed = Stopwatch.StartNew();
        var sosSeq = await p.PublishAsync(DeviceClient.Sos, Ct);
        var open = await Eventually.GetAsync(() => board.OpenAlertsAsync(Ct), a => a.Length > 0, what: "the local alert on the board");
        var elapsed = pressed.Elapsed;
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"SOS published (gateway PUBACK included) -> local alert on the board: {elapsed.TotalMilliseconds:0} ms (Gateway:LifeSafetyAckTimeout 0.8 s; keep-alive 30 s + 15 s)");
        Assert.Equal("sos", Assert.Single(open).GetProperty("kind").GetString());
        // Raised because the hub did not answer while the uplink still seemed up, not because anything had noticed it was down.
        var status = await gateway.StatusAsync(Ct);
        Assert.Equal(1, status.GetProperty("lifeSafetyOverdue").GetInt64());
        Assert.Single(hub.Accepted("sos-0002"));

        await uplink.HealAsync();
        await Eventually.TrueAsync(() => hub.Accepted("sos-0002").Count == 2, "the SOS forwarded once the link is back", Ct);
        var topics = hub.Everything.Select(e => e.Topic).ToList();
        var alertAt = topics.IndexOf($"sc/gw/v1/{FakeHub.GatewayId}/alert");
        Assert.True(alertAt >= 0 && alertAt < topics.LastIndexOf("sc/v1/sos-0002/up"), "the local alert reached the hub before the SOS");
        var alert = JsonDocument.Parse(hub.Everything.Single(e => e.Topic.EndsWith("/alert", StringComparison.Ordinal)).Payload).RootElement;
        Assert.Equal(sosSeq, alert.GetProperty("seq").GetUInt32());
        Assert.Equal("sos", alert.GetProperty("kind").GetString());
        // Still one local alert, and now the hub's: it has left the duty room's board.
        await Eventually.GetAsync(() => board.OpenAlertsAsync(Ct), a => a.Length == 0, what: "the local alert handed to the hub");
        Assert.Equal(1, (await gateway.StatusAsync(Ct)).GetProperty("lifeSafetyOverdue").GetInt64());
    }

    /// <summary>A local alert goes by SMS (Twilio's API, here its local fake) to every duty phone in the phone's language;
    /// a Twilio failure is retried and counted, a refused number given up and counted; acknowledging the alert and the
    /// hub's return send nothing more; the auth token appears in no log.</summary>
    [Fact]
    public async Task SmsAlert_SosWhileHubUnreachable_OneSmsPerDutyPhoneInItsLanguageNotResent()
    {
        await using var twilio = await FakeTwilio.StartAsync();
        const string zhPhone = "+8613800000001", enPhone = "+15005550001", badPhone = "+15005550009";
        var failedOnce = new ConcurrentDictionary<string, bool>();
        twilio.Status = r => r.Fields["To"] == badPhone ? 400 : failedOnce.TryAdd(r.Fields["To"], true) ? 500 : 201;
        await using var hub = new FakeHub();
        var pendant = TestDevice.Create("sos-0003", "sos");
        hub.Register(pendant);
        var password = "duty-" + Guid.NewGuid().ToString("N");
        var settings = GatewayProcess.Settings.Fresh() with
        {
            Extra =
            [
                $"--Gateway:BoardPassword={password}",
                $"--Gateway:DutyPhones:0:Number={zhPhone}",
                $"--Gateway:DutyPhones:1:Number={enPhone}",
                "--Gateway:DutyPhones:1:Language=en",
                $"--Gateway:DutyPhones:2:Number={badPhone}",
                $"--Gateway:Twilio:AccountSid={FakeTwilio.AccountSid}",
                $"--Gateway:Twilio:From={FakeTwilio.From}",
                $"--Gateway:Twilio:ApiBaseUrl={twilio.Url}",
                "--Gateway:SmsRetryMin=00:00:00.200",
            ],
            Environment = new Dictionary<string, string> { ["Gateway__Twilio__AuthToken"] = FakeTwilio.AuthToken },
        };
        await using var gateway = await GatewayProcess.StartAsync(hub, settings, Ct);
        await Eventually.GetAsync(() => gateway.StatusAsync(Ct), s => s.GetProperty("registryDevices").GetInt32() == 1, what: "the registry synced");
        await using var p = await DeviceClient.ConnectAsync(pendant, gateway.MqttPort, Ct);
        await p.PublishAsync(DeviceClient.Sos, Ct);

        var sms = await Eventually.GetAsync(() => gateway.StatusAsync(Ct), s => s.GetProperty("sms").GetProperty("pending").GetInt64() == 0
            && s.GetProperty("sms").GetProperty("sent").GetInt64() == 2, what: "the SMS sent");
        Assert.Equal(3, sms.GetProperty("sms").GetProperty("failedAttempts").GetInt64());
        Assert.Equal(1, sms.GetProperty("sms").GetProperty("givenUp").GetInt64());
        Assert.Equal(2, twilio.Messages.Count);
        Assert.Empty(twilio.Refused);
        var zh = twilio.Messages.Single(m => m.Fields["To"] == zhPhone).Fields;
        var en = twilio.Messages.Single(m => m.Fields["To"] == enPhone).Fields;
        Assert.Equal(FakeTwilio.From, zh["From"]);
        Assert.Contains("紧急呼叫：sos-0003（紧急呼叫器）", zh["Body"], StringComparison.Ordinal);
        Assert.Contains("社区网关", zh["Body"], StringComparison.Ordinal);
        Assert.Contains("SOS call: sos-0003 (SOS pendant)", en["Body"], StringComparison.Ordinal);
        Assert.Contains("community gateway", en["Body"], StringComparison.Ordinal);

        using var board = new BoardClient(gateway.HttpPort);
        Assert.Equal(HttpStatusCode.NoContent, await board.SignInAsync("王芳", password, Ct));
        using var ack = await board.AcknowledgeAsync(Assert.Single(await board.OpenAlertsAsync(Ct)).GetProperty("id").GetInt64(), Ct);
        Assert.Equal(HttpStatusCode.OK, ack.StatusCode);
        await hub.StartBrokerAsync();
        await Eventually.TrueAsync(() => hub.Accepted("sos-0003").Count == 1 && hub.Everything.Any(e => e.Topic.EndsWith("/alert", StringComparison.Ordinal)),
            "the local alert and the SOS at the hub", Ct);
        var end = await gateway.StatusAsync(Ct);
        Assert.Equal(2, end.GetProperty("sms").GetProperty("sent").GetInt64());
        Assert.Equal(2, twilio.Messages.Count);
        Assert.DoesNotContain(FakeTwilio.AuthToken, gateway.Log(), StringComparison.Ordinal);
        Assert.DoesNotContain(zhPhone, gateway.Log(), StringComparison.Ordinal);
    }
}
