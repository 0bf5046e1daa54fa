using System.Net;
using System.Text.Json;
using SmartCommunity.Testing;

namespace SmartCommunity.Gateway.Tests;

/// <summary>While the hub is unreachable a life-safety event raises a local alert: board, sounder, then the hub.</summary>
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
        settings = settings with { Extra = [$"--Gateway:SounderCommand={sounder}", $"--Gateway:BoardPassword={password}"] };
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
}
