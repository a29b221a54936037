using Fleet.Domain.Catalog;
using Fleet.Domain.Lifecycle;

namespace Fleet.Domain.Inventory;

/// <summary>What a transition changed, for the audit trail.</summary>
public sealed record TransitionRecord(GpuStatus From, GpuStatus To, string Actor, string Role, DateTime At, string? Message);

/// <summary>The physical card, permanent from purchase to disposal. Its lifecycle lives here.</summary>
public partial class Gpu : IVersioned
{
    private readonly List<GpuPlacement> _placements = [];

    /// <summary>A new card in <paramref name="status"/>; afterwards the status changes only through <see cref="TransitionTo"/>.</summary>
    public Gpu(GpuStatus status = GpuStatus.Received)
    {
        Status = status;
    }

    public int Id { get; set; }
    public required string Serial { get; set; }
    public string? Uuid { get; set; }
    public string? AssetTag { get; set; }
    public string? BoardPartNumber { get; set; }
    public string? Vbios { get; set; }
    public int GpuModelId { get; set; }
    public GpuModel? Model { get; set; }
    public GpuStatus Status { get; private set; }
    public decimal? UnitCost { get; set; }
    public string Currency { get; set; } = "USD";
    public int? PurchaseOrderLineId { get; set; }
    public string? PoNumber { get; set; }
    public DateTime? ReceivedAt { get; set; }
    public DateTime? InServiceAt { get; set; }
    public DateTime? WarrantyEndsAt { get; set; }
    public string? Notes { get; set; }
    /// <summary>The card this one replaces under an RMA, if any; set only by <see cref="ReplacementFor"/>.</summary>
    public int? ReplacesGpuId { get; private set; }

    // Current placement, kept in step with the open GpuPlacement row so the grid filters without a join to history.
    public int? DatacenterId { get; set; }
    public Datacenter? Datacenter { get; set; }
    public int? HostId { get; set; }
    public Host? Host { get; set; }
    public int? Slot { get; set; }

    public IReadOnlyList<GpuPlacement> Placements => _placements;
    public long Version { get; set; }

    /// <summary>
    /// Moves the card to <paramref name="to"/> if the lifecycle table allows it for <paramref name="role"/> and the
    /// required fields are present; otherwise throws, naming the current state and the allowed ones.
    /// </summary>
    /// <remarks>
    /// Moves into and out of the RMA states (<see cref="GpuTransition.ViaRmaCase"/>) are refused here: the card's RMA case
    /// makes them (open, ship, replacement, credit, withdraw), so card and case never drift apart.
    /// </remarks>
    public TransitionRecord TransitionTo(GpuStatus to, string actor, string role, DateTime nowUtc, string? message = null)
    {
        if (GpuLifecycle.Find(Status, to) is { ViaRmaCase: true })
        {
            throw new DomainException(
                $"GPU {Serial} moves from {Status} to {to} only through its RMA case (open, ship, replacement, credit or withdraw on the RMA page).");
        }

        return Move(to, actor, role, nowUtc, message);
    }

    /// <summary>The move an RMA case makes on its card; the case has checked the role of its own step.</summary>
    internal TransitionRecord MoveUnderRma(GpuStatus to, string actor, string role, DateTime nowUtc, string? message)
    {
        var rule = GpuLifecycle.Find(Status, to);
        return rule is { ViaRmaCase: true }
            ? Move(to, actor, rule.Role, nowUtc, message, role)
            : Move(to, actor, role, nowUtc, message);
    }

    /// <summary>A vendor's replacement for <paramref name="original"/>: a new card in Received that continues the original's asset.</summary>
    public static Gpu ReplacementFor(Gpu original, string serial, DateTime receivedAt, decimal? unitCost, string? notes) => new()
    {
        Serial = serial, GpuModelId = original.GpuModelId, UnitCost = unitCost, Currency = original.Currency,
        PurchaseOrderLineId = original.PurchaseOrderLineId, PoNumber = original.PoNumber, ReceivedAt = receivedAt,
        WarrantyEndsAt = original.WarrantyEndsAt, DatacenterId = original.DatacenterId, ReplacesGpuId = original.Id, Notes = notes,
    };

    private TransitionRecord Move(GpuStatus to, string actor, string role, DateTime nowUtc, string? message, string? recordedRole = null)
    {
        var rule = GpuLifecycle.Find(Status, to);
        if (rule is null)
        {
            var allowed = GpuLifecycle.AllowedFrom(Status);
            throw new DomainException(
                $"GPU {Serial} cannot move from {Status} to {to}. Allowed from {Status}: " +
                (allowed.Count == 0 ? "none" : string.Join(", ", allowed)) + ".");
        }

        if (!Roles.Satisfies(role, rule.Role))
        {
            throw new ForbiddenException($"Moving a GPU to {to} needs the {rule.Role} role; you have {role}.");
        }

        foreach (var field in rule.Requires)
        {
            var missing = field switch
            {
                RequiredField.Message => string.IsNullOrWhiteSpace(message),
                RequiredField.Placement => HostId is null,
                _ => false,
            };
            if (missing)
            {
                throw new DomainException(field switch
                {
                    RequiredField.Message => $"Moving GPU {Serial} to {to} needs a message saying why.",
                    RequiredField.Placement => $"GPU {Serial} must be placed in a host before it goes {to}.",
                    _ => $"Moving GPU {Serial} to {to} needs {field}.",
                });
            }
        }

        var from = Status;
        Status = to;
        if (to == GpuStatus.Received)
        {
            ReceivedAt ??= nowUtc;
        }

        if (to == GpuStatus.InService)
        {
            InServiceAt ??= nowUtc;
        }

        if (to is GpuStatus.RmaShipped or GpuStatus.Retired or GpuStatus.Disposed && HostId is not null)
        {
            Unplace(nowUtc);
        }

        return new TransitionRecord(from, to, actor, recordedRole ?? role, nowUtc, message);
    }

    /// <summary>Places the card in a host slot, closing the previous placement.</summary>
    public void PlaceIn(Host host, int datacenterId, int slot, DateTime nowUtc, string? pciBusId = null)
    {
        if (slot < 0 || slot >= host.GpuSlots)
        {
            throw new DomainException($"Host {host.Hostname} has slots 0–{host.GpuSlots - 1}; slot {slot} does not exist.");
        }

        Unplace(nowUtc);
        HostId = host.Id;
        Host = host;
        DatacenterId = datacenterId;
        Slot = slot;
        _placements.Add(new GpuPlacement { GpuId = Id, HostId = host.Id, Slot = slot, PciBusId = pciBusId, From = nowUtc });
    }

    /// <summary>Takes the card out of its host, closing the open placement.</summary>
    public void Unplace(DateTime nowUtc)
    {
        foreach (var open in _placements.Where(p => p.To is null))
        {
            open.To = nowUtc;
        }

        HostId = null;
        Host = null;
        Slot = null;
    }
}
