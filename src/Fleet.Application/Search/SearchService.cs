using Fleet.Application.Inventory;

namespace Fleet.Application.Search;

/// <summary>One thing a search found: what to call it, a line about it, and the page that shows it.</summary>
public sealed record SearchHit(string Title, string? Detail, string Href);

/// <summary>
/// The hits of one kind (<c>gpus</c>, <c>hosts</c>, <c>orders</c>, <c>vendors</c>, <c>rma</c>), at most the limit;
/// <see cref="More"/> says there are others and <see cref="MoreHref"/>, where there is one, lists them all.
/// </summary>
public sealed record SearchGroup(string Kind, string Title, IReadOnlyList<SearchHit> Hits, bool More, string? MoreHref);

/// <summary>Everything one search found, grouped by kind (only kinds with hits).</summary>
public sealed record SearchResults(string Query, IReadOnlyList<SearchGroup> Groups);

/// <summary>
/// The top bar's search across cards (serial, UUID, asset tag, PO number, host), hosts, purchase orders, vendors and
/// RMA cases (id, vendor case number, tracking number): <c>upper(column) LIKE '%TERM%'</c>, prefix and substring alike,
/// which the PostgreSQL trigram indexes serve on the large tables.
/// </summary>
public sealed class SearchService(IDbContextFactory<FleetDbContext> contexts)
{
    public const int MinLength = 2;
    public const int MaxLength = 100;
    public const int DefaultLimit = 5;
    public const int MaxLimit = 50;

    public async Task<SearchResults> SearchAsync(string? text, int limit = DefaultLimit, CancellationToken ct = default)
    {
        var term = text?.Trim() ?? "";
        if (term.Length < MinLength)
        {
            throw new ValidationException("q", $"Type at least {MinLength} characters to search.");
        }

        if (term.Length > MaxLength)
        {
            throw new ValidationException("q", $"A search is at most {MaxLength} characters, got {term.Length}.");
        }

        if (limit is < 1 or > MaxLimit)
        {
            throw new ValidationException("limit", $"limit must be between 1 and {MaxLimit}, got {limit}.");
        }

        var pattern = "%" + EscapeLike(term.ToUpperInvariant()) + "%";
        var groups = new List<SearchGroup>();
        var id = ParseCaseId(term);

        // The five groups read different tables; each runs on its own context, at once (a search costs its slowest
        // group, not the sum of five). Their order in the answer is fixed below.
        async Task<T> On<T>(Func<FleetDbContext, Task<T>> query)
        {
            await using var c = await contexts.CreateDbContextAsync(ct);
            return await query(c);
        }

        // Cards: the inventory's own search (so the grid behind "all matches" shows the same cards).
        var cardsTask = InventoryService.SearchFirstAsync(contexts, term, limit + 1, ct);
        var hostsTask = On(c => c.Hosts.AsNoTracking().Where(h => EF.Functions.Like(h.Hostname.ToUpper(), pattern, LikeEscape))
            .OrderBy(h => h.Hostname).Take(limit + 1)
            .Select(h => new { h.Hostname, Rack = h.Rack!.Name, Datacenter = h.Rack.Datacenter!.Code, h.GpuSlots }).ToListAsync(ct));
        var ordersTask = On(c => c.PurchaseOrders.AsNoTracking().Where(o => EF.Functions.Like(o.Number.ToUpper(), pattern, LikeEscape))
            .OrderBy(o => o.Number).Take(limit + 1)
            .Select(o => new { o.Number, Vendor = o.Vendor!.Name, o.Status }).ToListAsync(ct));
        var vendorsTask = On(c => c.Vendors.AsNoTracking().Where(v => EF.Functions.Like(v.Name.ToUpper(), pattern, LikeEscape))
            .OrderBy(v => v.Name).Take(limit + 1).Select(v => new { v.Name, v.ContactEmail }).ToListAsync(ct));

        // An RMA case by its number (12 or RMA-12), the vendor's case number or the shipment's tracking number.
        var casesTask = On(c => c.RmaCases.AsNoTracking()
            .Join(c.Gpus, r => r.GpuId, g => g.Id, (r, g) => new { r.Id, r.Status, r.VendorCaseNumber, r.TrackingNumber, r.OpenedAt, g.Serial })
            .Where(r => r.Id == id
                || (r.VendorCaseNumber != null && EF.Functions.Like(r.VendorCaseNumber.ToUpper(), pattern, LikeEscape))
                || (r.TrackingNumber != null && EF.Functions.Like(r.TrackingNumber.ToUpper(), pattern, LikeEscape)))
            .OrderByDescending(r => r.Id == id).ThenByDescending(r => r.OpenedAt).ThenByDescending(r => r.Id).Take(limit + 1)
            .ToListAsync(ct));
        await Task.WhenAll(cardsTask, hostsTask, ordersTask, vendorsTask, casesTask);

        Add("gpus", "GPUs", (await cardsTask).Select(g => new SearchHit(g.Serial,
                Line(g.Model, g.Status.ToString(), g.Host ?? g.Datacenter, g.AssetTag, g.PoNumber),
                "gpus/" + Uri.EscapeDataString(g.Serial))).ToList(),
            "gpus?search=" + Uri.EscapeDataString(term));
        Add("hosts", "Hosts", (await hostsTask).Select(h => new SearchHit(h.Hostname,
            $"{h.Datacenter} · rack {h.Rack} · {h.GpuSlots.ToString(System.Globalization.CultureInfo.InvariantCulture)} slots",
            "gpus?search=" + Uri.EscapeDataString(h.Hostname))).ToList(), null);
        Add("orders", "Purchase orders", (await ordersTask).Select(o => new SearchHit(o.Number, $"{o.Vendor} · {o.Status}",
            "procurement/orders/" + Uri.EscapeDataString(o.Number))).ToList(), "procurement/orders");
        Add("vendors", "Vendors", (await vendorsTask).Select(v => new SearchHit(v.Name, v.ContactEmail, "procurement/vendors")).ToList(), "procurement/vendors");
        Add("rma", "RMA cases", (await casesTask).Select(c => new SearchHit(
            "RMA " + c.Id.ToString(System.Globalization.CultureInfo.InvariantCulture),
            Line(c.Serial, c.Status.ToString(), c.VendorCaseNumber, c.TrackingNumber),
            "rma/" + c.Id.ToString(System.Globalization.CultureInfo.InvariantCulture))).ToList(), "rma");

        return new SearchResults(term, groups);

        void Add(string kind, string title, List<SearchHit> hits, string? moreHref)
        {
            if (hits.Count > 0)
            {
                var more = hits.Count > limit;
                groups.Add(new SearchGroup(kind, title, more ? hits.Take(limit).ToList() : hits, more, more ? moreHref : null));
            }
        }
    }

    private static string Line(params string?[] parts) => string.Join(" · ", parts.Where(p => !string.IsNullOrWhiteSpace(p)));

    /// <summary>The case id in "12", "#12" or "RMA-12", else -1 (no case has it).</summary>
    private static int ParseCaseId(string term)
    {
        var digits = term.TrimStart('#');
        if (digits.StartsWith("RMA", StringComparison.OrdinalIgnoreCase))
        {
            digits = digits[3..].TrimStart('-', ' ', '#');
        }

        return int.TryParse(digits, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var id) ? id : -1;
    }

    private const string LikeEscape = "\\";

    private static string EscapeLike(string term) =>
        term.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal);
}
