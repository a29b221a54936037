using Fleet.EndToEnd.Tests.Infrastructure;
using Fleet.Testing;

namespace Fleet.EndToEnd.Tests;

public sealed class LoginTests
{
    [SkippableFact]
    public async Task Login_DemoViewer_ShowsUserAndRoleInInteractiveLayout()
    {
        await using var app = await FleetAppServer.StartAsync(TestDatabase.Sqlite, seedDemo: false);
        await using var browser = await BrowserSession.OpenAsync(app, nameof(Login_DemoViewer_ShowsUserAndRoleInInteractiveLayout));

        await browser.LoginAsync("viewer@fleet.local");

        var user = await browser.ByTestId("current-user").InnerTextAsync();
        Assert.Contains("Viewer", user, StringComparison.Ordinal);
        await browser.ScreenshotAsync("after-login");
    }
}
