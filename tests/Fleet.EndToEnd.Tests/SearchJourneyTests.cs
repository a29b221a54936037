using System.Text.RegularExpressions;
using Fleet.EndToEnd.Tests.Infrastructure;
using Fleet.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;

namespace Fleet.EndToEnd.Tests;

/// <summary>The top bar's search in a real browser: "/" focuses it, a serial finds its card, the hit opens the card's page.</summary>
public sealed class SearchJourneyTests
{
    [SkippableFact]
    public async Task TopBarSearch_SlashThenSerial_OpensTheCard()
    {
        await using var app = await FleetAppServer.StartAsync(TestDatabase.Sqlite, seedDemo: true);
        await using var browser = await BrowserSession.OpenAsync(app, "search-journey");
        var page = browser.Page;
        string serial;
        await using (var db = app.CreateDbContext())
        {
            serial = await db.Gpus.OrderBy(g => g.Id).Skip(4321).Select(g => g.Serial).FirstAsync();
        }

        await browser.LoginAsync("viewer@fleet.local");
        await browser.GotoAsync("");
        var box = page.Locator("#fleet-search");
        await Assertions.Expect(box).ToHaveAttributeAsync("aria-label", new Regex("Search"));

        // "/" typed into another field stays in that field.
        await browser.GotoAsync("gpus");
        await browser.ByTestId("filter-search").ClickAsync();
        await page.Keyboard.PressAsync("/");
        await Assertions.Expect(box).Not.ToBeFocusedAsync();

        await page.Locator("h1").ClickAsync();
        await page.Keyboard.PressAsync("/");
        await Assertions.Expect(box).ToBeFocusedAsync();
        // The whole serial: a shorter prefix is shared by up to ten cards and the group shows six, so the card might not be listed.
        await page.Keyboard.TypeAsync(serial);
        var hit = browser.ByTestId("search-group-gpus").Locator("[data-testid='search-hit']", new() { HasText = serial });
        // A search a keystroke on a 2-core CI machine running other suites at once: allow it a minute, not 20 s.
        await Assertions.Expect(hit).ToBeVisibleAsync(new() { Timeout = 60_000 });
        // The hit is clicked before any screenshot: a full-page screenshot resizes the viewport for a moment, and in CI
        // (2026-12-02) the results list was gone after it, the click waiting 20 s for a hit no longer there.
        await hit.ClickAsync();
        await page.WaitForURLAsync(new Regex($"/gpus/{Regex.Escape(serial)}$"), new() { WaitUntil = WaitUntilState.Commit });
        await Assertions.Expect(page.Locator("h1[data-testid='gpu-serial']")).ToHaveTextAsync(serial);
        await browser.ScreenshotAsync("search-opened-card");
    }
}
