using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using MiniExcelLibs;
using MQTTnet;
using MQTTnet.Protocol;
using SmartCommunity.Hub.Cases;
using SmartCommunity.Hub.Places;
using SmartCommunity.Testing;

namespace SmartCommunity.Hub.Tests;

/// <summary>
/// The manager console in Chromium as a community manager (Admin), in Chinese and on a phone, with a clean console;
/// the roster edited until the coverage check passes; the monthly report downloaded as CSV and XLSX. Also the fixes a
/// newcomer asked for: no logged 401 on the first load, a device-id pattern Chromium accepts, "Updated" moving with
/// live pushes, whole grid names on the site plan. SC_SCREENS=/some/dir saves a screenshot of every console page.
/// </summary>
public sealed class ConsoleBrowserTests : IAsyncLifetime
{
    private static readonly LocatorAssertionsToBeVisibleOptions Soon = new() { Timeout = 20_000 };
    private static readonly string[] Sections = ["kpi", "report", "visits", "rosters", "users", "places", "devices", "audit", "dead-letters"];
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

    /// <summary>Every console error or warning and page error, from before the app loads.</summary>
    private static Action<IPage> Listen(ConcurrentQueue<string> console) => page =>
    {
        page.Console += (_, m) =>
        {
            if (m.Type is "error" or "warning")
                console.Enqueue($"{m.Type}: {m.Text} {m.Location}");
        };
        page.PageError += (_, e) => console.Enqueue($"page error: {e}");
    };

    [Fact]
    public async Task FirstLoad_NotSignedIn_SignInShown_ConsoleClean()
    {
        var console = new ConcurrentQueue<string>();
        var context = await _browser.Browser.NewContextAsync(new() { ViewportSize = DashboardBrowser.Desktop });
        var page = await context.NewPageAsync();
        Listen(console)(page);

        await page.GotoAsync(_hub.BaseAddress.ToString());

        await Assertions.Expect(page.GetByTestId("login-email")).ToBeVisibleAsync(Soon);
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        Assert.True(console.IsEmpty, string.Join("\n", console));
    }

    [Fact]
    public async Task RegisterForm_DeviceIdPattern_ValidInChromium_BadIdIsAPatternMismatch()
    {
        var console = new ConcurrentQueue<string>();
        var page = await _browser.SignInAsync(_hub, World.Technician, setUp: Listen(console));
        await page.GotoAsync(new Uri(_hub.BaseAddress, "/#/devices").ToString());
        var id = page.GetByTestId("reg-id");
        await Assertions.Expect(id).ToBeVisibleAsync(Soon);

        await id.FillAsync("AB");
        // An invalid pattern is ignored by the browser (and logged): "AB" would then pass.
        Assert.True(await id.EvaluateAsync<bool>("el => el.validity.patternMismatch"));
        await id.FillAsync("sos-kitchen-1");
        Assert.False(await id.EvaluateAsync<bool>("el => el.validity.patternMismatch"));
        Assert.DoesNotContain(console, m => m.Contains("regular expression", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task Board_LivePush_UpdatedTimeMovesWithIt()
    {
        var page = await _browser.SignInAsync(_hub, World.Staff);
        var synced = page.GetByTestId("board-synced");
        await Assertions.Expect(synced).Not.ToBeEmptyAsync(new() { Timeout = 20_000 });
        var before = await synced.TextContentAsync();
        // The browser's clock jumps ten minutes: only something heard after the jump can show the later time.
        await page.Clock.SetFixedTimeAsync(DateTime.Now.AddMinutes(10));
        var expected = await page.EvaluateAsync<string>("() => new Intl.DateTimeFormat('en', { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false }).format(new Date())");

        var device = await _hub.RegisterDeviceAsync("sos", residentId: _world.ResidentA);
        using (var mqtt = await _hub.ConnectDeviceAsync(device))
            await mqtt.PublishAsync(new MqttApplicationMessageBuilder().WithTopic($"sc/v1/{device.Device.Id}/up").WithPayload(Senml.Sos(device.Device.Id, 1))
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
        await Assertions.Expect(page.Locator("[data-testid=alert-card][data-kind=sos]")).ToBeVisibleAsync(Soon);

        await Assertions.Expect(synced).ToContainTextAsync(expected, new() { Timeout = 20_000 });
        Assert.NotEqual(before, await synced.TextContentAsync());
    }

    [Fact]
    public async Task SitePlan_LongGridNames_ShownWholeWithinTheirTiles()
    {
        const string english = "Riverside Gardens North, Blocks 7 to 12";
        const string chinese = "幸福里社区第三网格东区老年公寓片区";
        using (var admin = await _hub.AdminAsync())
        {
            (await admin.PutAsJsonAsync($"/api/grids/{_world.GridA}", new CreateGridRequest(_world.CommunityId, english))).EnsureSuccessStatusCode();
            (await admin.PutAsJsonAsync($"/api/grids/{_world.GridB}", new CreateGridRequest(_world.CommunityId, chinese))).EnsureSuccessStatusCode();
        }
        var page = await _browser.SignInAsync(_hub, World.Staff);
        var tiles = page.GetByTestId("map-grid");
        await Assertions.Expect(tiles).ToHaveCountAsync(2, new() { Timeout = 20_000 });

        foreach (var (grid, name) in new[] { (_world.GridA, english), (_world.GridB, chinese) })
        {
            var tile = page.Locator($"[data-testid=map-grid][data-grid-id=\"{grid}\"]");
            Assert.Equal(name, await tile.Locator(".grid-tile__name").TextContentAsync());
            // Every line of the name ends inside the tile, left of the count.
            var fits = await tile.EvaluateAsync<bool>(
                "g => { const tile = g.querySelector('.grid-tile__bg').getBBox(); return [...g.querySelectorAll('.grid-tile__name tspan')].every(t => { const b = t.getBBox(); return b.x + b.width <= tile.width - 30; }); }");
            Assert.True(fits, $"the name of grid {grid} runs out of its tile");
        }
    }

    [Fact]
    public async Task Kpi_CaseTakenAtTheDeskResolvedAndRated_ConsoleShowsCasesServiceRateAndSatisfactionInChinese()
    {
        using (var desk = await _hub.ClientAsync(World.Staff))
        using (var worker = await _hub.ClientAsync(World.WorkerA))
        using (var family = await _hub.ClientAsync(World.FamilyA))
        {
            var opened = await HubApp.PostAsync<CaseDto>(desk, "/api/cases", new OpenCaseRequest("repair", "Caller: the grab rail is loose", Channel: "desk_phone", ResidentId: _world.ResidentA));
            await HubApp.PostAsync<CaseDto>(worker, $"/api/cases/{opened.Id}/assign", new AssignCaseRequest(null));
            await HubApp.PostAsync<CaseDto>(worker, $"/api/cases/{opened.Id}/resolve", new ResolveCaseRequest("fixed", "Rail re-anchored"));
            await HubApp.PostAsync<CaseDto>(family, $"/api/cases/{opened.Id}/rating", new RateRequest(5, null));
        }
        var console = new ConcurrentQueue<string>();
        var page = await _browser.SignInAsync(_hub, HubApp.AdminEmail, DashboardBrowser.Desktop, "zh-CN", Listen(console));
        await page.GotoAsync(new Uri(_hub.BaseAddress, "/#/manage/kpi").ToString());

        await Assertions.Expect(page.GetByTestId("kpi-figures")).ToContainTextAsync("受理 1 件，办结 1 件，升级 0 件", new() { Timeout = 20_000 });
        await Assertions.Expect(page.GetByTestId("kpi-figures")).ToContainTextAsync("服务率");
        await Assertions.Expect(page.GetByTestId("kpi-cases-by-category")).ToContainTextAsync("维修");
        await Assertions.Expect(page.GetByTestId("kpi-satisfaction-by-worker")).ToContainTextAsync("5.0 / 5，好评 100.0 %");
        await Assertions.Expect(page.GetByTestId("kpi-trend")).ToContainTextAsync("按时办结率");
        Assert.True(console.IsEmpty, string.Join("\n", console));
    }

    [Fact]
    public async Task Console_ManagerInChineseOnAPhone_EveryPageOpens_ConsoleClean()
    {
        var console = new ConcurrentQueue<string>();
        var page = await _browser.SignInAsync(_hub, HubApp.AdminEmail, DashboardBrowser.Phone, "zh-CN", Listen(console));
        var screens = Environment.GetEnvironmentVariable("SC_SCREENS");
        foreach (var section in Sections)
        {
            await page.GotoAsync(new Uri(_hub.BaseAddress, $"/#/manage/{section}").ToString());
            var panel = page.GetByTestId($"manage-{section}");
            await Assertions.Expect(panel).ToBeVisibleAsync(Soon);
            // Loaded: no "加载中…" left, and the page speaks Chinese.
            await Assertions.Expect(panel.GetByText("加载中…")).ToHaveCountAsync(0, new() { Timeout = 20_000 });
            await Assertions.Expect(page.Locator("h1")).ToContainTextAsync("管理");
            await Assertions.Expect(page.GetByTestId($"manage-nav-{section}")).ToHaveAttributeAsync("aria-current", "page");
            // Fits the phone: nothing pushes the page sideways.
            var width = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth");
            Assert.True(width <= DashboardBrowser.Phone.Width, $"manage/{section} is {width} px wide on a {DashboardBrowser.Phone.Width} px phone");
            if (screens is { Length: > 0 })
            {
                Directory.CreateDirectory(screens);
                await page.ScreenshotAsync(new() { Path = Path.Combine(screens, $"manage-{section}-zh-CN.png"), FullPage = true });
            }
        }
        // Keyboard: the section links are reachable and open with Enter.
        await page.GetByTestId("manage-nav-kpi").FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(page.GetByTestId("manage-kpi")).ToBeVisibleAsync(Soon);
        Assert.True(console.IsEmpty, string.Join("\n", console));
    }

    [Fact]
    public async Task Rosters_ManagerAddsShiftsUntilCovered_GapsShownBeforeSaving_SavedRosterCovered()
    {
        var console = new ConcurrentQueue<string>();
        var page = await _browser.SignInAsync(_hub, HubApp.AdminEmail, setUp: Listen(console));
        await page.GotoAsync(new Uri(_hub.BaseAddress, "/#/manage/rosters").ToString());
        var gaps = page.GetByTestId("roster-gaps");
        // The empty roster: both grids, every level, the whole week.
        await Assertions.Expect(gaps).ToHaveAttributeAsync("data-covered", "false", new() { Timeout = 20_000 });
        await Assertions.Expect(gaps.GetByTestId("roster-gap-list").Locator("tbody tr")).ToHaveCountAsync(6, new() { Timeout = 20_000 });

        async Task AddAsync(string grid, string level, string person, string start, string end)
        {
            await page.GetByTestId("shift-grid").SelectOptionAsync(new SelectOptionValue { Label = grid });
            await page.GetByTestId("shift-level").SelectOptionAsync(level);
            await page.GetByTestId("shift-user").SelectOptionAsync(new SelectOptionValue { Label = person });
            await page.GetByTestId("shift-start").FillAsync(start);
            await page.GetByTestId("shift-end").FillAsync(end);
            await page.GetByTestId("shift-add").ClickAsync();
        }

        await AddAsync("Grid A", "grid_worker", "Worker A", "08:00", "20:00");
        // Grid A's nights are open: seven of them, shown before anything is saved.
        await Assertions.Expect(gaps).ToContainTextAsync("20:00", new() { Timeout = 20_000 });
        await AddAsync("Grid A", "grid_worker", "Worker A", "20:00", "08:00");
        await AddAsync("Grid B", "grid_worker", "Worker B", "00:00", "00:00");
        await AddAsync("Whole community", "duty_officer", "Staff", "00:00", "00:00");
        await Assertions.Expect(gaps).ToHaveAttributeAsync("data-covered", "false", new() { Timeout = 20_000 });
        await AddAsync("Whole community", "emergency_centre", "Staff", "00:00", "00:00");
        await Assertions.Expect(gaps).ToHaveAttributeAsync("data-covered", "true", new() { Timeout = 20_000 });
        Assert.Empty((await (await _hub.AdminAsync()).GetFromJsonAsync<List<JsonElement>>("/api/rosters"))!);

        await page.GetByTestId("roster-save").ClickAsync();
        await Assertions.Expect(page.GetByTestId("roster-status")).ToContainTextAsync("Roster saved", new() { Timeout = 20_000 });
        await Assertions.Expect(page.GetByTestId("roster-covered")).ToContainTextAsync("Saved: every hour", new() { Timeout = 20_000 });
        using var admin = await _hub.AdminAsync();
        Assert.Equal(5, (await admin.GetFromJsonAsync<List<JsonElement>>("/api/rosters"))!.Count);

        // Removing the night shift and saving shows what is open again.
        await page.GetByTestId("roster-shifts").Locator("tbody tr").Filter(new() { HasText = "20:00–08:00" }).GetByTestId("shift-remove").ClickAsync();
        await page.GetByTestId("roster-save").ClickAsync();
        await Assertions.Expect(gaps).ToContainTextAsync("Saved, with 7 gaps", new() { Timeout = 20_000 });
        Assert.True(console.IsEmpty, string.Join("\n", console));
    }

    [Fact]
    public async Task Report_ManagerDownloadsCsvAndXlsx_XlsxOpensWithTheVisitFigure()
    {
        // Resident A (special difficulty, grid A) is visited: this month's coverage is 100 %.
        using (var worker = await _hub.ClientAsync(World.WorkerA))
            (await worker.PostAsJsonAsync("/api/visits", new { residentId = _world.ResidentA, note = "report test" })).EnsureSuccessStatusCode();
        var console = new ConcurrentQueue<string>();
        var page = await _browser.SignInAsync(_hub, HubApp.AdminEmail, setUp: Listen(console));
        await page.GotoAsync(new Uri(_hub.BaseAddress, "/#/manage/report").ToString());
        await Assertions.Expect(page.GetByTestId("report-figures")).ToBeVisibleAsync(Soon);
        await Assertions.Expect(page.GetByTestId("report-figures")).ToContainTextAsync("100.0 % (1/1)");

        var csvDownload = await page.RunAndWaitForDownloadAsync(() => page.GetByTestId("report-csv").ClickAsync());
        var csvPath = await csvDownload.PathAsync();
        var csv = await File.ReadAllTextAsync(csvPath);
        Assert.Contains("visit_coverage,community,1,", csv, StringComparison.Ordinal);

        var xlsxDownload = await page.RunAndWaitForDownloadAsync(() => page.GetByTestId("report-xlsx").ClickAsync());
        Assert.EndsWith(".xlsx", xlsxDownload.SuggestedFilename, StringComparison.Ordinal);
        var xlsxPath = await xlsxDownload.PathAsync();
        var rows = MiniExcel.Query(xlsxPath, useHeaderRow: true, excelType: ExcelType.XLSX).Cast<IDictionary<string, object?>>().ToList();
        var coverage = rows.Single(r => (string?)r["metric"] == "visit_coverage" && (string?)r["key"] == "community");
        Assert.Equal(1d, Convert.ToDouble(coverage["value"], System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(console.IsEmpty, string.Join("\n", console));
    }
}
