using System.Text;
using System.Text.RegularExpressions;
using Fleet.Domain.Lifecycle;
using Fleet.EndToEnd.Tests.Infrastructure;
using Fleet.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;

namespace Fleet.EndToEnd.Tests;

/// <summary>The inventory journey in a real browser over the demo fleet: dashboard, grid, import, GPU page, export.</summary>
public sealed class InventoryJourneyTests
{
    private const string Header = "serial,model,status,datacenter,uuid,asset_tag,po_number,unit_cost,currency,received_at,notes";

    [SkippableFact]
    public Task Journey_Sqlite_FilterImportTransitionExport() => RunJourneyAsync(TestDatabase.Sqlite);

    [SkippableFact]
    public Task Journey_Postgres_FilterImportTransitionExport() => RunJourneyAsync(TestDatabase.Postgres);

    private static async Task RunJourneyAsync(string provider)
    {
        await using var app = await FleetAppServer.StartAsync(provider, seedDemo: true);
        await using var browser = await BrowserSession.OpenAsync(app, $"journey-{provider.ToLowerInvariant()}");
        var page = browser.Page;

        // Dashboard: the total card shows what the database holds.
        await browser.LoginAsync("admin@fleet.local");
        int total, inService;
        await using (var db = app.CreateDbContext())
        {
            total = await db.Gpus.CountAsync();
            inService = await db.Gpus.CountAsync(g => g.Status == GpuStatus.InService);
        }

        await Assertions.Expect(browser.ByTestId("card-total-value")).ToHaveTextAsync(total.ToString("N0", System.Globalization.CultureInfo.InvariantCulture));
        await browser.ScreenshotAsync("dashboard");

        // Grid: choose a status in the filter; the URL carries it and the count matches the database.
        await browser.GotoAsync("gpus");
        await Assertions.Expect(browser.ByTestId("gpu-total")).ToHaveTextAsync($"{total.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)} GPUs match");
        await browser.ByTestId("filter-status").ClickAsync();
        await page.Locator(".mud-popover-open .mud-list-item", new() { HasTextRegex = new Regex("^InService$") }).ClickAsync();
        await page.WaitForURLAsync(new Regex("status=InService"), new() { WaitUntil = WaitUntilState.Commit });
        await Assertions.Expect(browser.ByTestId("gpu-total")).ToHaveTextAsync($"{inService.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)} GPUs match");
        await browser.ScreenshotAsync("grid-filtered");

        // Import: a file with a bad model shows the error with its line, column and value; nothing is written.
        await browser.GotoAsync("import");
        var bad = $"{Header}\nE2E-0001,H100 SXM5 80GB,Received,FRA1,,E2E-AT-1,PO-E2E,30000,USD,2026-11-01,first\nE2E-0002,H100 Turbo 9000,Received,FRA1,,E2E-AT-2,PO-E2E,30000,USD,2026-11-01,second\n";
        await UploadAsync(page, bad);
        var error = browser.ByTestId("import-error");
        await Assertions.Expect(error).ToHaveCountAsync(1);
        await Assertions.Expect(error.Locator("[data-testid='error-line']")).ToHaveTextAsync("3");
        await Assertions.Expect(error.Locator("[data-testid='error-column']")).ToHaveTextAsync("model");
        await Assertions.Expect(error.Locator("[data-testid='error-value']")).ToHaveTextAsync("H100 Turbo 9000");
        await browser.ScreenshotAsync("import-error");
        await using (var db = app.CreateDbContext())
        {
            Assert.False(await db.Gpus.AnyAsync(g => g.Serial.StartsWith("E2E-")));
        }

        // Fix the file, preview, commit.
        await UploadAsync(page, bad.Replace("H100 Turbo 9000", "H100 PCIe 80GB", StringComparison.Ordinal));
        await Assertions.Expect(browser.ByTestId("import-preview-ok")).ToBeVisibleAsync();
        await browser.ByTestId("import-commit").ClickAsync();
        await Assertions.Expect(browser.ByTestId("import-inserted")).ToHaveTextAsync("2");
        await browser.ScreenshotAsync("import-committed");

        // Find the card in the grid by search, open it by row click, move it Received → BurnIn → Failed (message required).
        await browser.GotoAsync("gpus?search=E2E-0001");
        await Assertions.Expect(browser.ByTestId("gpu-total")).ToHaveTextAsync("1 GPU matches");
        await page.Locator("[data-testid='gpu-serial']", new() { HasText = "E2E-0001" }).ClickAsync();
        await page.WaitForURLAsync(new Regex("/gpus/E2E-0001$"), new() { WaitUntil = WaitUntilState.Commit });
        await Assertions.Expect(browser.ByTestId("gpu-status")).ToHaveAttributeAsync("data-status", "Received");
        await browser.ByTestId("transition-BurnIn").ClickAsync();
        await browser.ByTestId("transition-confirm").ClickAsync();
        await Assertions.Expect(browser.ByTestId("gpu-status")).ToHaveAttributeAsync("data-status", "BurnIn");
        await browser.ByTestId("transition-Failed").ClickAsync();
        await Assertions.Expect(browser.ByTestId("transition-confirm")).ToBeDisabledAsync();
        await page.Locator("textarea[data-testid='transition-message'], [data-testid='transition-message'] textarea").FillAsync("ECC errors in burn-in");
        await browser.ByTestId("transition-confirm").ClickAsync();
        await Assertions.Expect(browser.ByTestId("gpu-status")).ToHaveAttributeAsync("data-status", "Failed");
        await Assertions.Expect(browser.ByTestId("audit-trail")).ToContainTextAsync("ECC errors in burn-in");
        await browser.ScreenshotAsync("gpu-failed");
        await using (var db = app.CreateDbContext())
        {
            Assert.Equal(GpuStatus.Failed, (await db.Gpus.SingleAsync(g => g.Serial == "E2E-0001")).Status);
        }

        // Export the filtered view: exactly the failed E2E card.
        await browser.GotoAsync("gpus?status=Failed&search=E2E");
        await Assertions.Expect(browser.ByTestId("gpu-total")).ToHaveTextAsync("1 GPU matches");
        var file = await browser.DownloadAsync(() => browser.ByTestId("export-csv").ClickAsync());
        var lines = (await File.ReadAllLinesAsync(file, Encoding.UTF8)).Where(l => l.Length > 0).ToList();
        Assert.Equal(2, lines.Count);
        Assert.StartsWith("serial,", lines[0].TrimStart('\uFEFF'), StringComparison.Ordinal);
        Assert.StartsWith("E2E-0001,", lines[1], StringComparison.Ordinal);
        Assert.Contains(",Failed,", lines[1], StringComparison.Ordinal);
        await browser.ScreenshotAsync("grid-exported");
    }

    private static async Task UploadAsync(IPage page, string csv) =>
        await page.Locator("input[type=file]").Last.SetInputFilesAsync(new FilePayload
        {
            Name = "gpus.csv", MimeType = "text/csv", Buffer = Encoding.UTF8.GetBytes(csv),
        });
}
