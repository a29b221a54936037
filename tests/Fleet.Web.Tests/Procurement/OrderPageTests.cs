using Bunit;
using Fleet.Application.Common;
using Fleet.Application.Procurement;
using Fleet.Domain.Procurement;
using Fleet.Web.Components.Pages.Procurement;
using Fleet.Web.Tests.Components;

namespace Fleet.Web.Tests.Procurement;

/// <summary>The order page's three-way check: no invoice on a Draft, a mismatch warned, Finance approves or disputes.</summary>
public sealed class OrderPageTests : ComponentTestContext
{
    private static readonly Actor s_clerk = new("Pat Procurement", Roles.Procurement);

    private async Task OrderAsync(string number, bool submit)
    {
        var vendors = Services.GetRequiredService<VendorService>();
        var orders = Services.GetRequiredService<PurchaseOrderService>();
        var invoices = Services.GetRequiredService<InvoiceService>();
        await vendors.SaveAsync(null, new VendorRequest("Acme GPUs", null, null), s_clerk);
        await orders.CreateAsync(new CreateOrderRequest(number, "Acme GPUs", "USD", null, null,
            [new OrderLineRequest("H200 SXM 141GB", 2, 31_500m, 36)]), s_clerk);
        if (submit)
        {
            await orders.SubmitAsync(number, s_clerk);
            await invoices.RecordAsync(number, new InvoiceRequest("INV-7", null, "USD", [new InvoiceLineRequest("H200 SXM 141GB", 2, 31_500m)]), s_clerk);
        }
    }

    private IRenderedComponent<OrderPage> RenderPage(string number)
    {
        var cut = Render<OrderPage>(p => p.Add(x => x.Number, number));
        cut.WaitForElement("[data-testid='order-lines']");
        return cut;
    }

    [Fact]
    public async Task Render_DraftOrder_OffersNoInvoiceForm()
    {
        SignIn(Roles.Procurement);
        await OrderAsync("PO-DRAFT", submit: false);

        var cut = RenderPage("PO-DRAFT");

        Assert.Empty(cut.FindAll("[data-testid='invoice']"));
        Assert.Contains("Draft", cut.Find("[data-testid='invoice-not-yet']").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dispute_MismatchedInvoice_FinanceWithNote_IsStoredAndShown()
    {
        SignIn(Roles.Finance);
        await OrderAsync("PO-MIS", submit: true);
        var cut = RenderPage("PO-MIS");
        Assert.Contains("received 0", cut.Find("[data-testid='invoice-warning']").TextContent, StringComparison.Ordinal);

        cut.Find("input[data-testid='invoice-review-note']").Change("Billed before delivery");
        cut.Find("[data-testid='invoice-dispute']").Click();

        cut.WaitForAssertion(() => Assert.Equal("Disputed", cut.Find("[data-testid='invoice-row']").GetAttribute("data-status")));
        Assert.Contains("Billed before delivery", cut.Find("[data-testid='invoice-review']").TextContent, StringComparison.Ordinal);
        await using var db = CreateDbContext();
        Assert.Equal(InvoiceStatus.Disputed, (await db.Invoices.SingleAsync()).Status);
    }

    [Fact]
    public async Task Render_Procurement_SeesWarningButNoReviewButtons()
    {
        SignIn(Roles.Procurement);
        await OrderAsync("PO-MIS", submit: true);

        var cut = RenderPage("PO-MIS");

        Assert.NotNull(cut.Find("[data-testid='invoice-warning']"));
        Assert.Empty(cut.FindAll("[data-testid='invoice-approve']"));
        Assert.Empty(cut.FindAll("[data-testid='invoice-dispute']"));
    }
}
