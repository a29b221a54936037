using Fleet.EndToEnd.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Fleet.EndToEnd.Tests;

/// <summary>
/// The README's first command as a newcomer types it. Every other end-to-end test forces Development in-process; these
/// start the real <c>dotnet run</c> so a dead, unstyled app (assets answering 500) cannot hide behind them again.
/// </summary>
public sealed class ReadmeFirstRunTests
{
    [SkippableFact]
    public async Task DotnetRun_AsReadmeSays_LoginPageLoadsItsAssetsAndTheDemoAdminSignsIn()
    {
        await using var app = await ReadmeAppProcess.StartAsync();
        await using var browser = await BrowserSession.OpenAsync(app.BaseAddress, nameof(DotnetRun_AsReadmeSays_LoginPageLoadsItsAssetsAndTheDemoAdminSignsIn));
        var failed = new List<string>();
        browser.Page.Response += (_, r) =>
        {
            if (r.Status >= 400)
            {
                lock (failed)
                {
                    failed.Add($"{r.Status} {r.Url}");
                }
            }
        };

        var scripts = new List<string>();
        browser.Page.Response += (_, r) =>
        {
            if (r.Status == 200 && (r.Url.Contains("/_framework/", StringComparison.Ordinal) || r.Url.Contains("/_content/MudBlazor/", StringComparison.Ordinal)))
            {
                lock (scripts)
                {
                    scripts.Add(new Uri(r.Url).AbsolutePath);
                }
            }
        };

        await browser.Page.GotoAsync("login", new() { WaitUntil = WaitUntilState.NetworkIdle });
        await browser.ScreenshotAsync("login");

        Assert.Empty(failed);
        Assert.Contains(scripts, p => p.StartsWith("/_framework/blazor.web", StringComparison.Ordinal));
        Assert.Contains(scripts, p => p.StartsWith("/_content/MudBlazor/MudBlazor.min.css", StringComparison.Ordinal));
        Assert.True(await browser.Page.EvaluateAsync<bool>("() => typeof window.Blazor === 'object'"), "blazor.web.js did not run.");
        Assert.Contains("Development", app.Output, StringComparison.Ordinal);
        await Assertions.Expect(browser.ByTestId("demo-users")).ToBeVisibleAsync();

        await browser.LoginAsync("admin@fleet.local");
        Assert.Contains("Admin", await browser.ByTestId("current-user").InnerTextAsync(), StringComparison.Ordinal);
        await browser.ScreenshotAsync("dashboard");
        Assert.Empty(failed);
    }

    [SkippableFact]
    public async Task DotnetRun_ProductionEnvironment_StillServesFrameworkAndMudBlazorAssets()
    {
        var database = Path.Combine(Path.GetTempPath(), $"fleet-readme-{Guid.NewGuid():N}.db");
        try
        {
            await using var app = await ReadmeAppProcess.StartAsync("--no-launch-profile", $"--ConnectionStrings:Fleet=Data Source={database}");
            using var http = new HttpClient { BaseAddress = app.BaseAddress };
            var login = await http.GetStringAsync("login");

            Assert.Contains("Production", app.Output, StringComparison.Ordinal);
            foreach (var asset in new[] { "_framework/blazor.web.js", "_content/MudBlazor/MudBlazor.min.css", "_content/MudBlazor/MudBlazor.min.js" })
            {
                using var response = await http.GetAsync(asset);
                Assert.True(response.IsSuccessStatusCode, $"{asset} answered {(int)response.StatusCode} in Production.");
            }

            Assert.Contains("MudBlazor.min.css", login, StringComparison.Ordinal);
        }
        finally
        {
            foreach (var file in new[] { database, database + "-wal", database + "-shm" })
            {
                File.Delete(file);
            }
        }
    }
}
