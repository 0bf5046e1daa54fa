using System.Text;
using Microsoft.Playwright;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using SmartCommunity.Hub.Gateways;
using SmartCommunity.Testing;

namespace SmartCommunity.Hub.Tests;

/// <summary>The technician's devices page lists the community gateways with the health they report, in Chinese for a
/// Chinese browser. Needs dashboard/dist (`cd dashboard &amp;&amp; npm run build`).</summary>
public sealed class GatewayDashboardTests : IAsyncLifetime
{
    private readonly HubApp _hub = new();
    private World _world = null!;
    private DashboardBrowser _browser = null!;

    public async ValueTask InitializeAsync()
    {
        _hub.Start();
        _world = await _hub.SeedWorldAsync();
        _browser = await DashboardBrowser.LaunchAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _browser.DisposeAsync();
        await _hub.DisposeAsync();
    }

    [Fact]
    public async Task DevicesPage_GatewayWithQueuedMessages_ShownWithItsHealthInChinese()
    {
        using var admin = await _hub.AdminAsync();
        var gw = await HubApp.PostAsync<GatewayCredentials>(admin, "/api/gateways", new RegisterGatewayRequest("gw-east", _world.CommunityId, "东门网关"));
        using var mqtt = new MqttClientFactory().CreateMqttClient();
        await mqtt.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", _hub.MqttPort).WithCredentials($"gw/{gw.Id}", gw.Secret)
            .WithClientId($"gw/{gw.Id}").WithProtocolVersion(MqttProtocolVersion.V500).WithTimeout(TimeSpan.FromSeconds(10)).Build());
        var oldest = DateTimeOffset.UtcNow.AddMinutes(-12).ToUnixTimeSeconds();
        await mqtt.PublishAsync(new MqttApplicationMessageBuilder().WithTopic($"sc/gw/v1/{gw.Id}/health").WithRetainFlag()
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithPayload($$"""{"v":1,"t":{{DateTimeOffset.UtcNow.ToUnixTimeSeconds()}},"online":true,"devicesConnected":312,"queueDepth":17,"queueBytes":4096,"oldestQueuedAt":{{oldest}},"diskUsedBytes":52428800,"diskQuotaBytes":268435456,"droppedRoutine":0,"refusedByHub":0,"version":"1.0.0"}""")
            .Build());

        var tech = await _browser.SignInAsync(_hub, World.Technician, null, "zh-CN");
        var row = tech.Locator("[data-testid=gateways-panel] [data-gateway-id=gw-east]");
        await Assertions.Expect(row).ToBeVisibleAsync(new() { Timeout = 20_000 });
        await Assertions.Expect(row.GetByTestId("gateway-status")).ToHaveTextAsync("已连接");
        await Assertions.Expect(row.GetByTestId("gateway-queue")).ToContainTextAsync("17 条消息，最早 12");
        await Assertions.Expect(row).ToContainTextAsync("50 / 256 MiB");
        await Assertions.Expect(row).ToContainTextAsync("312");
    }
}
