using Fleet.Domain.Procurement;

namespace Fleet.Application.Procurement;

/// <summary>How an order is checked, drafted into a context, audited and shown; shared by orders, quotes and receiving.</summary>
internal static class PurchaseOrderRecords
{
    /// <summary>One checked order or quote line.</summary>
    internal sealed record CheckedLine(int GpuModelId, int Quantity, decimal UnitPrice, int WarrantyMonths, DateTime? ExpectedDelivery);

    /// <summary>What the audit trail keeps of an order.</summary>
    internal sealed record OrderSnapshot(string Number, int VendorId, string Currency, string Status, int? DatacenterId, List<object> Lines);

    public static OrderSnapshot State(PurchaseOrder o) => new(o.Number, o.VendorId, o.Currency, o.Status.ToString(), o.DatacenterId,
        o.Lines.Select(l => new { l.GpuModelId, l.Quantity, l.QuantityReceived, l.UnitPrice, l.WarrantyMonths }).ToList<object>());

    /// <summary>
    /// Checks <paramref name="request"/> and adds the Draft order and its audit entry to <paramref name="db"/> without saving,
    /// so the caller's one save writes it together with whatever else belongs to the same unit of work.
    /// </summary>
    public static async Task<PurchaseOrder> AddDraftAsync(FleetDbContext db, CreateOrderRequest request, Actor actor, DateTime now, CancellationToken ct)
    {
        var number = request.Number?.Trim();
        if (string.IsNullOrEmpty(number) || number.Length > 64)
        {
            throw new ValidationException("number", "A purchase order needs a number of 1 to 64 characters.");
        }

        if (await db.PurchaseOrders.AnyAsync(o => o.Number == number, ct))
        {
            throw new DuplicateException("number", $"Purchase order '{number}' already exists.");
        }

        var (vendor, currency, datacenterId, lines) = await CheckHeaderAndLinesAsync(db, request.Vendor, request.Currency, request.Datacenter, request.Lines, ct);
        vendor.EnsureTakesNew("order");
        var order = new PurchaseOrder
        {
            Number = number, VendorId = vendor.Id, Currency = currency, DatacenterId = datacenterId,
            OrderedAt = request.OrderedAt?.ToUniversalTime() ?? now, Notes = request.Notes?.Trim(),
        };
        foreach (var l in lines)
        {
            order.AddLine(l.GpuModelId, l.Quantity, l.UnitPrice, l.WarrantyMonths, l.ExpectedDelivery);
        }

        db.PurchaseOrders.Add(order);
        db.AuditEntries.Add(AuditLog.Entry(actor, now, nameof(PurchaseOrder), number, AuditActions.Create, null, State(order)));
        return order;
    }

    public static async Task<(Vendor Vendor, string Currency, int? DatacenterId, List<CheckedLine> Lines)> CheckHeaderAndLinesAsync(
        FleetDbContext db, string? vendorName, string? currencyCode, string? datacenter, IReadOnlyList<OrderLineRequest>? requested, CancellationToken ct)
    {
        var vendor = await db.Vendors.FirstOrDefaultAsync(v => v.Name == (vendorName ?? "").Trim(), ct)
            ?? throw new ValidationException("vendor",
                $"Unknown vendor '{vendorName}'. Known: {string.Join(", ", await db.Vendors.Select(v => v.Name).ToListAsync(ct))}.");
        if (!CurrencyCode.TryParse(currencyCode, out var parsedCurrency))
        {
            throw new ValidationException("currency", $"currency must be a three-letter ISO code such as USD or EUR, got '{currencyCode}'.");
        }

        var currency = parsedCurrency.Value;

        int? datacenterId = null;
        if (!string.IsNullOrWhiteSpace(datacenter))
        {
            var code = datacenter.Trim().ToUpperInvariant();
            datacenterId = await db.Datacenters.Where(d => d.Code.ToUpper() == code).Select(d => (int?)d.Id).FirstOrDefaultAsync(ct)
                ?? throw new ValidationException("datacenter",
                    $"Unknown datacenter '{datacenter}'. Known: {string.Join(", ", await db.Datacenters.Select(d => d.Code).ToListAsync(ct))}.");
        }

        if (requested is null || requested.Count == 0)
        {
            throw new ValidationException("lines", "An order needs at least one line.");
        }

        var models = await db.GpuModels.AsNoTracking().ToDictionaryAsync(m => m.Name, m => m.Id, StringComparer.OrdinalIgnoreCase, ct);
        var lines = new List<CheckedLine>();
        for (var i = 0; i < requested.Count; i++)
        {
            var l = requested[i];
            var where = string.Create(CultureInfo.InvariantCulture, $"lines[{i}]");
            if (l.Model is null || !models.TryGetValue(l.Model.Trim(), out var modelId))
            {
                throw new ValidationException($"{where}.model", $"{where}: unknown GPU model '{l.Model}'. Known: {string.Join(", ", models.Keys.Order())}.");
            }

            if (l.Quantity is < 1 or > 100_000)
            {
                throw new ValidationException($"{where}.quantity", string.Create(CultureInfo.InvariantCulture,
                    $"{where}: quantity must be between 1 and 100,000, got {l.Quantity}."));
            }

            if (l.UnitPrice is <= 0 or > 10_000_000m)
            {
                throw new ValidationException($"{where}.unitPrice", string.Create(CultureInfo.InvariantCulture,
                    $"{where}: unit price must be above 0 and at most 10,000,000, got {l.UnitPrice}."));
            }

            if (l.WarrantyMonths is < 0 or > 240)
            {
                throw new ValidationException($"{where}.warrantyMonths", string.Create(CultureInfo.InvariantCulture,
                    $"{where}: warranty must be 0 to 240 months, got {l.WarrantyMonths}."));
            }

            lines.Add(new CheckedLine(modelId, l.Quantity, l.UnitPrice, l.WarrantyMonths ?? 36, l.ExpectedDelivery?.ToUniversalTime()));
        }

        return (vendor, currency, datacenterId, lines);
    }

    /// <summary>The order <paramref name="number"/> as the API and pages show it.</summary>
    public static async Task<OrderItem> GetAsync(FleetDbContext db, string number, CancellationToken ct)
    {
        var order = await db.PurchaseOrders.AsNoTracking().Include(o => o.Vendor).Include(o => o.Lines)
            .FirstOrDefaultAsync(o => o.Number == number, ct) ?? throw new NotFoundException($"No purchase order '{number}'.");
        return (await ToItemsAsync(db, [order], ct))[0];
    }

    public static async Task<IReadOnlyList<OrderItem>> ToItemsAsync(FleetDbContext db, IReadOnlyList<PurchaseOrder> orders, CancellationToken ct)
    {
        var models = await db.GpuModels.AsNoTracking().ToDictionaryAsync(m => m.Id, m => m.Name, ct);
        var dcs = await db.Datacenters.AsNoTracking().ToDictionaryAsync(d => d.Id, d => d.Code, ct);
        return orders.Select(o => new OrderItem(o.Number, o.Vendor?.Name ?? "", o.OrderedAt, o.Currency, o.Status,
            o.DatacenterId is { } dc ? dcs.GetValueOrDefault(dc) : null,
            o.Lines.OrderBy(l => l.Id).Select(l => new OrderLineItem(l.Id, models.GetValueOrDefault(l.GpuModelId, "?"), l.Quantity,
                l.QuantityReceived, l.UnitPrice, l.WarrantyMonths, l.ExpectedDelivery)).ToList(),
            o.Lines.Sum(l => l.Quantity * l.UnitPrice), o.Version, o.Notes)).ToList();
    }
}
