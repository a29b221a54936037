namespace Fleet.Domain.Lifecycle;

/// <summary>Where a card is in its life, from order to disposal.</summary>
public enum GpuStatus
{
    Ordered,
    Received,
    BurnIn,
    Validated,
    InService,
    Maintenance,
    Failed,
    RmaPending,
    RmaShipped,
    Returned,
    Retired,
    Disposed,
}

/// <summary>A field a transition needs before it is allowed.</summary>
public enum RequiredField
{
    Message,
    Placement,
}

/// <summary>
/// One row of the lifecycle table: from these states, to that one, by that role, with those fields. A row
/// <see cref="ViaRmaCase"/> is a step of the card's RMA case and is made only by the case.
/// </summary>
public sealed record GpuTransition(IReadOnlySet<GpuStatus> From, GpuStatus To, string Role, IReadOnlySet<RequiredField> Requires, bool ViaRmaCase = false);

/// <summary>The GPU lifecycle as a table; DESIGN.md draws it.</summary>
public static class GpuLifecycle
{
    private static GpuTransition T(GpuStatus to, string role, GpuStatus[] from, params RequiredField[] requires) =>
        new(new HashSet<GpuStatus>(from), to, role, new HashSet<RequiredField>(requires));

    private static GpuTransition Rma(GpuStatus to, GpuStatus[] from) =>
        new(new HashSet<GpuStatus>(from), to, Roles.Technician, new HashSet<RequiredField>(), ViaRmaCase: true);

    /// <summary>The states a card is in while its RMA case is open.</summary>
    public static IReadOnlySet<GpuStatus> OpenRmaStates { get; } = new HashSet<GpuStatus> { GpuStatus.RmaPending, GpuStatus.RmaShipped };

    public static IReadOnlyList<GpuTransition> Transitions { get; } =
    [
        T(GpuStatus.Received, Roles.Procurement, [GpuStatus.Ordered]),
        T(GpuStatus.BurnIn, Roles.Technician, [GpuStatus.Received, GpuStatus.Failed, GpuStatus.Maintenance, GpuStatus.Returned]),
        T(GpuStatus.Validated, Roles.Technician, [GpuStatus.BurnIn]),
        T(GpuStatus.InService, Roles.Technician, [GpuStatus.Validated, GpuStatus.Maintenance], RequiredField.Placement),
        T(GpuStatus.Maintenance, Roles.Technician, [GpuStatus.InService], RequiredField.Message),
        T(GpuStatus.Failed, Roles.Technician, [GpuStatus.BurnIn, GpuStatus.Validated, GpuStatus.InService, GpuStatus.Maintenance], RequiredField.Message),
        // The RMA case's steps: opening, shipping, replacement or credit, and withdrawing an unshipped case (no fault found).
        Rma(GpuStatus.RmaPending, [GpuStatus.Failed]),
        Rma(GpuStatus.RmaShipped, [GpuStatus.RmaPending]),
        Rma(GpuStatus.Returned, [GpuStatus.RmaShipped]),
        Rma(GpuStatus.Validated, [GpuStatus.RmaPending]),
        // A card under an open case is retired only after the case ends.
        T(GpuStatus.Retired, Roles.Procurement, Enum.GetValues<GpuStatus>()
            .Where(s => s is not GpuStatus.Disposed and not GpuStatus.Retired and not GpuStatus.RmaPending and not GpuStatus.RmaShipped).ToArray(),
            RequiredField.Message),
        T(GpuStatus.Disposed, Roles.Procurement, [GpuStatus.Retired]),
    ];

    /// <summary>The rule for moving from <paramref name="from"/> to <paramref name="to"/>, or null when no rule allows it.</summary>
    public static GpuTransition? Find(GpuStatus from, GpuStatus to) =>
        Transitions.FirstOrDefault(t => t.To == to && t.From.Contains(from));

    /// <summary>The states reachable from <paramref name="from"/> in one step (for any role), the RMA case's steps included.</summary>
    public static IReadOnlyList<GpuStatus> AllowedFrom(GpuStatus from) =>
        Transitions.Where(t => t.From.Contains(from)).Select(t => t.To).ToList();

    /// <summary>The states <paramref name="role"/> may move a card to from <paramref name="from"/> directly (not the RMA case's steps).</summary>
    public static IReadOnlyList<GpuStatus> AllowedFrom(GpuStatus from, string role) =>
        Transitions.Where(t => t.From.Contains(from) && !t.ViaRmaCase && Roles.Satisfies(role, t.Role)).Select(t => t.To).ToList();

    /// <summary>Parses a state name case-insensitively; throws a <see cref="DomainException"/> listing valid names.</summary>
    public static GpuStatus Parse(string name) =>
        TryParse(name, out var status)
            ? status
            : throw new DomainException($"Unknown status '{name}'. Valid statuses: {string.Join(", ", Enum.GetNames<GpuStatus>())}.");

    public static bool TryParse(string? name, out GpuStatus status)
    {
        status = default;
        return !string.IsNullOrWhiteSpace(name)
            && !int.TryParse(name, out _)
            && Enum.TryParse(name.Trim(), ignoreCase: true, out status)
            && Enum.IsDefined(status);
    }
}
