using Microsoft.Playwright;
using MQTTnet;
using MQTTnet.Protocol;
using SmartCommunity.Testing;

namespace SmartCommunity.Hub.Tests;

/// <summary>
/// The live board in a real browser (Debian's Chromium driven by Playwright): sign in, an SOS from a
/// device appears without a reload, and acknowledging it works. Needs dashboard/dist (./test.sh builds it).
/// </summary>
public sealed class BrowserTests : IAsyncLifetime
{
    private const string Chromium = "/usr/bin/chromium";
    private readonly HubApp _hub = new();
    private World _world = null!;
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;

    public async ValueTask InitializeAsync()
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: install Debian's chromium package (.ci/run does)");
        _hub.Start();
        _world = await _hub.SeedWorldAsync();
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = Chromium,
            Headless = true,
            // No network beyond loopback here: keep Chromium from phoning home at start.
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
    }

    public async ValueTask DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
        await _hub.DisposeAsync();
    }

    private async Task<IPage> SignInAsync(string email)
    {
        var page = await _browser.NewPageAsync(new() { ViewportSize = new() { Width = 1280, Height = 800 }, Locale = "en-US" });
        await page.GotoAsync(_hub.BaseAddress.ToString());
        await page.GetByTestId("login-email").FillAsync(email);
        await page.GetByTestId("login-password").FillAsync(HubApp.Password);
        await page.GetByTestId("login-submit").ClickAsync();
        await Assertions.Expect(page.GetByTestId("connection-state")).ToHaveAttributeAsync("data-state", "connected", new() { Timeout = 20_000 });
        return page;
    }

    [Fact]
    public async Task Board_SosFromDevice_AppearsLiveAndCanBeAcknowledged()
    {
        var device = await _hub.RegisterDeviceAsync("sos", residentId: _world.ResidentA);
        var page = await SignInAsync(World.Staff);
        await Assertions.Expect(page.GetByTestId("alert-card")).ToHaveCountAsync(0);

        using var mqtt = await _hub.ConnectDeviceAsync(device);
        await mqtt.PublishAsync(new MqttApplicationMessageBuilder().WithTopic($"sc/v1/{device.Device.Id}/up")
            .WithPayload(Senml.Sos(device.Device.Id, 1)).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());

        var card = page.Locator($"[data-testid=alert-card][data-kind=sos]");
        await Assertions.Expect(card).ToHaveCountAsync(1, new() { Timeout = 20_000 });
        await Assertions.Expect(card).ToContainTextAsync("Resident A");
        await Assertions.Expect(card).ToHaveAttributeAsync("data-status", "raised");
        // Critical: the board counts down to the next escalation level (the duty officer after 60 s).
        await Assertions.Expect(card.GetByTestId("escalation-countdown")).ToContainTextAsync("Escalates in", new() { Timeout = 20_000 });

        await card.GetByTestId("ack-button").ClickAsync();
        await Assertions.Expect(card).ToHaveAttributeAsync("data-status", "acknowledged", new() { Timeout = 20_000 });
        await Assertions.Expect(card.GetByTestId("escalation-countdown")).ToBeHiddenAsync(new() { Timeout = 20_000 });
        await Assertions.Expect(card).ToContainTextAsync("Acknowledged by Staff");
    }

    [Fact]
    public async Task SignIn_WrongPassword_ShowsError()
    {
        var page = await _browser.NewPageAsync();
        await page.GotoAsync(_hub.BaseAddress.ToString());
        await page.GetByTestId("login-email").FillAsync(World.Staff);
        await page.GetByTestId("login-password").FillAsync("wrong-password-123");
        await page.GetByTestId("login-submit").ClickAsync();
        await Assertions.Expect(page.GetByTestId("login-error")).ToBeVisibleAsync(new() { Timeout = 20_000 });
    }
}
