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
    ReceivedAt,
}

/// <summary>One row of the lifecycle table: from these states, to that one, by that role, with those fields.</summary>
public sealed record GpuTransition(IReadOnlySet<GpuStatus> From, GpuStatus To, string Role, IReadOnlySet<RequiredField> Requires);

/// <summary>The GPU lifecycle as a table; DESIGN.md draws it.</summary>
public static class GpuLifecycle
{
    private static GpuTransition T(GpuStatus to, string role, GpuStatus[] from, params RequiredField[] requires) =>
        new(new HashSet<GpuStatus>(from), to, role, new HashSet<RequiredField>(requires));

    public static IReadOnlyList<GpuTransition> Transitions { get; } =
    [
        T(GpuStatus.Received, Roles.Procurement, [GpuStatus.Ordered], RequiredField.ReceivedAt),
        T(GpuStatus.BurnIn, Roles.Technician, [GpuStatus.Received, GpuStatus.Failed, GpuStatus.Maintenance, GpuStatus.Returned]),
        T(GpuStatus.Validated, Roles.Technician, [GpuStatus.BurnIn, GpuStatus.RmaPending]),
        T(GpuStatus.InService, Roles.Technician, [GpuStatus.Validated, GpuStatus.Maintenance], RequiredField.Placement),
        T(GpuStatus.Maintenance, Roles.Technician, [GpuStatus.InService], RequiredField.Message),
        T(GpuStatus.Failed, Roles.Technician, [GpuStatus.BurnIn, GpuStatus.Validated, GpuStatus.InService, GpuStatus.Maintenance], RequiredField.Message),
        T(GpuStatus.RmaPending, Roles.Technician, [GpuStatus.Failed]),
        T(GpuStatus.RmaShipped, Roles.Technician, [GpuStatus.RmaPending]),
        T(GpuStatus.Returned, Roles.Technician, [GpuStatus.RmaShipped]),
        T(GpuStatus.Retired, Roles.Procurement, Enum.GetValues<GpuStatus>().Where(s => s is not GpuStatus.Disposed and not GpuStatus.Retired).ToArray(), RequiredField.Message),
        T(GpuStatus.Disposed, Roles.Procurement, [GpuStatus.Retired]),
    ];

    /// <summary>The rule for moving from <paramref name="from"/> to <paramref name="to"/>, or null when no rule allows it.</summary>
    public static GpuTransition? Find(GpuStatus from, GpuStatus to) =>
        Transitions.FirstOrDefault(t => t.To == to && t.From.Contains(from));

    /// <summary>The states reachable from <paramref name="from"/> in one step (for any role).</summary>
    public static IReadOnlyList<GpuStatus> AllowedFrom(GpuStatus from) =>
        Transitions.Where(t => t.From.Contains(from)).Select(t => t.To).ToList();

    /// <summary>The states <paramref name="role"/> may move a card to from <paramref name="from"/>.</summary>
    public static IReadOnlyList<GpuStatus> AllowedFrom(GpuStatus from, string role) =>
        Transitions.Where(t => t.From.Contains(from) && Roles.Satisfies(role, t.Role)).Select(t => t.To).ToList();

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
