using Fleet.Application.Import;
using Fleet.Domain.Lifecycle;
using Fleet.Domain.Procurement;

namespace Fleet.Application.Procurement;

/// <summary>A vendor as lists show it.</summary>
public sealed record VendorItem(int Id, string Name, string? ContactEmail, string? Notes, long Version, bool IsActive = true);

/// <summary>Creates or edits a vendor; <see cref="ExpectedVersion"/> guards an edit against a stale read.</summary>
public sealed record VendorRequest(string? Name, string? ContactEmail, string? Notes, long? ExpectedVersion = null);

/// <summary>One line of a new order or quote.</summary>
public sealed record OrderLineRequest(string? Model, int Quantity, decimal UnitPrice, int? WarrantyMonths = null, DateTime? ExpectedDelivery = null);

/// <summary>A new purchase order; it starts as Draft.</summary>
public sealed record CreateOrderRequest(
    string? Number, string? Vendor, string? Currency, string? Datacenter, DateTime? OrderedAt, IReadOnlyList<OrderLineRequest>? Lines, string? Notes = null);

/// <summary>A vendor quote to record; <see cref="QuoteService.ConvertAsync"/> turns it into an order.</summary>
public sealed record CreateQuoteRequest(
    string? Reference, string? Vendor, string? Currency, string? Datacenter, DateTime? QuotedAt, DateTime? ValidUntil, IReadOnlyList<OrderLineRequest>? Lines);

public sealed record OrderLineItem(int Id, string Model, int Quantity, int QuantityReceived, decimal UnitPrice, int WarrantyMonths, DateTime? ExpectedDelivery);

/// <summary>A purchase order with its lines and its total (in its one currency).</summary>
public sealed record OrderItem(
    string Number, string Vendor, DateTime OrderedAt, string Currency, PurchaseOrderStatus Status, string? Datacenter,
    IReadOnlyList<OrderLineItem> Lines, decimal Total, long Version, string? Notes);

public sealed record QuoteItem(string Reference, string Vendor, DateTime QuotedAt, DateTime? ValidUntil, string Currency, string? Datacenter,
    IReadOnlyList<OrderLineRequest> Lines, decimal Total, string? OrderNumber);

/// <summary>A delivery against an order: the serial list as pasted text or a packing-list CSV (<c>serial</c>[,<c>model</c>]).</summary>
public sealed record ReceiveRequest(string? Serials, DateTime? ReceivedAt = null, string? PackingList = null, bool DryRun = false);

/// <summary>What a delivery did (or would do); any error means nothing was written.</summary>
public sealed record ReceiveResult(bool DryRun, int Received, PurchaseOrderStatus Status, IReadOnlyList<ImportError> Errors)
{
    public bool Succeeded => Errors.Count == 0;
}

public sealed record InvoiceLineRequest(string? Model, int Quantity, decimal UnitPrice);

/// <summary>A vendor invoice to check three ways against its order and the receipts.</summary>
public sealed record InvoiceRequest(string? Number, DateTime? InvoicedAt, string? Currency, IReadOnlyList<InvoiceLineRequest>? Lines);

/// <summary>
/// An invoice with the outcome of its three-way check: <see cref="Status"/> Mismatch waits for Finance to approve or
/// dispute it (<see cref="ReviewedBy"/>, <see cref="ReviewNote"/>).
/// </summary>
public sealed record InvoiceItem(string Number, string OrderNumber, DateTime InvoicedAt, string Currency, decimal Total, bool Flagged,
    IReadOnlyList<string> Discrepancies, InvoiceStatus Status = InvoiceStatus.Matched, string? ReviewedBy = null, DateTime? ReviewedAt = null,
    string? ReviewNote = null);

/// <summary>Approves or disputes a mismatched invoice; the note says why.</summary>
public sealed record InvoiceReviewRequest(string? Note);

/// <summary>Limits of the three-way check.</summary>
public sealed class ProcurementOptions
{
    /// <summary>How far an invoiced unit price may differ from the ordered one, in percent.</summary>
    public decimal PriceTolerancePercent { get; set; } = 1m;
    /// <summary>How many cards an invoice may differ from ordered and received quantities.</summary>
    public int QuantityTolerance { get; set; }
    public int MaxSerialsPerDelivery { get; set; } = 20_000;
}

/// <summary>
/// Which orders the list shows: free text over the PO number and the vendor's name, a status, a vendor and a datacenter
/// (exact, case-insensitive), and one 1-based page of <see cref="PageSize"/> (null: every match).
/// </summary>
public sealed record OrderQuery(
    string? Search = null, PurchaseOrderStatus? Status = null, string? Vendor = null, string? Datacenter = null, int Page = 1, int? PageSize = null);

/// <summary>One page of orders, newest first, and how many match the query.</summary>
public sealed record PagedOrders(IReadOnlyList<OrderItem> Items, int Total, int Page, int PageSize);

/// <summary>A card received against an order: what it is, where, and in which state now.</summary>
public sealed record OrderCardItem(string Serial, string Model, GpuStatus Status, string? Datacenter, DateTime? ReceivedAt, string? AssetTag);
