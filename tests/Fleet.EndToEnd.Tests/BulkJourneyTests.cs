using System.Globalization;
using System.Text.RegularExpressions;
using Fleet.Domain.Lifecycle;
using Fleet.Domain.Rma;
using Fleet.EndToEnd.Tests.Infrastructure;
using Fleet.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;

namespace Fleet.EndToEnd.Tests;

/// <summary>
/// A technician's bulk journey: filter the failed H100s in IAD1, select all that match, move them to RMA in one action,
/// print their labels; the dialog takes focus and gives it back; the card page fits a 390 px phone.
/// </summary>
public sealed class BulkJourneyTests
{
    [SkippableFact]
    public async Task Journey_Sqlite_FailedH100sInIad1ToRmaThenLabels()
    {
        await using var app = await FleetAppServer.StartAsync(TestDatabase.Sqlite, seedDemo: true);
        await using var browser = await BrowserSession.OpenAsync(app, "bulk-journey");
        var page = browser.Page;
        await browser.LoginAsync("tech@fleet.local");

        string model;
        List<string> expected;
        await using (var db = app.CreateDbContext())
        {
            model = await db.GpuModels.Where(m => m.Name.StartsWith("H100") && db.Gpus.Any(g => g.GpuModelId == m.Id && g.Status == GpuStatus.Failed
                    && g.Datacenter!.Code == "IAD1")).Select(m => m.Name).FirstAsync();
            expected = await db.Gpus.Where(g => g.Model!.Name == model && g.Status == GpuStatus.Failed && g.Datacenter!.Code == "IAD1")
                .Select(g => g.Serial).ToListAsync();
        }

        Skip.If(await HasOpenCaseAsync(app, expected), "A failed H100 in IAD1 already has an open case in the demo data.");
        await browser.GotoAsync($"gpus?status=Failed&datacenter=IAD1&model={Uri.EscapeDataString(model)}");
        var count = expected.Count.ToString("N0", CultureInfo.InvariantCulture);
        await Assertions.Expect(browser.ByTestId("gpu-total")).ToHaveTextAsync(new Regex($"^{count} GPUs? match"));

        // Tick one, then "all N matching" across pages.
        await browser.ByTestId("select-row").First.ClickAsync();
        await Assertions.Expect(browser.ByTestId("bulk-count")).ToContainTextAsync("1");
        if (expected.Count > 1)
        {
            // The toolbar renders after the tick's round trip: wait for the button rather than looking once.
            await browser.ByTestId("bulk-select-all").ClickAsync();
        }

        await Assertions.Expect(browser.ByTestId("bulk-count")).ToContainTextAsync(count);

        // The dialog takes the focus and gives it back to its button.
        var open = browser.ByTestId("bulk-action");
        await open.ClickAsync();
        var dialog = page.Locator(".mud-dialog");
        await Assertions.Expect(dialog).ToBeVisibleAsync();
        await page.WaitForFunctionAsync("() => document.querySelector('.mud-dialog')?.contains(document.activeElement)");
        await page.Keyboard.PressAsync("Escape");
        await Assertions.Expect(dialog).ToHaveCountAsync(0);
        await page.WaitForFunctionAsync("() => document.activeElement?.getAttribute('data-testid') === 'bulk-action'");

        // Move them to RMA in one action.
        await open.ClickAsync();
        await browser.ByTestId("bulk-to").ClickAsync();
        await page.Locator(".mud-popover-open .mud-list-item", new() { HasTextRegex = new Regex("^RmaPending") }).ClickAsync();
        await page.Locator(".mud-dialog textarea").First.FillAsync("Xid 79 in burn-in; vendor RMA");
        await page.Locator(".mud-dialog textarea").First.BlurAsync();
        await browser.ByTestId("bulk-apply").ClickAsync();
        await Assertions.Expect(browser.ByTestId("bulk-summary")).ToHaveTextAsync($"Done: {count} card(s) changed.");
        await browser.ScreenshotAsync("bulk-rma-done");
        await using (var db = app.CreateDbContext())
        {
            var cards = await db.Gpus.Where(g => expected.Contains(g.Serial)).ToListAsync();
            Assert.All(cards, g => Assert.Equal(GpuStatus.RmaPending, g.Status));
            var ids = cards.Select(g => g.Id).ToList();
            Assert.Equal(expected.Count, await db.RmaCases.CountAsync(c => ids.Contains(c.GpuId) && c.Status == RmaStatus.Open));
        }

        // Their labels: one per card, each with a QR code for the card's page.
        await browser.ByTestId("bulk-close").ClickAsync();
        await browser.GotoAsync("gpus/labels?serials=" + Uri.EscapeDataString(string.Join(',', expected)));
        await Assertions.Expect(browser.ByTestId("label")).ToHaveCountAsync(expected.Count);
        var url = await page.Locator($"[data-serial='{expected[0]}'] [data-qr-url]").GetAttributeAsync("data-qr-url");
        Assert.Equal(new Uri(app.BaseAddress, $"gpus/{Uri.EscapeDataString(expected[0])}").AbsoluteUri, url);
        await page.EmulateMediaAsync(new() { Media = Media.Print });
        await Assertions.Expect(page.Locator(".mud-appbar")).ToBeHiddenAsync();
        await browser.ScreenshotAsync("labels-print");
        await page.EmulateMediaAsync(new() { Media = Media.Screen });

        // The card's page at phone width: no sideways scrolling.
        await page.SetViewportSizeAsync(390, 844);
        await browser.GotoAsync($"gpus/{Uri.EscapeDataString(expected[0])}");
        await Assertions.Expect(browser.ByTestId("gpu-fields")).ToBeVisibleAsync();
        await browser.ScreenshotAsync("gpu-page-390px");
        var overflow = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - document.documentElement.clientWidth");
        Assert.True(overflow <= 0, $"The card page scrolls sideways by {overflow} px at 390 px.");
    }

    private static async Task<bool> HasOpenCaseAsync(FleetAppServer app, List<string> serials)
    {
        await using var db = app.CreateDbContext();
        return await db.RmaCases.AnyAsync(c => c.Status != RmaStatus.Closed && db.Gpus.Any(g => g.Id == c.GpuId && serials.Contains(g.Serial)));
    }
}
