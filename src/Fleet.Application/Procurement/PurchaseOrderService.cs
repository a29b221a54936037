using Fleet.Domain.Procurement;

namespace Fleet.Application.Procurement;

/// <summary>Purchase orders: the list, one order and its cards, a new Draft, submit and cancel; every write audited.</summary>
public sealed class PurchaseOrderService(IDbContextFactory<FleetDbContext> contexts, TimeProvider time)
{
    /// <summary>The largest page of orders one request returns.</summary>
    public const int MaxPageSize = 500;

    /// <summary>Every order, newest first.</summary>
    public async Task<IReadOnlyList<OrderItem>> ListAsync(CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var orders = await db.PurchaseOrders.AsNoTracking().Include(o => o.Vendor).Include(o => o.Lines)
            .OrderByDescending(o => o.OrderedAt).ThenBy(o => o.Number).ToListAsync(ct);
        return await PurchaseOrderRecords.ToItemsAsync(db, orders, ct);
    }

    /// <summary>The orders <paramref name="query"/> selects, newest first (ordered at, then number); a page past the end is the last page.</summary>
    public async Task<PagedOrders> ListAsync(OrderQuery query, CancellationToken ct = default)
    {
        if (query.PageSize is < 1 or > MaxPageSize)
        {
            throw new ValidationException("pageSize", $"The page size is 1 to {MaxPageSize} orders.");
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
        return new PagedOrders(await PurchaseOrderRecords.ToItemsAsync(db, rows, ct), total, page, size);
    }

    public async Task<OrderItem> GetAsync(string number, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await PurchaseOrderRecords.GetAsync(db, number, ct);
    }

    /// <summary>The cards received against order <paramref name="number"/> (on one of its lines), by serial.</summary>
    public async Task<IReadOnlyList<OrderCardItem>> CardsAsync(string number, CancellationToken ct = default)
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

    /// <summary>Records a new order as Draft after checking every field; nothing is written when one is wrong.</summary>
    public async Task<OrderItem> CreateAsync(CreateOrderRequest request, Actor actor, CancellationToken ct = default)
    {
        Access.Require(actor, Roles.Procurement, "Creating purchase orders");
        await using var db = await contexts.CreateDbContextAsync(ct);
        var order = await PurchaseOrderRecords.AddDraftAsync(db, request, actor, time.GetUtcNow().UtcDateTime, ct);
        await db.SaveOrConflictAsync($"Purchase order {order.Number}", ct);
        return await PurchaseOrderRecords.GetAsync(db, order.Number, ct);
    }

    /// <summary>Draft → Submitted.</summary>
    public Task<OrderItem> SubmitAsync(string number, Actor actor, CancellationToken ct = default) =>
        MoveAsync(number, o => o.Submit(), actor, ct);

    /// <summary>Draft or Submitted → Cancelled; an order with receipts cannot be cancelled.</summary>
    public Task<OrderItem> CancelAsync(string number, Actor actor, CancellationToken ct = default) =>
        MoveAsync(number, o => o.Cancel(), actor, ct);

    private async Task<OrderItem> MoveAsync(string number, Action<PurchaseOrder> move, Actor actor, CancellationToken ct)
    {
        Access.Require(actor, Roles.Procurement, "Changing a purchase order");
        await using var db = await contexts.CreateDbContextAsync(ct);
        var order = await db.PurchaseOrders.Include(o => o.Lines).FirstOrDefaultAsync(o => o.Number == number, ct)
            ?? throw new NotFoundException($"No purchase order '{number}'.");
        var before = PurchaseOrderRecords.State(order);
        move(order);
        var to = order.Status;
        db.AuditEntries.Add(AuditLog.Entry(actor, time.GetUtcNow().UtcDateTime, nameof(PurchaseOrder), number, AuditActions.Transition,
            before, PurchaseOrderRecords.State(order), $"{before.Status} → {to}"));
        await db.SaveOrConflictAsync($"Purchase order {number}", ct);
        return await PurchaseOrderRecords.GetAsync(db, number, ct);
    }
}
