using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Fleet.Domain.Inventory;
using Fleet.Domain.Lifecycle;
using Fleet.EndToEnd.Tests.Infrastructure;
using Fleet.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;

namespace Fleet.EndToEnd.Tests;

/// <summary>
/// Procurement to finance in a real browser: a vendor and an order, a delivery from a packing list with one bad serial
/// (the error shown, fixed, received), a card failed, an RMA opened, shipped and replaced with a credit, and the
/// capex and depreciation reports read before and after.
/// </summary>
public sealed class ProcurementFlowTests
{
    [SkippableFact]
    public Task Flow_Sqlite_OrderReceiveFailRmaReports() => RunAsync(TestDatabase.Sqlite);

    [SkippableFact]
    public Task Flow_Postgres_OrderReceiveFailRmaReports() => RunAsync(TestDatabase.Postgres);

    private static ILocator Input(BrowserSession b, string testId) =>
        b.Page.Locator($"input[data-testid='{testId}'], [data-testid='{testId}'] input, textarea[data-testid='{testId}'], [data-testid='{testId}'] textarea").First;

    private static async Task RunAsync(string provider)
    {
        await using var app = await FleetAppServer.StartAsync(provider, seedDemo: false);
        await using (var db = app.CreateDbContext())
        {
            db.Datacenters.Add(new Datacenter { Code = "IAD1", Name = "Ashburn 1", Pue = 1.35m, ElectricityPricePerKwh = 0.08m, Currency = "USD" });
            await db.SaveChangesAsync();
        }

        await using var browser = await BrowserSession.OpenAsync(app, $"procurement-{provider.ToLowerInvariant()}");
        var page = browser.Page;
        await browser.LoginAsync("admin@fleet.local");

        // A vendor, then a draft order for two cards at 20,000 USD, submitted.
        await browser.GotoAsync("procurement/vendors");
        await Input(browser, "vendor-name").FillAsync("Acme GPUs");
        await browser.ByTestId("vendor-add").ClickAsync();
        await Assertions.Expect(browser.ByTestId("vendors")).ToContainTextAsync("Acme GPUs");

        await browser.GotoAsync("procurement/orders");
        await Input(browser, "order-number").FillAsync("PO-E2E-1");
        await Input(browser, "order-quantity").FillAsync("2");
        await Input(browser, "order-price").FillAsync("20000");
        await Input(browser, "order-price").PressAsync("Tab");
        await browser.ByTestId("order-create").ClickAsync();
        await page.WaitForURLAsync(new Regex("procurement/orders/PO-E2E-1$"));
        await browser.WaitForInteractiveAsync();
        await browser.ByTestId("order-submit").ClickAsync();
        await Assertions.Expect(browser.ByTestId("order-status").First).ToHaveTextAsync("Submitted");
        await browser.ScreenshotAsync("order-submitted");

        // A packing list with one bad serial: the error names line 3; nothing is received.
        await UploadAsync(page, "serial\nE2E-A\nE2E B\n");
        await Assertions.Expect(Input(browser, "receive-serials")).ToHaveValueAsync(new Regex("E2E B"));
        await browser.ByTestId("receive-submit").ClickAsync();
        var error = browser.ByTestId("import-error");
        await Assertions.Expect(error).ToHaveCountAsync(1);
        await Assertions.Expect(error.Locator("[data-testid='error-line']")).ToHaveTextAsync("3");
        await Assertions.Expect(error.Locator("[data-testid='error-value']")).ToHaveTextAsync("E2E B");
        await browser.ScreenshotAsync("receive-error");
        await using (var db = app.CreateDbContext())
        {
            Assert.False(await db.Gpus.AnyAsync());
        }

        await UploadAsync(page, "serial\nE2E-A\nE2E-B\n");
        await Assertions.Expect(Input(browser, "receive-serials")).ToHaveValueAsync(new Regex("E2E-B"));
        await browser.ByTestId("receive-submit").ClickAsync();
        await Assertions.Expect(browser.ByTestId("order-success")).ToContainTextAsync("Received 2 cards");
        await Assertions.Expect(browser.ByTestId("order-status").First).ToHaveTextAsync("Received");
        await browser.ScreenshotAsync("received");

        // Reports before the failure: capex 40,000 USD (received this month); depreciation next month, the first charged (A100 PCIe, 60 months): 2 × 333.33.
        await ExpectTotalAsync(browser, "capex", "amount", "40000");
        await ExpectTotalAsync(browser, "depreciation-schedule", "depreciation", ExpectedDecember(2, 20_000m));

        // Fail a card on its page: Received → BurnIn → Failed with a message.
        await browser.GotoAsync("gpus/E2E-A");
        await browser.ByTestId("transition-BurnIn").ClickAsync();
        await browser.ByTestId("transition-confirm").ClickAsync();
        await Assertions.Expect(browser.ByTestId("gpu-status")).ToHaveAttributeAsync("data-status", "BurnIn");
        await browser.ByTestId("transition-Failed").ClickAsync();
        await page.Locator("textarea[data-testid='transition-message'], [data-testid='transition-message'] textarea").FillAsync("HBM row remap failures");
        await browser.ByTestId("transition-confirm").ClickAsync();
        await Assertions.Expect(browser.ByTestId("gpu-status")).ToHaveAttributeAsync("data-status", "Failed");

        // Open the RMA from the technician's queue, ship it, receive the replacement with a 5,000 USD credit.
        await browser.GotoAsync("rma");
        await Input(browser, "rma-failed-search").FillAsync("E2E-A");
        var failedRow = page.Locator("[data-testid='rma-failed-row'][data-serial='E2E-A']");
        await failedRow.Locator("[data-testid='rma-open']").ClickAsync();
        await Input(browser, "rma-reason").FillAsync("HBM row remap failures");
        await browser.ByTestId("rma-open-submit").ClickAsync();
        await Assertions.Expect(browser.ByTestId("rma-success")).ToContainTextAsync("RmaPending");
        var caseRow = page.Locator("[data-testid='rma-case-row'][data-serial='E2E-A']");
        await caseRow.Locator("input").First.FillAsync("1Z-E2E-TRACK");
        await caseRow.Locator("[data-testid='rma-ship']").ClickAsync();
        await Assertions.Expect(browser.ByTestId("rma-success")).ToContainTextAsync("RmaShipped");
        await browser.ScreenshotAsync("rma-shipped");
        await using (var db = app.CreateDbContext())
        {
            Assert.Equal(GpuStatus.RmaShipped, (await db.Gpus.SingleAsync(g => g.Serial == "E2E-A")).Status);
        }

        // Shipped but not yet replaced: the card is still held, so the reports have not moved.
        await ExpectTotalAsync(browser, "depreciation-schedule", "depreciation", ExpectedDecember(2, 20_000m));

        await browser.GotoAsync("rma");
        var shippedRow = page.Locator("[data-testid='rma-case-row'][data-serial='E2E-A']");
        await shippedRow.Locator("[data-testid='rma-replacement'] input, input[data-testid='rma-replacement']").First.FillAsync("E2E-A-R");
        var credit = shippedRow.Locator("[data-testid='rma-credit'] input, input[data-testid='rma-credit']").First;
        await credit.FillAsync("5000");
        await credit.PressAsync("Tab");
        await shippedRow.Locator("[data-testid='rma-replace']").ClickAsync();
        await Assertions.Expect(browser.ByTestId("rma-success")).ToContainTextAsync("E2E-A-R");

        // After: capex unchanged (a replacement is not new spend); next month's depreciation on 20,000 + 15,000.
        await ExpectTotalAsync(browser, "capex", "amount", "40000");
        var nextMonth = Depreciation(20_000m) + Depreciation(15_000m);
        await ExpectTotalAsync(browser, "depreciation-schedule", "depreciation", nextMonth.ToString("0.##", CultureInfo.InvariantCulture));
        await browser.ScreenshotAsync("depreciation-after-rma");
        await browser.ByTestId("report-total").First.ClickAsync();
        await Assertions.Expect(browser.ByTestId("drill-row")).ToHaveCountAsync(2);
        await Assertions.Expect(browser.ByTestId("drill")).ToContainTextAsync("E2E-A-R");
        await browser.ScreenshotAsync("drill");
    }

    /// <summary>One month's straight-line charge over 60 months, rounded to cents (the first month's accumulated amount).</summary>
    private static decimal Depreciation(decimal cost) => Math.Round(cost / 60m, 2, MidpointRounding.AwayFromZero);

    /// <summary>The month after receipt is the first charged; its total is one month's charge per card.</summary>
    private static string ExpectedDecember(int cards, decimal cost) => (cards * Depreciation(cost)).ToString("0.##", CultureInfo.InvariantCulture);

    private static async Task ExpectTotalAsync(BrowserSession browser, string report, string column, string amount)
    {
        // The schedule is read for next month (the first charged); capex over all time up to today.
        var next = new DateOnly(DateTime.UtcNow.Year, DateTime.UtcNow.Month, 1).AddMonths(1);
        var window = report == "capex" ? "" : string.Create(CultureInfo.InvariantCulture, $"&from={next:yyyy-MM-dd}&to={next.AddMonths(1).AddDays(-1):yyyy-MM-dd}");
        await browser.GotoAsync($"finance/reports?report={report}{window}");
        await Assertions.Expect(browser.ByTestId("report-title")).ToBeVisibleAsync();
        var total = browser.Page.Locator($"[data-testid='report-total'][data-column='{column}'][data-currency='USD']");
        await Assertions.Expect(total).ToHaveAttributeAsync("data-amount", amount);
    }

    private static Task UploadAsync(IPage page, string csv) =>
        page.Locator("input[type=file]").Last.SetInputFilesAsync(new FilePayload
        {
            Name = "packing-list.csv", MimeType = "text/csv", Buffer = Encoding.UTF8.GetBytes(csv),
        });
}
