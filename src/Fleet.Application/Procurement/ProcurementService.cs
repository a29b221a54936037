using System.Globalization;
using Fleet.Application.Audit;
using Fleet.Application.Common;
using Fleet.Application.Import;
using Fleet.Data;
using Fleet.Domain;
using Fleet.Domain.Audit;
using Fleet.Domain.Catalog;
using Fleet.Domain.Inventory;
using Fleet.Domain.Lifecycle;
using Fleet.Domain.Procurement;
using Microsoft.EntityFrameworkCore;

namespace Fleet.Application.Procurement;

/// <summary>Vendors, quotes, purchase orders, receiving and invoices; one short-lived context per call, every write audited.</summary>
public sealed partial class ProcurementService(IDbContextFactory<FleetDbContext> contexts, TimeProvider time, ProcurementOptions options)
{
    internal static void Require(Actor actor, string role, string what)
    {
        if (!Roles.Satisfies(actor.Role, role))
        {
            throw new ForbiddenException($"{what} needs the {role} role; you have {actor.Role}.");
        }
    }

    // ---------------------------------------------------------------- vendors

    public async Task<IReadOnlyList<VendorItem>> VendorsAsync(CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.Vendors.AsNoTracking().OrderBy(v => v.Name)
            .Select(v => new VendorItem(v.Id, v.Name, v.ContactEmail, v.Notes, v.Version, v.DeactivatedAt == null)).ToListAsync(ct);
    }

    /// <summary>Creates a vendor (when <paramref name="id"/> is null) or edits one.</summary>
    public async Task<VendorItem> SaveVendorAsync(int? id, VendorRequest request, Actor actor, CancellationToken ct = default)
    {
        Require(actor, Roles.Procurement, "Editing vendors");
        var name = request.Name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > 200)
        {
            throw new ValidationException("name", "A vendor needs a name of 1 to 200 characters.");
        }

        if (request.ContactEmail is { Length: > 0 } email && (!email.Contains('@', StringComparison.Ordinal) || email.Length > 200))
        {
            throw new ValidationException("contactEmail", $"'{email}' is not an e-mail address.");
        }

        await using var db = await contexts.CreateDbContextAsync(ct);
        if (await db.Vendors.AnyAsync(v => v.Name == name && v.Id != (id ?? 0), ct))
        {
            throw new DuplicateException("name", $"A vendor named '{name}' already exists.");
        }

        var now = time.GetUtcNow().UtcDateTime;
        Vendor vendor;
        object? before = null;
        if (id is null)
        {
            vendor = new Vendor { Name = name };
            db.Vendors.Add(vendor);
        }
        else
        {
            vendor = await db.Vendors.FirstOrDefaultAsync(v => v.Id == id, ct) ?? throw new NotFoundException($"No vendor with id {id}.");
            if (request.ExpectedVersion is { } expected && expected != vendor.Version)
            {
                throw new ConcurrencyException($"Vendor {vendor.Name} was changed by someone else. Reload and try again.");
            }

            before = new { vendor.Name, vendor.ContactEmail, vendor.Notes };
            vendor.Name = name;
        }

        vendor.ContactEmail = string.IsNullOrWhiteSpace(request.ContactEmail) ? null : request.ContactEmail.Trim();
        vendor.Notes = string.IsNullOrWhiteSpace(request.Notes) ? null : request.Notes.Trim();
        db.AuditEntries.Add(AuditLog.Entry(actor, now, nameof(Vendor), name, id is null ? AuditActions.Create : AuditActions.Update,
            before, new { vendor.Name, vendor.ContactEmail, vendor.Notes }));
        await SaveAsync(db, $"Vendor {name}", ct);
        return new VendorItem(vendor.Id, vendor.Name, vendor.ContactEmail, vendor.Notes, vendor.Version);
    }

    // ---------------------------------------------------------------- orders

    public async Task<IReadOnlyList<OrderItem>> OrdersAsync(CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var orders = await db.PurchaseOrders.AsNoTracking().Include(o => o.Vendor).Include(o => o.Lines)
            .OrderByDescending(o => o.OrderedAt).ThenBy(o => o.Number).ToListAsync(ct);
        return await ToItemsAsync(db, orders, ct);
    }

    public async Task<OrderItem> GetOrderAsync(string number, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var order = await db.PurchaseOrders.AsNoTracking().Include(o => o.Vendor).Include(o => o.Lines)
            .FirstOrDefaultAsync(o => o.Number == number, ct) ?? throw new NotFoundException($"No purchase order '{number}'.");
        return (await ToItemsAsync(db, [order], ct))[0];
    }

    private static async Task<IReadOnlyList<OrderItem>> ToItemsAsync(FleetDbContext db, IReadOnlyList<PurchaseOrder> orders, CancellationToken ct)
    {
        var models = await db.GpuModels.AsNoTracking().ToDictionaryAsync(m => m.Id, m => m.Name, ct);
        var dcs = await db.Datacenters.AsNoTracking().ToDictionaryAsync(d => d.Id, d => d.Code, ct);
        return orders.Select(o => new OrderItem(o.Number, o.Vendor?.Name ?? "", o.OrderedAt, o.Currency, o.Status,
            o.DatacenterId is { } dc ? dcs.GetValueOrDefault(dc) : null,
            o.Lines.OrderBy(l => l.Id).Select(l => new OrderLineItem(l.Id, models.GetValueOrDefault(l.GpuModelId, "?"), l.Quantity,
                l.QuantityReceived, l.UnitPrice, l.WarrantyMonths, l.ExpectedDelivery)).ToList(),
            o.Lines.Sum(l => l.Quantity * l.UnitPrice), o.Version, o.Notes)).ToList();
    }

    /// <summary>Records a new order as Draft after checking every field; nothing is written when one is wrong.</summary>
    public async Task<OrderItem> CreateOrderAsync(CreateOrderRequest request, Actor actor, CancellationToken ct = default)
    {
        Require(actor, Roles.Procurement, "Creating purchase orders");
        var number = request.Number?.Trim();
        if (string.IsNullOrEmpty(number) || number.Length > 64)
        {
            throw new ValidationException("number", "A purchase order needs a number of 1 to 64 characters.");
        }

        await using var db = await contexts.CreateDbContextAsync(ct);
        if (await db.PurchaseOrders.AnyAsync(o => o.Number == number, ct))
        {
            throw new DuplicateException("number", $"Purchase order '{number}' already exists.");
        }

        var (vendor, currency, datacenterId, lines) = await CheckHeaderAndLinesAsync(db, request.Vendor, request.Currency, request.Datacenter, request.Lines, ct);
        vendor.EnsureTakesNew("order");
        var order = new PurchaseOrder
        {
            Number = number, VendorId = vendor.Id, Currency = currency, DatacenterId = datacenterId,
            OrderedAt = request.OrderedAt?.ToUniversalTime() ?? time.GetUtcNow().UtcDateTime, Notes = request.Notes?.Trim(),
        };
        foreach (var l in lines)
        {
            order.AddLine(l.GpuModelId, l.Quantity, l.UnitPrice, l.WarrantyMonths, l.ExpectedDelivery);
        }

        db.PurchaseOrders.Add(order);
        db.AuditEntries.Add(AuditLog.Entry(actor, time.GetUtcNow().UtcDateTime, nameof(PurchaseOrder), number, AuditActions.Create, null,
            OrderState(order)));
        await SaveAsync(db, $"Purchase order {number}", ct);
        return await GetOrderAsync(number, ct);
    }

    /// <summary>One checked order or quote line.</summary>
    private sealed record CheckedLine(int GpuModelId, int Quantity, decimal UnitPrice, int WarrantyMonths, DateTime? ExpectedDelivery);

    private async Task<(Vendor Vendor, string Currency, int? DatacenterId, List<CheckedLine> Lines)> CheckHeaderAndLinesAsync(
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

    /// <summary>Draft → Submitted.</summary>
    public Task<OrderItem> SubmitAsync(string number, Actor actor, CancellationToken ct = default) =>
        MoveOrderAsync(number, o => o.Submit(), actor, ct);

    /// <summary>Draft or Submitted → Cancelled; an order with receipts cannot be cancelled.</summary>
    public Task<OrderItem> CancelAsync(string number, Actor actor, CancellationToken ct = default) =>
        MoveOrderAsync(number, o => o.Cancel(), actor, ct);

    private async Task<OrderItem> MoveOrderAsync(string number, Action<PurchaseOrder> move, Actor actor, CancellationToken ct)
    {
        Require(actor, Roles.Procurement, "Changing a purchase order");
        await using var db = await contexts.CreateDbContextAsync(ct);
        var order = await db.PurchaseOrders.Include(o => o.Lines).FirstOrDefaultAsync(o => o.Number == number, ct)
            ?? throw new NotFoundException($"No purchase order '{number}'.");
        var before = OrderState(order);
        move(order);
        var to = order.Status;
        db.AuditEntries.Add(AuditLog.Entry(actor, time.GetUtcNow().UtcDateTime, nameof(PurchaseOrder), number, AuditActions.Transition,
            before, OrderState(order), $"{before.Status} → {to}"));
        await SaveAsync(db, $"Purchase order {number}", ct);
        return await GetOrderAsync(number, ct);
    }

    private static OrderSnapshot OrderState(PurchaseOrder o) => new(o.Number, o.VendorId, o.Currency, o.Status.ToString(), o.DatacenterId,
        o.Lines.Select(l => new { l.GpuModelId, l.Quantity, l.QuantityReceived, l.UnitPrice, l.WarrantyMonths }).ToList<object>());

    private sealed record OrderSnapshot(string Number, int VendorId, string Currency, string Status, int? DatacenterId, List<object> Lines);

    // ---------------------------------------------------------------- quotes

    public async Task<QuoteItem> CreateQuoteAsync(CreateQuoteRequest request, Actor actor, CancellationToken ct = default)
    {
        Require(actor, Roles.Procurement, "Recording quotes");
        var reference = request.Reference?.Trim();
        if (string.IsNullOrEmpty(reference) || reference.Length > 64)
        {
            throw new ValidationException("reference", "A quote needs a reference of 1 to 64 characters.");
        }

        await using var db = await contexts.CreateDbContextAsync(ct);
        if (await db.Quotes.AnyAsync(q => q.Reference == reference, ct))
        {
            throw new DuplicateException("reference", $"Quote '{reference}' already exists.");
        }

        var (vendor, currency, datacenterId, lines) = await CheckHeaderAndLinesAsync(db, request.Vendor, request.Currency, request.Datacenter, request.Lines, ct);
        vendor.EnsureTakesNew("quote");
        var quote = new Quote
        {
            Reference = reference, VendorId = vendor.Id, Currency = currency, DatacenterId = datacenterId,
            QuotedAt = request.QuotedAt?.ToUniversalTime() ?? time.GetUtcNow().UtcDateTime, ValidUntil = request.ValidUntil?.ToUniversalTime(),
            Lines = lines.Select(l => new QuoteLine
            {
                GpuModelId = l.GpuModelId, Quantity = l.Quantity, UnitPrice = l.UnitPrice, WarrantyMonths = l.WarrantyMonths,
                ExpectedDelivery = l.ExpectedDelivery,
            }).ToList(),
        };
        db.Quotes.Add(quote);
        db.AuditEntries.Add(AuditLog.Entry(actor, time.GetUtcNow().UtcDateTime, nameof(Quote), reference, AuditActions.Create, null,
            new { quote.Reference, quote.VendorId, quote.Currency, Lines = quote.Lines.Count }));
        await SaveAsync(db, $"Quote {reference}", ct);
        return (await QuotesAsync(ct)).First(q => q.Reference == reference);
    }

    public async Task<IReadOnlyList<QuoteItem>> QuotesAsync(CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var models = await db.GpuModels.AsNoTracking().ToDictionaryAsync(m => m.Id, m => m.Name, ct);
        var dcs = await db.Datacenters.AsNoTracking().ToDictionaryAsync(d => d.Id, d => d.Code, ct);
        var orders = await db.PurchaseOrders.AsNoTracking().ToDictionaryAsync(o => o.Id, o => o.Number, ct);
        var quotes = await db.Quotes.AsNoTracking().Include(q => q.Vendor).Include(q => q.Lines).OrderByDescending(q => q.QuotedAt).ToListAsync(ct);
        return quotes.Select(q => new QuoteItem(q.Reference, q.Vendor!.Name, q.QuotedAt, q.ValidUntil, q.Currency,
            q.DatacenterId is { } d ? dcs.GetValueOrDefault(d) : null,
            q.Lines.OrderBy(l => l.Id).Select(l => new OrderLineRequest(models[l.GpuModelId], l.Quantity, l.UnitPrice, l.WarrantyMonths, l.ExpectedDelivery)).ToList(),
            q.Lines.Sum(l => l.Quantity * l.UnitPrice), q.PurchaseOrderId is { } o ? orders.GetValueOrDefault(o) : null)).ToList();
    }

    /// <summary>Turns a quote into a Draft order with the quoted lines and prices; a quote converts once, and not after it expired.</summary>
    public async Task<OrderItem> ConvertQuoteAsync(string reference, string orderNumber, Actor actor, CancellationToken ct = default)
    {
        Require(actor, Roles.Procurement, "Converting quotes");
        await using (var db = await contexts.CreateDbContextAsync(ct))
        {
            var quote = await db.Quotes.Include(q => q.Vendor).Include(q => q.Lines).FirstOrDefaultAsync(q => q.Reference == reference, ct)
                ?? throw new NotFoundException($"No quote '{reference}'.");
            if (quote.PurchaseOrderId is not null)
            {
                throw new DomainException($"Quote {reference} has already been turned into an order.");
            }

            var now = time.GetUtcNow().UtcDateTime;
            if (quote.ValidUntil is { } until && until < now)
            {
                throw new DomainException($"Quote {reference} expired on {until:yyyy-MM-dd}; ask the vendor for a new one.");
            }

            var dc = quote.DatacenterId is { } id ? await db.Datacenters.Where(d => d.Id == id).Select(d => d.Code).FirstAsync(ct) : null;
            var models = await db.GpuModels.AsNoTracking().ToDictionaryAsync(m => m.Id, m => m.Name, ct);
            await CreateOrderAsync(new CreateOrderRequest(orderNumber, quote.Vendor!.Name, quote.Currency, dc, now,
                quote.Lines.Select(l => new OrderLineRequest(models[l.GpuModelId], l.Quantity, l.UnitPrice, l.WarrantyMonths, l.ExpectedDelivery)).ToList(),
                $"From quote {reference}"), actor, ct);
            quote.PurchaseOrderId = await db.PurchaseOrders.Where(o => o.Number == orderNumber).Select(o => o.Id).FirstAsync(ct);
            await SaveAsync(db, $"Quote {reference}", ct);
        }

        return await GetOrderAsync(orderNumber, ct);
    }

    // ---------------------------------------------------------------- receiving

    /// <summary>
    /// Receives a delivery against an order: checks every serial (format, duplicates, already known, wrong model, more than
    /// ordered) and reports each problem with line and column; only a clean list creates the cards, in one save.
    /// </summary>
    public async Task<ReceiveResult> ReceiveAsync(string number, ReceiveRequest request, Actor actor, CancellationToken ct = default)
    {
        Require(actor, Roles.Procurement, "Receiving deliveries");
        await using var db = await contexts.CreateDbContextAsync(ct);
        var order = await db.PurchaseOrders.Include(o => o.Lines).FirstOrDefaultAsync(o => o.Number == number, ct)
            ?? throw new NotFoundException($"No purchase order '{number}'.");
        if (order.Status is not (PurchaseOrderStatus.Submitted or PurchaseOrderStatus.PartiallyReceived))
        {
            throw new DomainException($"Purchase order {number} is {order.Status}; deliveries are received against Submitted or PartiallyReceived orders.");
        }

        var now = time.GetUtcNow().UtcDateTime;
        var receivedAt = request.ReceivedAt?.ToUniversalTime() ?? now;
        if (receivedAt > now.AddDays(1))
        {
            throw new ValidationException("receivedAt", $"receivedAt {receivedAt:yyyy-MM-dd} is in the future.");
        }

        var models = await db.GpuModels.AsNoTracking().ToListAsync(ct);
        var errors = new List<ImportError>();
        var rows = SerialListParser.Parse(request.Serials, options.MaxSerialsPerDelivery, errors);
        if (rows.Count == 0 && errors.Count == 0)
        {
            errors.Add(new ImportError(1, "serial", null, "The delivery lists no serials."));
        }

        var lineById = order.Lines.ToDictionary(l => l.Id);
        var modelName = models.ToDictionary(m => m.Id, m => m.Name);
        var assigned = new List<(SerialRow Row, PurchaseOrderLine Line)>();
        var seen = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        foreach (var row in rows)
        {
            if (seen.TryGetValue(row.Serial, out var first))
            {
                errors.Add(new ImportError(row.Line, "serial", row.Serial, string.Create(CultureInfo.InvariantCulture,
                    $"Serial {row.Serial} appears twice in this delivery (first on line {first}).")));
                continue;
            }

            seen[row.Serial] = row.Line;
            PurchaseOrderLine? line;
            if (row.Model is null)
            {
                var open = order.Lines.Where(l => l.QuantityReceived < l.Quantity).ToList();
                line = order.Lines.Count == 1 ? order.Lines[0] : open.Count == 1 ? open[0] : null;
                if (line is null)
                {
                    errors.Add(new ImportError(row.Line, "model", null,
                        $"Order {number} has several open lines ({string.Join(", ", open.Select(l => modelName[l.GpuModelId]))}); add a model column."));
                    continue;
                }
            }
            else
            {
                var model = models.FirstOrDefault(m => string.Equals(m.Name, row.Model, StringComparison.OrdinalIgnoreCase)
                    || string.Equals(GpuCatalog.MatchDeviceName(row.Model)?.Name, m.Name, StringComparison.Ordinal));
                line = model is null ? null : order.Lines.FirstOrDefault(l => l.GpuModelId == model.Id);
                if (line is null)
                {
                    errors.Add(new ImportError(row.Line, "model", row.Model,
                        $"Wrong model: '{row.Model}' is not on order {number}, which orders {string.Join(", ", order.Lines.Select(l => modelName[l.GpuModelId]))}."));
                    continue;
                }
            }

            assigned.Add((row, line));
        }

        // Serials already known, in one query per chunk.
        var serials = assigned.Select(a => a.Row.Serial).ToList();
        var known = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var chunk in serials.Chunk(1000))
        {
            var upper = chunk.Select(s => s.ToUpperInvariant()).ToList();
            known.UnionWith(await db.Gpus.AsNoTracking().Where(g => upper.Contains(g.Serial.ToUpper())).Select(g => g.Serial).ToListAsync(ct));
        }

        foreach (var (row, _) in assigned.Where(a => known.Contains(a.Row.Serial)))
        {
            errors.Add(new ImportError(row.Line, "serial", row.Serial, $"Serial {row.Serial} is already in the fleet."));
        }

        foreach (var group in assigned.Where(a => !known.Contains(a.Row.Serial)).GroupBy(a => a.Line.Id))
        {
            var line = lineById[group.Key];
            var remaining = line.Quantity - line.QuantityReceived;
            var surplus = group.Skip(remaining).FirstOrDefault();
            if (surplus.Row is not null)
            {
                errors.Add(new ImportError(surplus.Row.Line, "serial", surplus.Row.Serial, string.Create(CultureInfo.InvariantCulture,
                    $"More cards than ordered: order {number} has {line.Quantity} × {modelName[line.GpuModelId]}, {line.QuantityReceived} already received, and this delivery brings {group.Count()}.")));
            }
        }

        if (errors.Count > 0)
        {
            return new ReceiveResult(request.DryRun, 0, order.Status, errors.OrderBy(e => e.Line).ToList());
        }

        var counts = assigned.GroupBy(a => a.Line.Id).ToDictionary(g => g.Key, g => g.Count());
        var nextStatus = order.StatusAfterReceiving(counts);
        if (request.DryRun)
        {
            return new ReceiveResult(true, assigned.Count, nextStatus, []);
        }

        var before = OrderState(order);
        foreach (var (row, line) in assigned)
        {
            var gpu = new Gpu(GpuStatus.Received)
            {
                Serial = row.Serial, GpuModelId = line.GpuModelId, UnitCost = line.UnitPrice,
                Currency = order.Currency, PurchaseOrderLineId = line.Id, PoNumber = order.Number, ReceivedAt = receivedAt,
                WarrantyEndsAt = receivedAt.AddMonths(line.WarrantyMonths), DatacenterId = order.DatacenterId,
            };
            db.Gpus.Add(gpu);
            db.AuditEntries.Add(AuditLog.Entry(actor, now, nameof(Gpu), gpu.Serial, AuditActions.Create, null, AuditLog.GpuState(gpu),
                $"Received against {order.Number}"));
        }

        foreach (var (lineId, count) in counts)
        {
            order.Receive(lineById[lineId], count);
        }

        await RecheckInvoicesAsync(db, order, actor, now, "receipts changed", ct);
        db.Deliveries.Add(new Delivery
        {
            PurchaseOrderId = order.Id, ReceivedAt = receivedAt, Count = assigned.Count, ReceivedBy = actor.Name,
            PackingList = request.PackingList?.Trim() is { Length: > 0 } p ? p[..Math.Min(200, p.Length)] : null,
        });
        db.AuditEntries.Add(AuditLog.Entry(actor, now, nameof(PurchaseOrder), order.Number, AuditActions.Update, before, OrderState(order),
            string.Create(CultureInfo.InvariantCulture, $"Received {assigned.Count} cards")));
        await SaveAsync(db, $"Purchase order {number}", ct);
        return new ReceiveResult(false, assigned.Count, order.Status, []);
    }

    // ---------------------------------------------------------------- invoices

    /// <summary>Records an invoice and flags it where quantity or price differ from order and receipts beyond the tolerance.</summary>
    public async Task<InvoiceItem> RecordInvoiceAsync(string number, InvoiceRequest request, Actor actor, CancellationToken ct = default)
    {
        Require(actor, Roles.Procurement, "Recording invoices");
        var invoiceNumber = request.Number?.Trim();
        if (string.IsNullOrEmpty(invoiceNumber) || invoiceNumber.Length > 64)
        {
            throw new ValidationException("number", "An invoice needs a number of 1 to 64 characters.");
        }

        await using var db = await contexts.CreateDbContextAsync(ct);
        var order = await db.PurchaseOrders.Include(o => o.Lines).FirstOrDefaultAsync(o => o.Number == number, ct)
            ?? throw new NotFoundException($"No purchase order '{number}'.");
        if (!order.AcceptsInvoices)
        {
            throw new DomainException($"Purchase order {number} is {order.Status}; invoices are recorded only against a submitted order.");
        }

        var currency = (request.Currency ?? "").Trim().ToUpperInvariant();
        if (currency != order.Currency)
        {
            throw new ValidationException("currency",
                $"The invoice is in '{request.Currency}' but order {number} is in {order.Currency}; amounts in different currencies are not compared.");
        }

        if (await db.Invoices.AnyAsync(i => i.PurchaseOrderId == order.Id && i.Number == invoiceNumber, ct))
        {
            throw new ValidationException("number", $"Invoice {invoiceNumber} is already recorded against {number}.");
        }

        if (request.Lines is null || request.Lines.Count == 0)
        {
            throw new ValidationException("lines", "An invoice needs at least one line.");
        }

        var models = await db.GpuModels.AsNoTracking().ToDictionaryAsync(m => m.Name, m => m.Id, StringComparer.OrdinalIgnoreCase, ct);
        var modelName = models.ToDictionary(kv => kv.Value, kv => kv.Key);
        var invoice = new Invoice
        {
            PurchaseOrderId = order.Id, Number = invoiceNumber, Currency = currency,
            InvoicedAt = request.InvoicedAt?.ToUniversalTime() ?? time.GetUtcNow().UtcDateTime,
        };
        for (var i = 0; i < request.Lines.Count; i++)
        {
            var l = request.Lines[i];
            var where = string.Create(CultureInfo.InvariantCulture, $"lines[{i}]");
            var line = l.Model is not null && models.TryGetValue(l.Model.Trim(), out var modelId)
                ? order.Lines.FirstOrDefault(x => x.GpuModelId == modelId) : null;
            if (line is null)
            {
                throw new ValidationException($"{where}.model",
                    $"{where}: '{l.Model}' is not on order {number}, which orders {string.Join(", ", order.Lines.Select(x => modelName[x.GpuModelId]))}.");
            }

            if (invoice.Lines.Any(x => x.PurchaseOrderLineId == line.Id))
            {
                throw new ValidationException($"{where}.model", $"{where}: {modelName[line.GpuModelId]} is invoiced twice; put it on one line.");
            }

            if (l.Quantity is < 1 or > 100_000)
            {
                throw new ValidationException($"{where}.quantity", string.Create(CultureInfo.InvariantCulture,
                    $"{where}: quantity must be between 1 and 100,000, got {l.Quantity}."));
            }

            if (l.UnitPrice is < 0 or > 10_000_000m)
            {
                throw new ValidationException($"{where}.unitPrice", string.Create(CultureInfo.InvariantCulture,
                    $"{where}: unit price must be between 0 and 10,000,000, got {l.UnitPrice}."));
            }

            invoice.AddLine(line, l.Quantity, l.UnitPrice);
        }

        invoice.Check(order, Tolerance, id => modelName[id]);
        db.Invoices.Add(invoice);
        db.AuditEntries.Add(AuditLog.Entry(actor, time.GetUtcNow().UtcDateTime, nameof(Invoice), $"{number}/{invoiceNumber}", AuditActions.Create, null,
            InvoiceState(invoice)));
        await SaveAsync(db, $"Invoice {invoiceNumber}", ct);
        return ToItem(invoice, number);
    }

    public async Task<IReadOnlyList<InvoiceItem>> InvoicesAsync(string number, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var order = await db.PurchaseOrders.AsNoTracking().FirstOrDefaultAsync(o => o.Number == number, ct)
            ?? throw new NotFoundException($"No purchase order '{number}'.");
        var invoices = await db.Invoices.AsNoTracking().Include(i => i.Lines).Where(i => i.PurchaseOrderId == order.Id).ToListAsync(ct);
        return invoices.OrderBy(i => i.InvoicedAt).Select(i => ToItem(i, number)).ToList();
    }

    private static InvoiceItem ToItem(Invoice i, string orderNumber) => new(i.Number, orderNumber, i.InvoicedAt, i.Currency,
        i.Lines.Sum(l => l.Quantity * l.UnitPrice), i.Flagged,
        i.Discrepancies.Length == 0 ? [] : i.Discrepancies.Split('\n'), i.Status, i.ReviewedBy, i.ReviewedAt, i.ReviewNote);

    private MatchTolerance Tolerance => new(options.PriceTolerancePercent, options.QuantityTolerance);

    private static object InvoiceState(Invoice i) => new
    {
        i.Number, i.Currency, Status = i.Status.ToString(), i.Flagged, Discrepancies = i.Discrepancies.Length == 0 ? [] : i.Discrepancies.Split('\n'),
        i.ReviewedBy, i.ReviewNote,
    };

    /// <summary>Runs the three-way check again for every invoice of <paramref name="order"/>; each changed outcome is audited.</summary>
    private async Task RecheckInvoicesAsync(FleetDbContext db, PurchaseOrder order, Actor actor, DateTime now, string why, CancellationToken ct)
    {
        var invoices = await db.Invoices.Include(i => i.Lines).Where(i => i.PurchaseOrderId == order.Id).ToListAsync(ct);
        if (invoices.Count == 0)
        {
            return;
        }

        var modelName = await db.GpuModels.AsNoTracking().ToDictionaryAsync(m => m.Id, m => m.Name, ct);
        foreach (var invoice in invoices)
        {
            var before = InvoiceState(invoice);
            if (invoice.Check(order, Tolerance, id => modelName[id]))
            {
                db.AuditEntries.Add(AuditLog.Entry(actor, now, nameof(Invoice), $"{order.Number}/{invoice.Number}", AuditActions.Update, before,
                    InvoiceState(invoice), $"Three-way check again ({why}): {invoice.Status}"));
            }
        }
    }

    /// <summary>Accepts a mismatched invoice for payment (Finance), with a note.</summary>
    public Task<InvoiceItem> ApproveInvoiceAsync(string number, string invoiceNumber, InvoiceReviewRequest request, Actor actor, CancellationToken ct = default) =>
        ReviewInvoiceAsync(number, invoiceNumber, request, actor, approve: true, ct);

    /// <summary>Disputes a mismatched invoice with the vendor (Finance), with a note.</summary>
    public Task<InvoiceItem> DisputeInvoiceAsync(string number, string invoiceNumber, InvoiceReviewRequest request, Actor actor, CancellationToken ct = default) =>
        ReviewInvoiceAsync(number, invoiceNumber, request, actor, approve: false, ct);

    private async Task<InvoiceItem> ReviewInvoiceAsync(string number, string invoiceNumber, InvoiceReviewRequest request, Actor actor, bool approve,
        CancellationToken ct)
    {
        Require(actor, Roles.Finance, approve ? "Approving an invoice" : "Disputing an invoice");
        if (string.IsNullOrWhiteSpace(request.Note) || request.Note.Length > 2000)
        {
            throw new ValidationException("note", "Say why (note, 1 to 2,000 characters).");
        }

        await using var db = await contexts.CreateDbContextAsync(ct);
        var order = await db.PurchaseOrders.AsNoTracking().FirstOrDefaultAsync(o => o.Number == number, ct)
            ?? throw new NotFoundException($"No purchase order '{number}'.");
        var invoice = await db.Invoices.Include(i => i.Lines).FirstOrDefaultAsync(i => i.PurchaseOrderId == order.Id && i.Number == invoiceNumber, ct)
            ?? throw new NotFoundException($"No invoice '{invoiceNumber}' on purchase order '{number}'.");
        var before = InvoiceState(invoice);
        var now = time.GetUtcNow().UtcDateTime;
        if (approve)
        {
            invoice.Approve(actor.Name, actor.Role, request.Note, now);
        }
        else
        {
            invoice.Dispute(actor.Name, actor.Role, request.Note, now);
        }

        db.AuditEntries.Add(AuditLog.Entry(actor, now, nameof(Invoice), $"{number}/{invoiceNumber}", AuditActions.Update, before, InvoiceState(invoice),
            $"{invoice.Status}: {invoice.ReviewNote}"));
        await SaveAsync(db, $"Invoice {invoiceNumber}", ct);
        return ToItem(invoice, number);
    }

    internal static async Task SaveAsync(FleetDbContext db, string what, CancellationToken ct)
    {
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            throw new ConcurrencyException($"{what} was changed by someone else while you edited it. Reload and try again.");
        }
    }
}
