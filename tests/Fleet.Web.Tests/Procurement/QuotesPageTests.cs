using Bunit;
using Bunit.TestDoubles;
using Fleet.Application.Common;
using Fleet.Application.Procurement;
using Fleet.Domain.Procurement;
using Fleet.Web.Components.Pages.Procurement;
using Fleet.Web.Tests.Components;
using Microsoft.AspNetCore.Components;

namespace Fleet.Web.Tests.Procurement;

/// <summary>The quotes page: recorded quotes listed, turned into draft orders by Procurement, read-only for others.</summary>
public sealed class QuotesPageTests : ComponentTestContext
{
    private static readonly Actor s_clerk = new("Pat Procurement", Roles.Procurement);

    private async Task<QuoteItem> RecordQuoteAsync(string reference, DateTime? validUntil)
    {
        var vendors = Services.GetRequiredService<VendorService>();
        var quotes = Services.GetRequiredService<QuoteService>();
        await vendors.SaveAsync(null, new VendorRequest("Acme GPUs", "sales@acme.example", null), s_clerk);
        return await quotes.CreateAsync(new CreateQuoteRequest(reference, "Acme GPUs", "USD", null, null, validUntil,
            [new OrderLineRequest("H200 SXM 141GB", 16, 31_500m, 36)]), s_clerk);
    }

    /// <summary>Signs in first: bUnit takes no new services once one has been resolved.</summary>
    private IRenderedComponent<QuotesPage> RenderPage()
    {
        var cut = Render<QuotesPage>();
        cut.WaitForElement("[data-testid='quotes']");
        return cut;
    }

    [Fact]
    public async Task ConvertQuote_Procurement_CreatesDraftOrderWithTheQuotedLines()
    {
        SignIn(Roles.Procurement);
        await RecordQuoteAsync("Q-100", DateTime.UtcNow.AddDays(10));
        var cut = RenderPage();
        Assert.Contains("Q-100", cut.Find("[data-testid='quote-row-reference']").TextContent);
        Assert.Contains("504,000.00 USD", cut.Markup);

        cut.Find("[data-testid='quote-convert']").Click();

        cut.WaitForAssertion(() => Assert.EndsWith("procurement/orders/PO-Q-100", Services.GetRequiredService<NavigationManager>().Uri));
        await using var db = CreateDbContext();
        var order = await db.PurchaseOrders.Include(o => o.Lines).SingleAsync(o => o.Number == "PO-Q-100");
        Assert.Equal(PurchaseOrderStatus.Draft, order.Status);
        var line = Assert.Single(order.Lines);
        Assert.Equal(16, line.Quantity);
        Assert.Equal(31_500m, line.UnitPrice);
    }

    [Fact]
    public async Task ConvertQuote_Expired_ShowsTheRefusalAndWritesNoOrder()
    {
        SignIn(Roles.Admin);
        await RecordQuoteAsync("Q-OLD", DateTime.UtcNow.AddDays(-3));
        var cut = RenderPage();

        cut.Find("[data-testid='quote-convert']").Click();

        cut.WaitForAssertion(() => Assert.Contains("expired", cut.Find("[data-testid='quotes-error']").TextContent));
        await using var db = CreateDbContext();
        Assert.False(await db.PurchaseOrders.AnyAsync(o => o.Number == "PO-Q-OLD"));
    }

    [Theory]
    [InlineData(Roles.Viewer)]
    [InlineData(Roles.Finance)]
    [InlineData(Roles.Technician)]
    public async Task Render_RoleWithoutProcurement_ListsQuotesButOffersNoActions(string role)
    {
        SignIn(role);
        await RecordQuoteAsync("Q-RO", DateTime.UtcNow.AddDays(10));
        var cut = RenderPage();
        Assert.Contains("Q-RO", cut.Find("[data-testid='quote-row-reference']").TextContent);
        Assert.Empty(cut.FindAll("[data-testid='quote-convert']"));
        Assert.Empty(cut.FindAll("[data-testid='new-quote']"));
    }
}
