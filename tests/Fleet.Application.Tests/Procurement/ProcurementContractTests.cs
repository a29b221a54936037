using Fleet.Application.Common;
using Fleet.Application.Procurement;
using Fleet.Domain;
using Fleet.Domain.Lifecycle;
using Fleet.Domain.Procurement;
using Fleet.Testing;
using Microsoft.EntityFrameworkCore;

namespace Fleet.Application.Tests.Procurement;

/// <summary>Orders, receiving, quotes and invoices, written once and run on every provider.</summary>
public abstract class ProcurementContractTests(string provider)
{
    private static readonly DateTime s_ordered = new(2024, 1, 5, 0, 0, 0, DateTimeKind.Utc);
    private const string H100 = "H100 SXM5 80GB";
    private const string L40S = "L40S 48GB";

    private Task<ProcurementWorld> WorldAsync() => ProcurementWorld.CreateAsync(provider);

    [SkippableFact]
    public async Task Receive_CleanPackingList_CreatesCardsAndUpdatesOrder()
    {
        await using var world = await WorldAsync();
        await world.SubmittedOrderAsync("PO-1", "EUR", "FRA1", s_ordered,
            new OrderLineRequest(H100, 3, 30_000m, 36), new OrderLineRequest(L40S, 2, 8_000m, 24));
        var receivedAt = new DateTime(2024, 3, 15, 0, 0, 0, DateTimeKind.Utc);

        var result = await world.Receiving.ReceiveAsync("PO-1",
            new ReceiveRequest($"serial;model\nSN-1;{H100}\nSN-2;{H100}\nSN-3;{L40S}\n", receivedAt, "PL-77"), ProcurementWorld.Buyer);

        Assert.True(result.Succeeded, string.Join("; ", result.Errors.Select(e => e.Message)));
        Assert.Equal(3, result.Received);
        Assert.Equal(PurchaseOrderStatus.PartiallyReceived, result.Status);
        await using var db = world.Db();
        var cards = await db.Gpus.Include(g => g.Model).OrderBy(g => g.Serial).ToListAsync();
        Assert.Equal(["SN-1", "SN-2", "SN-3"], cards.Select(c => c.Serial));
        Assert.All(cards, c =>
        {
            Assert.Equal(GpuStatus.Received, c.Status);
            Assert.Equal("EUR", c.Currency);
            Assert.Equal("PO-1", c.PoNumber);
            Assert.Equal(receivedAt, c.ReceivedAt);
        });
        Assert.Equal(30_000m, cards[0].UnitCost);
        Assert.Equal(new DateTime(2027, 3, 15, 0, 0, 0, DateTimeKind.Utc), cards[0].WarrantyEndsAt);
        Assert.Equal(8_000m, cards[2].UnitCost);
        Assert.Equal(new DateTime(2026, 3, 15, 0, 0, 0, DateTimeKind.Utc), cards[2].WarrantyEndsAt);
        var order = await world.Orders.GetAsync("PO-1");
        Assert.Equal([2, 1], order.Lines.Select(l => l.QuantityReceived));
        Assert.Equal(1, await db.Deliveries.CountAsync());
        Assert.Equal(3, await db.AuditEntries.CountAsync(a => a.EntityType == "Gpu" && a.Action == "Create"));

        var rest = await world.Receiving.ReceiveAsync("PO-1", new ReceiveRequest($"serial,model\nSN-4,{H100}\nSN-5,{L40S}"), ProcurementWorld.Buyer);
        Assert.True(rest.Succeeded);
        Assert.Equal(PurchaseOrderStatus.Received, rest.Status);
    }

    [SkippableFact]
    public async Task Receive_BadSerials_ReportsEachWithLineAndWritesNothing()
    {
        await using var world = await WorldAsync();
        await world.SubmittedOrderAsync("PO-2", "USD", "IAD1", s_ordered, new OrderLineRequest(H100, 3, 30_000m), new OrderLineRequest(L40S, 1, 8_000m));
        await world.Receiving.ReceiveAsync("PO-2", new ReceiveRequest($"serial,model\nKNOWN-1,{L40S}"), ProcurementWorld.Buyer);

        var text = "serial,model\n" +
                   $"A-1,{H100}\n" +          // line 2: fine
                   $"A-1,{H100}\n" +          // line 3: duplicate of line 2
                   $"KNOWN-1,{H100}\n" +      // line 4: already in the fleet
                   "B-1,A100 SXM4 80GB\n" +   // line 5: wrong model
                   $"bad serial!,{H100}\n" +  // line 6: not a serial
                   $"A-2,{H100}\n" +          // line 7: fine
                   $"A-3,{H100}\n" +          // line 8: fine (third of three)
                   $"A-4,{H100}\n";           // line 9: a fourth H100 — more than ordered
        var result = await world.Receiving.ReceiveAsync("PO-2", new ReceiveRequest(text), ProcurementWorld.Buyer);

        Assert.False(result.Succeeded);
        Assert.Equal([3, 4, 5, 6, 9], result.Errors.Select(e => e.Line));
        Assert.Contains("twice", result.Errors[0].Message, StringComparison.Ordinal);
        Assert.Contains("already in the fleet", result.Errors[1].Message, StringComparison.Ordinal);
        Assert.Equal("model", result.Errors[2].Column);
        Assert.Contains("Wrong model", result.Errors[2].Message, StringComparison.Ordinal);
        Assert.Equal("bad serial!", result.Errors[3].Value);
        Assert.Contains("More cards than ordered", result.Errors[4].Message, StringComparison.Ordinal);
        await using var db = world.Db();
        Assert.Equal(["KNOWN-1"], await db.Gpus.Select(g => g.Serial).ToListAsync());
        var order = await world.Orders.GetAsync("PO-2");
        Assert.Equal([0, 1], order.Lines.Select(l => l.QuantityReceived));
    }

    [SkippableFact]
    public async Task Receive_PastedSerialsOnSingleLineOrder_UsesThatLine()
    {
        await using var world = await WorldAsync();
        await world.SubmittedOrderAsync("PO-3", "USD", "IAD1", s_ordered, new OrderLineRequest(H100, 2, 29_500m));

        var result = await world.Receiving.ReceiveAsync("PO-3", new ReceiveRequest("  X-1  \r\n\r\nX-2\r\n"), ProcurementWorld.Buyer);

        Assert.True(result.Succeeded);
        Assert.Equal(PurchaseOrderStatus.Received, result.Status);
        await using var db = world.Db();
        Assert.Equal(2, await db.Gpus.CountAsync(g => g.UnitCost == 29_500m && g.Currency == "USD"));
    }

    [SkippableFact]
    public async Task Receive_UnknownColumn_ListsValidOnes()
    {
        await using var world = await WorldAsync();
        await world.SubmittedOrderAsync("PO-4", "USD", "IAD1", s_ordered, new OrderLineRequest(H100, 2, 1m));

        var result = await world.Receiving.ReceiveAsync("PO-4", new ReceiveRequest("serial,colour\nX-1,red"), ProcurementWorld.Buyer);

        var error = Assert.Single(result.Errors);
        Assert.Equal(1, error.Line);
        Assert.Contains("serial, model", error.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Receive_DraftOrder_IsRefused()
    {
        await using var world = await WorldAsync();
        await world.Orders.CreateAsync(new CreateOrderRequest("PO-5", "Supermicro", "USD", "IAD1", s_ordered, [new OrderLineRequest(H100, 1, 1m)]),
            ProcurementWorld.Buyer);

        var e = await Assert.ThrowsAsync<DomainException>(() => world.Receiving.ReceiveAsync("PO-5", new ReceiveRequest("X-1"), ProcurementWorld.Buyer));
        Assert.Contains("Draft", e.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Receive_AsViewer_IsForbidden()
    {
        await using var world = await WorldAsync();
        await world.SubmittedOrderAsync("PO-6", "USD", "IAD1", s_ordered, new OrderLineRequest(H100, 1, 1m));

        await Assert.ThrowsAsync<ForbiddenException>(() => world.Receiving.ReceiveAsync("PO-6", new ReceiveRequest("X-1"), ProcurementWorld.Viewer));
        await using var db = world.Db();
        Assert.Equal(0, await db.Gpus.CountAsync());
    }

    [SkippableFact]
    public async Task CreateOrder_UnknownModel_NamesTheLineAndWritesNothing()
    {
        await using var world = await WorldAsync();

        var e = await Assert.ThrowsAsync<ValidationException>(() => world.Orders.CreateAsync(
            new CreateOrderRequest("PO-7", "Supermicro", "USD", "IAD1", s_ordered, [new OrderLineRequest(H100, 1, 1m), new OrderLineRequest("RTX 9090", 1, 1m)]),
            ProcurementWorld.Buyer));

        Assert.Equal("lines[1].model", e.Parameter);
        await using var db = world.Db();
        Assert.Equal(0, await db.PurchaseOrders.CountAsync());
    }

    [SkippableFact]
    public async Task ConvertQuote_Valid_CreatesDraftOrderWithQuotedLinesOnce()
    {
        // The quote is converted three days after it was made, while it is still valid.
        await using var world = await ProcurementWorld.CreateAsync(provider, new DateTimeOffset(s_ordered.AddDays(3)));
        await world.Quotes.CreateAsync(new CreateQuoteRequest("Q-1", "Dell Technologies", "EUR", "FRA1", s_ordered, s_ordered.AddMonths(1),
            [new OrderLineRequest(L40S, 4, 7_750m, 24)]), ProcurementWorld.Buyer);

        var order = await world.Quotes.ConvertAsync("Q-1", "PO-Q1", ProcurementWorld.Buyer);

        Assert.Equal(PurchaseOrderStatus.Draft, order.Status);
        Assert.Equal("Dell Technologies", order.Vendor);
        Assert.Equal("EUR", order.Currency);
        var line = Assert.Single(order.Lines);
        Assert.Equal((L40S, 4, 7_750m, 24), (line.Model, line.Quantity, line.UnitPrice, line.WarrantyMonths));
        Assert.Equal(4 * 7_750m, order.Total);
        Assert.Equal("PO-Q1", (await world.Quotes.ListAsync()).Single().OrderNumber);
        await Assert.ThrowsAsync<DomainException>(() => world.Quotes.ConvertAsync("Q-1", "PO-Q2", ProcurementWorld.Buyer));
    }

    [SkippableFact]
    public async Task RecordInvoice_PriceAndQuantityOff_IsFlagged()
    {
        await using var world = await WorldAsync();
        await world.SubmittedOrderAsync("PO-8", "USD", "IAD1", s_ordered, new OrderLineRequest(H100, 4, 30_000m));
        await world.Receiving.ReceiveAsync("PO-8", new ReceiveRequest("I-1\nI-2\nI-3"), ProcurementWorld.Buyer);

        var ok = await world.Invoices.RecordAsync("PO-8", new InvoiceRequest("INV-0", null, "USD", [new InvoiceLineRequest(H100, 3, 30_000m)]),
            ProcurementWorld.Buyer);
        var off = await world.Invoices.RecordAsync("PO-8", new InvoiceRequest("INV-1", null, "usd", [new InvoiceLineRequest(H100, 4, 30_450m)]),
            ProcurementWorld.Buyer);

        // INV-0: 3 invoiced, 3 received, but 4 ordered → flagged on the order quantity only.
        Assert.True(ok.Flagged);
        Assert.Contains("ordered 4", Assert.Single(ok.Discrepancies), StringComparison.Ordinal);
        // INV-1: 4 invoiced vs 3 received; 30,450 is 1.5 % above 30,000 (tolerance 1 %).
        Assert.True(off.Flagged);
        Assert.Equal(2, off.Discrepancies.Count);
        Assert.Contains(off.Discrepancies, d => d.Contains("received 3", StringComparison.Ordinal));
        Assert.Contains(off.Discrepancies, d => d.Contains("unit price", StringComparison.Ordinal));
        Assert.Equal(2, (await world.Invoices.ListAsync("PO-8")).Count);
    }

    [SkippableFact]
    public async Task RecordInvoice_OtherCurrency_IsRejectedAndWritesNothing()
    {
        await using var world = await WorldAsync();
        await world.SubmittedOrderAsync("PO-9", "USD", "IAD1", s_ordered, new OrderLineRequest(H100, 1, 30_000m));

        var e = await Assert.ThrowsAsync<ValidationException>(() => world.Invoices.RecordAsync("PO-9",
            new InvoiceRequest("INV-9", null, "EUR", [new InvoiceLineRequest(H100, 1, 27_000m)]), ProcurementWorld.Buyer));
        var wrongLine = await Assert.ThrowsAsync<ValidationException>(() => world.Invoices.RecordAsync("PO-9",
            new InvoiceRequest("INV-9", null, "USD", [new InvoiceLineRequest(L40S, 1, 8_000m)]), ProcurementWorld.Buyer));

        Assert.Equal("currency", e.Parameter);
        Assert.Equal("lines[0].model", wrongLine.Parameter);
        await using var db = world.Db();
        Assert.Equal(0, await db.Invoices.CountAsync());
    }

    [SkippableFact]
    public async Task Cancel_ReceivedOrder_IsRefused()
    {
        await using var world = await WorldAsync();
        await world.SubmittedOrderAsync("PO-10", "USD", "IAD1", s_ordered, new OrderLineRequest(H100, 1, 1m));
        await world.Receiving.ReceiveAsync("PO-10", new ReceiveRequest("C-1"), ProcurementWorld.Buyer);

        var e = await Assert.ThrowsAsync<DomainException>(() => world.Orders.CancelAsync("PO-10", ProcurementWorld.Buyer));
        Assert.Contains("Received", e.Message, StringComparison.Ordinal);
    }
}

public sealed class SqliteProcurementTests() : ProcurementContractTests(TestDatabase.Sqlite);

public sealed class PostgresProcurementTests() : ProcurementContractTests(TestDatabase.Postgres);
