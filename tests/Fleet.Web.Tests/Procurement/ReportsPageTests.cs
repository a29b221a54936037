using System.Globalization;
using System.Text;
using Bunit;
using Fleet.Application.Common;
using Fleet.Application.Import;
using Fleet.Web.Components.Pages.Finance;
using Fleet.Web.Tests.Components;

namespace Fleet.Web.Tests.Procurement;

/// <summary>The finance reports page over a small seeded fleet: totals against the database, chart, drill-down, roles.</summary>
public sealed class ReportsPageTests : ComponentTestContext
{
    private IRenderedComponent<ReportsPage> RenderAs(string role)
    {
        var auth = AddAuthorization();
        auth.SetAuthorized($"{role.ToLowerInvariant()}@fleet.local");
        auth.SetRoles(role);
        var cut = Render<ReportsPage>();
        cut.WaitForElement("[data-testid='report-title']");
        return cut;
    }

    [Fact]
    public async Task Render_Capex_TotalsPerCurrencyMatchTheDatabase()
    {
        await SeedAsync();
        Dictionary<string, decimal> expected;
        await using (var db = CreateDbContext())
        {
            var today = DateTime.UtcNow;
            var bought = await db.Gpus.Where(g => g.ReplacesGpuId == null && g.PurchaseOrderLineId != null && g.UnitCost != null && g.ReceivedAt <= today)
                .Select(g => new { g.Currency, g.UnitCost }).ToListAsync();
            expected = bought.GroupBy(g => g.Currency).ToDictionary(g => g.Key, g => g.Sum(x => x.UnitCost!.Value));
        }

        var cut = RenderAs(Roles.Viewer);

        var totals = cut.FindAll("[data-testid='report-total']");
        Assert.Equal(expected.Count, totals.Count);
        foreach (var total in totals)
        {
            var currency = total.GetAttribute("data-currency")!;
            Assert.Equal(expected[currency], decimal.Parse(total.GetAttribute("data-amount")!, CultureInfo.InvariantCulture));
        }

        Assert.NotEmpty(cut.FindAll("[data-testid='report-chart'] svg, svg"));
        Assert.Empty(cut.FindAll("[data-testid='budget-save']"));
    }

    [Fact]
    public async Task ClickRow_CapexRow_ShowsExactlyTheCardsBehindIt()
    {
        await SeedAsync();
        var cut = RenderAs(Roles.Finance);
        var row = cut.FindAll("[data-testid='report-row']")[0];
        var cards = int.Parse(row.QuerySelector("[data-column='cards']")!.TextContent.Trim(), CultureInfo.InvariantCulture);

        row.Click();

        cut.WaitForAssertion(() => Assert.Equal(Math.Min(cards, 500), cut.FindAll("[data-testid='drill-row']").Count));
        Assert.Contains($"({cards.ToString(CultureInfo.InvariantCulture)})", cut.Find("[data-testid='drill']").TextContent, StringComparison.Ordinal);
        Assert.NotEmpty(cut.FindAll("[data-testid='budget-save']"));
    }

    [Fact]
    public async Task Render_CardOnNoKnownOrder_ShowsAWarningAndItsOwnLine()
    {
        await SeedAsync();
        var auth = AddAuthorization();
        auth.SetAuthorized("viewer@fleet.local");
        auth.SetRoles(Roles.Viewer);
        var yesterday = DateTime.UtcNow.AddDays(-1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var imported = await Services.GetRequiredService<GpuImportService>().ImportAsync(
            new MemoryStream(Encoding.UTF8.GetBytes($"serial,model,po_number,unit_cost,received_at\nOFF-1,H100 SXM5 80GB,PO-NOPE,1234.5,{yesterday}\n")),
            ImportMode.Insert, dryRun: false, new Actor("pat", Roles.Procurement));
        Assert.True(imported.Succeeded);

        var cut = Render<ReportsPage>();
        cut.WaitForElement("[data-testid='report-title']");

        var warning = Assert.Single(cut.FindAll("[data-testid='report-warning']"));
        Assert.Contains("PO-NOPE", warning.TextContent, StringComparison.Ordinal);
        var line = Assert.Single(cut.FindAll("[data-testid='report-row']"), r => r.QuerySelector("[data-column='po_number']")!.TextContent == "PO-NOPE");
        Assert.Contains("matches no purchase order", line.QuerySelector("[data-column='warning']")!.TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_EmptyFleet_ShowsNoTotalsAndNoError()
    {
        var cut = RenderAs(Roles.Viewer);

        Assert.Empty(cut.FindAll("[data-testid='report-total']"));
        Assert.Empty(cut.FindAll("[data-testid='report-error']"));
        Assert.Contains("Capex", cut.Find("[data-testid='report-title']").TextContent, StringComparison.Ordinal);
    }
}
