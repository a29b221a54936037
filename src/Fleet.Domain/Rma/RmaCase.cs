namespace Fleet.Domain.Rma;

/// <summary>Where a return to the vendor stands.</summary>
public enum RmaStatus
{
    Open,
    Shipped,
    Closed,
}

/// <summary>A failed card's return to its vendor, from opening to replacement and credit.</summary>
public class RmaCase : IVersioned
{
    public int Id { get; set; }
    public int GpuId { get; set; }
    public int? VendorId { get; set; }
    public RmaStatus Status { get; set; } = RmaStatus.Open;
    public required string Reason { get; set; }
    /// <summary>The failing findings as text or JSON (burn-in output, logs), as the technician attached them.</summary>
    public string? Evidence { get; set; }
    public string? VendorCaseNumber { get; set; }
    public DateTime OpenedAt { get; set; }
    public string OpenedBy { get; set; } = "";
    public DateTime? ShippedAt { get; set; }
    public string? TrackingNumber { get; set; }
    public bool AdvanceReplacement { get; set; }
    public decimal? CreditAmount { get; set; }
    public string? CreditCurrency { get; set; }
    public DateTime? ClosedAt { get; set; }
    public int? ReplacementGpuId { get; set; }
    public long Version { get; set; }
}
