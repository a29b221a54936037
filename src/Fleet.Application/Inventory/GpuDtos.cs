using Fleet.Domain.Lifecycle;
using Fleet.Domain.Rma;

namespace Fleet.Application.Inventory;

/// <summary>Filters, paging and sort of the inventory grid and of <c>GET /api/gpus</c>.</summary>
/// <remarks>
/// <see cref="Status"/>, <see cref="Datacenter"/> and <see cref="Model"/> each take one value or several, comma-separated
/// (<c>Failed,InService</c>): a card matches when it has any of them (and every other filter).
/// </remarks>
public sealed record GpuQuery
{
    public string? Status { get; init; }
    public string? Datacenter { get; init; }
    public string? Model { get; init; }
    public string? Search { get; init; }
    public int Page { get; init; } = 1;
    public int PageSize { get; init; } = 50;
    /// <summary>A field as it appears in the JSON (<c>serial</c>), <c>-</c> first for descending.</summary>
    public string? Sort { get; init; }
    /// <summary>A cursor from <see cref="GpuListPage.Next"/>: the page after it (keyset paging, as fast at any depth).</summary>
    public string? After { get; init; }
    /// <summary>A cursor from <see cref="GpuListPage.Previous"/> or <see cref="GpuListPage.Last"/>: the page before it.</summary>
    public string? Before { get; init; }
    /// <summary>Count every match even where an estimate would be cheaper (<c>count=exact</c>).</summary>
    public bool ExactCount { get; init; }

    /// <summary>The values of a multi-value filter: split at commas, trimmed, empty ones and repeats (any case) dropped.</summary>
    public static IReadOnlyList<string> Values(string? list) =>
        string.IsNullOrWhiteSpace(list) ? []
            : [.. list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Distinct(StringComparer.OrdinalIgnoreCase)];

    /// <summary>Joins filter values back into the comma list <see cref="Status"/> and its siblings hold (null when none).</summary>
    public static string? Join(IEnumerable<string>? values) =>
        values?.Where(v => !string.IsNullOrWhiteSpace(v)).Select(v => v.Trim()).ToList() is { Count: > 0 } list ? string.Join(',', list) : null;
}

/// <summary>
/// One page of the grid. <see cref="TotalIsEstimate"/> says <see cref="Total"/> is the planner's estimate (a large
/// match on PostgreSQL); ask again with <c>count=exact</c> for the figure. <see cref="Next"/> and
/// <see cref="Previous"/> are opaque, signed cursors for <c>after=</c> and <c>before=</c> (null at either end);
/// <see cref="Last"/> passed as <c>before=</c> gives the last page.
/// </summary>
public sealed record GpuListPage(int Total, bool TotalIsEstimate, IReadOnlyList<GpuListItem> Items, string? Next, string? Previous, string Last);

/// <summary>One row of the inventory grid.</summary>
public sealed record GpuListItem(
    string Serial,
    string? Uuid,
    string? AssetTag,
    string Model,
    GpuStatus Status,
    string? Datacenter,
    string? Host,
    int? Slot,
    decimal? UnitCost,
    string Currency,
    string? PoNumber,
    DateTime? ReceivedAt,
    DateTime? WarrantyEndsAt,
    long Version);

public sealed record PlacementItem(string Datacenter, string Rack, string Host, int Slot, string? PciBusId, DateTime From, DateTime? To);

public sealed record GpuModelItem(
    string Name, string Vendor, string Architecture, string FormFactor, int MemoryGb, double MemoryBandwidthTbs,
    double Fp64Tflops, double Fp32Tflops, double Tf32Tflops, double Fp16Tflops, double Bf16Tflops, double? Fp8Tflops,
    int TdpW, decimal TypicalPriceUsd, int Gpus);

/// <summary>The RMA case a card went back under: its id and where it stands.</summary>
public sealed record GpuRmaLink(int Id, RmaStatus Status);

/// <summary>
/// Everything the GPU page shows. <see cref="Rma"/> is the card's RMA case (the open one, else the latest), and
/// <see cref="ReplacedBySerial"/> the card that replaced it; <see cref="ReplacesSerial"/> the one it replaces.
/// </summary>
public sealed record GpuDetail(
    GpuListItem Gpu,
    string? BoardPartNumber,
    string? Vbios,
    DateTime? InServiceAt,
    string? Notes,
    string? ReplacesSerial,
    GpuModelItem ModelSpec,
    IReadOnlyList<PlacementItem> Placements,
    IReadOnlyList<GpuStatus> AllowedTransitions,
    GpuRmaLink? Rma = null,
    string? ReplacedBySerial = null);

/// <param name="References">
/// Display names for the ids the snapshots hold, keyed "field:id" (for example "hostId:17" → "fra1-r03-h07"), so a
/// reader sees which model, datacenter or host a change was about.
/// </param>
public sealed record AuditItem(
    DateTime At, string Actor, string Action, string? Message, string? BeforeJson, string? AfterJson, string? RequestId,
    IReadOnlyDictionary<string, string>? References = null);

public sealed record DatacenterItem(string Code, string Name, decimal PowerCapacityKw, decimal Pue, decimal ElectricityPricePerKwh,
    string Currency, int Racks, int Hosts, int Gpus);

public sealed record CountItem(string Key, int Count);

public sealed record FleetSummary(int Total, IReadOnlyList<CountItem> ByStatus, IReadOnlyList<CountItem> ByDatacenter,
    IReadOnlyList<CountItem> ByModel);

/// <summary>A status change asked for by a user; <see cref="ExpectedVersion"/> guards against a stale page.</summary>
public sealed record TransitionRequest(string To, string? Message, long? ExpectedVersion = null);
