using Fleet.Testing;
using Microsoft.Playwright;

namespace Fleet.EndToEnd.Tests.Infrastructure;

/// <summary>
/// Debian's Chromium driven by Playwright against a <see cref="FleetAppServer"/>: log in, navigate and wait for the
/// Blazor circuit, take screenshots. Skips when Chromium is missing, except in CI where that is a failure.
/// </summary>
public sealed class BrowserSession : IAsyncDisposable
{
    /// <summary>The demo users' password (Fleet.Web.Hosting.DemoUsers).</summary>
    public const string DemoPassword = "Fleet-demo-2026";

    /// <summary>Rendered by the main layout only once the interactive circuit is up (Components/Shared/InteractiveReady).</summary>
    public const string InteractiveSelector = "[data-testid='interactive-ready']";

    private static readonly string[] s_args =
    [
        "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run",
    ];

    private readonly IPlaywright _playwright;
    private readonly IBrowser _browser;
    private readonly FleetAppServer? _app;
    private int _shot;

    private BrowserSession(IPlaywright playwright, IBrowser browser, IBrowserContext context, IPage page, FleetAppServer? app, string name)
    {
        _playwright = playwright;
        _browser = browser;
        Context = context;
        Page = page;
        _app = app;
        ScreenshotFolder = Path.Combine(
            Environment.GetEnvironmentVariable("FLEET_SCREENSHOTS") ?? Path.Combine(AppContext.BaseDirectory, "TestResults", "screenshots"),
            name);
        Directory.CreateDirectory(ScreenshotFolder);
    }

    /// <summary>The in-process app under test; throws for a session opened on a bare address.</summary>
    public FleetAppServer App => _app ?? throw new InvalidOperationException("This session was opened on an address, not a FleetAppServer.");

    public IBrowserContext Context { get; }

    public IPage Page { get; }

    /// <summary>Where <see cref="ScreenshotAsync"/> writes: $FLEET_SCREENSHOTS or TestResults/screenshots under the test output, then the session name.</summary>
    public string ScreenshotFolder { get; }

    /// <summary>Where the browser's downloads land.</summary>
    public string DownloadFolder => Path.Combine(ScreenshotFolder, "downloads");

    /// <summary>The Chromium to drive: $FLEET_CHROMIUM or /usr/bin/chromium.</summary>
    public static string ChromiumPath => Environment.GetEnvironmentVariable("FLEET_CHROMIUM") ?? "/usr/bin/chromium";

    /// <summary>Opens a browser on <paramref name="app"/>; <paramref name="name"/> names the screenshot folder (use the test's name).</summary>
    public static Task<BrowserSession> OpenAsync(FleetAppServer app, string name) => OpenAsync(app.BaseAddress, name, app);

    /// <summary>Opens a browser on an app that runs elsewhere (another process), at <paramref name="baseAddress"/>.</summary>
    public static async Task<BrowserSession> OpenAsync(Uri baseAddress, string name, FleetAppServer? app = null)
    {
        if (!File.Exists(ChromiumPath))
        {
            if (TestEnvironment.IsCi)
            {
                throw new InvalidOperationException($"Chromium is required in CI but {ChromiumPath} does not exist (apt-get install -y chromium, or set FLEET_CHROMIUM).");
            }

            Skip.If(true, $"Chromium not found at {ChromiumPath}: apt-get install -y chromium, or set FLEET_CHROMIUM.");
        }

        var playwright = await Playwright.CreateAsync();
        try
        {
            var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = ChromiumPath, Headless = true, Args = s_args });
            var context = await NewContextAsync(browser, baseAddress);
            var page = await context.NewPageAsync();
            return new BrowserSession(playwright, browser, context, page, app, name);
        }
        catch
        {
            playwright.Dispose();
            throw;
        }
    }

    /// <summary>Another context (its own cookies, e.g. another signed-in user) in the same browser, with the same options.</summary>
    public Task<IBrowserContext> NewContextAsync() => NewContextAsync(_browser, new Uri(App.BaseAddress.ToString()));

    private static async Task<IBrowserContext> NewContextAsync(IBrowser browser, Uri baseAddress)
    {
        var context = await browser.NewContextAsync(new()
        {
            BaseURL = baseAddress.ToString(),
            AcceptDownloads = true,
            ViewportSize = new() { Width = 1440, Height = 900 },
            Locale = "en-US",
            TimezoneId = "UTC",
        });
        // Generous, because CI runs everything on two shared cores; waits end as soon as the condition holds.
        context.SetDefaultTimeout(20_000);
        context.SetDefaultNavigationTimeout(30_000);
        // The same for every Expect(...) assertion (Playwright's own default is 5 s): the RMA page re-rendering its queue
        // and cases after a dialog closed took longer than that under the whole suite (KeyboardJourneyTests, CI 2026-12-02).
        Assertions.SetDefaultExpectTimeout(20_000);
        return context;
    }

    /// <summary>Signs in through the login form as a demo user and waits for the interactive dashboard.</summary>
    public async Task LoginAsync(string email, string password = DemoPassword)
    {
        await Page.GotoAsync("login");
        await Page.FillAsync("#email", email);
        await Page.FillAsync("#password", password);
        await Page.ClickAsync("#sign-in");
        await Page.WaitForURLAsync(url => !url.Contains("/login", StringComparison.OrdinalIgnoreCase));
        await WaitForInteractiveAsync();
    }

    /// <summary>Loads <paramref name="path"/> (relative to the app root) and waits until the Blazor circuit is interactive.</summary>
    public async Task GotoAsync(string path)
    {
        await Page.GotoAsync(path.TrimStart('/'));
        await WaitForInteractiveAsync();
    }

    /// <summary>Waits until the page's Blazor circuit is connected, so clicks reach .NET handlers.</summary>
    public Task WaitForInteractiveAsync() => Page.Locator(InteractiveSelector).WaitForAsync(new() { State = WaitForSelectorState.Attached });

    /// <summary>The element with <c>data-testid="<paramref name="testId"/>"</c>.</summary>
    public ILocator ByTestId(string testId) => Page.Locator($"[data-testid='{testId}']");

    /// <summary>Saves a full-page PNG named NN-<paramref name="name"/>.png in <see cref="ScreenshotFolder"/> and returns its path.</summary>
    public async Task<string> ScreenshotAsync(string name)
    {
        var path = Path.Combine(ScreenshotFolder, $"{++_shot:00}-{name}.png");
        await Page.ScreenshotAsync(new() { Path = path, FullPage = true });
        return path;
    }

    /// <summary>Runs <paramref name="trigger"/> and saves the download it starts; returns the saved file's path.</summary>
    public async Task<string> DownloadAsync(Func<Task> trigger)
    {
        var download = await Page.RunAndWaitForDownloadAsync(trigger);
        Directory.CreateDirectory(DownloadFolder);
        var path = Path.Combine(DownloadFolder, download.SuggestedFilename is { Length: > 0 } n ? n : "download.bin");
        await download.SaveAsAsync(path);
        return path;
    }

    public async ValueTask DisposeAsync()
    {
        await Context.DisposeAsync();
        await _browser.DisposeAsync();
        _playwright.Dispose();
    }
}
