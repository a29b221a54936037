using Fleet.Domain.Procurement;

namespace Fleet.Application.Inventory;

/// <summary>An invoice against a card's order, as the card's page links to it.</summary>
public sealed record CardInvoiceLink(string Number, InvoiceStatus Status);

/// <summary>The purchase order a card came on (when it is on record) and that order's invoices.</summary>
public sealed record CardOrderLinks(string? OrderNumber, IReadOnlyList<CardInvoiceLink> Invoices);

/// <summary>What the GPU page links to beyond the card itself: its order and the order's invoices.</summary>
public sealed class CardLinkService(IDbContextFactory<FleetDbContext> contexts)
{
    public async Task<CardOrderLinks> OrderLinksAsync(string serial, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var card = await db.Gpus.AsNoTracking().Where(g => g.Serial == serial).Select(g => new { g.PoNumber, g.PurchaseOrderLineId }).FirstOrDefaultAsync(ct);
        if (card is null)
        {
            return new CardOrderLinks(null, []);
        }

        var order = card.PurchaseOrderLineId is { } lineId
            ? await db.PurchaseOrderLines.AsNoTracking().Where(l => l.Id == lineId).Select(l => new { l.PurchaseOrderId, Number = db.PurchaseOrders.Where(o => o.Id == l.PurchaseOrderId).Select(o => o.Number).First() }).FirstOrDefaultAsync(ct)
            : null;
        order ??= card.PoNumber is { } po
            ? await db.PurchaseOrders.AsNoTracking().Where(o => o.Number == po).Select(o => new { PurchaseOrderId = o.Id, o.Number }).FirstOrDefaultAsync(ct)
            : null;
        if (order is null)
        {
            return new CardOrderLinks(null, []);
        }

        var invoices = await db.Invoices.AsNoTracking().Where(i => i.PurchaseOrderId == order.PurchaseOrderId).OrderBy(i => i.InvoicedAt).ThenBy(i => i.Number)
            .Select(i => new CardInvoiceLink(i.Number, i.Status)).ToListAsync(ct);
        return new CardOrderLinks(order.Number, invoices);
    }
}
