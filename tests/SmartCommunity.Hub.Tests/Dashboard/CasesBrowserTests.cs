using System.Collections.Concurrent;
using Microsoft.Playwright;
using SmartCommunity.Domain.Escalation;
using SmartCommunity.Domain.Visits;
using SmartCommunity.Testing;

namespace SmartCommunity.Hub.Tests;

/// <summary>
/// A case (接诉即办) through the dashboard in Chromium: the desk opens it from a phone call, the grid worker sees it arrive
/// live on a phone and takes it through on site to resolved, the family rates it in Chinese, and the monthly report shows
/// it. A service recorded on the resident page counts towards the service rate in the same report, and the family's
/// rating of it in the worker's scorecard.
/// </summary>
public sealed class CasesBrowserTests : IAsyncLifetime
{
    private static readonly LocatorAssertionsToBeVisibleOptions Soon = new() { Timeout = 20_000 };
    private static readonly LocatorAssertionsToContainTextOptions SoonText = new() { Timeout = 20_000 };
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

    private async Task<IPage> SignInAsync(string email, ViewportSize viewport, string locale, ConcurrentQueue<string> console)
    {
        var page = await _browser.SignInAsync(_hub, email, viewport, locale);
        page.Console += (_, m) =>
        {
            if (m.Type is "error" or "warning")
                console.Enqueue($"{email} {m.Type}: {m.Text} {m.Location}");
        };
        page.PageError += (_, e) => console.Enqueue($"{email} page error: {e}");
        await page.GotoAsync(new Uri(_hub.BaseAddress, "/#/cases").ToString());
        await Assertions.Expect(page.GetByTestId("cases-page")).ToBeVisibleAsync(Soon);
        return page;
    }

    [Fact]
    public async Task CasesPage_DeskPhoneCallWorkerResolvesFamilyRates_ReportShowsCaseServiceAndRating()
    {
        var console = new ConcurrentQueue<string>();
        var desk = await SignInAsync(World.Staff, DashboardBrowser.Desktop, "en-US", console);
        var worker = await SignInAsync(World.WorkerA, DashboardBrowser.Phone, "en-US", console);
        var family = await SignInAsync(World.FamilyA, DashboardBrowser.Phone, "zh-CN", console);

        // The desk takes a phone call: a repair for resident A.
        var form = desk.GetByTestId("case-open-form");
        await Assertions.Expect(form.GetByTestId("case-resident")).ToBeVisibleAsync(Soon);
        await form.GetByTestId("case-resident").SelectOptionAsync(_world.ResidentA.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await form.GetByTestId("case-category").SelectOptionAsync("repair");
        await form.GetByTestId("case-channel").SelectOptionAsync("desk_phone");
        await form.GetByTestId("case-description").FillAsync("Caller says the kitchen tap is leaking");
        await form.GetByTestId("case-submit").ClickAsync();
        await Assertions.Expect(desk.GetByTestId("case").First).ToContainTextAsync("Phone call at the desk", SoonText);

        // The worker's list updates live (no reload) and they take it through the loop.
        var card = worker.GetByTestId("case").Filter(new() { HasText = "kitchen tap" });
        await Assertions.Expect(card).ToHaveAttributeAsync("data-status", "opened", new() { Timeout = 20_000 });
        await card.GetByTestId("case-assign").ClickAsync();
        await Assertions.Expect(card).ToHaveAttributeAsync("data-status", "assigned", new() { Timeout = 20_000 });
        await card.GetByTestId("case-onsite").ClickAsync();
        await Assertions.Expect(card).ToHaveAttributeAsync("data-status", "on_site", new() { Timeout = 20_000 });
        await card.GetByTestId("case-outcome-pick").SelectOptionAsync("fixed");
        await card.GetByTestId("case-note").FillAsync("Washer replaced");
        await card.GetByTestId("case-resolve").ClickAsync();
        await Assertions.Expect(card).ToHaveAttributeAsync("data-status", "resolved", new() { Timeout = 20_000 });

        // The family sees it resolved (in Chinese) and rates it; the desk sees the rating arrive.
        var familyCard = family.GetByTestId("case").Filter(new() { HasText = "kitchen tap" });
        await Assertions.Expect(familyCard.GetByTestId("case-outcome")).ToContainTextAsync("已解决", SoonText);
        await Assertions.Expect(familyCard).ToContainTextAsync("服务台来电");
        await familyCard.GetByTestId("case-rate-comment").FillAsync("很快，谢谢");
        await familyCard.GetByTestId("case-rate-4").ClickAsync();
        await Assertions.Expect(familyCard.GetByTestId("case-rating")).ToContainTextAsync("4/5", SoonText);
        await Assertions.Expect(desk.GetByTestId("case").Filter(new() { HasText = "kitchen tap" }).GetByTestId("case-rating")).ToContainTextAsync("4/5", SoonText);

        // A meal recorded on the resident page.
        await worker.GotoAsync(new Uri(_hub.BaseAddress, $"/#/residents/{_world.ResidentA}").ToString());
        var service = worker.GetByTestId("service-form");
        await Assertions.Expect(service).ToBeVisibleAsync(Soon);
        await service.GetByTestId("service-kind").SelectOptionAsync("meal");
        await service.GetByTestId("service-note").FillAsync("Lunch");
        await service.GetByTestId("service-submit").ClickAsync();
        await Assertions.Expect(worker.GetByTestId("service")).ToContainTextAsync("Meal", SoonText);

        // The family sees it on their relative's page, by the worker's name (not an e-mail), and rates it.
        await family.GotoAsync(new Uri(_hub.BaseAddress, "/#/family").ToString());
        var meal = family.GetByTestId("service").Filter(new() { HasText = "助餐" });
        await Assertions.Expect(meal).ToContainTextAsync("Worker A", SoonText);
        await meal.GetByTestId("service-rate-5").ClickAsync();
        await Assertions.Expect(meal.GetByTestId("service-rating")).ToContainTextAsync("5/5", SoonText);

        // The dashboard ran clean; the report below is a plain page of the hub's (the browser asks it for a favicon).
        Assert.True(console.IsEmpty, string.Join("\n", console));

        var month = LocalMonth.Of(DateTimeOffset.UtcNow, Roster.DefaultZone);
        await desk.GotoAsync(new Uri(_hub.BaseAddress, $"/api/reports/monthly/{_world.CommunityId}/{month}.html").ToString());
        var report = desk.Locator("body");
        await Assertions.Expect(report).ToContainTextAsync("Cases opened");
        await Assertions.Expect(report.Locator("tr", new() { HasText = "Cases resolved within target" })).ToContainTextAsync("(1/1)");
        await Assertions.Expect(report.Locator("tr", new() { HasText = "Service rate (special difficulty" })).ToContainTextAsync("(1/1)");
        await Assertions.Expect(report.Locator("tr", new() { HasText = World.WorkerA })).ToContainTextAsync("4.5");
    }
}
