using Fleet.Application.Common;
using Fleet.Domain;
using Fleet.Domain.Lifecycle;
using Fleet.Domain.Procurement;
using Microsoft.EntityFrameworkCore;

namespace Fleet.Application.Procurement;

/// <summary>
/// Which orders the list shows: free text over the PO number and the vendor's name, a status, a vendor and a datacenter
/// (exact, case-insensitive), and one 1-based page of <see cref="PageSize"/> (null: every match).
/// </summary>
public sealed record OrderQuery(
    string? Search = null, PurchaseOrderStatus? Status = null, string? Vendor = null, string? Datacenter = null, int Page = 1, int? PageSize = null);

/// <summary>One page of orders, newest first, and how many match the query.</summary>
public sealed record PagedOrders(IReadOnlyList<OrderItem> Items, int Total, int Page, int PageSize);

/// <summary>A card received against an order: what it is, where, and in which state now.</summary>
public sealed record OrderCardItem(string Serial, string Model, GpuStatus Status, string? Datacenter, DateTime? ReceivedAt, string? AssetTag);

public sealed partial class ProcurementService
{
    /// <summary>The largest page of orders one request returns.</summary>
    public const int MaxOrderPageSize = 500;

    /// <summary>The orders <paramref name="query"/> selects, newest first (ordered at, then number); a page past the end is the last page.</summary>
    public async Task<PagedOrders> OrdersAsync(OrderQuery query, CancellationToken ct = default)
    {
        if (query.PageSize is < 1 or > MaxOrderPageSize)
        {
            throw new ValidationException("pageSize", $"The page size is 1 to {MaxOrderPageSize} orders.");
        }

        if (query.Page < 1)
        {
            throw new ValidationException("page", "The page number starts at 1.");
        }

        await using var db = await contexts.CreateDbContextAsync(ct);
        var orders = db.PurchaseOrders.AsNoTracking();
        if (query.Status is { } status)
        {
            orders = orders.Where(o => o.Status == status);
        }

        if (!string.IsNullOrWhiteSpace(query.Vendor))
        {
            var vendor = query.Vendor.Trim().ToUpperInvariant();
            orders = orders.Where(o => o.Vendor!.Name.ToUpper() == vendor);
        }

        if (!string.IsNullOrWhiteSpace(query.Datacenter))
        {
            var dc = query.Datacenter.Trim().ToUpperInvariant();
            orders = orders.Where(o => db.Datacenters.Any(d => d.Id == o.DatacenterId && d.Code.ToUpper() == dc));
        }

        if (!string.IsNullOrWhiteSpace(query.Search))
        {
            var pattern = LikePattern.Contains(query.Search);
            orders = orders.Where(o => EF.Functions.Like(o.Number.ToUpper(), pattern, LikePattern.Escape)
                || EF.Functions.Like(o.Vendor!.Name.ToUpper(), pattern, LikePattern.Escape));
        }

        var total = await orders.CountAsync(ct);
        var size = query.PageSize ?? Math.Max(1, total);
        var page = Math.Clamp(query.Page, 1, Math.Max(1, (total + size - 1) / size));
        var rows = await orders.Include(o => o.Vendor).Include(o => o.Lines)
            .OrderByDescending(o => o.OrderedAt).ThenBy(o => o.Number)
            .Skip((page - 1) * size).Take(size).ToListAsync(ct);
        return new PagedOrders(await ToItemsAsync(db, rows, ct), total, page, size);
    }

    /// <summary>The cards received against order <paramref name="number"/> (on one of its lines), by serial.</summary>
    public async Task<IReadOnlyList<OrderCardItem>> OrderCardsAsync(string number, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var orderId = await db.PurchaseOrders.Where(o => o.Number == number).Select(o => (int?)o.Id).FirstOrDefaultAsync(ct)
            ?? throw new NotFoundException($"No purchase order '{number}'.");
        var lines = db.PurchaseOrderLines.Where(l => l.PurchaseOrderId == orderId).Select(l => (int?)l.Id);
        return await db.Gpus.AsNoTracking().Where(g => lines.Contains(g.PurchaseOrderLineId))
            .OrderBy(g => g.Serial)
            .Select(g => new OrderCardItem(g.Serial, g.Model!.Name, g.Status, g.Datacenter != null ? g.Datacenter.Code : null, g.ReceivedAt, g.AssetTag))
            .ToListAsync(ct);
    }
}
