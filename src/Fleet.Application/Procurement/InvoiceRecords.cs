using Fleet.Domain.Procurement;

namespace Fleet.Application.Procurement;

/// <summary>How an invoice is shown, audited and checked again; shared by invoices and receiving.</summary>
internal static class InvoiceRecords
{
    public static MatchTolerance Tolerance(ProcurementOptions options) => new(options.PriceTolerancePercent, options.QuantityTolerance);

    public static InvoiceItem ToItem(Invoice i, string orderNumber) => new(i.Number, orderNumber, i.InvoicedAt, i.Currency,
        i.Lines.Sum(l => l.Quantity * l.UnitPrice), i.Flagged,
        i.Discrepancies.Length == 0 ? [] : i.Discrepancies.Split('\n'), i.Status, i.ReviewedBy, i.ReviewedAt, i.ReviewNote);

    public static object State(Invoice i) => new
    {
        i.Number, i.Currency, Status = i.Status.ToString(), i.Flagged, Discrepancies = i.Discrepancies.Length == 0 ? [] : i.Discrepancies.Split('\n'),
        i.ReviewedBy, i.ReviewNote,
    };

    /// <summary>Runs the three-way check again for every invoice of <paramref name="order"/>; each changed outcome is audited.</summary>
    public static async Task RecheckAsync(FleetDbContext db, PurchaseOrder order, MatchTolerance tolerance, Actor actor, DateTime now, string why, CancellationToken ct)
    {
        var invoices = await db.Invoices.Include(i => i.Lines).Where(i => i.PurchaseOrderId == order.Id).ToListAsync(ct);
        if (invoices.Count == 0)
        {
            return;
        }

        var modelName = await db.GpuModels.AsNoTracking().ToDictionaryAsync(m => m.Id, m => m.Name, ct);
        foreach (var invoice in invoices)
        {
            var before = State(invoice);
            if (invoice.Check(order, tolerance, id => modelName[id]))
            {
                db.AuditEntries.Add(AuditLog.Entry(actor, now, nameof(Invoice), $"{order.Number}/{invoice.Number}", AuditActions.Update, before,
                    State(invoice), $"Three-way check again ({why}): {invoice.Status}"));
            }
        }
    }
}
