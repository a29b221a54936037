using Fleet.Domain.Inventory;
using Fleet.Domain.Lifecycle;

namespace Fleet.Application.Import;

/// <summary>
/// The commit: the plan written all-or-nothing in one transaction, inserts and audits through the provider's bulk
/// writer, updates applied again to tracked cards; a conflict with a concurrent writer rolls everything back.
/// </summary>
internal static class GpuImportCommit
{
    private const int ChunkSize = 500;

    public static async Task CommitAsync(FleetDbContext db, IDatabaseProvider provider, GpuImportPlan plan, Actor actor, DateTime now, CancellationToken ct)
    {
        db.ChangeTracker.AutoDetectChangesEnabled = false;
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        try
        {
            var inserted = plan.Inserts.Select(i =>
            {
                var status = i.Row.Status ?? GpuStatus.Received;
                var received = i.Row.ReceivedAt ?? now;
                return new Gpu(status)
                {
                    Serial = i.Row.Serial, Uuid = i.Row.Uuid, AssetTag = i.Row.AssetTag, BoardPartNumber = i.Row.BoardPartNumber, Vbios = i.Row.Vbios,
                    GpuModelId = i.ModelId, UnitCost = i.Row.UnitCost, Currency = i.Row.Currency?.Value ?? "USD",
                    PoNumber = i.Row.PoNumber, ReceivedAt = received, WarrantyEndsAt = i.Row.WarrantyEndsAt, Notes = i.Row.Notes,
                    // A card onboarded as already in service went into service when it arrived, unless the file says when.
                    InServiceAt = i.Row.InServiceAt ?? (status is GpuStatus.InService or GpuStatus.Maintenance ? received : null),
                    DatacenterId = i.DatacenterId, HostId = i.Host?.Id, Slot = i.Host is null ? null : i.Row.Slot, Version = 1,
                };
            }).ToList();
            await provider.BulkWriter.InsertAsync(db, inserted, ct);

            var placed = inserted.Where(g => g.HostId is not null).ToList();
            if (placed.Count > 0)
            {
                var ids = new Dictionary<string, int>(StringComparer.Ordinal);
                foreach (var chunk in placed.Select(g => g.Serial).Chunk(ChunkSize))
                {
                    foreach (var g in await db.Gpus.AsNoTracking().Where(g => chunk.Contains(g.Serial)).Select(g => new { g.Serial, g.Id }).ToListAsync(ct))
                    {
                        ids[g.Serial] = g.Id;
                    }
                }

                await provider.BulkWriter.InsertAsync(db, placed.Select(g => new GpuPlacement
                {
                    GpuId = ids[g.Serial], HostId = g.HostId!.Value, Slot = g.Slot!.Value, From = now,
                }), ct);
            }

            var audits = inserted.Select(g => AuditLog.Entry(actor, now, nameof(Gpu), g.Serial, AuditActions.Import, null, AuditLog.GpuState(g),
                $"Imported as {g.Status}.")).ToList();

            foreach (var chunk in plan.Updates.Chunk(ChunkSize))
            {
                var ids = chunk.Select(u => u.Existing.Id).ToList();
                var tracked = await db.Gpus.Include(g => g.Placements.Where(p => p.To == null)).Where(g => ids.Contains(g.Id))
                    .ToDictionaryAsync(g => g.Id, ct);
                foreach (var (row, modelId, dcId, host, existing) in chunk)
                {
                    var gpu = tracked[existing.Id];
                    var before = AuditLog.GpuState(gpu);
                    var (_, transition) = GpuRowApplier.Apply(gpu, row, modelId, dcId, host, actor, now);
                    audits.Add(transition is null
                        ? AuditLog.Entry(actor, now, nameof(Gpu), gpu.Serial, AuditActions.Import, before, AuditLog.GpuState(gpu), "Updated by import.")
                        : AuditLog.Entry(actor, now, nameof(Gpu), gpu.Serial, AuditActions.Transition, before, AuditLog.GpuState(gpu),
                            string.Create(CultureInfo.InvariantCulture, $"{transition.From} → {transition.To} by CSV import (line {row.Line})")
                            + (string.IsNullOrWhiteSpace(transition.Message) ? "" : $": {transition.Message}")));
                }

                db.ChangeTracker.DetectChanges();
                await db.SaveChangesAsync(ct);
            }

            await provider.BulkWriter.InsertAsync(db, audits, ct);
            await tx.CommitAsync(ct);
        }
        catch (Exception ex) when (ex is RowRefusedException || provider.Classify(ex) == DatabaseErrorKind.UniqueViolation)
        {
            await tx.RollbackAsync(CancellationToken.None);
            throw new ConcurrencyException(
                "Another change wrote some of these GPUs (same serial, uuid or slot) while this import ran; nothing was written. Run the import again.");
        }
    }
}
