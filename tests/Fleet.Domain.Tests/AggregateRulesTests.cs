using System.Reflection;
using Fleet.Domain.Inventory;
using Fleet.Domain.Lifecycle;
using Fleet.Domain.Procurement;
using Fleet.Domain.Rma;

namespace Fleet.Domain.Tests;

/// <summary>Gpu, PurchaseOrder, RmaCase and Invoice change state only through their own methods.</summary>
public class AggregateRulesTests
{
    private static readonly DateTime s_now = new(2026, 11, 26, 9, 0, 0, DateTimeKind.Utc);

    [Theory]
    [InlineData(typeof(Gpu), nameof(Gpu.Status))]
    [InlineData(typeof(Gpu), nameof(Gpu.ReplacesGpuId))]
    [InlineData(typeof(Gpu), nameof(Gpu.Placements))]
    [InlineData(typeof(PurchaseOrder), nameof(PurchaseOrder.Status))]
    [InlineData(typeof(PurchaseOrder), nameof(PurchaseOrder.Lines))]
    [InlineData(typeof(PurchaseOrderLine), nameof(PurchaseOrderLine.QuantityReceived))]
    [InlineData(typeof(PurchaseOrderLine), nameof(PurchaseOrderLine.Quantity))]
    [InlineData(typeof(PurchaseOrderLine), nameof(PurchaseOrderLine.UnitPrice))]
    [InlineData(typeof(RmaCase), nameof(RmaCase.Status))]
    [InlineData(typeof(RmaCase), nameof(RmaCase.ShippedAt))]
    [InlineData(typeof(RmaCase), nameof(RmaCase.ClosedAt))]
    [InlineData(typeof(RmaCase), nameof(RmaCase.CreditAmount))]
    [InlineData(typeof(RmaCase), nameof(RmaCase.CreditCurrency))]
    [InlineData(typeof(RmaCase), nameof(RmaCase.ReplacementGpuId))]
    [InlineData(typeof(RmaCase), nameof(RmaCase.GpuId))]
    [InlineData(typeof(Invoice), nameof(Invoice.Status))]
    [InlineData(typeof(Invoice), nameof(Invoice.Flagged))]
    [InlineData(typeof(Invoice), nameof(Invoice.Discrepancies))]
    [InlineData(typeof(Invoice), nameof(Invoice.Lines))]
    public void StateProperty_HasNoPublicSetter(Type type, string property)
    {
        var p = type.GetProperty(property, BindingFlags.Public | BindingFlags.Instance)!;
        Assert.NotNull(p);
        Assert.Null(p.GetSetMethod(nonPublic: false));
        Assert.False(p.PropertyType.IsGenericType && p.PropertyType.GetGenericTypeDefinition() == typeof(List<>),
            $"{type.Name}.{property} exposes a mutable List<>.");
    }

    [Fact]
    public void RmaCase_HasNoPublicConstructor() =>
        Assert.Empty(typeof(RmaCase).GetConstructors(BindingFlags.Public | BindingFlags.Instance));

    private static Gpu FailedCard(decimal? cost = 30_000m) => new(GpuStatus.Failed) { Id = 5, Serial = "SN5", UnitCost = cost, Currency = "USD" };

    private static RmaCase Opened(Gpu gpu, bool advance = false) =>
        RmaCase.Open(gpu, 3, "GEMM mismatches", "3 of 1,024", null, advance, "tess", Roles.Technician, s_now.AddDays(-5), out _);

    private static Gpu Replacement(Gpu original, decimal? cost)
    {
        var r = Gpu.ReplacementFor(original, "SN5R", s_now, cost, null);
        r.Id = 6;
        return r;
    }

    [Fact]
    public void Open_FailedCard_MovesCardToRmaPending()
    {
        var gpu = FailedCard();
        var rma = RmaCase.Open(gpu, 3, "GEMM", null, "V-1", false, "tess", Roles.Technician, s_now, out var move);
        Assert.Equal(RmaStatus.Open, rma.Status);
        Assert.Equal(5, rma.GpuId);
        Assert.Equal(GpuStatus.RmaPending, gpu.Status);
        Assert.Equal((GpuStatus.Failed, GpuStatus.RmaPending, Roles.Technician), (move.From, move.To, move.Role));
    }

    [Theory]
    [InlineData(Roles.Viewer)]
    [InlineData(Roles.Procurement)]
    [InlineData(Roles.Finance)]
    public void Open_WithoutTechnicianRole_IsForbidden(string role)
    {
        var gpu = FailedCard();
        Assert.Throws<ForbiddenException>(() => RmaCase.Open(gpu, null, "GEMM", null, null, false, "x", role, s_now, out _));
        Assert.Equal(GpuStatus.Failed, gpu.Status);
    }

    [Fact]
    public void Open_HealthyCard_IsRefused()
    {
        var gpu = new Gpu(GpuStatus.InService) { Serial = "SN1" };
        var ex = Assert.Throws<DomainException>(() => RmaCase.Open(gpu, null, "GEMM", null, null, false, "x", Roles.Technician, s_now, out _));
        Assert.Contains("InService", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ShipThenReplacement_MovesCaseAndCardTogether()
    {
        var gpu = FailedCard();
        var rma = Opened(gpu);
        rma.Ship(gpu, "1Z999", s_now, null, "tess", Roles.Technician, s_now);
        Assert.Equal((RmaStatus.Shipped, GpuStatus.RmaShipped), (rma.Status, gpu.Status));

        var move = rma.AttachReplacement(gpu, Replacement(gpu, 30_000m), "tess", Roles.Technician, s_now);
        Assert.Equal(GpuStatus.Returned, move?.To);
        Assert.Equal((RmaStatus.Closed, GpuStatus.Returned, 6), (rma.Status, gpu.Status, rma.ReplacementGpuId));
        Assert.Equal(s_now, rma.ClosedAt);
    }

    [Fact]
    public void Ship_AClosedCase_IsRefusedAndTheCardStays()
    {
        var gpu = FailedCard();
        var rma = Opened(gpu);
        rma.Withdraw(gpu, "No fault found on retest", "tess", Roles.Technician, s_now);
        Assert.Equal((RmaStatus.Closed, GpuStatus.Validated), (rma.Status, gpu.Status));
        Assert.Throws<DomainException>(() => rma.Ship(gpu, "1Z", s_now, null, "tess", Roles.Technician, s_now));
        Assert.Equal(GpuStatus.Validated, gpu.Status);
    }

    [Fact]
    public void RecordCredit_ByFinanceOnShippedCase_LowersReplacementCost()
    {
        var gpu = FailedCard(36_000m);
        var rma = Opened(gpu, advance: true);
        var replacement = Replacement(gpu, 36_000m);
        rma.AttachReplacement(gpu, replacement, "tess", Roles.Technician, s_now);
        Assert.Equal(RmaStatus.Open, rma.Status);

        rma.RecordCredit(gpu, replacement, 6_000m, "usd", Roles.Finance);

        Assert.Equal(30_000m, replacement.UnitCost);
        Assert.Equal((6_000m, "USD"), (rma.CreditAmount, rma.CreditCurrency));
    }

    [Theory]
    [InlineData(Roles.Technician)]
    [InlineData(Roles.Procurement)]
    [InlineData(Roles.Viewer)]
    public void RecordCredit_WithoutFinanceRole_IsForbidden(string role)
    {
        var gpu = FailedCard();
        var rma = Opened(gpu);
        Assert.Throws<ForbiddenException>(() => rma.RecordCredit(gpu, null, 1_000m, "USD", role));
        Assert.Null(rma.CreditAmount);
    }

    // Measured: a Technician wrote a replacement's cost down to 0 on a closed case.
    [Fact]
    public void RecordCredit_OnClosedCase_IsRefusedAndLeavesTheCost()
    {
        var gpu = FailedCard(36_000m);
        var rma = Opened(gpu);
        rma.Ship(gpu, "1Z", s_now, null, "tess", Roles.Technician, s_now);
        var replacement = Replacement(gpu, 36_000m);
        rma.AttachReplacement(gpu, replacement, "tess", Roles.Technician, s_now);

        var ex = Assert.Throws<DomainException>(() => rma.RecordCredit(gpu, replacement, 36_000m, "USD", Roles.Admin));

        Assert.Contains("closed", ex.Message, StringComparison.Ordinal);
        Assert.Equal(36_000m, replacement.UnitCost);
        Assert.Null(rma.CreditAmount);
    }

    [Fact]
    public void CloseOnCredit_ShippedCaseWithCredit_ReturnsTheCard()
    {
        var gpu = FailedCard();
        var rma = Opened(gpu);
        rma.Ship(gpu, "1Z", s_now, null, "tess", Roles.Technician, s_now);
        Assert.Throws<DomainException>(() => rma.CloseOnCredit(gpu, "fin", Roles.Finance, s_now));
        rma.RecordCredit(gpu, null, 30_000m, "USD", Roles.Finance);
        var move = rma.CloseOnCredit(gpu, "fin", Roles.Finance, s_now);
        Assert.Equal((GpuStatus.RmaShipped, GpuStatus.Returned, Roles.Finance), (move.From, move.To, move.Role));
        Assert.Equal(RmaStatus.Closed, rma.Status);
    }

    private static PurchaseOrder Draft() => new() { Id = 1, Number = "PO-1", Currency = "USD" };

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void AddLine_PriceNotAboveZero_IsRefused(int price)
    {
        var order = Draft();
        var ex = Assert.Throws<DomainException>(() => order.AddLine(1, 4, price));
        Assert.Contains("unit price", ex.Message, StringComparison.Ordinal);
        Assert.Empty(order.Lines);
    }

    [Fact]
    public void PurchaseOrder_MovesOnlyThroughItsSteps()
    {
        var order = Draft();
        Assert.Throws<DomainException>(order.Submit);
        var line = order.AddLine(1, 2, 10_000m);
        Assert.False(order.AcceptsInvoices);
        order.Submit();
        Assert.Throws<DomainException>(() => order.AddLine(1, 1, 10_000m));
        Assert.True(order.AcceptsInvoices);
        order.Receive(line, 1);
        Assert.Equal(PurchaseOrderStatus.PartiallyReceived, order.Status);
        Assert.Throws<DomainException>(order.Cancel);
        Assert.Throws<DomainException>(() => order.Receive(line, 2));
        order.Receive(line, 1);
        Assert.Equal(PurchaseOrderStatus.Received, order.Status);
    }

    private static (PurchaseOrder Order, Invoice Invoice) InvoicedForTwo()
    {
        var order = Draft();
        var line = order.AddLine(1, 2, 10_000m);
        line.Id = 11;
        order.Submit();
        var invoice = new Invoice { PurchaseOrderId = 1, Number = "INV-1", Currency = "USD" };
        invoice.AddLine(line, 2, 10_000m);
        return (order, invoice);
    }

    [Fact]
    public void Check_ReceiptsCatchUp_MismatchBecomesMatched()
    {
        var (order, invoice) = InvoicedForTwo();
        invoice.Check(order, MatchTolerance.Default, _ => "H100");
        Assert.Equal(InvoiceStatus.Mismatch, invoice.Status);
        Assert.Contains("received 0", invoice.Discrepancies, StringComparison.Ordinal);

        order.Receive(order.Lines[0], 2);
        Assert.True(invoice.Check(order, MatchTolerance.Default, _ => "H100"));

        Assert.Equal(InvoiceStatus.Matched, invoice.Status);
        Assert.False(invoice.Flagged);
        Assert.Equal("", invoice.Discrepancies);
    }

    [Fact]
    public void ApproveOrDispute_Mismatch_NeedsFinanceAndANote()
    {
        var (order, invoice) = InvoicedForTwo();
        invoice.Check(order, MatchTolerance.Default, _ => "H100");

        Assert.Throws<ForbiddenException>(() => invoice.Approve("pat", Roles.Procurement, "ok", s_now));
        Assert.Throws<DomainException>(() => invoice.Approve("fin", Roles.Finance, " ", s_now));
        invoice.Approve("fin", Roles.Finance, "Paying ahead of delivery as agreed", s_now);
        Assert.Equal((InvoiceStatus.Approved, "fin", s_now), (invoice.Status, invoice.ReviewedBy, invoice.ReviewedAt));

        // Same receipts: the review stands. A change of receipts is checked again and needs a new review.
        Assert.False(invoice.Check(order, MatchTolerance.Default, _ => "H100"));
        Assert.Equal(InvoiceStatus.Approved, invoice.Status);
        order.Receive(order.Lines[0], 1);
        Assert.True(invoice.Check(order, MatchTolerance.Default, _ => "H100"));
        Assert.Equal(InvoiceStatus.Mismatch, invoice.Status);
        Assert.Null(invoice.ReviewedBy);

        invoice.Dispute("fin", Roles.Finance, "Invoiced two, delivered one", s_now);
        Assert.Equal(InvoiceStatus.Disputed, invoice.Status);
    }

    [Fact]
    public void Approve_MatchedInvoice_IsRefused()
    {
        var (order, invoice) = InvoicedForTwo();
        order.Receive(order.Lines[0], 2);
        invoice.Check(order, MatchTolerance.Default, _ => "H100");
        Assert.Throws<DomainException>(() => invoice.Approve("fin", Roles.Finance, "ok", s_now));
    }
}
