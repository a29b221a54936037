using Fleet.Domain.Procurement;

namespace Fleet.Application.Procurement;

/// <summary>Vendor quotes: record one, list them, and turn one into a Draft order in one unit of work.</summary>
public sealed class QuoteService(IDbContextFactory<FleetDbContext> contexts, TimeProvider time)
{
    public async Task<QuoteItem> CreateAsync(CreateQuoteRequest request, Actor actor, CancellationToken ct = default)
    {
        Access.Require(actor, Roles.Procurement, "Recording quotes");
        var reference = request.Reference?.Trim();
        if (string.IsNullOrEmpty(reference) || reference.Length > 64)
        {
            throw new ValidationException("reference", "A quote needs a reference of 1 to 64 characters.");
        }

        await using var db = await contexts.CreateDbContextAsync(ct);
        if (await db.Quotes.AnyAsync(q => q.Reference == reference, ct))
        {
            throw new DuplicateException("reference", $"Quote '{reference}' already exists.");
        }

        var (vendor, currency, datacenterId, lines) = await PurchaseOrderRecords.CheckHeaderAndLinesAsync(db, request.Vendor, request.Currency, request.Datacenter, request.Lines, ct);
        vendor.EnsureTakesNew("quote");
        var quote = new Quote
        {
            Reference = reference, VendorId = vendor.Id, Currency = currency, DatacenterId = datacenterId,
            QuotedAt = request.QuotedAt?.ToUniversalTime() ?? time.GetUtcNow().UtcDateTime, ValidUntil = request.ValidUntil?.ToUniversalTime(),
            Lines = lines.Select(l => new QuoteLine
            {
                GpuModelId = l.GpuModelId, Quantity = l.Quantity, UnitPrice = l.UnitPrice, WarrantyMonths = l.WarrantyMonths,
                ExpectedDelivery = l.ExpectedDelivery,
            }).ToList(),
        };
        db.Quotes.Add(quote);
        db.AuditEntries.Add(AuditLog.Entry(actor, time.GetUtcNow().UtcDateTime, nameof(Quote), reference, AuditActions.Create, null,
            new { quote.Reference, quote.VendorId, quote.Currency, Lines = quote.Lines.Count }));
        await db.SaveOrConflictAsync($"Quote {reference}", ct);
        return (await ListAsync(ct)).First(q => q.Reference == reference);
    }

    public async Task<IReadOnlyList<QuoteItem>> ListAsync(CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var models = await db.GpuModels.AsNoTracking().ToDictionaryAsync(m => m.Id, m => m.Name, ct);
        var dcs = await db.Datacenters.AsNoTracking().ToDictionaryAsync(d => d.Id, d => d.Code, ct);
        var orders = await db.PurchaseOrders.AsNoTracking().ToDictionaryAsync(o => o.Id, o => o.Number, ct);
        var quotes = await db.Quotes.AsNoTracking().Include(q => q.Vendor).Include(q => q.Lines).OrderByDescending(q => q.QuotedAt).ToListAsync(ct);
        return quotes.Select(q => new QuoteItem(q.Reference, q.Vendor!.Name, q.QuotedAt, q.ValidUntil, q.Currency,
            q.DatacenterId is { } d ? dcs.GetValueOrDefault(d) : null,
            q.Lines.OrderBy(l => l.Id).Select(l => new OrderLineRequest(models[l.GpuModelId], l.Quantity, l.UnitPrice, l.WarrantyMonths, l.ExpectedDelivery)).ToList(),
            q.Lines.Sum(l => l.Quantity * l.UnitPrice), q.PurchaseOrderId is { } o ? orders.GetValueOrDefault(o) : null)).ToList();
    }

    /// <summary>
    /// Turns a quote into a Draft order with the quoted lines and prices; a quote converts once, and not after it expired.
    /// The order and the quote's link to it are one save: when either fails (a concurrent conversion, a duplicate number), neither is written.
    /// </summary>
    public async Task<OrderItem> ConvertAsync(string reference, string orderNumber, Actor actor, CancellationToken ct = default)
    {
        Access.Require(actor, Roles.Procurement, "Converting quotes");
        await using var db = await contexts.CreateDbContextAsync(ct);
        var quote = await db.Quotes.Include(q => q.Vendor).Include(q => q.Lines).FirstOrDefaultAsync(q => q.Reference == reference, ct)
            ?? throw new NotFoundException($"No quote '{reference}'.");
        if (quote.PurchaseOrderId is not null)
        {
            throw new DomainException($"Quote {reference} has already been turned into an order.");
        }

        var now = time.GetUtcNow().UtcDateTime;
        if (quote.ValidUntil is { } until && until < now)
        {
            throw new DomainException($"Quote {reference} expired on {until:yyyy-MM-dd}; ask the vendor for a new one.");
        }

        var dc = quote.DatacenterId is { } id ? await db.Datacenters.Where(d => d.Id == id).Select(d => d.Code).FirstAsync(ct) : null;
        var models = await db.GpuModels.AsNoTracking().ToDictionaryAsync(m => m.Id, m => m.Name, ct);
        var order = await PurchaseOrderRecords.AddDraftAsync(db, new CreateOrderRequest(orderNumber, quote.Vendor!.Name, quote.Currency, dc, now,
            quote.Lines.Select(l => new OrderLineRequest(models[l.GpuModelId], l.Quantity, l.UnitPrice, l.WarrantyMonths, l.ExpectedDelivery)).ToList(),
            $"From quote {reference}"), actor, now, ct);

        // The order's key is generated by the save; the quote points at the order's temporary key, which EF replaces in the same save.
        var link = db.Entry(quote).Property(q => q.PurchaseOrderId);
        link.CurrentValue = db.Entry(order).Property(o => o.Id).CurrentValue;
        await db.SaveOrConflictAsync($"Quote {reference}", ct);
        return await PurchaseOrderRecords.GetAsync(db, order.Number, ct);
    }
}
