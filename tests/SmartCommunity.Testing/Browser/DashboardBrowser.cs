using Microsoft.Playwright;

namespace SmartCommunity.Testing;

/// <summary>
/// Launches Debian's Chromium (never a downloaded browser) and opens pages signed in as one user each.
/// Shared by the browser tests and the dashboard benchmark.
/// </summary>
public sealed class DashboardBrowser : IAsyncDisposable
{
    private const string Chromium = "/usr/bin/chromium";
    private IPlaywright _playwright = null!;

    public IBrowser Browser { get; private set; } = null!;

    public static readonly ViewportSize Desktop = new() { Width = 1366, Height = 860 };
    public static readonly ViewportSize Phone = new() { Width = 390, Height = 844 };

    public static async Task<DashboardBrowser> LaunchAsync()
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: install Debian's chromium package (.ci/run does)");
        var b = new DashboardBrowser { _playwright = await Playwright.CreateAsync() };
        b.Browser = await b._playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = Chromium,
            Headless = true,
            // No network beyond loopback: keep Chromium from phoning home at start.
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
        return b;
    }

    /// <summary>A fresh browser profile (own cookies and storage) signed in as <paramref name="email"/>.</summary>
    /// <param name="setUp">Runs on the new page before it opens the app (e.g. to listen to its console from the start).</param>
    public async Task<IPage> SignInAsync(HubApp hub, string email, ViewportSize? viewport = null, string locale = "en-US", Action<IPage>? setUp = null)
    {
        var context = await Browser.NewContextAsync(new()
        {
            ViewportSize = viewport ?? Desktop,
            Locale = locale,
            IsMobile = viewport == Phone,
            HasTouch = viewport == Phone,
            ReducedMotion = ReducedMotion.Reduce,
        });
        var page = await context.NewPageAsync();
        setUp?.Invoke(page);
        await page.GotoAsync(hub.BaseAddress.ToString());
        await page.GetByTestId("login-email").FillAsync(email);
        await page.GetByTestId("login-password").FillAsync(HubApp.Password);
        await page.GetByTestId("login-submit").ClickAsync();
        await Assertions.Expect(page.GetByTestId("connection-state")).ToHaveAttributeAsync("data-state", "connected", new() { Timeout = 20_000 });
        return page;
    }

    public async ValueTask DisposeAsync()
    {
        // Bounded: a browser that does not close (a route handler still pending, a wedged renderer) fails this test with
        // a reason instead of holding the whole run until CI's limit.
        try
        {
            await Browser.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromMinutes(1));
        }
        finally
        {
            _playwright.Dispose();
        }
    }
}
