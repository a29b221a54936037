namespace Fleet.Domain.Procurement;

public class Vendor : IVersioned
{
    public int Id { get; set; }
    public required string Name { get; set; }
    public string? ContactEmail { get; set; }
    public string? Notes { get; set; }
    public long Version { get; set; }

    /// <summary>When the vendor was deactivated (null: active). A deactivated vendor keeps its history but takes no new orders or quotes.</summary>
    public DateTime? DeactivatedAt { get; private set; }

    public bool IsActive => DeactivatedAt is null;

    public void Deactivate(DateTime nowUtc) => DeactivatedAt ??= nowUtc;

    public void Reactivate() => DeactivatedAt = null;

    /// <summary>Refuses new business (<paramref name="what"/>: "order", "quote") with a deactivated vendor.</summary>
    public void EnsureTakesNew(string what)
    {
        if (!IsActive)
        {
            throw new DomainException(
                $"Vendor {Name} was deactivated on {DeactivatedAt:yyyy-MM-dd}; it takes no new {what}s. Reactivate it on its vendor page first.");
        }
    }
}

public enum PurchaseOrderStatus
{
    Draft,
    Submitted,
    PartiallyReceived,
    Received,
    Cancelled,
}

/// <summary>
/// An order to a vendor. Its status and its lines change only through its methods: lines are added while it is a
/// Draft, it is submitted or cancelled, and receipts move it to PartiallyReceived and Received.
/// </summary>
public class PurchaseOrder : IVersioned
{
    private readonly List<PurchaseOrderLine> _lines = [];

    public int Id { get; set; }
    public required string Number { get; set; }
    public int VendorId { get; set; }
    public Vendor? Vendor { get; set; }
    public DateTime OrderedAt { get; set; }
    public string Currency { get; set; } = "USD";
    public PurchaseOrderStatus Status { get; private set; } = PurchaseOrderStatus.Draft;
    public int? DatacenterId { get; set; }
    public string? Notes { get; set; }
    public IReadOnlyList<PurchaseOrderLine> Lines => _lines;
    public long Version { get; set; }

    /// <summary>True once the order went to the vendor and was not cancelled: only then can it be invoiced.</summary>
    public bool AcceptsInvoices => Status is PurchaseOrderStatus.Submitted or PurchaseOrderStatus.PartiallyReceived or PurchaseOrderStatus.Received;

    /// <summary>Adds a line to a Draft order; quantity and unit price must be positive.</summary>
    public PurchaseOrderLine AddLine(int gpuModelId, int quantity, decimal unitPrice, int warrantyMonths = 36, DateTime? expectedDelivery = null)
    {
        if (Status != PurchaseOrderStatus.Draft)
        {
            throw new DomainException($"Purchase order {Number} is {Status}; lines are added only to a Draft order.");
        }

        var line = PurchaseOrderLine.Create(gpuModelId, quantity, unitPrice, warrantyMonths, expectedDelivery);
        line.PurchaseOrder = this;
        _lines.Add(line);
        return line;
    }

    /// <summary>Draft → Submitted.</summary>
    public void Submit()
    {
        RequireStatus(PurchaseOrderStatus.Submitted, PurchaseOrderStatus.Draft);
        if (_lines.Count == 0)
        {
            throw new DomainException($"Purchase order {Number} has no lines; add one before submitting it.");
        }

        Status = PurchaseOrderStatus.Submitted;
    }

    /// <summary>Draft or Submitted → Cancelled; an order with receipts cannot be cancelled.</summary>
    public void Cancel()
    {
        RequireStatus(PurchaseOrderStatus.Cancelled, PurchaseOrderStatus.Draft, PurchaseOrderStatus.Submitted);
        if (_lines.Any(l => l.QuantityReceived > 0))
        {
            throw new DomainException($"Purchase order {Number} has received cards; it cannot be cancelled.");
        }

        Status = PurchaseOrderStatus.Cancelled;
    }

    /// <summary>The status the order would have after receiving <paramref name="counts"/> more cards per line id.</summary>
    public PurchaseOrderStatus StatusAfterReceiving(IReadOnlyDictionary<int, int> counts) =>
        _lines.All(l => l.QuantityReceived + counts.GetValueOrDefault(l.Id) >= l.Quantity)
            ? PurchaseOrderStatus.Received
            : PurchaseOrderStatus.PartiallyReceived;

    /// <summary>Records <paramref name="count"/> cards received on <paramref name="line"/> and moves the order on.</summary>
    public void Receive(PurchaseOrderLine line, int count)
    {
        if (Status is not (PurchaseOrderStatus.Submitted or PurchaseOrderStatus.PartiallyReceived))
        {
            throw new DomainException($"Purchase order {Number} is {Status}; deliveries are received against Submitted or PartiallyReceived orders.");
        }

        if (!_lines.Contains(line))
        {
            throw new DomainException($"That line is not on purchase order {Number}.");
        }

        if (count < 1 || line.QuantityReceived + count > line.Quantity)
        {
            throw new DomainException(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"Purchase order {Number} orders {line.Quantity} on that line, {line.QuantityReceived} already received; {count} more is not possible."));
        }

        line.QuantityReceived += count;
        Status = _lines.All(l => l.QuantityReceived >= l.Quantity) ? PurchaseOrderStatus.Received : PurchaseOrderStatus.PartiallyReceived;
    }

    private void RequireStatus(PurchaseOrderStatus to, params PurchaseOrderStatus[] from)
    {
        if (!from.Contains(Status))
        {
            throw new DomainException($"Purchase order {Number} is {Status}; only a {string.Join(" or ", from)} order can become {to}.");
        }
    }
}

/// <summary>One ordered model, quantity and price; what has been received of it changes only through its order.</summary>
public class PurchaseOrderLine
{
    private PurchaseOrderLine()
    {
    }

    internal static PurchaseOrderLine Create(int gpuModelId, int quantity, decimal unitPrice, int warrantyMonths, DateTime? expectedDelivery)
    {
        if (quantity < 1)
        {
            throw new DomainException(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"An order line needs a quantity of at least 1, got {quantity}."));
        }

        if (unitPrice <= 0)
        {
            throw new DomainException(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"An order line needs a unit price above 0, got {unitPrice}."));
        }

        return new PurchaseOrderLine
        {
            GpuModelId = gpuModelId, Quantity = quantity, UnitPrice = unitPrice, WarrantyMonths = warrantyMonths, ExpectedDelivery = expectedDelivery,
        };
    }

    public int Id { get; set; }
    public int PurchaseOrderId { get; set; }
    public PurchaseOrder? PurchaseOrder { get; set; }
    public int GpuModelId { get; private set; }
    public int Quantity { get; private set; }
    public decimal UnitPrice { get; private set; }
    public int QuantityReceived { get; internal set; }
    public int WarrantyMonths { get; private set; } = 36;
    public DateTime? ExpectedDelivery { get; private set; }
}
