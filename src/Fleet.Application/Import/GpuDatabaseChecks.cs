namespace Fleet.Application.Import;

/// <summary>
/// The checks against the database: catalog model, datacenter, host and slot, serial and uuid owners, and for each known
/// serial the domain's judgement of the change (<see cref="GpuRowApplier"/>). Reads only, in chunks; the result is the plan.
/// </summary>
internal static class GpuDatabaseChecks
{
    private const int ChunkSize = 500;

    public static async Task<GpuImportPlan> CheckAsync(
        FleetDbContext db, List<GpuImportRow> rows, ImportMode mode, Actor actor, DateTime now, ImportErrorList errors, CancellationToken ct)
    {
        var plan = new GpuImportPlan([], []);
        var candidates = new List<(GpuImportRow Row, int ModelId, int? DatacenterId, HostInfo? Host, ExistingGpu Existing)>();
        var models = await db.GpuModels.AsNoTracking().ToDictionaryAsync(m => m.Name.ToUpperInvariant(), m => m.Id, ct);
        var modelNames = await db.GpuModels.AsNoTracking().OrderBy(m => m.Name).Select(m => m.Name).ToListAsync(ct);
        var datacenters = await db.Datacenters.AsNoTracking().ToDictionaryAsync(d => d.Code.ToUpperInvariant(), d => d.Id, ct);

        var existing = new Dictionary<string, ExistingGpu>(StringComparer.OrdinalIgnoreCase);
        foreach (var chunk in rows.Select(r => r.Serial).Distinct(StringComparer.OrdinalIgnoreCase).Chunk(ChunkSize))
        {
            foreach (var g in await db.Gpus.AsNoTracking().Where(g => chunk.Contains(g.Serial))
                         .Select(g => new ExistingGpu(g.Id, g.Serial, g.Uuid, g.HostId, g.Slot)).ToListAsync(ct))
            {
                existing[g.Serial] = g;
            }
        }

        var uuidOwners = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var chunk in rows.Where(r => r.Uuid is not null).Select(r => r.Uuid!).Chunk(ChunkSize))
        {
            foreach (var g in await db.Gpus.AsNoTracking().Where(g => g.Uuid != null && chunk.Contains(g.Uuid))
                         .Select(g => new { g.Uuid, g.Serial }).ToListAsync(ct))
            {
                uuidOwners[g.Uuid!] = g.Serial;
            }
        }

        var hosts = new Dictionary<string, HostInfo>(StringComparer.OrdinalIgnoreCase);
        var occupied = new Dictionary<(int, int), string>();
        foreach (var chunk in rows.Where(r => r.Host is not null).Select(r => r.Host!).Distinct(StringComparer.OrdinalIgnoreCase).Chunk(ChunkSize))
        {
            foreach (var h in await db.Hosts.AsNoTracking().Where(h => chunk.Contains(h.Hostname))
                         .Select(h => new HostInfo(h.Id, h.Hostname, h.Rack!.DatacenterId, h.GpuSlots)).ToListAsync(ct))
            {
                hosts[h.Hostname] = h;
            }
        }

        foreach (var chunk in hosts.Values.Select(h => h.Id).Chunk(ChunkSize))
        {
            foreach (var g in await db.Gpus.AsNoTracking().Where(g => g.HostId != null && chunk.Contains(g.HostId.Value))
                         .Select(g => new { HostId = g.HostId!.Value, Slot = g.Slot ?? -1, g.Serial }).ToListAsync(ct))
            {
                occupied[(g.HostId, g.Slot)] = g.Serial;
            }
        }

        foreach (var row in rows)
        {
            var ok = true;
            void Fail(string column, string? value, string message)
            {
                errors.Add(row.Line, column, value, message);
                ok = false;
            }

            if (!models.TryGetValue(row.Model.ToUpperInvariant(), out var modelId))
            {
                Fail(GpuCsvColumns.Model, row.Model, $"Unknown model '{row.Model}'. Catalog models: {string.Join(", ", modelNames)}.");
            }

            int? dcId = null;
            if (row.Datacenter is not null)
            {
                if (datacenters.TryGetValue(row.Datacenter, out var id))
                {
                    dcId = id;
                }
                else
                {
                    Fail(GpuCsvColumns.Datacenter, row.Datacenter, $"Unknown datacenter '{row.Datacenter}'. Known: {string.Join(", ", datacenters.Keys.Order())}.");
                }
            }

            HostInfo? host = null;
            if (row.Host is not null)
            {
                if (!hosts.TryGetValue(row.Host, out host))
                {
                    Fail(GpuCsvColumns.Host, row.Host, $"Unknown host '{row.Host}'.");
                }
                else
                {
                    if (dcId is not null && dcId != host.DatacenterId)
                    {
                        Fail(GpuCsvColumns.Host, row.Host, $"Host {host.Hostname} is not in datacenter {row.Datacenter}.");
                    }

                    dcId = host.DatacenterId;
                    if (row.Slot >= host.Slots)
                    {
                        Fail(GpuCsvColumns.Slot, row.Slot?.ToString(CultureInfo.InvariantCulture), $"Host {host.Hostname} has slots 0–{host.Slots - 1}.");
                    }
                    else if (occupied.TryGetValue((host.Id, row.Slot!.Value), out var holder) && !string.Equals(holder, row.Serial, StringComparison.OrdinalIgnoreCase))
                    {
                        Fail(GpuCsvColumns.Slot, row.Slot?.ToString(CultureInfo.InvariantCulture), $"Slot {row.Slot} of host {host.Hostname} already holds GPU {holder}.");
                    }
                }
            }

            existing.TryGetValue(row.Serial, out var current);
            if (current is not null && mode == ImportMode.Insert)
            {
                Fail(GpuCsvColumns.Serial, row.Serial, $"GPU {row.Serial} already exists. Use upsert mode to update it.");
            }

            if (row.Uuid is not null && uuidOwners.TryGetValue(row.Uuid, out var owner) && !string.Equals(owner, row.Serial, StringComparison.OrdinalIgnoreCase))
            {
                Fail(GpuCsvColumns.Uuid, row.Uuid, $"uuid {row.Uuid} already belongs to GPU {owner}.");
            }

            if (!ok)
            {
                continue;
            }

            if (current is null)
            {
                plan.Inserts.Add((row, modelId, dcId, host));
            }
            else
            {
                candidates.Add((row, modelId, dcId, host, current));
            }
        }

        // Known serials: apply each row to a detached copy of its card, so the domain itself judges every lifecycle move
        // (role, required fields) and rows that change nothing are told apart, in chunks so memory stays flat.
        foreach (var chunk in candidates.Chunk(ChunkSize))
        {
            var ids = chunk.Select(u => u.Existing.Id).ToList();
            var cards = await db.Gpus.AsNoTracking().Include(g => g.Placements.Where(p => p.To == null)).Where(g => ids.Contains(g.Id))
                .ToDictionaryAsync(g => g.Id, ct);
            foreach (var candidate in chunk)
            {
                try
                {
                    if (GpuRowApplier.Apply(cards[candidate.Existing.Id], candidate.Row, candidate.ModelId, candidate.DatacenterId, candidate.Host, actor, now).Changed)
                    {
                        plan.Updates.Add(candidate);
                    }
                    else
                    {
                        plan.Unchanged++;
                    }
                }
                catch (RowRefusedException ex)
                {
                    errors.Add(candidate.Row.Line, ex.Column, ex.Value, ex.Message);
                }
            }
        }

        return plan;
    }
}
