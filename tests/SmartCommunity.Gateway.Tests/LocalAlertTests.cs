using System.Net;
using System.Net.Http.Headers;
using System.Text;
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

        // No automatic redirects: HttpClient drops the Authorization header when it follows one (a browser resends it).
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri($"http://127.0.0.1:{gateway.HttpPort}") };
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync(new Uri("/board", UriKind.Relative), Ct)).StatusCode);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"duty:{password}")));
        var zh = await http.GetStringAsync(new Uri("/board?lang=zh-CN", UriKind.Relative), Ct);
        Assert.Contains("sos-0001", zh, StringComparison.Ordinal);
        Assert.Contains("紧急呼叫", zh, StringComparison.Ordinal);
        Assert.Contains("无法连接中心平台", zh, StringComparison.Ordinal);
        Assert.DoesNotContain("clim-0001", zh, StringComparison.Ordinal);
        await Eventually.TrueAsync(() => File.Exists(sounded) && File.ReadAllText(sounded).Contains("sos-0001 sos", StringComparison.Ordinal), "the sounder ran", Ct);

        var localId = System.Text.RegularExpressions.Regex.Match(zh, "data-id=\"([0-9a-f-]{36})\"").Groups[1].Value;
        using var ack = await http.PostAsync(new Uri($"/board/ack/{localId}", UriKind.Relative), new FormUrlEncodedContent([new("name", "王芳")]), Ct);
        Assert.Equal(HttpStatusCode.Redirect, ack.StatusCode);
        var en = await http.GetStringAsync(new Uri("/board?lang=en", UriKind.Relative), Ct);
        Assert.Contains("SOS call", en, StringComparison.Ordinal);
        Assert.Contains("王芳", en, StringComparison.Ordinal);
        Assert.DoesNotContain("<form", en, StringComparison.Ordinal);

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
        var after = await http.GetStringAsync(new Uri("/board?lang=en", UriKind.Relative), Ct);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(after, "data-id="));
        Assert.Single(hub.Everything, e => e.Topic.EndsWith("/alert", StringComparison.Ordinal));
    }
}
