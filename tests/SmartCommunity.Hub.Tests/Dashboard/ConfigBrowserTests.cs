using System.Collections.Concurrent;
using System.Net.Http.Json;
using Microsoft.Playwright;
using SmartCommunity.Hub.Devices;
using SmartCommunity.Testing;

namespace SmartCommunity.Hub.Tests;

/// <summary>
/// Device settings as a technician edits them in Chromium on a 390 px phone in zh-CN: from the fleet to a smoke
/// detector's settings, an out-of-range value is refused with the hub's message under the field, a valid one is saved
/// with its source shown, and the kind's page lists the same settings. SC_SCREENS=/some/dir saves screenshots.
/// </summary>
public sealed class ConfigBrowserTests : IAsyncLifetime
{
    private static readonly LocatorAssertionsToBeVisibleOptions Soon = new() { Timeout = 20_000 };
    private readonly HubApp _hub = new();
    private DashboardBrowser _browser = null!;

    public async ValueTask InitializeAsync()
    {
        _hub.Start();
        _browser = await DashboardBrowser.LaunchAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _browser.DisposeAsync();
        await _hub.DisposeAsync();
    }

    [Fact]
    public async Task SettingsPage_OutOfRangeValue_HubMessageUnderTheField_ValidValueSaved_OnAPhoneInChinese()
    {
        var world = await _hub.SeedWorldAsync();
        var smoke = await _hub.RegisterDeviceAsync("smoke", householdId: world.HouseholdA);
        var console = new ConcurrentQueue<string>();
        var page = await _browser.SignInAsync(_hub, World.Technician, DashboardBrowser.Phone, "zh-CN");
        page.PageError += (_, e) => console.Enqueue($"page error: {e}");

        await page.GotoAsync($"{_hub.BaseAddress}#/devices");
        var row = page.Locator($"[data-testid=fleet-row][data-device-id='{smoke.Device.Id}']");
        await Assertions.Expect(row).ToBeVisibleAsync(Soon);
        await row.GetByTestId("device-settings").ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = $"{smoke.Device.Id} 的参数" })).ToBeVisibleAsync(Soon);
        await Assertions.Expect(page.GetByTestId("config-delivery")).ToHaveTextAsync("尚未下发：设备使用默认参数。");

        // Only what tunes a smoke detector: its gas alarm, no fall detector.
        var gasOn = page.Locator("[data-testid=config-setting][data-name=gas_on_ppm]");
        await Assertions.Expect(gasOn).ToContainTextAsync("燃气报警阈值（ppm）");
        await Assertions.Expect(gasOn.GetByTestId("config-source")).ToHaveTextAsync("默认");
        await Assertions.Expect(page.Locator("[data-testid=config-setting][data-name=fall_impact_mg]")).ToHaveCountAsync(0);

        // Out of range: the hub's reason in Chinese under the field, which is marked invalid; nothing saved.
        var reading = page.Locator("[data-testid=config-setting][data-name=reading_s]");
        await reading.GetByTestId("config-input").FillAsync("5");
        await page.GetByTestId("config-save").ClickAsync();
        var error = reading.GetByTestId("config-field-error");
        await Assertions.Expect(error).ToHaveTextAsync("reading_s 必须在 10 到 86400 之间（不能是 5）", new() { Timeout = 20_000 });
        await Assertions.Expect(reading.GetByTestId("config-input")).ToHaveAttributeAsync("aria-invalid", "true");
        await Assertions.Expect(reading.GetByTestId("config-input")).ToHaveValueAsync("5");
        await Assertions.Expect(reading.GetByTestId("config-source")).ToHaveTextAsync("默认");
        await Screen(page, "config-refused-zh-CN.png");
        var overflow = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - document.documentElement.clientWidth");
        Assert.True(overflow <= 0, $"the page is {overflow} px wider than the phone");

        // A valid value: saved, shown as this device's, and sent.
        await reading.GetByTestId("config-input").FillAsync("60");
        await page.GetByTestId("config-save").ClickAsync();
        await Assertions.Expect(page.GetByTestId("config-notice")).ToHaveTextAsync("已保存并下发到设备。", new() { Timeout = 20_000 });
        await Assertions.Expect(reading.GetByTestId("config-source")).ToHaveTextAsync("本设备");
        await Assertions.Expect(reading.GetByTestId("config-value")).ToHaveTextAsync("60");
        await Assertions.Expect(reading.GetByTestId("config-field-error")).ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByTestId("config-delivery")).ToHaveAttributeAsync("data-state", "waiting");
        await Screen(page, "config-saved-zh-CN.png");
        using (var tech = await _hub.ClientAsync(World.Technician))
        {
            var stored = (await tech.GetFromJsonAsync<DeviceConfigDto>($"/api/devices/{smoke.Device.Id}/config"))!;
            Assert.Equal("""{"reading_s":60}""", stored.Sent);
        }

        // The kind's page: every smoke detector's settings, reached from the devices page.
        await page.GetByTestId("config-back").ClickAsync();
        await page.Locator("[data-testid=config-kind-link][data-kind=smoke]").ClickAsync();
        await Assertions.Expect(page.GetByTestId("config-page")).ToHaveAttributeAsync("data-scope", "kind", new() { Timeout = 20_000 });
        await Assertions.Expect(page.Locator("[data-testid=config-setting][data-name=reading_s]").GetByTestId("config-source")).ToHaveTextAsync("默认", new() { Timeout = 20_000 });
        Assert.Empty(console);
    }

    private static async Task Screen(IPage page, string name)
    {
        if (Environment.GetEnvironmentVariable("SC_SCREENS") is { Length: > 0 } dir)
        {
            Directory.CreateDirectory(dir);
            await page.ScreenshotAsync(new() { Path = Path.Combine(dir, name), FullPage = true });
        }
    }
}
