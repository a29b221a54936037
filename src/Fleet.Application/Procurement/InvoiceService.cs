using Fleet.Domain.Procurement;

namespace Fleet.Application.Procurement;

/// <summary>Vendor invoices against an order: record one (with the three-way check), list them, approve or dispute a mismatch.</summary>
public sealed class InvoiceService(IDbContextFactory<FleetDbContext> contexts, TimeProvider time, ProcurementOptions options)
{
    /// <summary>Records an invoice and flags it where quantity or price differ from order and receipts beyond the tolerance.</summary>
    public async Task<InvoiceItem> RecordAsync(string number, InvoiceRequest request, Actor actor, CancellationToken ct = default)
    {
        Access.Require(actor, Roles.Procurement, "Recording invoices");
        var invoiceNumber = request.Number?.Trim();
        if (string.IsNullOrEmpty(invoiceNumber) || invoiceNumber.Length > 64)
        {
            throw new ValidationException("number", "An invoice needs a number of 1 to 64 characters.");
        }

        await using var db = await contexts.CreateDbContextAsync(ct);
        var order = await db.PurchaseOrders.Include(o => o.Lines).FirstOrDefaultAsync(o => o.Number == number, ct)
            ?? throw new NotFoundException($"No purchase order '{number}'.");
        if (!order.AcceptsInvoices)
        {
            throw new DomainException($"Purchase order {number} is {order.Status}; invoices are recorded only against a submitted order.");
        }

        var currency = (request.Currency ?? "").Trim().ToUpperInvariant();
        if (currency != order.Currency)
        {
            throw new ValidationException("currency",
                $"The invoice is in '{request.Currency}' but order {number} is in {order.Currency}; amounts in different currencies are not compared.");
        }

        if (await db.Invoices.AnyAsync(i => i.PurchaseOrderId == order.Id && i.Number == invoiceNumber, ct))
        {
            throw new ValidationException("number", $"Invoice {invoiceNumber} is already recorded against {number}.");
        }

        if (request.Lines is null || request.Lines.Count == 0)
        {
            throw new ValidationException("lines", "An invoice needs at least one line.");
        }

        var models = await db.GpuModels.AsNoTracking().ToDictionaryAsync(m => m.Name, m => m.Id, StringComparer.OrdinalIgnoreCase, ct);
        var modelName = models.ToDictionary(kv => kv.Value, kv => kv.Key);
        var invoice = new Invoice
        {
            PurchaseOrderId = order.Id, Number = invoiceNumber, Currency = currency,
            InvoicedAt = request.InvoicedAt?.ToUniversalTime() ?? time.GetUtcNow().UtcDateTime,
        };
        for (var i = 0; i < request.Lines.Count; i++)
        {
            var l = request.Lines[i];
            var where = string.Create(CultureInfo.InvariantCulture, $"lines[{i}]");
            var line = l.Model is not null && models.TryGetValue(l.Model.Trim(), out var modelId)
                ? order.Lines.FirstOrDefault(x => x.GpuModelId == modelId) : null;
            if (line is null)
            {
                throw new ValidationException($"{where}.model",
                    $"{where}: '{l.Model}' is not on order {number}, which orders {string.Join(", ", order.Lines.Select(x => modelName[x.GpuModelId]))}.");
            }

            if (invoice.Lines.Any(x => x.PurchaseOrderLineId == line.Id))
            {
                throw new ValidationException($"{where}.model", $"{where}: {modelName[line.GpuModelId]} is invoiced twice; put it on one line.");
            }

            if (l.Quantity is < 1 or > 100_000)
            {
                throw new ValidationException($"{where}.quantity", string.Create(CultureInfo.InvariantCulture,
                    $"{where}: quantity must be between 1 and 100,000, got {l.Quantity}."));
            }

            if (l.UnitPrice is < 0 or > 10_000_000m)
            {
                throw new ValidationException($"{where}.unitPrice", string.Create(CultureInfo.InvariantCulture,
                    $"{where}: unit price must be between 0 and 10,000,000, got {l.UnitPrice}."));
            }

            invoice.AddLine(line, l.Quantity, l.UnitPrice);
        }

        invoice.Check(order, InvoiceRecords.Tolerance(options), id => modelName[id]);
        db.Invoices.Add(invoice);
        db.AuditEntries.Add(AuditLog.Entry(actor, time.GetUtcNow().UtcDateTime, nameof(Invoice), $"{number}/{invoiceNumber}", AuditActions.Create, null,
            InvoiceRecords.State(invoice)));
        await db.SaveOrConflictAsync($"Invoice {invoiceNumber}", ct);
        return InvoiceRecords.ToItem(invoice, number);
    }

    public async Task<IReadOnlyList<InvoiceItem>> ListAsync(string number, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var order = await db.PurchaseOrders.AsNoTracking().FirstOrDefaultAsync(o => o.Number == number, ct)
            ?? throw new NotFoundException($"No purchase order '{number}'.");
        var invoices = await db.Invoices.AsNoTracking().Include(i => i.Lines).Where(i => i.PurchaseOrderId == order.Id).ToListAsync(ct);
        return invoices.OrderBy(i => i.InvoicedAt).Select(i => InvoiceRecords.ToItem(i, number)).ToList();
    }

    /// <summary>Accepts a mismatched invoice for payment (Finance), with a note.</summary>
    public Task<InvoiceItem> ApproveAsync(string number, string invoiceNumber, InvoiceReviewRequest request, Actor actor, CancellationToken ct = default) =>
        ReviewAsync(number, invoiceNumber, request, actor, approve: true, ct);

    /// <summary>Disputes a mismatched invoice with the vendor (Finance), with a note.</summary>
    public Task<InvoiceItem> DisputeAsync(string number, string invoiceNumber, InvoiceReviewRequest request, Actor actor, CancellationToken ct = default) =>
        ReviewAsync(number, invoiceNumber, request, actor, approve: false, ct);

    private async Task<InvoiceItem> ReviewAsync(string number, string invoiceNumber, InvoiceReviewRequest request, Actor actor, bool approve,
        CancellationToken ct)
    {
        Access.Require(actor, Roles.Finance, approve ? "Approving an invoice" : "Disputing an invoice");
        if (string.IsNullOrWhiteSpace(request.Note) || request.Note.Length > 2000)
        {
            throw new ValidationException("note", "Say why (note, 1 to 2,000 characters).");
        }

        await using var db = await contexts.CreateDbContextAsync(ct);
        var order = await db.PurchaseOrders.AsNoTracking().FirstOrDefaultAsync(o => o.Number == number, ct)
            ?? throw new NotFoundException($"No purchase order '{number}'.");
        var invoice = await db.Invoices.Include(i => i.Lines).FirstOrDefaultAsync(i => i.PurchaseOrderId == order.Id && i.Number == invoiceNumber, ct)
            ?? throw new NotFoundException($"No invoice '{invoiceNumber}' on purchase order '{number}'.");
        var before = InvoiceRecords.State(invoice);
        var now = time.GetUtcNow().UtcDateTime;
        if (approve)
        {
            invoice.Approve(actor.Name, actor.Role, request.Note, now);
        }
        else
        {
            invoice.Dispute(actor.Name, actor.Role, request.Note, now);
        }

        db.AuditEntries.Add(AuditLog.Entry(actor, now, nameof(Invoice), $"{number}/{invoiceNumber}", AuditActions.Update, before, InvoiceRecords.State(invoice),
            $"{invoice.Status}: {invoice.ReviewNote}"));
        await db.SaveOrConflictAsync($"Invoice {invoiceNumber}", ct);
        return InvoiceRecords.ToItem(invoice, number);
    }}
