using System.Text.RegularExpressions;
using Fleet.Data.Seeding;
using Fleet.Domain.Inventory;
using Fleet.Domain.Lifecycle;
using Fleet.Domain.Procurement;
using Fleet.EndToEnd.Tests.Infrastructure;
using Fleet.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;

namespace Fleet.EndToEnd.Tests;

/// <summary>
/// The planning journey in a real browser: Procurement builds a scenario from the real fleet (one in-service H100 in each
/// of two datacenters), runs a capacity search that must survive the loss of either datacenter, sees the attainment chart,
/// and turns the answer into draft purchase orders, then opens the order it created.
/// </summary>
public sealed class PlanningJourneyTests
{
    [SkippableFact]
    public Task Journey_Sqlite_ScenarioCapacityWithDatacenterLossBuyPlan() => RunAsync(TestDatabase.Sqlite);

    [SkippableFact]
    public Task Journey_Postgres_ScenarioCapacityWithDatacenterLossBuyPlan() => RunAsync(TestDatabase.Postgres);

    private static ILocator Input(BrowserSession b, string testId) =>
        b.Page.Locator($"input[data-testid='{testId}'], [data-testid='{testId}'] input").First;

    private static async Task RunAsync(string provider)
    {
        await using var app = await FleetAppServer.StartAsync(provider, seedDemo: false);
        await using (var db = app.CreateDbContext())
        {
            var models = await DemoSeeder.EnsureCatalogAsync(db, CancellationToken.None);
            foreach (var code in (string[])["IAD1", "ORD1"])
            {
                var dc = new Datacenter { Code = code, Name = code, Pue = 1.3m, ElectricityPricePerKwh = 0.1m, Currency = "USD" };
                db.Datacenters.Add(dc);
                await db.SaveChangesAsync();
                db.Gpus.Add(new Gpu(GpuStatus.InService)
                {
                    Serial = "PLAN-" + code, GpuModelId = models["H100 SXM5 80GB"].Id, DatacenterId = dc.Id, UnitCost = 30_000m, Currency = "USD",
                    ReceivedAt = DateTime.UtcNow.AddMonths(-6),
                });
            }

            db.Vendors.Add(new Vendor { Name = "Acme GPUs" });
            await db.SaveChangesAsync();
        }

        await using var browser = await BrowserSession.OpenAsync(app, $"planning-{provider.ToLowerInvariant()}");
        var page = browser.Page;
        await browser.LoginAsync("procurement@fleet.local");

        // 1. The form's fleet is today's in-service inventory; a short, busy scenario is built from it.
        await browser.GotoAsync("planning");
        await Assertions.Expect(browser.ByTestId("fleet-inventory")).ToContainTextAsync("IAD1");
        await Assertions.Expect(browser.ByTestId("fleet-inventory")).ToContainTextAsync("ORD1");
        await Input(browser, "f-name").FillAsync("e2e peak");
        await Input(browser, "f-duration").FillAsync("60");
        await Input(browser, "f-rate").FillAsync("20");
        await Input(browser, "f-rate").PressAsync("Tab");
        await browser.ByTestId("scenario-build").ClickAsync();
        await Assertions.Expect(page.Locator("textarea[data-testid='scenario-json'], [data-testid='scenario-json'] textarea").First).ToHaveValueAsync(new Regex("fleet.scenario/v1"));
        await Assertions.Expect(page.Locator("textarea[data-testid='scenario-json'], [data-testid='scenario-json'] textarea").First).ToHaveValueAsync(new Regex("IAD1"));
        await browser.ScreenshotAsync("scenario-built");

        // 2. A capacity search that must survive the loss of either datacenter; the chart of attainment against GPUs shows.
        await Input(browser, "run-save-as").FillAsync("e2e peak");
        await Input(browser, "capacity-survive").CheckAsync();
        await browser.ByTestId("run-capacity").ClickAsync();
        await Assertions.Expect(browser.ByTestId("capacity-chart").Locator("svg").First).ToBeVisibleAsync(new() { Timeout = 180_000 });
        await Assertions.Expect(browser.ByTestId("capacity-dc-loss")).ToContainTextAsync("ORD1");
        await Assertions.Expect(browser.ByTestId("cost-capex")).ToContainTextAsync("USD");
        await browser.ScreenshotAsync("capacity-answer");

        // 3. The gap to today's fleet becomes draft purchase orders in one click; the link opens the order.
        await Assertions.Expect(browser.ByTestId("buy-plan-line").First).ToBeVisibleAsync();
        await browser.ByTestId("buy-plan-create").ClickAsync();
        var order = browser.ByTestId("buy-plan-order").First;
        await Assertions.Expect(order).ToBeVisibleAsync();
        var number = (await order.TextContentAsync())!.Trim();
        await browser.ScreenshotAsync("buy-plan-created");
        await order.ClickAsync();
        await page.WaitForURLAsync(new Regex("procurement/orders/" + Regex.Escape(number) + "$"));
        await Assertions.Expect(browser.ByTestId("order-status").First).ToHaveTextAsync("Draft");
        await browser.ScreenshotAsync("draft-order");

        await using (var db = app.CreateDbContext())
        {
            var lines = await db.PurchaseOrders.Where(o => o.Number == number).SelectMany(o => o.Lines).ToListAsync();
            Assert.NotEmpty(lines);
            Assert.All(lines, l => Assert.True(l.Quantity > 0));
        }
    }
}
