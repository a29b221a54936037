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

/// <summary>A vendor's invoice against an order; <see cref="Discrepancies"/> holds what the three-way check flagged.</summary>
public class Invoice
{
    public int Id { get; set; }
    public int PurchaseOrderId { get; set; }
    public required string Number { get; set; }
    public DateTime InvoicedAt { get; set; }
    public string Currency { get; set; } = "USD";
    public bool Flagged { get; set; }
    /// <summary>One discrepancy per line of text; empty when the invoice matches order and receipts.</summary>
    public string Discrepancies { get; set; } = "";
    public List<InvoiceLine> Lines { get; set; } = [];
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
