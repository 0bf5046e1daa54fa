using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text;
using Microsoft.Playwright;
using SmartCommunity.Hub.Onboarding;
using SmartCommunity.Hub.Places;
using SmartCommunity.Testing;

namespace SmartCommunity.Hub.Tests;

/// <summary>
/// The Import page as a community's administrator uses it, in Chromium on a phone in zh-CN: an Excel file of households
/// with one bad row is checked, the problem shows by line, column and reason, the fixed file is checked and imported,
/// the counts show; then a devices file whose credentials download once. SC_SCREENS=/some/dir saves screenshots.
/// </summary>
public sealed class ImportBrowserTests : IAsyncLifetime
{
    private static readonly LocatorAssertionsToBeVisibleOptions Soon = new() { Timeout = 20_000 };
    private readonly HubApp _hub = new();
    private readonly string _files = Path.Combine(Path.GetTempPath(), "sc-import-" + Guid.NewGuid().ToString("N"));
    private DashboardBrowser _browser = null!;

    public async ValueTask InitializeAsync()
    {
        _hub.Start();
        Directory.CreateDirectory(_files);
        _browser = await DashboardBrowser.LaunchAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _browser.DisposeAsync();
        await _hub.DisposeAsync();
        Directory.Delete(_files, recursive: true);
    }

    private string Workbook(string name, params string[][] rows)
    {
        var path = Path.Combine(_files, name);
        File.WriteAllBytes(path, ImportFiles.Xlsx(["community", "grid", "address"], rows.Select(r => (IReadOnlyList<string?>)r)));
        return path;
    }

    [Fact]
    public async Task ImportPage_XlsxWithOneBadRow_ProblemShown_FixedFileApplies_CountsShown_DeviceCredentialsDownloadOnce()
    {
        var console = new ConcurrentQueue<string>();
        var page = await _browser.SignInAsync(_hub, HubApp.AdminEmail, DashboardBrowser.Phone, "zh-CN");
        page.PageError += (_, e) => console.Enqueue($"page error: {e}");
        var bad = Workbook("households-bad.xlsx",
            ["阳光社区", "第一网格", "1号楼 101室"],
            ["阳光社区", "", "1号楼 102室"],
            ["阳光社区", "第二网格", "2号楼 201室"]);
        var fixedFile = Workbook("households.xlsx",
            ["阳光社区", "第一网格", "1号楼 101室"],
            ["阳光社区", "第一网格", "1号楼 102室"],
            ["阳光社区", "第二网格", "2号楼 201室"]);

        await page.GotoAsync($"{_hub.BaseAddress}#/import");
        await Assertions.Expect(page.GetByTestId("import-page")).ToBeVisibleAsync(Soon);
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "批量导入社区" })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByTestId("import-template-xlsx")).ToHaveAttributeAsync("href", "/api/onboarding/templates/households.xlsx");

        // The bad file: one problem, on the sheet's line 3, column grid, in Chinese; nothing is offered to import.
        await page.GetByTestId("import-file").SetInputFilesAsync(bad);
        await page.GetByTestId("import-check").ClickAsync();
        var problem = page.GetByTestId("import-problem");
        await Assertions.Expect(problem).ToHaveCountAsync(1, new() { Timeout = 20_000 });
        await Assertions.Expect(problem.Locator("td").Nth(0)).ToHaveTextAsync("3");
        await Assertions.Expect(problem.Locator("td").Nth(1)).ToHaveTextAsync("grid");
        await Assertions.Expect(problem.Locator("td").Nth(2)).ToHaveTextAsync("grid 为必填项");
        await Assertions.Expect(page.GetByTestId("import-status")).ToContainTextAsync("未导入任何数据");
        await Assertions.Expect(page.GetByTestId("import-apply")).ToBeHiddenAsync();
        await Screen(page, "import-problem-zh-CN.png");

        // The fixed file: clean, then imported; the counts show.
        await page.GetByTestId("import-file").SetInputFilesAsync(fixedFile);
        await page.GetByTestId("import-check").ClickAsync();
        await Assertions.Expect(page.GetByTestId("import-status")).ToContainTextAsync("已检查 3 行，没有问题：新增 3", new() { Timeout = 20_000 });
        await page.GetByTestId("import-apply").ClickAsync();
        await Assertions.Expect(page.GetByTestId("import-status")).ToHaveTextAsync("已导入 3 行：新增 3，更新 0，不变 0。", new() { Timeout = 20_000 });
        await Screen(page, "import-applied-zh-CN.png");
        using (var admin = await _hub.AdminAsync())
        {
            var community = Assert.Single((await admin.GetFromJsonAsync<List<CommunityDto>>("/api/communities"))!, c => c.Name == "阳光社区");
            Assert.Equal(["第一网格", "第二网格"], community.Grids.Select(g => g.Name));
        }

        // Devices: applied, then the credentials download from the page.
        var devices = Path.Combine(_files, "devices.csv");
        await File.WriteAllTextAsync(devices, "device_id,kind,location,label,community,address,resident,grid\r\nsos-b001,sos,,,阳光社区,1号楼 101室,,\r\nsmk-b002,smoke,Kitchen,,阳光社区,2号楼 201室,,\r\n", new UTF8Encoding(true));
        await page.GetByTestId("import-kind").SelectOptionAsync("devices");
        await page.GetByTestId("import-file").SetInputFilesAsync(devices);
        await page.GetByTestId("import-check").ClickAsync();
        await Assertions.Expect(page.GetByTestId("import-apply")).ToBeVisibleAsync(Soon);
        await page.GetByTestId("import-apply").ClickAsync();
        await Assertions.Expect(page.GetByTestId("import-credentials")).ToBeVisibleAsync(Soon);
        await Assertions.Expect(page.GetByTestId("import-download-qr")).ToBeVisibleAsync();
        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByTestId("import-download-csv").ClickAsync());
        var saved = Path.Combine(_files, download.SuggestedFilename);
        await download.SaveAsAsync(saved);
        var table = ImportFiles.Read(await File.ReadAllBytesAsync(saved), 10);
        Assert.Equal(["sos-b001", "smk-b002"], table.Rows.Select(r => r.Cells["device_id"]));
        Assert.All(table.Rows, r => Assert.Matches("^[0-9a-f]{32}$", r.Cells["secret"]));
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
