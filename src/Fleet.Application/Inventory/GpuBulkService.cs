using Fleet.Domain.Inventory;
using Fleet.Domain.Lifecycle;
using Fleet.Domain.Rma;

namespace Fleet.Application.Inventory;

/// <summary>
/// One action on many cards, set-based: one query loads them, the domain checks each card (the same rules as a single
/// move, RMA cases included), one SaveChanges writes the cards and the audit rows go in as one bulk insert.
/// </summary>
public sealed class GpuBulkService(IDbContextFactory<FleetDbContext> contexts, IDatabaseProvider provider, TimeProvider time)
{
    /// <summary>The most cards one request may touch; larger sets are sent in chunks.</summary>
    public const int MaxCards = 10_000;

    private const int LoadChunk = 2_000;

    /// <summary>
    /// Moves the cards to <see cref="BulkTransitionRequest.To"/>. A move to RmaPending opens each Failed card's RMA case
    /// with the message as its reason (Technician); the other RMA steps are refused here as on a single card.
    /// </summary>
    public async Task<BulkResult> TransitionAsync(BulkTransitionRequest request, Actor actor, CancellationToken ct = default)
    {
        var to = TransitionInput.Target(request.To, request.Message);

        // The role a move to this state needs is the same from every state: refuse the whole request up front (403).
        var rules = GpuLifecycle.Transitions.Where(t => t.To == to).ToList();
        if (rules.Count > 0 && !rules.Any(r => Roles.Satisfies(actor.Role, r.Role)))
        {
            throw new ForbiddenException($"Moving a GPU to {to} needs the {rules[0].Role} role; you have {actor.Role}.");
        }

        var message = string.IsNullOrWhiteSpace(request.Message) ? null : request.Message.Trim();
        await using var db = await contexts.CreateDbContextAsync(ct);
        var (gpus, errors) = await LoadAsync(db, request.Serials, request.Filter, ct);
        var ids = gpus.Select(g => g.Id).ToList();
        var openCases = await db.RmaCases.AsNoTracking().Where(c => ids.Contains(c.GpuId) && c.Status != RmaStatus.Closed)
            .Select(c => new { c.GpuId, c.Id, c.Status }).ToListAsync(ct);
        var openByGpu = openCases.GroupBy(c => c.GpuId).ToDictionary(g => g.Key, g => g.First());
        Dictionary<int, int> vendorByLine = [];
        if (to == GpuStatus.RmaPending)
        {
            var lines = gpus.Where(g => g.PurchaseOrderLineId is not null).Select(g => g.PurchaseOrderLineId!.Value).Distinct().ToList();
            vendorByLine = await db.PurchaseOrderLines.AsNoTracking().Where(l => lines.Contains(l.Id))
                .Select(l => new { l.Id, l.PurchaseOrder!.VendorId }).ToDictionaryAsync(l => l.Id, l => l.VendorId, ct);
        }

        var now = time.GetUtcNow().UtcDateTime;
        var audits = new List<AuditEntry>(gpus.Count);
        var cases = new List<(RmaCase Case, Gpu Gpu)>();
        var moved = new List<Gpu>(gpus.Count);
        foreach (var gpu in gpus)
        {
            var before = AuditLog.GpuState(gpu);
            try
            {
                TransitionRecord record;
                if (to == GpuStatus.RmaPending)
                {
                    if (openByGpu.TryGetValue(gpu.Id, out var open))
                    {
                        throw new DomainException($"GPU {gpu.Serial} already has an open RMA case ({open.Id}).");
                    }

                    var vendor = gpu.PurchaseOrderLineId is { } line && vendorByLine.TryGetValue(line, out var v) ? v : (int?)null;
                    var rma = RmaCase.Open(gpu, vendor, message ?? "", gpu.Notes, null, false, actor.Name, actor.Role, now, out record);
                    cases.Add((rma, gpu));
                }
                else
                {
                    if (GpuLifecycle.Find(gpu.Status, to) is { ViaRmaCase: true })
                    {
                        throw new DomainException(openByGpu.TryGetValue(gpu.Id, out var open)
                            ? $"GPU {gpu.Serial} has RMA case {open.Id} ({open.Status}); it moves from {gpu.Status} to {to} only through that case (/rma/{open.Id})."
                            : $"GPU {gpu.Serial} moves from {gpu.Status} to {to} only through an RMA case: open one for it on the RMA page (/rma).");
                    }

                    record = gpu.TransitionTo(to, actor.Name, actor.Role, now, message);
                }

                audits.Add(AuditLog.Entry(actor, now, nameof(Gpu), gpu.Serial, AuditActions.Transition, before, AuditLog.GpuState(gpu),
                    $"{record.From} → {record.To}" + (record.Message is null ? "" : $": {record.Message}")));
                moved.Add(gpu);
            }
            catch (DomainException ex)
            {
                errors.Add(new BulkError(gpu.Serial, ex.Message));
            }
        }

        return await FinishAsync(db, request.Partial, moved, errors, audits, cases, actor, now, ct);
    }

    /// <summary>Edits the asset tag, notes or placement of many cards, each audited.</summary>
    public async Task<BulkResult> EditAsync(BulkEditRequest request, Actor actor, CancellationToken ct = default)
    {
        if (!Roles.Satisfies(actor.Role, Roles.Procurement) && !Roles.Satisfies(actor.Role, Roles.Technician))
        {
            throw new ForbiddenException($"Editing cards needs the Procurement or Technician role; you have {actor.Role}.");
        }

        var assetTag = request.AssetTag?.Trim();
        if (assetTag is { Length: > 64 })
        {
            throw new ValidationException("assetTag", "The asset tag is longer than 64 characters.");
        }

        if (request.Notes is { Length: > 2000 })
        {
            throw new ValidationException("notes", "The notes are longer than 2,000 characters.");
        }

        if (request.Host is not null && request.Unplace)
        {
            throw new ValidationException("host", "Give a host to place the cards in, or unplace them, not both.");
        }

        if (assetTag is null && request.Notes is null && request.Host is null && !request.Unplace)
        {
            throw new ValidationException("assetTag", "Nothing to change: give an asset tag, notes, a host, or unplace.");
        }

        await using var db = await contexts.CreateDbContextAsync(ct);
        Host? host = null;
        int datacenterId = 0;
        var free = new Queue<int>();
        if (!string.IsNullOrWhiteSpace(request.Host))
        {
            var name = request.Host.Trim().ToUpperInvariant();
            host = await db.Hosts.Include(h => h.Rack).FirstOrDefaultAsync(h => h.Hostname.ToUpper() == name, ct)
                ?? throw new ValidationException("host", $"No host named '{request.Host.Trim()}'.");
            datacenterId = host.Rack!.DatacenterId;
            var hostId = host.Id;
            var taken = await db.Gpus.AsNoTracking().Where(g => g.HostId == hostId && g.Slot != null).Select(g => g.Slot!.Value).ToListAsync(ct);
            foreach (var slot in Enumerable.Range(0, host.GpuSlots).Except(taken))
            {
                free.Enqueue(slot);
            }
        }

        var (gpus, errors) = await LoadAsync(db, request.Serials, request.Filter, ct);
        var now = time.GetUtcNow().UtcDateTime;
        var audits = new List<AuditEntry>(gpus.Count);
        var changed = new List<Gpu>(gpus.Count);
        foreach (var gpu in gpus)
        {
            var before = AuditLog.GpuState(gpu);
            var what = new List<string>();
            try
            {
                if (host is not null && gpu.HostId != host.Id)
                {
                    if (!free.TryDequeue(out var slot))
                    {
                        throw new DomainException($"Host {host.Hostname} has no free slot left for GPU {gpu.Serial}.");
                    }

                    gpu.PlaceIn(host, datacenterId, slot, now);
                    what.Add(string.Create(CultureInfo.InvariantCulture, $"placed in {host.Hostname} slot {slot}"));
                }
                else if (request.Unplace && gpu.HostId is not null)
                {
                    gpu.Unplace(now);
                    what.Add("unplaced");
                }

                if (assetTag is not null)
                {
                    gpu.AssetTag = assetTag.Length == 0 ? null : assetTag;
                    what.Add(assetTag.Length == 0 ? "asset tag cleared" : $"asset tag {assetTag}");
                }

                if (request.Notes is not null)
                {
                    var notes = request.NotesMode == BulkNotesMode.Append && !string.IsNullOrWhiteSpace(gpu.Notes)
                        ? gpu.Notes + "\n" + request.Notes.Trim()
                        : request.Notes.Trim();
                    if (notes.Length > 2000)
                    {
                        throw new DomainException($"GPU {gpu.Serial}'s notes would be longer than 2,000 characters.");
                    }

                    gpu.Notes = notes.Length == 0 ? null : notes;
                    what.Add("notes");
                }
            }
            catch (DomainException ex)
            {
                errors.Add(new BulkError(gpu.Serial, ex.Message));
                continue;
            }

            audits.Add(AuditLog.Entry(actor, now, nameof(Gpu), gpu.Serial, AuditActions.Update, before, AuditLog.GpuState(gpu),
                "Bulk edit: " + (what.Count == 0 ? "no change" : string.Join(", ", what))));
            changed.Add(gpu);
        }

        return await FinishAsync(db, request.Partial, changed, errors, audits, [], actor, now, ct);
    }

    /// <summary>The most labels one print page holds.</summary>
    public const int MaxLabels = 1_000;

    /// <summary>The serials a filter selects, in serial order (at most <see cref="MaxCards"/>): what "all N matching" acts on, in chunks.</summary>
    public async Task<IReadOnlyList<string>> SerialsAsync(BulkFilter filter, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var filtered = await InventoryService.FilterAsync(db, filter.ToQuery(), ct);
        var serials = await filtered.OrderBy(g => g.Serial).Select(g => g.Serial).Take(MaxCards + 1).ToListAsync(ct);
        return serials.Count > MaxCards
            ? throw new ValidationException("filter", string.Create(CultureInfo.InvariantCulture,
                $"The filter matches more than {MaxCards:N0} cards; one action covers at most {MaxCards:N0}. Narrow the filter."))
            : serials;
    }

    /// <summary>The cards to print labels for, named or filtered, in serial order; unknown serials are left out.</summary>
    public async Task<IReadOnlyList<GpuListItem>> LabelsAsync(IReadOnlyList<string>? serials, BulkFilter? filter, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        IQueryable<Gpu> gpus;
        if (serials is { Count: > 0 })
        {
            if (serials.Count > MaxLabels)
            {
                throw new ValidationException("serials", string.Create(CultureInfo.InvariantCulture,
                    $"{serials.Count:N0} labels asked for; one page prints at most {MaxLabels:N0}."));
            }

            var wanted = serials.Select(s => s.Trim()).Where(s => s.Length > 0).Distinct(StringComparer.Ordinal).ToList();
            gpus = db.Gpus.AsNoTracking().Where(g => wanted.Contains(g.Serial));
        }
        else
        {
            gpus = await InventoryService.FilterAsync(db, (filter ?? new BulkFilter()).ToQuery(), ct);
        }

        var items = await InventoryService.Project(gpus.OrderBy(g => g.Serial).Take(MaxLabels + 1)).ToListAsync(ct);
        return items.Count > MaxLabels
            ? throw new ValidationException("filter", string.Create(CultureInfo.InvariantCulture,
                $"More than {MaxLabels:N0} cards match; one page prints at most {MaxLabels:N0}. Narrow the filter."))
            : items;
    }

    /// <summary>Loads the named or filtered cards, tracked, with their open placements; unknown serials become errors.</summary>
    private static async Task<(List<Gpu> Gpus, List<BulkError> Errors)> LoadAsync(
        FleetDbContext db, IReadOnlyList<string>? serials, BulkFilter? filter, CancellationToken ct)
    {
        var named = serials is { Count: > 0 };
        if (named == (filter is not null))
        {
            throw new ValidationException("serials", "Give either serials or a filter (status, datacenter, model, search), not both and not neither.");
        }

        var errors = new List<BulkError>();
        if (!named)
        {
            var filtered = await InventoryService.FilterAsync(db, filter!.ToQuery(), ct);
            var count = await filtered.CountAsync(ct);
            if (count > MaxCards)
            {
                throw new ValidationException("filter", string.Create(CultureInfo.InvariantCulture,
                    $"The filter matches {count:N0} cards; one request acts on at most {MaxCards:N0}. Narrow the filter."));
            }

            // The filter is a no-tracking query, and no-tracking anywhere applies to the whole query: read the ids, then load tracked.
            var ids = await filtered.Select(f => f.Id).ToListAsync(ct);
            var gpus = new List<Gpu>(ids.Count);
            foreach (var chunk in ids.Chunk(LoadChunk))
            {
                gpus.AddRange(await db.Gpus.Include(g => g.Placements.Where(p => p.To == null)).Where(g => chunk.Contains(g.Id)).ToListAsync(ct));
            }

            return ([.. gpus.OrderBy(g => g.Serial, StringComparer.Ordinal)], errors);
        }

        if (serials!.Count > MaxCards)
        {
            throw new ValidationException("serials", string.Create(CultureInfo.InvariantCulture,
                $"{serials.Count:N0} serials sent; one request acts on at most {MaxCards:N0}. Send them in chunks."));
        }

        var wanted = serials.Select(s => s?.Trim() ?? "").Where(s => s.Length > 0).Distinct(StringComparer.Ordinal).ToList();
        var loaded = new List<Gpu>(wanted.Count);
        foreach (var chunk in wanted.Chunk(LoadChunk))
        {
            loaded.AddRange(await db.Gpus.Include(g => g.Placements.Where(p => p.To == null)).Where(g => chunk.Contains(g.Serial)).ToListAsync(ct));
        }

        var bySerial = loaded.ToDictionary(g => g.Serial, StringComparer.Ordinal);
        errors.AddRange(wanted.Where(s => !bySerial.ContainsKey(s)).Select(s => new BulkError(s, $"No GPU with serial '{s}'.")));
        return ([.. wanted.Where(bySerial.ContainsKey).Select(s => bySerial[s])], errors);
    }

    /// <summary>Writes the changed cards in one SaveChanges and the audit rows in one bulk insert, unless a refusal forbids it.</summary>
    private async Task<BulkResult> FinishAsync(FleetDbContext db, bool partial, List<Gpu> changed, List<BulkError> errors, List<AuditEntry> audits,
        List<(RmaCase Case, Gpu Gpu)> cases, Actor actor, DateTime now, CancellationToken ct)
    {
        if ((errors.Count > 0 && !partial) || changed.Count == 0)
        {
            return new BulkResult(false, [], errors);
        }

        await using var tx = await db.Database.BeginTransactionAsync(ct);
        db.RmaCases.AddRange(cases.Select(c => c.Case));
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            throw new ConcurrencyException("A card of the selection was changed by someone else meanwhile; nothing was written. Reload and try again.");
        }

        audits.AddRange(cases.Select(c => AuditLog.Entry(actor, now, nameof(RmaCase), c.Case.Id.ToString(CultureInfo.InvariantCulture),
            AuditActions.Create, null, new { serial = c.Gpu.Serial, c.Case.Reason, c.Case.VendorCaseNumber, c.Case.AdvanceReplacement })));
        await provider.BulkWriter.InsertAsync(db, audits, ct);
        await tx.CommitAsync(ct);

        var items = new List<GpuListItem>(changed.Count);
        foreach (var chunk in changed.Select(g => g.Id).Chunk(LoadChunk))
        {
            items.AddRange(await InventoryService.Project(db.Gpus.AsNoTracking().Where(g => chunk.Contains(g.Id))).ToListAsync(ct));
        }

        return new BulkResult(true, [.. items.OrderBy(i => i.Serial, StringComparer.Ordinal)], errors);
    }
}
