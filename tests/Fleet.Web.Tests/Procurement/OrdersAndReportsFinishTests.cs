using System.Globalization;
using Bunit;
using Fleet.Application.Common;
using Fleet.Application.Procurement;
using Fleet.Web.Components.Pages.Finance;
using Fleet.Web.Components.Pages.Procurement;
using Fleet.Web.Tests.Components;
using Microsoft.AspNetCore.Components;

namespace Fleet.Web.Tests.Procurement;

/// <summary>The orders list's search and filters, an order's received cards, amounts per currency, and the report kept in the URL.</summary>
public sealed class OrdersAndReportsFinishTests : ComponentTestContext
{
    private static readonly Actor s_clerk = new("Pat Procurement", Roles.Procurement);

    private async Task OrdersAsync()
    {
        var vendors = Services.GetRequiredService<VendorService>();
        var orders = Services.GetRequiredService<PurchaseOrderService>();
        var receiving = Services.GetRequiredService<ReceivingService>();
        await vendors.SaveAsync(null, new VendorRequest("Acme GPUs", null, null), s_clerk);
        await vendors.SaveAsync(null, new VendorRequest("Zenith Compute", null, null), s_clerk);
        await orders.CreateAsync(new CreateOrderRequest("PO-ACME-1", "Acme GPUs", "JPY", null, null,
            [new OrderLineRequest("H200 SXM 141GB", 2, 4_500_000m, 36)]), s_clerk);
        await orders.CreateAsync(new CreateOrderRequest("PO-ZEN-1", "Zenith Compute", "EUR", null, null,
            [new OrderLineRequest("H200 SXM 141GB", 1, 28_750.5m, 36)]), s_clerk);
        await orders.SubmitAsync("PO-ZEN-1", s_clerk);
        await receiving.ReceiveAsync("PO-ZEN-1", new ReceiveRequest("ZEN-SER-0001"), s_clerk);
    }

    [Fact]
    public async Task OrdersPage_SearchByPoNumber_ListsOnlyThatOrder()
    {
        SignIn(Roles.Viewer);
        await OrdersAsync();
        var cut = Render<OrdersPage>();
        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid='order-link']").Count));

        cut.Find("input[data-testid='orders-search'], [data-testid='orders-search'] input").Input("zen-1");

        cut.WaitForAssertion(() => Assert.Equal("PO-ZEN-1", Assert.Single(cut.FindAll("[data-testid='order-link']")).TextContent.Trim()),
            TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task OrdersPage_Totals_EachInItsCurrencysFormat()
    {
        SignIn(Roles.Viewer);
        await OrdersAsync();
        var cut = Render<OrdersPage>();

        cut.WaitForAssertion(() =>
        {
            Assert.Contains("9,000,000 JPY", cut.Markup, StringComparison.Ordinal);
            Assert.Contains("28,750.50 EUR", cut.Markup, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task OrderPage_ReceivedOrder_ListsItsCardsWithLinks()
    {
        SignIn(Roles.Viewer);
        await OrdersAsync();

        var cut = Render<OrderPage>(p => p.Add(x => x.Number, "PO-ZEN-1"));

        cut.WaitForAssertion(() =>
        {
            var card = Assert.Single(cut.FindAll("[data-testid='order-card']"));
            Assert.Equal("ZEN-SER-0001", card.GetAttribute("data-serial"));
            Assert.Equal("gpus/ZEN-SER-0001", card.QuerySelector("a")!.GetAttribute("href"));
        });
        var other = Render<OrderPage>(p => p.Add(x => x.Number, "PO-ACME-1"));
        other.WaitForAssertion(() => Assert.NotNull(other.Find("[data-testid='order-cards-none']")));
    }

    [Fact]
    public async Task ReportsPage_RunClicked_ReportAndParametersInTheUrlAndReloadRestoresThem()
    {
        await SeedAsync();
        SignIn(Roles.Finance);
        var navigation = Services.GetRequiredService<NavigationManager>();
        navigation.NavigateTo("finance/reports?report=rma-credits");

        var cut = Render<ReportsPage>();
        cut.WaitForElement("[data-testid='report-title']");
        Assert.Contains("report=rma-credits", navigation.Uri, StringComparison.Ordinal);
        cut.Find("input[data-testid='report-datacenter'], [data-testid='report-datacenter'] input").Change("IAD1");
        cut.Find("[data-testid='report-run']").Click();

        cut.WaitForAssertion(() => Assert.Contains("datacenter=IAD1", navigation.Uri, StringComparison.Ordinal));
        Assert.Contains("report=rma-credits", navigation.Uri, StringComparison.Ordinal);
        var reloaded = Render<ReportsPage>();
        reloaded.WaitForElement("[data-testid='report-title']");
        Assert.Equal("IAD1", reloaded.Find("input[data-testid='report-datacenter'], [data-testid='report-datacenter'] input").GetAttribute("value"));
        Assert.Equal(cut.Find("[data-testid='report-title']").TextContent, reloaded.Find("[data-testid='report-title']").TextContent);
    }

    [Fact]
    public async Task ReportsPage_CostPerGpuHour_ChartAxisFitsTheValues()
    {
        await SeedAsync();
        SignIn(Roles.Finance);
        Services.GetRequiredService<NavigationManager>().NavigateTo("finance/reports?report=cost-per-gpu-hour");

        var cut = Render<ReportsPage>();
        cut.WaitForElement("[data-testid='report-title']");

        // The chart's bars are per model (summed over datacenters, per currency): the axis top covers the largest and is under twice it.
        var rows = cut.FindAll("[data-testid='report-row']");
        Assert.NotEmpty(rows);
        var scale = cut.Instance.ChartScale;
        Assert.NotNull(scale);
        var values = rows.Select(r => decimal.TryParse(r.QuerySelector("[data-column='cost_per_gpu_hour']")!.TextContent, NumberStyles.Number, CultureInfo.InvariantCulture, out var v) ? v : 0m).ToList();
        var largestCell = values.Max();
        Assert.True(largestCell > 0, "The seeded fleet has no cost per GPU-hour.");
        Assert.True(scale.Max >= (double)largestCell - 0.01, $"Axis top {scale.Max} is under the largest value {largestCell}.");
        Assert.True(scale.Max < 20, $"Axis top {scale.Max}: still the fixed 0–20 scale.");
    }
}
