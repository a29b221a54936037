namespace Fleet.Domain.Procurement;

public class Vendor : IVersioned
{
    public int Id { get; set; }
    public required string Name { get; set; }
    public string? ContactEmail { get; set; }
    public string? Notes { get; set; }
    public long Version { get; set; }
}

public enum PurchaseOrderStatus
{
    Draft,
    Submitted,
    PartiallyReceived,
    Received,
    Cancelled,
}

public class PurchaseOrder : IVersioned
{
    public int Id { get; set; }
    public required string Number { get; set; }
    public int VendorId { get; set; }
    public Vendor? Vendor { get; set; }
    public DateTime OrderedAt { get; set; }
    public string Currency { get; set; } = "USD";
    public PurchaseOrderStatus Status { get; set; } = PurchaseOrderStatus.Draft;
    public int? DatacenterId { get; set; }
    public string? Notes { get; set; }
    public List<PurchaseOrderLine> Lines { get; set; } = [];
    public long Version { get; set; }
}

public class PurchaseOrderLine
{
    public int Id { get; set; }
    public int PurchaseOrderId { get; set; }
    public PurchaseOrder? PurchaseOrder { get; set; }
    public int GpuModelId { get; set; }
    public int Quantity { get; set; }
    public decimal UnitPrice { get; set; }
    public int QuantityReceived { get; set; }
    public int WarrantyMonths { get; set; } = 36;
    public DateTime? ExpectedDelivery { get; set; }
}
