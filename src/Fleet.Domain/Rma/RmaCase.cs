using System.Globalization;
using Fleet.Domain.Inventory;
using Fleet.Domain.Lifecycle;

namespace Fleet.Domain.Rma;

/// <summary>Where a return to the vendor stands.</summary>
public enum RmaStatus
{
    Open,
    Shipped,
    Closed,
}

/// <summary>
/// A failed card's return to its vendor, from opening to replacement and credit. The case and its card move together:
/// each step of the case makes the card's RMA move, and the card's RMA states change only through the case.
/// </summary>
public class RmaCase : IVersioned
{
    private RmaCase()
    {
    }

    public int Id { get; private set; }
    public int GpuId { get; private set; }
    public int? VendorId { get; private set; }
    public RmaStatus Status { get; private set; } = RmaStatus.Open;
    public string Reason { get; private set; } = "";
    /// <summary>The failing findings as text or JSON (burn-in output, logs), as the technician attached them.</summary>
    public string? Evidence { get; private set; }
    public string? VendorCaseNumber { get; private set; }
    public DateTime OpenedAt { get; private set; }
    public string OpenedBy { get; private set; } = "";
    public DateTime? ShippedAt { get; private set; }
    public string? TrackingNumber { get; private set; }
    public bool AdvanceReplacement { get; private set; }
    public decimal? CreditAmount { get; private set; }
    public string? CreditCurrency { get; private set; }
    public DateTime? ClosedAt { get; private set; }
    public int? ReplacementGpuId { get; private set; }
    public long Version { get; set; }

    public bool IsClosed => Status == RmaStatus.Closed;

    /// <summary>Opens a case for a Failed card (Technician) and moves the card to RmaPending.</summary>
    public static RmaCase Open(Gpu gpu, int? vendorId, string reason, string? evidence, string? vendorCaseNumber, bool advanceReplacement,
        string actor, string role, DateTime nowUtc, out TransitionRecord move)
    {
        Require(role, Roles.Technician, "Opening an RMA case");
        if (string.IsNullOrWhiteSpace(reason))
        {
            throw new DomainException("Say why the card goes back to its vendor.");
        }

        if (gpu.Status != GpuStatus.Failed)
        {
            throw new DomainException($"GPU {gpu.Serial} is {gpu.Status}; only a Failed card gets an RMA case.");
        }

        var rma = new RmaCase
        {
            GpuId = gpu.Id, VendorId = vendorId, Reason = reason.Trim(), Evidence = evidence, VendorCaseNumber = vendorCaseNumber,
            AdvanceReplacement = advanceReplacement, OpenedAt = nowUtc, OpenedBy = actor,
        };
        move = gpu.MoveUnderRma(GpuStatus.RmaPending, actor, role, nowUtc, $"RMA opened: {rma.Reason}");
        return rma;
    }

    /// <summary>The card went to the vendor (Technician): the card becomes RmaShipped, and Returned at once when an advance replacement already came.</summary>
    public IReadOnlyList<TransitionRecord> Ship(Gpu gpu, string trackingNumber, DateTime shippedAt, string? vendorCaseNumber, string actor, string role,
        DateTime nowUtc)
    {
        Require(role, Roles.Technician, "Shipping an RMA");
        RequireCard(gpu);
        if (Status != RmaStatus.Open)
        {
            throw new DomainException($"RMA case {Id} is {Status}; only an open case can be shipped.");
        }

        if (string.IsNullOrWhiteSpace(trackingNumber))
        {
            throw new DomainException($"Shipping RMA case {Id} needs the carrier's tracking number.");
        }

        if (shippedAt < OpenedAt.Date || shippedAt > nowUtc.AddDays(1))
        {
            throw new DomainException(string.Create(CultureInfo.InvariantCulture,
                $"shippedAt {shippedAt:yyyy-MM-dd} must lie between the case's opening ({OpenedAt:yyyy-MM-dd}) and today."));
        }

        var moves = new List<TransitionRecord>
        {
            gpu.MoveUnderRma(GpuStatus.RmaShipped, actor, role, nowUtc, $"RMA {Id} shipped, tracking {trackingNumber}"),
        };
        ShippedAt = shippedAt;
        TrackingNumber = trackingNumber;
        VendorCaseNumber = vendorCaseNumber ?? VendorCaseNumber;
        Status = RmaStatus.Shipped;
        if (ReplacementGpuId is not null)
        {
            moves.Add(gpu.MoveUnderRma(GpuStatus.Returned, actor, role, nowUtc, $"RMA {Id}: replaced in advance"));
            Close(nowUtc);
        }

        return moves;
    }

    /// <summary>
    /// Links the vendor's replacement (Technician; a shipped case, or an open one with advance replacement); a shipped
    /// case closes and its card becomes Returned. Returns the card's move, if it made one.
    /// </summary>
    public TransitionRecord? AttachReplacement(Gpu gpu, Gpu replacement, string actor, string role, DateTime nowUtc)
    {
        Require(role, Roles.Technician, "Receiving an RMA replacement");
        RequireCard(gpu);
        if (ReplacementGpuId is not null || Status == RmaStatus.Closed)
        {
            throw new DomainException($"RMA case {Id} already has its replacement or is closed.");
        }

        if (Status == RmaStatus.Open && !AdvanceReplacement)
        {
            throw new DomainException($"RMA case {Id} has not been shipped and is not an advance replacement; ship the failed card first.");
        }

        if (replacement.ReplacesGpuId != gpu.Id || replacement.Id == 0)
        {
            throw new DomainException($"Card {replacement.Serial} is not a saved replacement for {gpu.Serial}.");
        }

        ReplacementGpuId = replacement.Id;
        if (Status != RmaStatus.Shipped)
        {
            return null;
        }

        var move = gpu.MoveUnderRma(GpuStatus.Returned, actor, role, nowUtc, $"RMA {Id}: replaced by {replacement.Serial}");
        Close(nowUtc);
        return move;
    }

    /// <summary>
    /// Records the vendor's credit (Finance: it changes a cost basis) on a case that is not closed; the replacement's cost,
    /// if there is one, becomes the original's cost less the credit.
    /// </summary>
    public void RecordCredit(Gpu gpu, Gpu? replacement, decimal amount, string currency, string role)
    {
        Require(role, Roles.Finance, "Recording an RMA credit");
        RequireCard(gpu);
        if (Status == RmaStatus.Closed)
        {
            throw new DomainException(string.Create(CultureInfo.InvariantCulture,
                $"RMA case {Id} was closed on {ClosedAt:yyyy-MM-dd}; a credit is recorded only on an open or shipped case."));
        }

        var code = currency.Trim().ToUpperInvariant();
        if (code != gpu.Currency)
        {
            throw new DomainException($"The credit is in {code} but GPU {gpu.Serial} was bought in {gpu.Currency}; record it in {gpu.Currency}.");
        }

        if (amount < 0 || (gpu.UnitCost is { } cost && amount > cost))
        {
            throw new DomainException(string.Create(CultureInfo.InvariantCulture,
                $"A credit must lie between 0 and the card's cost ({gpu.UnitCost}); got {amount}."));
        }

        if (replacement is not null && replacement.Id != ReplacementGpuId)
        {
            throw new DomainException($"Card {replacement.Serial} is not the replacement of RMA case {Id}.");
        }

        CreditAmount = amount;
        CreditCurrency = code;
        if (replacement is not null && gpu.UnitCost is { } original)
        {
            replacement.UnitCost = original - amount;
        }
    }

    /// <summary>Ends a shipped case on its credit without a replacement (Finance); the card becomes Returned.</summary>
    public TransitionRecord CloseOnCredit(Gpu gpu, string actor, string role, DateTime nowUtc)
    {
        Require(role, Roles.Finance, "Closing an RMA case on a credit");
        RequireCard(gpu);
        if (Status != RmaStatus.Shipped)
        {
            throw new DomainException($"RMA case {Id} is {Status}; only a shipped case can be closed on a credit.");
        }

        if (CreditAmount is null)
        {
            throw new DomainException($"RMA case {Id} has no credit recorded; record the vendor's credit to close it.");
        }

        var move = gpu.MoveUnderRma(GpuStatus.Returned, actor, role, nowUtc, $"RMA {Id}: closed on credit");
        Close(nowUtc);
        return move;
    }

    /// <summary>Withdraws an unshipped case (Technician: no fault found, or the vendor refused it); the card goes back to Validated.</summary>
    public TransitionRecord Withdraw(Gpu gpu, string reason, string actor, string role, DateTime nowUtc)
    {
        Require(role, Roles.Technician, "Withdrawing an RMA case");
        RequireCard(gpu);
        if (Status != RmaStatus.Open)
        {
            throw new DomainException($"RMA case {Id} is {Status}; only an open case that has not been shipped can be withdrawn.");
        }

        if (ReplacementGpuId is not null)
        {
            throw new DomainException($"RMA case {Id} already has its advance replacement; ship the failed card instead.");
        }

        if (string.IsNullOrWhiteSpace(reason))
        {
            throw new DomainException($"Withdrawing RMA case {Id} needs a reason.");
        }

        var move = gpu.MoveUnderRma(GpuStatus.Validated, actor, role, nowUtc, $"RMA {Id} withdrawn: {reason.Trim()}");
        Close(nowUtc);
        return move;
    }

    private void Close(DateTime nowUtc)
    {
        Status = RmaStatus.Closed;
        ClosedAt = nowUtc;
    }

    private void RequireCard(Gpu gpu)
    {
        if (gpu.Id != GpuId)
        {
            throw new DomainException($"GPU {gpu.Serial} is not the card of RMA case {Id}.");
        }
    }

    private static void Require(string role, string required, string what)
    {
        if (!Roles.Satisfies(role, required))
        {
            throw new ForbiddenException($"{what} needs the {required} role; you have {role}.");
        }
    }
}
