namespace Fleet.Domain.Procurement;

/// <summary>A vendor's offer, kept so the order that follows can be traced back to the price quoted.</summary>
public class Quote : IVersioned
{
    public int Id { get; set; }
    public required string Reference { get; set; }
    public int VendorId { get; set; }
    public Vendor? Vendor { get; set; }
    public DateTime QuotedAt { get; set; }
    public DateTime? ValidUntil { get; set; }
    public string Currency { get; set; } = "USD";
    public int? DatacenterId { get; set; }
    /// <summary>The order this quote became, once converted.</summary>
    public int? PurchaseOrderId { get; set; }
    public List<QuoteLine> Lines { get; set; } = [];
    public long Version { get; set; }
}

/// <summary>One quoted model, quantity and price.</summary>
public class QuoteLine
{
    public int Id { get; set; }
    public int QuoteId { get; set; }
    public int GpuModelId { get; set; }
    public int Quantity { get; set; }
    public decimal UnitPrice { get; set; }
    public int WarrantyMonths { get; set; } = 36;
    public DateTime? ExpectedDelivery { get; set; }
}

/// <summary>One receipt of cards against an order: who, when, how many, from which packing list.</summary>
public class Delivery
{
    public int Id { get; set; }
    public int PurchaseOrderId { get; set; }
    public DateTime ReceivedAt { get; set; }
    public string? PackingList { get; set; }
    public int Count { get; set; }
    public required string ReceivedBy { get; set; }
}

/// <summary>Where an invoice stands after the three-way check.</summary>
public enum InvoiceStatus
{
    /// <summary>Invoice, order and receipts agree.</summary>
    Matched,
    /// <summary>The check found discrepancies that nobody has reviewed yet.</summary>
    Mismatch,
    /// <summary>Reviewed and accepted despite the discrepancies.</summary>
    Approved,
    /// <summary>Reviewed and disputed with the vendor.</summary>
    Disputed,
}

/// <summary>
/// A vendor's invoice against an order. The three-way check sets <see cref="Discrepancies"/> and the status; a mismatch
/// waits for someone to approve or dispute it, and the check runs again whenever the order's receipts change.
/// </summary>
public class Invoice
{
    private readonly List<InvoiceLine> _lines = [];

    public int Id { get; set; }
    public int PurchaseOrderId { get; set; }
    public required string Number { get; set; }
    public DateTime InvoicedAt { get; set; }
    public string Currency { get; set; } = "USD";
    public bool Flagged { get; private set; }
    /// <summary>One discrepancy per line of text; empty when the invoice matches order and receipts.</summary>
    public string Discrepancies { get; private set; } = "";
    public InvoiceStatus Status { get; private set; } = InvoiceStatus.Matched;
    public string? ReviewedBy { get; private set; }
    public DateTime? ReviewedAt { get; private set; }
    public string? ReviewNote { get; private set; }
    public IReadOnlyList<InvoiceLine> Lines => _lines;

    /// <summary>Adds an invoiced order line; each order line is invoiced at most once per invoice.</summary>
    public InvoiceLine AddLine(PurchaseOrderLine orderLine, int quantity, decimal unitPrice)
    {
        if (_lines.Any(l => l.PurchaseOrderLineId == orderLine.Id))
        {
            throw new DomainException($"Invoice {Number} already invoices that order line; put it on one line.");
        }

        var line = new InvoiceLine { PurchaseOrderLineId = orderLine.Id, Quantity = quantity, UnitPrice = unitPrice };
        _lines.Add(line);
        return line;
    }

    /// <summary>
    /// Runs the three-way check against <paramref name="order"/> as it stands now. A review stays only while the
    /// discrepancies it reviewed are unchanged; new ones wait for a new review. Returns true when the outcome changed.
    /// </summary>
    public bool Check(PurchaseOrder order, MatchTolerance tolerance, Func<int, string> modelName)
    {
        if (order.Id != PurchaseOrderId)
        {
            throw new DomainException($"Invoice {Number} is not against purchase order {order.Number}.");
        }

        var lines = _lines.Select(l => order.Lines.FirstOrDefault(o => o.Id == l.PurchaseOrderLineId) is { } o
            ? new MatchLine(modelName(o.GpuModelId), o.Quantity, o.QuantityReceived, o.UnitPrice, l.Quantity, l.UnitPrice)
            : throw new DomainException($"Invoice {Number} invoices a line that is not on order {order.Number}."));
        var found = string.Join('\n', ThreeWayMatch.Check(lines.ToList(), tolerance));
        if (found == Discrepancies && (Status != InvoiceStatus.Matched || found.Length == 0) && Flagged == (found.Length > 0))
        {
            return false;
        }

        Discrepancies = found;
        Flagged = found.Length > 0;
        Status = Flagged ? InvoiceStatus.Mismatch : InvoiceStatus.Matched;
        ReviewedBy = null;
        ReviewedAt = null;
        ReviewNote = null;
        return true;
    }

    /// <summary>Accepts a mismatched invoice for payment (Finance), with a note saying why.</summary>
    public void Approve(string actor, string role, string? note, DateTime nowUtc) => Review(InvoiceStatus.Approved, actor, role, note, nowUtc);

    /// <summary>Disputes a mismatched invoice with the vendor (Finance), with a note saying what is disputed.</summary>
    public void Dispute(string actor, string role, string? note, DateTime nowUtc) => Review(InvoiceStatus.Disputed, actor, role, note, nowUtc);

    private void Review(InvoiceStatus to, string actor, string role, string? note, DateTime nowUtc)
    {
        if (!Roles.Satisfies(role, Roles.Finance))
        {
            throw new ForbiddenException($"Reviewing an invoice's mismatch needs the {Roles.Finance} role; you have {role}.");
        }

        if (Status == InvoiceStatus.Matched)
        {
            throw new DomainException($"Invoice {Number} matches its order and receipts; there is nothing to approve or dispute.");
        }

        if (Status == to)
        {
            throw new DomainException($"Invoice {Number} is already {to}.");
        }

        if (string.IsNullOrWhiteSpace(note))
        {
            throw new DomainException($"Say why invoice {Number} is {to.ToString().ToLowerInvariant()} (note).");
        }

        Status = to;
        ReviewedBy = actor;
        ReviewedAt = nowUtc;
        ReviewNote = note.Trim();
    }
}

/// <summary>One invoiced order line.</summary>
public class InvoiceLine
{
    public int Id { get; set; }
    public int InvoiceId { get; set; }
    public int PurchaseOrderLineId { get; set; }
    public int Quantity { get; set; }
    public decimal UnitPrice { get; set; }
}
