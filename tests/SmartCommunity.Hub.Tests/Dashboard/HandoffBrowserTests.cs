using Microsoft.Playwright;
using MQTTnet;
using MQTTnet.Protocol;
using SmartCommunity.Testing;

namespace SmartCommunity.Hub.Tests;

/// <summary>The desk records its call to the emergency centre from the alert card, on a phone, in Chinese.</summary>
public sealed class HandoffBrowserTests
{
    [Fact]
    public async Task AlertCard_StaffOnPhoneInChinese_RecordsTheCallTo120_FactShownConsoleClean()
    {
        await using var hub = new HubApp();
        hub.Start();
        var world = await hub.SeedWorldAsync();
        await using var browser = await DashboardBrowser.LaunchAsync();
        var console = new List<string>();
        var page = await browser.SignInAsync(hub, World.Staff, DashboardBrowser.Phone, "zh-CN");
        // From the signed-in board on (before sign-in the app's "who am I" is answered 401, which it expects).
        page.Console += (_, m) => { if (m.Type is "error" or "warning") console.Add(m.Text); };

        var pendant = await hub.RegisterDeviceAsync("sos", residentId: world.ResidentA);
        using (var mqtt = await hub.ConnectDeviceAsync(pendant))
        {
            await mqtt.PublishAsync(new MqttApplicationMessageBuilder().WithTopic($"sc/v1/{pendant.Device.Id}/up").WithPayload(Senml.Sos(pendant.Device.Id, 1))
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build(), TestContext.Current.CancellationToken);
        }
        var card = page.Locator("[data-testid=alert-card][data-kind=sos]");
        var button = card.GetByTestId("handoff-button");
        await Assertions.Expect(button).ToHaveTextAsync("已拨打 120", new() { Timeout = 20_000 });
        await button.ClickAsync();

        var fact = card.GetByTestId("handoff-fact");
        await Assertions.Expect(fact).ToContainTextAsync("已转交 120", new() { Timeout = 20_000 });
        await Assertions.Expect(fact).ToContainTextAsync("Staff");
        await Assertions.Expect(button).ToBeHiddenAsync();
        await Assertions.Expect(card).ToHaveAttributeAsync("data-status", "acknowledged");
        Assert.Empty(console);
    }
}
