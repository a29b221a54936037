using Fleet.Domain.Procurement;

namespace Fleet.Application.Procurement;

/// <summary>A vendor's order or quote as its page lists it.</summary>
public sealed record VendorDocument(string Reference, DateTime At, string Status, string Currency, decimal Total);

/// <summary>The vendor page: the vendor, whether it takes new business, and its orders and quotes.</summary>
public sealed record VendorDetail(int Id, string Name, string? ContactEmail, string? Notes, bool IsActive, DateTime? DeactivatedAt, long Version,
    IReadOnlyList<VendorDocument> Orders, IReadOnlyList<VendorDocument> Quotes);

/// <summary>Activation of a vendor (<c>POST /api/vendors/{id}/deactivate|reactivate</c>).</summary>
public sealed record VendorActivationRequest(long? ExpectedVersion = null)
{
    public long? ExpectedVersion { get; set; } = ExpectedVersion;
}

/// <summary>Vendors: the list, one vendor with its orders and quotes, create or edit, deactivate or reactivate; every write audited.</summary>
public sealed class VendorService(IDbContextFactory<FleetDbContext> contexts, TimeProvider time)
{
    public async Task<IReadOnlyList<VendorItem>> ListAsync(CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.Vendors.AsNoTracking().OrderBy(v => v.Name)
            .Select(v => new VendorItem(v.Id, v.Name, v.ContactEmail, v.Notes, v.Version, v.DeactivatedAt == null)).ToListAsync(ct);
    }

    /// <summary>Creates a vendor (when <paramref name="id"/> is null) or edits one.</summary>
    public async Task<VendorItem> SaveAsync(int? id, VendorRequest request, Actor actor, CancellationToken ct = default)
    {
        Access.Require(actor, Roles.Procurement, "Editing vendors");
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
        await db.SaveOrConflictAsync($"Vendor {name}", ct);
        return new VendorItem(vendor.Id, vendor.Name, vendor.ContactEmail, vendor.Notes, vendor.Version);
    }

    public async Task<VendorDetail> GetAsync(int id, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var v = await db.Vendors.AsNoTracking().FirstOrDefaultAsync(x => x.Id == id, ct) ?? throw new NotFoundException($"No vendor with id {id}.");
        var orders = await db.PurchaseOrders.AsNoTracking().Where(o => o.VendorId == id).OrderByDescending(o => o.OrderedAt).ThenBy(o => o.Number)
            .Select(o => new { o.Number, o.OrderedAt, o.Status, o.Currency, Lines = o.Lines.Select(l => new { l.Quantity, l.UnitPrice }).ToList() })
            .ToListAsync(ct);
        var quotes = await db.Quotes.AsNoTracking().Where(q => q.VendorId == id).OrderByDescending(q => q.QuotedAt).ThenBy(q => q.Reference)
            .Select(q => new { q.Reference, q.QuotedAt, q.Currency, q.PurchaseOrderId, Lines = q.Lines.Select(l => new { l.Quantity, l.UnitPrice }).ToList() })
            .ToListAsync(ct);
        return new VendorDetail(v.Id, v.Name, v.ContactEmail, v.Notes, v.IsActive, v.DeactivatedAt, v.Version,
            [.. orders.Select(o => new VendorDocument(o.Number, o.OrderedAt, o.Status.ToString(), o.Currency, o.Lines.Sum(l => l.Quantity * l.UnitPrice)))],
            [.. quotes.Select(q => new VendorDocument(q.Reference, q.QuotedAt, q.PurchaseOrderId is null ? "Open" : "Ordered", q.Currency,
                q.Lines.Sum(l => l.Quantity * l.UnitPrice)))]);
    }

    /// <summary>Deactivates (<paramref name="active"/> false) or reactivates the vendor; Procurement only.</summary>
    public async Task<VendorDetail> SetActiveAsync(int id, bool active, VendorActivationRequest request, Actor actor, CancellationToken ct = default)
    {
        Access.Require(actor, Roles.Procurement, "Deactivating or reactivating a vendor");

        await using var db = await contexts.CreateDbContextAsync(ct);
        var vendor = await db.Vendors.FirstOrDefaultAsync(v => v.Id == id, ct) ?? throw new NotFoundException($"No vendor with id {id}.");
        if (request.ExpectedVersion is { } expected && expected != vendor.Version)
        {
            throw new ConcurrencyException($"Vendor {vendor.Name} was changed by someone else. Reload and try again.");
        }

        if (vendor.IsActive != active)
        {
            var before = new { vendor.Name, vendor.IsActive, vendor.DeactivatedAt };
            var now = time.GetUtcNow().UtcDateTime;
            if (active)
            {
                vendor.Reactivate();
            }
            else
            {
                vendor.Deactivate(now);
            }

            db.AuditEntries.Add(AuditLog.Entry(actor, now, nameof(Vendor), vendor.Name, AuditActions.Update, before,
                new { vendor.Name, vendor.IsActive, vendor.DeactivatedAt }, active ? "Reactivated" : "Deactivated"));
            await db.SaveOrConflictAsync($"Vendor {vendor.Name}", ct);
        }

        return await GetAsync(id, ct);
    }
}
