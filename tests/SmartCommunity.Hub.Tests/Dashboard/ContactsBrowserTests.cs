using System.Collections.Concurrent;
using System.Net.Http.Json;
using Microsoft.Playwright;
using MQTTnet;
using MQTTnet.Protocol;
using SmartCommunity.Hub.Contacts;
using SmartCommunity.Hub.People;
using SmartCommunity.Testing;

namespace SmartCommunity.Hub.Tests;

/// <summary>
/// The emergency profile on a staff member's alert card and "My contact", in Chromium on a phone-sized viewport, in
/// en and zh-CN. SC_SCREENS=/some/dir saves screenshots of the card there (for release notes).
/// </summary>
public sealed class ContactsBrowserTests : IAsyncLifetime
{
    private static readonly LocatorAssertionsToBeVisibleOptions Soon = new() { Timeout = 20_000 };
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

    /// <summary>Signed in; from then on every console error or warning is collected (the 401 of the "who am I" call
    /// before signing in is the browser logging the expected answer, not a fault).</summary>
    private async Task<IPage> SignInAsync(string email, string locale, ConcurrentQueue<string> console)
    {
        var page = await _browser.SignInAsync(_hub, email, DashboardBrowser.Phone, locale);
        page.Console += (_, m) =>
        {
            if (m.Type is "error" or "warning")
                console.Enqueue($"{email} {m.Type}: {m.Text} {m.Location}");
        };
        page.PageError += (_, e) => console.Enqueue($"{email} page error: {e}");
        return page;
    }

    [Theory]
    [InlineData("en", "Emergency profile", "Medication", "Call in this order", "Grid worker")]
    [InlineData("zh-CN", "紧急信息", "用药", "按此顺序联系", "网格员")]
    public async Task AlertCard_Staff_ShowsTheEmergencyProfileOnAPhone_FamilyCardHasNone(string locale, string title, string medicationLabel, string callOrder, string gridWorker)
    {
        using (var admin = await _hub.AdminAsync())
        {
            var ids = (await admin.GetFromJsonAsync<List<UserDto>>("/api/users"))!.ToDictionary(u => u.Email, u => u.Id);
            (await admin.PutAsJsonAsync($"/api/users/{ids[World.WorkerA]}/contact", new ContactRequest("+8613800138002", true, true, true, null, null))).EnsureSuccessStatusCode();
            (await admin.PutAsJsonAsync($"/api/residents/{_world.ResidentA}/emergency-profile", new EmergencyProfileRequest(
                "高血压，房颤 Hypertension, atrial fibrillation", "华法林 Warfarin 3 mg daily", "青霉素 Penicillin", "用助行器 Uses a walker",
                "邻居 302 室 Neighbour in 302", "门禁密码 Door code 4721#", "Dr Huang", "市第一人民医院 First People's Hospital",
                [new EmergencyContactRequest("王强 Wang Qiang", "son", "+8613800138011", "zh-CN", true)]))).EnsureSuccessStatusCode();
        }
        var console = new ConcurrentQueue<string>();
        var staff = await SignInAsync(World.Staff, locale, console);
        var family = await SignInAsync(World.FamilyA, locale, console);

        var device = await _hub.RegisterDeviceAsync("sos", residentId: _world.ResidentA);
        using (var mqtt = await _hub.ConnectDeviceAsync(device))
            await mqtt.PublishAsync(new MqttApplicationMessageBuilder().WithTopic($"sc/v1/{device.Device.Id}/up").WithPayload(Senml.Sos(device.Device.Id, 1))
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());

        var card = staff.Locator("[data-testid=alert-card][data-kind=sos]");
        await Assertions.Expect(card).ToBeVisibleAsync(Soon);
        var toggle = card.GetByTestId("emergency-toggle");
        await Assertions.Expect(toggle).ToHaveTextAsync(title);
        await toggle.ClickAsync();
        await Assertions.Expect(card.GetByTestId("emergency-medication")).ToContainTextAsync(medicationLabel, new() { Timeout = 20_000 });
        await Assertions.Expect(card.GetByTestId("emergency-medication")).ToContainTextAsync("Warfarin 3 mg daily");
        await Assertions.Expect(card.GetByTestId("emergency-allergies")).ToContainTextAsync("Penicillin");
        await Assertions.Expect(card.GetByTestId("emergency-access")).ToContainTextAsync("4721#");
        var profile = card.GetByTestId("emergency-profile");
        await Assertions.Expect(profile).ToContainTextAsync(callOrder);
        var calls = card.GetByTestId("emergency-calls").Locator("li");
        await Assertions.Expect(calls.Nth(0)).ToContainTextAsync($"Worker A {gridWorker}");
        await Assertions.Expect(calls.Nth(0).Locator("a[href='tel:+8613800138002']")).ToBeVisibleAsync();
        await Assertions.Expect(calls.Nth(2).Locator("a[href='tel:+8613800138011']")).ToBeVisibleAsync();
        // Fits the phone: the panel is no wider than the card.
        var panelBox = (await profile.BoundingBoxAsync())!;
        Assert.True(panelBox.X + panelBox.Width <= DashboardBrowser.Phone.Width, $"the panel overflows the phone: {panelBox.X} + {panelBox.Width}");

        // Names, not e-mails: acknowledged on the board by the staff member's display name.
        await card.GetByTestId("ack-button").ClickAsync();
        await Assertions.Expect(card).ToContainTextAsync("Staff", new() { Timeout = 20_000 });
        Assert.DoesNotContain("@", await card.InnerTextAsync(), StringComparison.Ordinal);

        if (Environment.GetEnvironmentVariable("SC_SCREENS") is { Length: > 0 } dir)
        {
            Directory.CreateDirectory(dir);
            // Tall enough for the whole card: a card taller than the screen is shot in pieces under the sticky top bar.
            await staff.SetViewportSizeAsync(DashboardBrowser.Phone.Width, 2000);
            await card.ScreenshotAsync(new() { Path = Path.Combine(dir, $"emergency-profile-card-{locale}.png") });
        }

        // The family sees their relative's alert, never the profile panel.
        var familyCard = family.Locator("[data-testid=alert-card][data-kind=sos]");
        await Assertions.Expect(familyCard).ToBeVisibleAsync(Soon);
        await Assertions.Expect(familyCard.GetByTestId("emergency-profile")).ToHaveCountAsync(0);
        Assert.DoesNotContain("Warfarin", await family.ContentAsync(), StringComparison.Ordinal);
        Assert.True(console.IsEmpty, string.Join("\n", console));
    }

    [Fact]
    public async Task MyContact_FamilyOnAPhone_BadNumberExplained_GoodNumberSavedAsE164()
    {
        var console = new ConcurrentQueue<string>();
        var family = await SignInAsync(World.FamilyA, "zh-CN", console);
        await family.GotoAsync(new Uri(_hub.BaseAddress, "/#/settings").ToString());
        var form = family.GetByTestId("my-contact-form");
        await Assertions.Expect(form).ToBeVisibleAsync(Soon);
        await form.GetByTestId("contact-phone").FillAsync("138 0013 8004");
        await form.GetByTestId("contact-sms").CheckAsync();
        await form.GetByTestId("contact-save").ClickAsync();
        await Assertions.Expect(form.GetByTestId("contact-status")).ToHaveTextAsync("号码格式不正确：请以 + 和国家代码开头（E.164）。");

        await form.GetByTestId("contact-phone").FillAsync("+86 138-0013-8004");
        await form.GetByTestId("contact-quiet-from").FillAsync("22:00");
        await form.GetByTestId("contact-quiet-to").FillAsync("07:00");
        await form.GetByTestId("contact-save").ClickAsync();
        await Assertions.Expect(form.GetByTestId("contact-status")).ToHaveTextAsync("已保存。", new() { Timeout = 20_000 });
        await Assertions.Expect(form.GetByTestId("contact-phone")).ToHaveValueAsync("+8613800138004");

        using var api = await _hub.ClientAsync(World.FamilyA);
        Assert.Equal(new ContactDto("+8613800138004", true, true, false, "22:00", "07:00"), await api.GetFromJsonAsync<ContactDto>("/api/me/contact"));
        Assert.True(console.IsEmpty, string.Join("\n", console));
    }
}
