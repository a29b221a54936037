using Fleet.Domain.Inventory;

namespace Fleet.Application.Inventory;

/// <summary>
/// The cards the grid's filters select (<see cref="All"/>); with a text search on PostgreSQL also the same cards as one
/// query per searched column (<see cref="Branches"/>, their union is <see cref="All"/>), each served by its own index.
/// </summary>
internal sealed record GpuFilter(IQueryable<Gpu> All, IReadOnlyList<IQueryable<Gpu>>? Branches);
