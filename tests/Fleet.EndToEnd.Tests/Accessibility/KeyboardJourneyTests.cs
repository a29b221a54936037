using System.Text;
using System.Text.RegularExpressions;
using Fleet.Domain.Lifecycle;
using Fleet.EndToEnd.Tests.Infrastructure;
using Fleet.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;

namespace Fleet.EndToEnd.Tests.Accessibility;

/// <summary>
/// Every step of the inventory, RMA and report journeys with the keyboard alone: Tab (and Shift+Tab) to a control,
/// Enter or Space to use it, typing into fields. The page is only read (focus, text), never clicked.
/// </summary>
public sealed class KeyboardJourneyTests
{
    private const string Header = "serial,model,status,datacenter,uuid,asset_tag,po_number,unit_cost,currency,received_at,notes";
    private const int MaxTabs = 400;

    [SkippableFact]
    public async Task Journey_KeyboardOnly_ImportSortPageFilterMoveRmaReportExport()
    {
        await using var app = await FleetAppServer.StartAsync(TestDatabase.Sqlite, seedDemo: true);
        await using var browser = await BrowserSession.OpenAsync(app, "keyboard-journey");
        var page = browser.Page;
        var keyboard = page.Keyboard;

        // Sign in: Tab to the fields, type, Enter submits.
        await page.GotoAsync("login");
        await TabToAsync(page, "#email");
        await keyboard.TypeAsync("admin@fleet.local");
        await TabToAsync(page, "#password");
        await keyboard.TypeAsync(BrowserSession.DemoPassword);
        await keyboard.PressAsync("Enter");
        await page.WaitForURLAsync(url => !url.Contains("/login", StringComparison.OrdinalIgnoreCase));
        await browser.WaitForInteractiveAsync();

        // The theme toggle in the app bar: dark, remembered across a reload (a cookie), then back to light.
        await TabToAsync(page, "[data-testid='theme-toggle']");
        await keyboard.PressAsync("Enter");
        await Assertions.Expect(page.Locator(".mud-layout[data-theme='dark']")).ToHaveCountAsync(1);
        await page.ReloadAsync();
        await browser.WaitForInteractiveAsync();
        await Assertions.Expect(page.Locator(".mud-layout[data-theme='dark']")).ToHaveCountAsync(1);
        await TabToAsync(page, "[data-testid='theme-toggle']");
        await keyboard.PressAsync("Enter");
        await Assertions.Expect(page.Locator(".mud-layout[data-theme='light']")).ToHaveCountAsync(1);

        // Import: the navigation link, the file button (Enter opens the browser's file chooser), preview, commit.
        await TabToAsync(page, "a[href='import']");
        await keyboard.PressAsync("Enter");
        await page.WaitForURLAsync(new Regex("/import$"));
        await TabToAsync(page, "[data-testid='import-choose']");
        var chooser = await page.RunAndWaitForFileChooserAsync(() => keyboard.PressAsync("Enter"));
        var csv = $"{Header}\nKBD-0001,H100 PCIe 80GB,Received,FRA1,,KBD-AT-1,PO-KBD,30000,USD,2026-11-01,keyboard\nKBD-0002,H100 PCIe 80GB,Received,FRA1,,KBD-AT-2,PO-KBD,30000,USD,2026-11-01,keyboard\n";
        await chooser.SetFilesAsync(new FilePayload { Name = "kbd.csv", MimeType = "text/csv", Buffer = Encoding.UTF8.GetBytes(csv) });
        await Assertions.Expect(browser.ByTestId("import-preview-ok")).ToBeVisibleAsync();
        await Assertions.Expect(browser.ByTestId("live-status")).ToContainTextAsync("The file is valid");
        await TabToAsync(page, "[data-testid='import-commit']");
        await keyboard.PressAsync("Enter");
        await Assertions.Expect(browser.ByTestId("import-inserted")).ToHaveTextAsync("2");
        await Assertions.Expect(browser.ByTestId("live-status")).ToHaveTextAsync("Imported: 2 inserted, 0 updated.");
        await browser.ScreenshotAsync("imported");

        // The grid: sort by a named sort control, page forward, filter by search.
        await TabToAsync(page, "[data-testid='import-grid-link']");
        await keyboard.PressAsync("Enter");
        await page.WaitForURLAsync(new Regex("/gpus$"));
        await Assertions.Expect(browser.ByTestId("gpu-serial").First).ToBeVisibleAsync();
        await TabToAsync(page, "button[aria-label='Sort by Serial']");
        await ShowsFocusRingAsync(page);
        await keyboard.PressAsync("Enter");
        await Assertions.Expect(browser.ByTestId("export-csv")).ToHaveAttributeAsync("href", new Regex("sort=serial$"));
        var firstOnPageOne = await browser.ByTestId("gpu-serial").First.TextContentAsync();
        await TabToAsync(page, "button[aria-label='Next page']");
        await keyboard.PressAsync("Enter");
        await Assertions.Expect(browser.ByTestId("gpu-serial").First).Not.ToHaveTextAsync(firstOnPageOne!);
        await TabToAsync(page, "[data-testid='filter-search'], [data-testid='filter-search'] input", backwards: true);
        await keyboard.TypeAsync("KBD-0001");
        await Assertions.Expect(browser.ByTestId("gpu-total")).ToHaveTextAsync("1 GPU matches");
        await browser.ScreenshotAsync("grid-filtered");

        // Open the card from its serial link, then move it Received → BurnIn → Failed (the reason typed in).
        await TabToAsync(page, "a[data-testid='gpu-serial']");
        await keyboard.PressAsync("Enter");
        await page.WaitForURLAsync(new Regex("/gpus/KBD-0001$"));
        await Assertions.Expect(browser.ByTestId("gpu-status")).ToHaveAttributeAsync("data-status", "Received");
        await TabToAsync(page, "[data-testid='transition-BurnIn']");
        await keyboard.PressAsync("Enter");
        await TabToAsync(page, "[data-testid='transition-confirm']");
        await keyboard.PressAsync("Enter");
        await Assertions.Expect(browser.ByTestId("gpu-status")).ToHaveAttributeAsync("data-status", "BurnIn");
        await Assertions.Expect(browser.ByTestId("live-status")).ToHaveTextAsync("KBD-0001 is now BurnIn.");
        await TabToAsync(page, "[data-testid='transition-Failed']");
        await keyboard.PressAsync("Enter");
        await TabToAsync(page, "[data-testid='transition-message'] textarea, textarea[data-testid='transition-message']");
        await keyboard.TypeAsync("ECC errors, keyboard journey");
        await TabToAsync(page, "[data-testid='transition-confirm']");
        await keyboard.PressAsync("Enter");
        await Assertions.Expect(browser.ByTestId("gpu-status")).ToHaveAttributeAsync("data-status", "Failed");
        await Assertions.Expect(browser.ByTestId("live-status")).ToHaveTextAsync("KBD-0001 is now Failed.");

        // RMA: open a case for the failed card, then ship it with a tracking number.
        await TabToAsync(page, "a[href='rma']");
        await keyboard.PressAsync("Enter");
        await page.WaitForURLAsync(new Regex("/rma$"));
        // The queue is a page at a time in serial order: find the card in it first.
        await TabToAsync(page, "[data-testid='rma-failed-search'] input, input[data-testid='rma-failed-search']");
        await keyboard.TypeAsync("KBD-0001");
        await TabToAsync(page, "[data-testid='rma-failed-row'][data-serial='KBD-0001'] [data-testid='rma-open']");
        await keyboard.PressAsync("Enter");
        await TabToAsync(page, "[data-testid='rma-reason'] input, input[data-testid='rma-reason']");
        await keyboard.TypeAsync("ECC errors");
        await TabToAsync(page, "[data-testid='rma-open-submit']");
        await keyboard.PressAsync("Enter");
        var row = page.Locator("[data-testid='rma-case-row'][data-serial='KBD-0001']");
        await Assertions.Expect(row).ToHaveCountAsync(1);
        await Assertions.Expect(browser.ByTestId("live-status")).Not.ToBeEmptyAsync();
        await TabToAsync(page, "[data-testid='rma-case-row'][data-serial='KBD-0001'] :is(input[data-testid='rma-tracking'], [data-testid='rma-tracking'] input)");
        await keyboard.TypeAsync("1Z-KBD-1");
        await TabToAsync(page, "[data-testid='rma-case-row'][data-serial='KBD-0001'] [data-testid='rma-ship']");
        await keyboard.PressAsync("Enter");
        await Assertions.Expect(row.Locator("[data-testid='rma-case-status']")).ToHaveTextAsync("Shipped");
        await browser.ScreenshotAsync("rma-shipped");
        await using (var db = app.CreateDbContext())
        {
            Assert.Equal(GpuStatus.RmaShipped, (await db.Gpus.SingleAsync(g => g.Serial == "KBD-0001")).Status);
        }

        // A report: run it, open a row's cards with Enter, export it.
        await TabToAsync(page, "a[href='finance/reports']");
        await keyboard.PressAsync("Enter");
        await page.WaitForURLAsync(new Regex("/finance/reports$"));
        await TabToAsync(page, "[data-testid='report-run']");
        await keyboard.PressAsync("Enter");
        await Assertions.Expect(browser.ByTestId("report-row").First).ToBeVisibleAsync();
        await TabToAsync(page, "tr[data-testid='report-row'][tabindex='0']");
        await keyboard.PressAsync("Enter");
        await Assertions.Expect(browser.ByTestId("drill-row").First).ToBeVisibleAsync();
        await TabToAsync(page, "[data-testid='report-csv']", backwards: true);
        var file = await browser.DownloadAsync(() => keyboard.PressAsync("Enter"));
        var lines = (await File.ReadAllLinesAsync(file, Encoding.UTF8)).Where(l => l.Length > 0).ToList();
        Assert.True(lines.Count > 1, $"The exported report has {lines.Count} line(s).");
        await browser.ScreenshotAsync("report-exported");
    }

    /// <summary>Presses Tab (Shift+Tab when <paramref name="backwards"/>) until the focused element matches <paramref name="selector"/>.</summary>
    private static async Task TabToAsync(IPage page, string selector, bool backwards = false)
    {
        await page.Locator(selector).First.WaitForAsync(new() { State = WaitForSelectorState.Attached });
        for (var i = 0; i < MaxTabs; i++)
        {
            if (await page.EvaluateAsync<bool>("s => document.activeElement !== null && document.activeElement.matches(s)", selector))
            {
                return;
            }

            await page.Keyboard.PressAsync(backwards ? "Shift+Tab" : "Tab");
        }

        var focused = await page.EvaluateAsync<string>("() => document.activeElement ? document.activeElement.outerHTML.slice(0, 200) : 'nothing'");
        Assert.Fail($"{MaxTabs} presses of Tab never reached {selector}; focus is on {focused}");
    }

    /// <summary>The focused element draws an outline of at least 2 px (the site's :focus-visible ring).</summary>
    private static async Task ShowsFocusRingAsync(IPage page)
    {
        var style = await page.EvaluateAsync<string[]>("() => { const s = getComputedStyle(document.activeElement); return [s.outlineStyle, s.outlineWidth]; }");
        Assert.NotEqual("none", style[0]);
        Assert.True(double.Parse(style[1].Replace("px", "", StringComparison.Ordinal), System.Globalization.CultureInfo.InvariantCulture) >= 2, $"outline width {style[1]}");
    }
}
