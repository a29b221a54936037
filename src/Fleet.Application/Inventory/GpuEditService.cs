using Fleet.Domain.Inventory;

namespace Fleet.Application.Inventory;

/// <summary>
/// A change to a card's descriptive fields and placement (<c>PATCH /api/gpus/{serial}</c>, the GPU page's edit form).
/// A field left out (null) stays as it is; an empty string clears it; <see cref="Host"/> "" takes the card out of its host.
/// </summary>
public sealed record GpuEditRequest(
    string? Uuid = null, string? AssetTag = null, string? BoardPartNumber = null, string? Vbios = null, string? Notes = null,
    string? WarrantyEndsAt = null, string? Host = null, int? Slot = null, long? ExpectedVersion = null)
{
    public long? ExpectedVersion { get; set; } = ExpectedVersion;
}

/// <summary>A host's slots for the free-slot picker: which are taken, and by which card.</summary>
public sealed record HostSlots(string Host, int Slots, IReadOnlyDictionary<int, string> Taken)
{
    public IEnumerable<int> Free(string? serial = null) =>
        Enumerable.Range(0, Slots).Where(s => !Taken.TryGetValue(s, out var holder) || string.Equals(holder, serial, StringComparison.OrdinalIgnoreCase));
}

/// <summary>Edits one card: every field checked by the domain, the placement against the host's free slots, one audit entry.</summary>
public sealed class GpuEditService(IDbContextFactory<FleetDbContext> contexts, TimeProvider time)
{
    private static readonly string[] s_dateFormats = ["yyyy-MM-dd", "yyyy-MM-ddTHH:mm:ssK", "yyyy-MM-ddTHH:mm:ss"];

    /// <summary>The roles that may edit a card's fields and placement.</summary>
    public static IReadOnlyList<string> EditorRoles { get; } = [Roles.Admin, Roles.Procurement, Roles.Technician];

    public static bool MayEdit(string role) => EditorRoles.Contains(role, StringComparer.Ordinal);

    /// <summary>Host names that start with <paramref name="prefix"/>, for the picker (at most <paramref name="take"/>).</summary>
    public async Task<IReadOnlyList<string>> HostsAsync(string? prefix, int take = 20, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var p = (prefix ?? "").Trim().ToUpperInvariant();
        return await db.Hosts.AsNoTracking().Where(h => h.Hostname.ToUpper().StartsWith(p)).OrderBy(h => h.Hostname)
            .Select(h => h.Hostname).Take(take).ToListAsync(ct);
    }

    /// <summary>The slots of <paramref name="hostname"/> and who holds each, or null when there is no such host.</summary>
    public async Task<HostSlots?> SlotsAsync(string hostname, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var host = await db.Hosts.AsNoTracking().Where(h => h.Hostname == hostname.Trim()).Select(h => new { h.Id, h.Hostname, h.GpuSlots })
            .FirstOrDefaultAsync(ct);
        if (host is null)
        {
            return null;
        }

        var taken = await db.Gpus.AsNoTracking().Where(g => g.HostId == host.Id && g.Slot != null)
            .Select(g => new { Slot = g.Slot!.Value, g.Serial }).ToListAsync(ct);
        return new HostSlots(host.Hostname, host.GpuSlots, taken.GroupBy(t => t.Slot).ToDictionary(t => t.Key, t => t.First().Serial));
    }

    public async Task<GpuListItem> EditAsync(string serial, GpuEditRequest request, Actor actor, CancellationToken ct = default)
    {
        if (!MayEdit(actor.Role))
        {
            throw new ForbiddenException($"Editing a card needs the Procurement or Technician role; you have {actor.Role}.");
        }

        await using var db = await contexts.CreateDbContextAsync(ct);
        var gpu = await db.Gpus.Include(g => g.Placements.Where(p => p.To == null)).FirstOrDefaultAsync(g => g.Serial == serial, ct)
            ?? throw new NotFoundException($"No GPU with serial '{serial}'.");
        if (request.ExpectedVersion is { } expected && expected != gpu.Version)
        {
            throw new ConcurrencyException(string.Create(CultureInfo.InvariantCulture,
                $"GPU {serial} was changed by someone else (version {gpu.Version}, you had {expected}). Reload and try again."));
        }

        var errors = new List<GpuFieldError>();
        DateTime? warranty = gpu.WarrantyEndsAt;
        if (request.WarrantyEndsAt is { } w)
        {
            warranty = null;
            if (w.Trim().Length > 0)
            {
                if (DateTime.TryParseExact(w.Trim(), s_dateFormats, CultureInfo.InvariantCulture,
                        DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var d))
                {
                    warranty = DateTime.SpecifyKind(d, DateTimeKind.Utc);
                }
                else
                {
                    errors.Add(new GpuFieldError("warrantyEndsAt", $"warrantyEndsAt '{Shorten(w)}' is not a real date; write it as YYYY-MM-DD."));
                }
            }
        }

        var edit = new GpuEdit(request.Uuid ?? gpu.Uuid, request.AssetTag ?? gpu.AssetTag, request.BoardPartNumber ?? gpu.BoardPartNumber,
            request.Vbios ?? gpu.Vbios, request.Notes ?? gpu.Notes, warranty);
        errors.AddRange(gpu.CheckEdit(edit));

        var uuid = edit.Uuid?.Trim();
        if (!string.IsNullOrEmpty(uuid) && !string.Equals(uuid, gpu.Uuid, StringComparison.Ordinal) && !errors.Any(e => e.Field == "uuid")
            && await db.Gpus.Where(g => g.Uuid == uuid && g.Id != gpu.Id).Select(g => g.Serial).FirstOrDefaultAsync(ct) is { } owner)
        {
            errors.Add(new GpuFieldError("uuid", $"uuid {uuid} already belongs to GPU {owner}."));
        }

        // Placement: a host and a free slot, or "" to take it out.
        Host? newHost = null;
        int? newSlot = null;
        var unplace = false;
        var hostName = request.Host?.Trim();
        if (hostName is { Length: 0 })
        {
            if (request.Slot is not null)
            {
                errors.Add(new GpuFieldError("slot", "slot is given without a host."));
            }
            else if (gpu.HostId is not null)
            {
                if (gpu.WhyNotUnplace() is { } why)
                {
                    errors.Add(new GpuFieldError("host", why));
                }

                unplace = true;
            }
        }
        else if (hostName is not null || request.Slot is not null)
        {
            newHost = hostName is null
                ? gpu.HostId is { } current ? await db.Hosts.Include(h => h.Rack).FirstAsync(h => h.Id == current, ct) : null
                : await db.Hosts.Include(h => h.Rack).FirstOrDefaultAsync(h => h.Hostname == hostName, ct);
            if (newHost is null)
            {
                errors.Add(hostName is null
                    ? new GpuFieldError("host", $"GPU {serial} is in no host; name the host as well as the slot.")
                    : new GpuFieldError("host", $"Unknown host '{Shorten(hostName)}'."));
            }
            else if (request.Slot is not { } slot)
            {
                errors.Add(new GpuFieldError("slot", $"host '{newHost.Hostname}' is given without a slot."));
            }
            else if (slot < 0 || slot >= newHost.GpuSlots)
            {
                errors.Add(new GpuFieldError("slot", string.Create(CultureInfo.InvariantCulture,
                    $"Host {newHost.Hostname} has slots 0–{newHost.GpuSlots - 1}; slot {slot} does not exist.")));
            }
            else if (newHost.Id != gpu.HostId || slot != gpu.Slot)
            {
                if (gpu.WhyNotPlace() is { } why)
                {
                    errors.Add(new GpuFieldError("host", why));
                }
                else if (await db.Gpus.Where(g => g.HostId == newHost.Id && g.Slot == slot && g.Id != gpu.Id).Select(g => g.Serial)
                             .FirstOrDefaultAsync(ct) is { } holder)
                {
                    errors.Add(new GpuFieldError("slot", string.Create(CultureInfo.InvariantCulture,
                        $"Slot {slot} of host {newHost.Hostname} already holds GPU {holder}.")));
                }
                else
                {
                    newSlot = slot;
                }
            }
        }

        if (errors.Count > 0)
        {
            throw new GpuEditException(errors);
        }

        var before = AuditLog.GpuState(gpu);
        var beforeJson = AuditLog.Snapshot(before);
        var now = time.GetUtcNow().UtcDateTime;
        gpu.ApplyEdit(edit);
        if (unplace)
        {
            gpu.Unplace(now);
        }
        else if (newHost is not null && newSlot is { } s)
        {
            gpu.PlaceIn(newHost, newHost.Rack!.DatacenterId, s, now);
        }

        var after = AuditLog.GpuState(gpu);
        if (AuditLog.Snapshot(after) == beforeJson)
        {
            return await InventoryService.Project(db.Gpus.AsNoTracking().Where(g => g.Id == gpu.Id)).FirstAsync(ct);
        }

        db.AuditEntries.Add(AuditLog.Entry(actor, now, nameof(Gpu), gpu.Serial, AuditActions.Update, before, after, "Edited on the GPU page or PATCH /api/gpus"));
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            throw new ConcurrencyException($"GPU {serial} was changed by someone else while you edited it. Reload and try again.");
        }

        return await InventoryService.Project(db.Gpus.AsNoTracking().Where(g => g.Id == gpu.Id)).FirstAsync(ct);
    }

    private static string Shorten(string s) => s.Length <= 80 ? s : string.Concat(s.AsSpan(0, 80), "…");
}
