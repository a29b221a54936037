using System.Text.RegularExpressions;
using Fleet.EndToEnd.Tests.Infrastructure;
using Fleet.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;

namespace Fleet.EndToEnd.Tests;

/// <summary>What a viewer may not do, hostile URLs and files, and sorting, in a real browser.</summary>
public sealed class RolesAndBadInputTests
{
    [SkippableFact]
    public async Task Viewer_BadInputsAndSort_ClearMessagesNoStackTraces()
    {
        await using var app = await FleetAppServer.StartAsync(TestDatabase.Sqlite, seedDemo: true);
        await using var browser = await BrowserSession.OpenAsync(app, "viewer-bad-input");
        var page = browser.Page;
        string lastSerial, someSerial;
        await using (var db = app.CreateDbContext())
        {
            lastSerial = await db.Gpus.OrderByDescending(g => g.Serial).Select(g => g.Serial).FirstAsync();
            someSerial = await db.Gpus.OrderBy(g => g.Serial).Select(g => g.Serial).FirstAsync();
        }

        await browser.LoginAsync("viewer@fleet.local");

        // The import page is refused to a viewer.
        await browser.GotoAsync("import");
        await Assertions.Expect(browser.ByTestId("access-denied")).ToContainTextAsync("Your role may not open this page");
        await Assertions.Expect(browser.ByTestId("import-file")).ToHaveCountAsync(0);

        // A GPU page offers a viewer no moves.
        await browser.GotoAsync($"gpus/{Uri.EscapeDataString(someSerial)}");
        await Assertions.Expect(browser.ByTestId("no-transitions")).ToBeVisibleAsync();

        // An unknown serial, with markup in it, is a friendly not-found (rendered as text).
        await browser.GotoAsync("gpus/%3Cb%3Ebogus%3C%2Fb%3E");
        await Assertions.Expect(browser.ByTestId("gpu-not-found")).ToContainTextAsync("<b>bogus</b>");

        // A hand-edited filter in the URL gets the service's message, not an error page.
        await browser.GotoAsync("gpus?status=Melted");
        await Assertions.Expect(browser.ByTestId("grid-error")).ToContainTextAsync("Unknown status 'Melted'");
        await Assertions.Expect(page.Locator("#blazor-error-ui")).ToBeHiddenAsync();
        await browser.ScreenshotAsync("bad-filter");

        // Sorting by serial descending (two clicks on the header) puts the largest serial first, and the export follows the sort.
        await browser.GotoAsync("gpus");
        var header = page.Locator(".mud-table-head th", new() { HasText = "Serial" }).Locator(".sortable-column-header");
        await Assertions.Expect(browser.ByTestId("gpu-serial").First).ToBeVisibleAsync();
        await header.ClickAsync();
        await Assertions.Expect(browser.ByTestId("export-csv")).ToHaveAttributeAsync("href", new Regex("sort=serial$"));
        await header.ClickAsync();
        await Assertions.Expect(browser.ByTestId("export-csv")).ToHaveAttributeAsync("href", new Regex("sort=-serial$"));
        await Assertions.Expect(browser.ByTestId("gpu-serial").First).ToHaveTextAsync(lastSerial);
        await browser.ScreenshotAsync("sorted-desc");
    }
}
