using Fleet.Application.Import;
using Fleet.Domain.Catalog;
using Fleet.Domain.Inventory;
using Fleet.Domain.Lifecycle;
using Fleet.Domain.Procurement;

namespace Fleet.Application.Procurement;

/// <summary>Receiving a delivery against a submitted order: every serial checked, then the cards created in one save.</summary>
public sealed class ReceivingService(IDbContextFactory<FleetDbContext> contexts, TimeProvider time, ProcurementOptions options)
{
    /// <summary>
    /// Receives a delivery against an order: checks every serial (format, duplicates, already known, wrong model, more than
    /// ordered) and reports each problem with line and column; only a clean list creates the cards, in one save.
    /// </summary>
    public async Task<ReceiveResult> ReceiveAsync(string number, ReceiveRequest request, Actor actor, CancellationToken ct = default)
    {
        Access.Require(actor, Roles.Procurement, "Receiving deliveries");
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

        var before = PurchaseOrderRecords.State(order);
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

        await InvoiceRecords.RecheckAsync(db, order, InvoiceRecords.Tolerance(options), actor, now, "receipts changed", ct);
        db.Deliveries.Add(new Delivery
        {
            PurchaseOrderId = order.Id, ReceivedAt = receivedAt, Count = assigned.Count, ReceivedBy = actor.Name,
            PackingList = request.PackingList?.Trim() is { Length: > 0 } p ? p[..Math.Min(200, p.Length)] : null,
        });
        db.AuditEntries.Add(AuditLog.Entry(actor, now, nameof(PurchaseOrder), order.Number, AuditActions.Update, before, PurchaseOrderRecords.State(order),
            string.Create(CultureInfo.InvariantCulture, $"Received {assigned.Count} cards")));
        await db.SaveOrConflictAsync($"Purchase order {number}", ct);
        return new ReceiveResult(false, assigned.Count, order.Status, []);
    }
}
