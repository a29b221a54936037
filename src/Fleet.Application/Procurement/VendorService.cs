using Fleet.Application.Audit;
using Fleet.Application.Common;
using Fleet.Data;
using Fleet.Domain;
using Fleet.Domain.Audit;
using Fleet.Domain.Procurement;
using Microsoft.EntityFrameworkCore;

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

/// <summary>Opens a vendor with its orders and quotes, and deactivates or reactivates it (audited).</summary>
public sealed class VendorService(IDbContextFactory<FleetDbContext> contexts, TimeProvider time)
{
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
        if (!Roles.Satisfies(actor.Role, Roles.Procurement))
        {
            throw new ForbiddenException($"Deactivating or reactivating a vendor needs the Procurement role; you have {actor.Role}.");
        }

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
            await ProcurementService.SaveAsync(db, $"Vendor {vendor.Name}", ct);
        }

        return await GetAsync(id, ct);
    }
}
