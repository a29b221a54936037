using Fleet.EndToEnd.Tests.Infrastructure;
using Fleet.Testing;
using Microsoft.Playwright;

namespace Fleet.EndToEnd.Tests.Accessibility;

/// <summary>
/// The RMA page's open-case dialog with the keyboard alone: it opens over the row's button, Tab and Shift+Tab stay
/// inside it, Escape closes it, and focus is back on the button that opened it. Also the friendly 404 page.
/// </summary>
public sealed class RmaDialogKeyboardTests
{
    private const int MaxTabs = 400;

    [SkippableFact]
    public async Task OpenRmaDialog_KeyboardOnly_TrapsFocusAndEscapeReturnsItToTheOpener()
    {
        await using var app = await FleetAppServer.StartAsync(TestDatabase.Sqlite, seedDemo: true);
        await using var browser = await BrowserSession.OpenAsync(app, "rma-dialog-keyboard");
        var page = browser.Page;
        await browser.LoginAsync("tech@fleet.local");
        await browser.GotoAsync("rma");
        var opener = page.Locator("[data-testid='rma-open']").First;
        await opener.WaitForAsync();
        var serial = await opener.GetAttributeAsync("data-serial");
        var openerSelector = $"[data-testid='rma-open'][data-serial='{serial}']";

        await TabToAsync(page, openerSelector);
        await page.Keyboard.PressAsync("Enter");

        var dialog = page.Locator(".mud-dialog");
        await Assertions.Expect(dialog).ToBeVisibleAsync();
        await Assertions.Expect(dialog).ToContainTextAsync(serial!);
        await page.WaitForFunctionAsync("() => document.activeElement && document.activeElement.closest('.mud-dialog') !== null");
        await browser.ScreenshotAsync("rma-dialog-open");
        for (var i = 0; i < 12; i++)
        {
            await page.Keyboard.PressAsync(i % 4 == 3 ? "Shift+Tab" : "Tab");
            Assert.True(await page.EvaluateAsync<bool>("() => document.activeElement !== null && document.activeElement.closest('.mud-dialog') !== null"),
                $"After {i + 1} Tab presses focus left the dialog: {await FocusedAsync(page)}");
        }

        await page.Keyboard.PressAsync("Escape");

        await Assertions.Expect(dialog).ToHaveCountAsync(0);
        await page.WaitForFunctionAsync("s => document.activeElement !== null && document.activeElement.matches(s)", openerSelector,
            new() { Timeout = 5_000 });
        await using (var db = app.CreateDbContext())
        {
            Assert.False(db.RmaCases.Any(c => db.Gpus.Any(g => g.Id == c.GpuId && g.Serial == serial)), "Escape must not open a case.");
        }
    }

    [SkippableFact]
    public async Task UnknownAddress_Browser_FriendlyNotFoundPageWith404()
    {
        await using var app = await FleetAppServer.StartAsync(TestDatabase.Sqlite, seedDemo: true);
        await using var browser = await BrowserSession.OpenAsync(app, "not-found");
        await browser.LoginAsync("viewer@fleet.local");

        var response = await browser.Page.GotoAsync("no/such/page");

        Assert.Equal(404, response!.Status);
        await Assertions.Expect(browser.ByTestId("not-found")).ToBeVisibleAsync();
        await Assertions.Expect(browser.Page.Locator("h1")).ToHaveTextAsync("Page not found");
        await browser.ScreenshotAsync("not-found");
    }

    private static Task<string> FocusedAsync(IPage page) =>
        page.EvaluateAsync<string>("() => document.activeElement ? document.activeElement.outerHTML.slice(0, 200) : 'nothing'");

    private static async Task TabToAsync(IPage page, string selector)
    {
        for (var i = 0; i < MaxTabs; i++)
        {
            if (await page.EvaluateAsync<bool>("s => document.activeElement !== null && document.activeElement.matches(s)", selector))
            {
                return;
            }

            await page.Keyboard.PressAsync("Tab");
        }

        Assert.Fail($"{MaxTabs} presses of Tab never reached {selector}; focus is on {await FocusedAsync(page)}");
    }
}
