using Fleet.Domain.Inventory;
using Fleet.Domain.Lifecycle;

namespace Fleet.Application.Inventory;

/// <summary>
/// The cards the grid's filters select (<see cref="All"/>), and the same cards as several queries whose union is
/// <see cref="All"/> (<see cref="Branches"/>), each served by its own index:
/// <list type="bullet">
/// <item>with a text search on PostgreSQL, one query per searched column (they may overlap);</item>
/// <item>with a status, datacenter or model filter, one query per combination of the three (<see cref="Combos"/>,
/// disjoint): each is one range of a (status, datacenter_id, gpu_model_id, sort key, id) index, in the sort's order,
/// where one query over all of them walked the sort key's index past every card the filter leaves out.</item>
/// </list>
/// </summary>
internal sealed record GpuFilter(IQueryable<Gpu> All, IReadOnlyList<IQueryable<Gpu>>? Branches, IReadOnlyList<GpuCombo>? Combos = null);

/// <summary>One combination of a status, a datacenter (null: none) and a model: one branch of a filtered grid query.</summary>
internal readonly record struct GpuCombo(GpuStatus Status, int? DatacenterId, int ModelId);
