using Fleet.Application.Procurement;
using Fleet.Domain.Inventory;
using Fleet.Domain.Lifecycle;
using Fleet.Domain.Rma;

namespace Fleet.Application.Rma;

/// <summary>Opens an RMA case for a failed card.</summary>
public sealed record OpenRmaRequest(string? Reason, string? Evidence = null, string? VendorCaseNumber = null, bool AdvanceReplacement = false);

/// <summary>The failed card is on its way to the vendor.</summary>
public sealed record ShipRmaRequest(string? TrackingNumber, DateTime? ShippedAt = null, string? VendorCaseNumber = null);

/// <summary>The vendor's replacement card arrived; <see cref="CreditAmount"/> is a credit note that came with it, if any.</summary>
public sealed record ReplacementRequest(string? Serial, DateTime? ReceivedAt = null, decimal? CreditAmount = null, string? CreditCurrency = null);

/// <summary>A vendor credit on a case (Finance); <see cref="Close"/> ends a shipped case that gets no replacement.</summary>
public sealed record CreditRequest(decimal Amount, string? Currency, bool Close = false);

/// <summary>Withdraws an unshipped case: no fault found, or the vendor refused it; the card goes back to Validated.</summary>
public sealed record WithdrawRmaRequest(string? Reason);

public sealed record RmaCaseItem(
    int Id, string Serial, string Model, string? Datacenter, string? Vendor, RmaStatus Status, GpuStatus GpuStatus, string Reason, string? Evidence,
    string? VendorCaseNumber, DateTime OpenedAt, string OpenedBy, DateTime? ShippedAt, string? TrackingNumber, bool AdvanceReplacement,
    decimal? CreditAmount, string? CreditCurrency, DateTime? ClosedAt, string? ReplacementSerial, int AgeDays, DateTime? WarrantyEndsAt, long Version);

/// <summary>A failed card nobody has opened a case for yet.</summary>
public sealed record FailedCardItem(string Serial, string Model, string? Datacenter, string? Host, string? Vendor, DateTime? WarrantyEndsAt,
    string Warranty, string? Notes);

/// <summary>What a technician works through: failed cards without a case, open cases oldest first.</summary>
public sealed record TechnicianQueue(IReadOnlyList<FailedCardItem> FailedWithoutCase, IReadOnlyList<RmaCaseItem> OpenCases);

/// <summary>
/// Which cases the RMA page lists: a status (none: every case not yet closed), the card's vendor and datacenter (exact,
/// case-insensitive), and free text over the serial, the vendor's case number, the tracking number and the reason.
/// </summary>
public sealed record RmaCaseFilter(RmaStatus? Status = null, string? Vendor = null, string? Datacenter = null, string? Search = null);

/// <summary>One page of RMA cases, newest first, and how many cases match the filter.</summary>
public sealed record PagedRmaCases(IReadOnlyList<RmaCaseItem> Items, int Total, int Page, int PageSize);

/// <summary>A page of the failed cards that have no case yet.</summary>
public sealed record PagedFailedCards(IReadOnlyList<FailedCardItem> Items, int Total, int Page, int PageSize);

/// <summary>
/// RMA cases from a failed card to its replacement. Cost-basis policy: a replacement is the same asset continuing — it
/// carries the original card's unit cost less any vendor credit, the original's currency, purchase-order line, warranty
/// end and depreciation start (reports follow <c>ReplacesGpuId</c>), and the returned card leaves the asset register.
/// </summary>
public sealed class RmaService(IDbContextFactory<FleetDbContext> contexts, TimeProvider time)
{
    /// <summary>The warranty status in words, as of <paramref name="asOf"/>.</summary>
    public static string WarrantyStatus(DateTime? endsAt, DateTime asOf) => endsAt switch
    {
        null => "Unknown",
        { } end when end.Date < asOf.Date => string.Create(CultureInfo.InvariantCulture, $"Expired {end:yyyy-MM-dd}"),
        { } end => string.Create(CultureInfo.InvariantCulture, $"In warranty ({(end.Date - asOf.Date).Days} days left)"),
    };

    public async Task<TechnicianQueue> QueueAsync(CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var failed = await FailedItemsAsync(db, FailedWithoutCase(db), ct);
        var open = await CasesAsync(db, db.RmaCases.Where(c => c.Status != RmaStatus.Closed), ct);
        return new TechnicianQueue(failed, open.OrderByDescending(c => c.AgeDays).ThenBy(c => c.Vendor).ToList());
    }

    /// <summary>
    /// The failed cards without a case a page at a time, in serial order, optionally those whose serial, model,
    /// datacenter or host contains <paramref name="search"/> (any case): the RMA page's queue, however many cards failed.
    /// </summary>
    public async Task<PagedFailedCards> FindFailedAsync(string? search, int page, int pageSize, CancellationToken ct = default)
    {
        if (pageSize is < 1 or > 500)
        {
            throw new ValidationException("pageSize", "The page size is 1 to 500 cards.");
        }

        await using var db = await contexts.CreateDbContextAsync(ct);
        var failed = FailedWithoutCase(db);
        if (!string.IsNullOrWhiteSpace(search))
        {
            var pattern = LikePattern.Contains(search);
            failed = failed.Where(g => EF.Functions.Like(g.Serial.ToUpper(), pattern, LikePattern.Escape)
                || EF.Functions.Like(g.Model!.Name.ToUpper(), pattern, LikePattern.Escape)
                || (g.Datacenter != null && EF.Functions.Like(g.Datacenter.Code.ToUpper(), pattern, LikePattern.Escape))
                || (g.Host != null && EF.Functions.Like(g.Host.Hostname.ToUpper(), pattern, LikePattern.Escape)));
        }

        var total = await failed.CountAsync(ct);
        page = Math.Clamp(page, 1, Math.Max(1, (total + pageSize - 1) / pageSize));
        var items = await FailedItemsAsync(db, failed.Skip((page - 1) * pageSize).Take(pageSize), ct);
        return new PagedFailedCards(items, total, page, pageSize);
    }

    private static IQueryable<Gpu> FailedWithoutCase(FleetDbContext db) => db.Gpus.AsNoTracking()
        .Where(g => g.Status == GpuStatus.Failed && !db.RmaCases.Any(c => c.GpuId == g.Id && c.Status != RmaStatus.Closed))
        .OrderBy(g => g.Serial);

    private async Task<List<FailedCardItem>> FailedItemsAsync(FleetDbContext db, IQueryable<Gpu> cards, CancellationToken ct)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var vendors = await VendorByLineAsync(db, ct);
        var failed = await cards
            .Select(g => new { g.Serial, Model = g.Model!.Name, Dc = g.Datacenter != null ? g.Datacenter.Code : null,
                Host = g.Host != null ? g.Host.Hostname : null, g.PurchaseOrderLineId, g.WarrantyEndsAt, g.Notes })
            .ToListAsync(ct);
        return [.. failed.Select(f => new FailedCardItem(f.Serial, f.Model, f.Dc, f.Host,
            f.PurchaseOrderLineId is { } l ? vendors.GetValueOrDefault(l) : null, f.WarrantyEndsAt, WarrantyStatus(f.WarrantyEndsAt, now), f.Notes))];
    }

    /// <summary>
    /// One page of cases, newest first (opened at, then id): the cases of <paramref name="status"/>, or every case not yet
    /// closed when it is null. <paramref name="page"/> is 1-based; a page past the end is the last page.
    /// </summary>
    public Task<PagedRmaCases> CasesPageAsync(RmaStatus? status, int page, int pageSize, CancellationToken ct = default) =>
        FindCasesAsync(new RmaCaseFilter(status), page, pageSize, ct);

    /// <summary>One page of the cases <paramref name="filter"/> selects, newest first; a page past the end is the last page.</summary>
    public async Task<PagedRmaCases> FindCasesAsync(RmaCaseFilter filter, int page, int pageSize, CancellationToken ct = default)
    {
        if (pageSize is < 1 or > 500)
        {
            throw new ValidationException("pageSize", "The page size is 1 to 500 cases.");
        }

        await using var db = await contexts.CreateDbContextAsync(ct);
        var matching = Matching(db, filter);
        var total = await matching.CountAsync(ct);
        var last = Math.Max(1, (total + pageSize - 1) / pageSize);
        page = Math.Clamp(page, 1, last);
        var ids = await matching.OrderByDescending(c => c.OpenedAt).ThenByDescending(c => c.Id)
            .Skip((page - 1) * pageSize).Take(pageSize).Select(c => c.Id).ToListAsync(ct);
        var items = await CasesAsync(db, db.RmaCases.Where(c => ids.Contains(c.Id)), ct);
        return new PagedRmaCases(items.OrderByDescending(c => c.OpenedAt).ThenByDescending(c => c.Id).ToList(), total, page, pageSize);
    }

    private static IQueryable<RmaCase> Matching(FleetDbContext db, RmaCaseFilter filter)
    {
        var cases = filter.Status is { } s ? db.RmaCases.Where(c => c.Status == s) : db.RmaCases.Where(c => c.Status != RmaStatus.Closed);
        if (!string.IsNullOrWhiteSpace(filter.Vendor))
        {
            var vendor = filter.Vendor.Trim().ToUpperInvariant();
            cases = cases.Where(c => db.Vendors.Any(v => v.Id == c.VendorId && v.Name.ToUpper() == vendor));
        }

        if (!string.IsNullOrWhiteSpace(filter.Datacenter))
        {
            var dc = filter.Datacenter.Trim().ToUpperInvariant();
            cases = cases.Where(c => db.Gpus.Any(g => g.Id == c.GpuId && g.Datacenter != null && g.Datacenter.Code.ToUpper() == dc));
        }

        if (!string.IsNullOrWhiteSpace(filter.Search))
        {
            var pattern = LikePattern.Contains(filter.Search);
            cases = cases.Where(c =>
                db.Gpus.Any(g => g.Id == c.GpuId && EF.Functions.Like(g.Serial.ToUpper(), pattern, LikePattern.Escape)) ||
                (c.VendorCaseNumber != null && EF.Functions.Like(c.VendorCaseNumber.ToUpper(), pattern, LikePattern.Escape)) ||
                (c.TrackingNumber != null && EF.Functions.Like(c.TrackingNumber.ToUpper(), pattern, LikePattern.Escape)) ||
                EF.Functions.Like(c.Reason.ToUpper(), pattern, LikePattern.Escape));
        }

        return cases;
    }

    /// <summary>The page of <see cref="CasesPageAsync(RmaStatus?, int, int, CancellationToken)"/> that holds case <paramref name="caseId"/>; null when no case of that filter has the id.</summary>
    public async Task<int?> PageOfAsync(int caseId, RmaStatus? status, int pageSize, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var matching = status is { } s ? db.RmaCases.Where(c => c.Status == s) : db.RmaCases.Where(c => c.Status != RmaStatus.Closed);
        var target = await matching.Where(c => c.Id == caseId).Select(c => new { c.OpenedAt }).FirstOrDefaultAsync(ct);
        if (target is null)
        {
            return null;
        }

        var before = await matching.CountAsync(c => c.OpenedAt > target.OpenedAt || (c.OpenedAt == target.OpenedAt && c.Id > caseId), ct);
        return (before / pageSize) + 1;
    }

    public async Task<IReadOnlyList<RmaCaseItem>> ListAsync(CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return (await CasesAsync(db, db.RmaCases, ct)).OrderByDescending(c => c.OpenedAt).ToList();
    }

    public async Task<RmaCaseItem> GetAsync(int id, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return (await CasesAsync(db, db.RmaCases.Where(c => c.Id == id), ct)).FirstOrDefault()
            ?? throw new NotFoundException($"No RMA case {id}.");
    }

    private static async Task<Dictionary<int, string>> VendorByLineAsync(FleetDbContext db, CancellationToken ct) =>
        await db.PurchaseOrderLines.AsNoTracking().Select(l => new { l.Id, l.PurchaseOrder!.Vendor!.Name })
            .ToDictionaryAsync(x => x.Id, x => x.Name, ct);

    private async Task<List<RmaCaseItem>> CasesAsync(FleetDbContext db, IQueryable<RmaCase> cases, CancellationToken ct)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var rows = await (
            from c in cases.AsNoTracking()
            join g in db.Gpus on c.GpuId equals g.Id
            select new
            {
                Case = c, g.Serial, Model = g.Model!.Name, Dc = g.Datacenter != null ? g.Datacenter.Code : null, g.Status, g.WarrantyEndsAt,
                Vendor = db.Vendors.Where(v => v.Id == c.VendorId).Select(v => v.Name).FirstOrDefault(),
                Replacement = db.Gpus.Where(r => r.Id == c.ReplacementGpuId).Select(r => r.Serial).FirstOrDefault(),
            }).ToListAsync(ct);
        return rows.Select(r => new RmaCaseItem(r.Case.Id, r.Serial, r.Model, r.Dc, r.Vendor, r.Case.Status, r.Status, r.Case.Reason, r.Case.Evidence,
            r.Case.VendorCaseNumber, r.Case.OpenedAt, r.Case.OpenedBy, r.Case.ShippedAt, r.Case.TrackingNumber, r.Case.AdvanceReplacement,
            r.Case.CreditAmount, r.Case.CreditCurrency, r.Case.ClosedAt, r.Replacement,
            Math.Max(0, (int)((r.Case.ClosedAt ?? now) - r.Case.OpenedAt).TotalDays), r.WarrantyEndsAt, r.Case.Version)).ToList();
    }

    /// <summary>Opens a case for a Failed card and moves it to RmaPending; without evidence the card's notes (burn-in findings) are kept.</summary>
    public async Task<RmaCaseItem> OpenAsync(string serial, OpenRmaRequest request, Actor actor, CancellationToken ct = default)
    {
        Access.Require(actor, Roles.Technician, "Opening an RMA case");
        var reason = request.Reason?.Trim();
        if (string.IsNullOrEmpty(reason) || reason.Length > 2000)
        {
            throw new ValidationException("reason", "Say why the card goes back (reason, 1 to 2,000 characters).");
        }

        if (request.Evidence is { Length: > 64_000 })
        {
            throw new ValidationException("evidence", "The evidence is longer than 64,000 characters; attach a summary.");
        }

        await using var db = await contexts.CreateDbContextAsync(ct);
        var gpu = await db.Gpus.Include(g => g.Placements.Where(p => p.To == null)).FirstOrDefaultAsync(g => g.Serial == serial, ct)
            ?? throw new NotFoundException($"No GPU with serial '{serial}'.");
        if (await db.RmaCases.AnyAsync(c => c.GpuId == gpu.Id && c.Status != RmaStatus.Closed, ct))
        {
            throw new DomainException($"GPU {serial} already has an open RMA case.");
        }

        var now = time.GetUtcNow().UtcDateTime;
        var vendorId = gpu.PurchaseOrderLineId is { } lineId
            ? await db.PurchaseOrderLines.Where(l => l.Id == lineId).Select(l => (int?)l.PurchaseOrder!.VendorId).FirstOrDefaultAsync(ct)
            : null;
        var before = AuditLog.GpuState(gpu);
        var rma = RmaCase.Open(gpu, vendorId, reason, string.IsNullOrWhiteSpace(request.Evidence) ? gpu.Notes : request.Evidence.Trim(),
            Clean(request.VendorCaseNumber, "vendorCaseNumber", 64), request.AdvanceReplacement, actor.Name, actor.Role, now, out var move);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        AuditMove(db, gpu, before, move, actor);
        db.RmaCases.Add(rma);
        await db.SaveOrConflictAsync($"GPU {serial}", ct);
        db.AuditEntries.Add(AuditLog.Entry(actor, now, nameof(RmaCase), rma.Id.ToString(CultureInfo.InvariantCulture), AuditActions.Create, null,
            new { serial, rma.Reason, rma.VendorCaseNumber, rma.AdvanceReplacement }));
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return await GetAsync(rma.Id, ct);
    }

    /// <summary>Records the shipment and moves the card RmaPending → RmaShipped (and on to Returned when an advance replacement already came).</summary>
    public async Task<RmaCaseItem> ShipAsync(int id, ShipRmaRequest request, Actor actor, long? expectedVersion = null, CancellationToken ct = default)
    {
        Access.Require(actor, Roles.Technician, "Shipping an RMA");
        var tracking = Clean(request.TrackingNumber, "trackingNumber", 128)
            ?? throw new ValidationException("trackingNumber", "Give the carrier's tracking number.");
        await using var db = await contexts.CreateDbContextAsync(ct);
        var vendorCase = Clean(request.VendorCaseNumber, "vendorCaseNumber", 64);
        var (rma, gpu) = await LoadAsync(db, id, expectedVersion, ct);
        var now = time.GetUtcNow().UtcDateTime;
        var shippedAt = request.ShippedAt?.ToUniversalTime() ?? now;
        if (rma.Status == RmaStatus.Open && (shippedAt < rma.OpenedAt.Date || shippedAt > now.AddDays(1)))
        {
            throw new ValidationException("shippedAt", $"shippedAt {shippedAt:yyyy-MM-dd} must lie between the case's opening and today.");
        }

        var before = AuditLog.GpuState(gpu);
        foreach (var move in rma.Ship(gpu, tracking, shippedAt, vendorCase, actor.Name, actor.Role, now))
        {
            AuditMove(db, gpu, before, move, actor);
            before = AuditLog.GpuState(gpu);
        }

        AuditCase(db, rma, actor, now, "Shipped");
        await db.SaveOrConflictAsync($"RMA case {id}", ct);
        return await GetAsync(id, ct);
    }

    /// <summary>
    /// Receives the replacement as a new card in status Received, linked to the one it replaces, with the cost basis the
    /// policy gives; a shipped case closes and the old card becomes Returned.
    /// </summary>
    public async Task<RmaCaseItem> ReceiveReplacementAsync(int id, ReplacementRequest request, Actor actor, CancellationToken ct = default)
    {
        Access.Require(actor, Roles.Technician, "Receiving an RMA replacement");
        var serial = request.Serial?.Trim();
        if (!GpuSerial.IsValid(serial))
        {
            throw new ValidationException("serial", $"The replacement card's serial does not follow the serial rules. {GpuSerial.Rule}");
        }

        if (request.CreditAmount is not null)
        {
            Access.Require(actor, Roles.Finance, "Recording an RMA credit");
        }

        await using var db = await contexts.CreateDbContextAsync(ct);
        var (rma, gpu) = await LoadAsync(db, id, null, ct);
        if (rma.ReplacementGpuId is not null || rma.Status == RmaStatus.Closed)
        {
            throw new DomainException($"RMA case {id} already has its replacement or is closed.");
        }

        if (rma.Status == RmaStatus.Open && !rma.AdvanceReplacement)
        {
            throw new DomainException($"RMA case {id} has not been shipped and is not an advance replacement; ship the failed card first.");
        }

        if (await db.Gpus.AnyAsync(g => g.Serial.ToUpper() == serial.ToUpper(), ct))
        {
            throw new ValidationException("serial", $"Serial {serial} is already in the fleet.");
        }

        var now = time.GetUtcNow().UtcDateTime;
        var receivedAt = request.ReceivedAt?.ToUniversalTime() ?? now;
        if (request.CreditAmount is { } credit)
        {
            rma.RecordCredit(gpu, null, credit, request.CreditCurrency ?? gpu.Currency, actor.Role);
        }

        var replacement = Gpu.ReplacementFor(gpu, serial, receivedAt, gpu.UnitCost - (rma.CreditAmount ?? 0m),
            string.Create(CultureInfo.InvariantCulture, $"RMA {id} replacement for {gpu.Serial}"));
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        db.Gpus.Add(replacement);
        db.AuditEntries.Add(AuditLog.Entry(actor, now, nameof(Gpu), serial, AuditActions.Create, null, AuditLog.GpuState(replacement),
            $"Replacement for {gpu.Serial} under RMA {id}"));
        await db.SaveOrConflictAsync($"RMA case {id}", ct);
        var before = AuditLog.GpuState(gpu);
        if (rma.AttachReplacement(gpu, replacement, actor.Name, actor.Role, now) is { } move)
        {
            AuditMove(db, gpu, before, move, actor);
        }

        AuditCase(db, rma, actor, now, $"Replacement {serial} received");
        await db.SaveOrConflictAsync($"RMA case {id}", ct);
        await tx.CommitAsync(ct);
        return await GetAsync(id, ct);
    }

    /// <summary>
    /// Records a vendor credit (Finance, on a case that is not closed); it lowers the replacement's cost when there is one.
    /// With Close, a shipped case ends without replacement.
    /// </summary>
    public async Task<RmaCaseItem> CreditAsync(int id, CreditRequest request, Actor actor, CancellationToken ct = default)
    {
        Access.Require(actor, Roles.Finance, "Recording an RMA credit");
        await using var db = await contexts.CreateDbContextAsync(ct);
        var (rma, gpu) = await LoadAsync(db, id, null, ct);
        var replacement = rma.ReplacementGpuId is { } replacementId ? await db.Gpus.FirstAsync(g => g.Id == replacementId, ct) : null;
        var replacementBefore = replacement is null ? null : AuditLog.GpuState(replacement);
        rma.RecordCredit(gpu, replacement, request.Amount, request.Currency ?? gpu.Currency, actor.Role);
        var now = time.GetUtcNow().UtcDateTime;
        if (replacement is not null)
        {
            db.AuditEntries.Add(AuditLog.Entry(actor, now, nameof(Gpu), replacement.Serial, AuditActions.Update, replacementBefore,
                AuditLog.GpuState(replacement), string.Create(CultureInfo.InvariantCulture, $"Cost basis after RMA {id} credit of {request.Amount}")));
        }

        if (request.Close)
        {
            var before = AuditLog.GpuState(gpu);
            AuditMove(db, gpu, before, rma.CloseOnCredit(gpu, actor.Name, actor.Role, now), actor);
        }

        AuditCase(db, rma, actor, now, "Credit recorded");
        await db.SaveOrConflictAsync($"RMA case {id}", ct);
        return await GetAsync(id, ct);
    }

    /// <summary>Withdraws an open, unshipped case; the card goes back to Validated.</summary>
    public async Task<RmaCaseItem> WithdrawAsync(int id, WithdrawRmaRequest request, Actor actor, long? expectedVersion = null, CancellationToken ct = default)
    {
        Access.Require(actor, Roles.Technician, "Withdrawing an RMA case");
        var reason = Clean(request.Reason, "reason", 2000)
            ?? throw new ValidationException("reason", "Say why the case is withdrawn (reason).");
        await using var db = await contexts.CreateDbContextAsync(ct);
        var (rma, gpu) = await LoadAsync(db, id, expectedVersion, ct);
        var now = time.GetUtcNow().UtcDateTime;
        var before = AuditLog.GpuState(gpu);
        AuditMove(db, gpu, before, rma.Withdraw(gpu, reason, actor.Name, actor.Role, now), actor);
        AuditCase(db, rma, actor, now, $"Withdrawn: {reason}");
        await db.SaveOrConflictAsync($"RMA case {id}", ct);
        return await GetAsync(id, ct);
    }

    private static async Task<(RmaCase Case, Gpu Gpu)> LoadAsync(FleetDbContext db, int id, long? expectedVersion, CancellationToken ct)
    {
        var rma = await db.RmaCases.FirstOrDefaultAsync(c => c.Id == id, ct) ?? throw new NotFoundException($"No RMA case {id}.");
        if (expectedVersion is { } v && v != rma.Version)
        {
            throw new ConcurrencyException($"RMA case {id} was changed by someone else. Reload and try again.");
        }

        var gpu = await db.Gpus.Include(g => g.Placements.Where(p => p.To == null)).FirstAsync(g => g.Id == rma.GpuId, ct);
        return (rma, gpu);
    }

    private static void AuditMove(FleetDbContext db, Gpu gpu, object before, TransitionRecord move, Actor actor) =>
        db.AuditEntries.Add(AuditLog.Entry(actor, move.At, nameof(Gpu), gpu.Serial, AuditActions.Transition, before, AuditLog.GpuState(gpu),
            $"{move.From} → {move.To}: {move.Message}"));

    private static void AuditCase(FleetDbContext db, RmaCase rma, Actor actor, DateTime now, string message) =>
        db.AuditEntries.Add(AuditLog.Entry(actor, now, nameof(RmaCase), rma.Id.ToString(CultureInfo.InvariantCulture), AuditActions.Update, null,
            new { Status = rma.Status.ToString(), rma.ShippedAt, rma.TrackingNumber, rma.VendorCaseNumber, rma.CreditAmount, rma.CreditCurrency, rma.ReplacementGpuId },
            message));

    private static string? Clean(string? value, string name, int max)
    {
        var v = value?.Trim();
        if (string.IsNullOrEmpty(v))
        {
            return null;
        }

        return v.Length <= max ? v : throw new ValidationException(name, string.Create(CultureInfo.InvariantCulture, $"{name} is longer than {max} characters."));
    }
}
