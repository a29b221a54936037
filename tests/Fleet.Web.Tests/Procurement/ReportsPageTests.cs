using System.Globalization;
using Bunit;
using Fleet.Domain;
using Fleet.Web.Components.Pages.Finance;
using Fleet.Web.Tests.Components;
using Microsoft.EntityFrameworkCore;

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
    public void Render_EmptyFleet_ShowsNoTotalsAndNoError()
    {
        var cut = RenderAs(Roles.Viewer);

        Assert.Empty(cut.FindAll("[data-testid='report-total']"));
        Assert.Empty(cut.FindAll("[data-testid='report-error']"));
        Assert.Contains("Capex", cut.Find("[data-testid='report-title']").TextContent, StringComparison.Ordinal);
    }
}
