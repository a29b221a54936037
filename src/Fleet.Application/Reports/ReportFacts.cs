using Fleet.Domain.Finance;
using Fleet.Domain.Lifecycle;

namespace Fleet.Application.Reports;

/// <summary>A card as the reports see it.</summary>
public sealed record ReportCard(
    int Id, string Serial, int ModelId, int? DatacenterId, GpuStatus Status, decimal? UnitCost, string Currency, DateTime? ReceivedAt,
    DateTime? InServiceAt, DateTime? WarrantyEndsAt, int? ReplacesGpuId, int? LineId, string? PoNumber);

/// <summary>A datacenter's code and power terms.</summary>
public sealed record ReportDatacenter(int Id, string Code, decimal Pue, decimal Price, string Currency)
{
    public PowerTerms Power => new(Pue, Price, Currency);
}

/// <summary>A GPU model's name, TDP and the depreciation terms finance applies to it.</summary>
public sealed record ReportModel(int Id, string Name, int TdpW, DepreciationTerms Terms);

/// <summary>
/// The facts every report reads, loaded set-based in one pass (one projection query per table: cards, models,
/// datacenters, order lines, policies), with the card selection and issue rules they share. <see cref="Db"/> is the
/// context a report uses for the few facts only it needs (budgets, readings, profiles, RMA cases).
/// </summary>
public sealed class ReportFacts
{
    public required FleetDbContext Db { get; init; }
    public required List<ReportCard> Cards { get; init; }
    public required Dictionary<int, ReportCard> ById { get; init; }
    public required Dictionary<int, ReportModel> Models { get; init; }
    public required Dictionary<int, ReportDatacenter> Dcs { get; init; }
    public required Dictionary<int, string> VendorByLine { get; init; }

    /// <summary>Each purchase order's vendor by order number (upper case), for cards that name a PO but no order line.</summary>
    public required Dictionary<string, string> VendorByOrder { get; init; }

    /// <summary>Loads the shared facts.</summary>
    public static async Task<ReportFacts> LoadAsync(FleetDbContext db, CancellationToken ct)
    {
        var cards = await db.Gpus.AsNoTracking().Select(g => new ReportCard(g.Id, g.Serial, g.GpuModelId, g.DatacenterId, g.Status, g.UnitCost, g.Currency,
            g.ReceivedAt, g.InServiceAt, g.WarrantyEndsAt, g.ReplacesGpuId, g.PurchaseOrderLineId, g.PoNumber)).ToListAsync(ct);
        var policies = await db.DepreciationPolicies.AsNoTracking().ToDictionaryAsync(p => p.GpuModelId, ct);
        var models = await db.GpuModels.AsNoTracking().Select(m => new { m.Id, m.Name, m.TdpW, m.DepreciationMonths }).ToListAsync(ct);
        var dcs = await db.Datacenters.AsNoTracking().Select(d => new ReportDatacenter(d.Id, d.Code, d.Pue, d.ElectricityPricePerKwh, d.Currency)).ToListAsync(ct);
        var vendors = await db.PurchaseOrderLines.AsNoTracking().Select(l => new { l.Id, l.PurchaseOrder!.Vendor!.Name }).ToListAsync(ct);
        var orders = await db.PurchaseOrders.AsNoTracking().Select(o => new { o.Number, o.Vendor!.Name }).ToListAsync(ct);
        return new ReportFacts
        {
            Db = db,
            Cards = cards,
            ById = cards.ToDictionary(c => c.Id),
            Models = models.ToDictionary(m => m.Id, m => new ReportModel(m.Id, m.Name, m.TdpW, policies.TryGetValue(m.Id, out var p)
                ? new DepreciationTerms(p.LifeMonths, p.SalvageAmount, p.SalvagePercent) : new DepreciationTerms(m.DepreciationMonths))),
            Dcs = dcs.ToDictionary(d => d.Id),
            VendorByLine = vendors.ToDictionary(v => v.Id, v => v.Name),
            VendorByOrder = orders.GroupBy(o => o.Number.ToUpperInvariant()).ToDictionary(g => g.Key, g => g.First().Name),
        };
    }

    /// <summary>Refuses a datacenter or model filter that names nothing, listing the known ones.</summary>
    public void CheckFilters(ReportQuery q)
    {
        if (q.Datacenter is { Length: > 0 } dc && !Dcs.Values.Any(d => string.Equals(d.Code, dc, StringComparison.OrdinalIgnoreCase)))
        {
            throw new ValidationException("datacenter", $"Unknown datacenter '{dc}'. Known: {string.Join(", ", Dcs.Values.Select(d => d.Code).Order())}.");
        }

        if (q.Model is { Length: > 0 } m && !Models.Values.Any(x => string.Equals(x.Name, m, StringComparison.OrdinalIgnoreCase)))
        {
            throw new ValidationException("model", $"Unknown model '{m}'. Known: {string.Join(", ", Models.Values.Select(x => x.Name).Order())}.");
        }
    }

    /// <summary>The cards the query selects: scope, filters, and received on or before <paramref name="heldOn"/>.</summary>
    public IEnumerable<ReportCard> Select(ReportQuery q, DateOnly heldOn)
    {
        foreach (var c in Cards)
        {
            if (c.ReceivedAt is null || DateOnly.FromDateTime(c.ReceivedAt.Value) > heldOn)
            {
                continue;
            }

            var received = DateOnly.FromDateTime(c.ReceivedAt.Value);
            if ((q.ReceivedFrom is { } rf && received < rf) || (q.ReceivedTo is { } rt && received > rt))
            {
                continue;
            }

            var issue = Issue(c);
            if ((q.Issue is { } wanted && issue != wanted) || (q.NoIssue && issue is not null))
            {
                continue;
            }

            if (q.Scope == CardScope.Register && c.Status is GpuStatus.Returned or GpuStatus.Disposed or GpuStatus.Ordered)
            {
                continue;
            }

            // Every card bought counts, on an order line or not (imported cards); those off any known order carry a warning.
            if (q.Scope == CardScope.Purchased && c.ReplacesGpuId is not null)
            {
                continue;
            }

            if ((q.Datacenter is { Length: > 0 } dc && !string.Equals(DcCode(c), dc, StringComparison.OrdinalIgnoreCase))
                || (q.Model is { Length: > 0 } m && !string.Equals(Models[c.ModelId].Name, m, StringComparison.OrdinalIgnoreCase))
                || (q.Vendor is { Length: > 0 } v && !string.Equals(Vendor(c), v, StringComparison.OrdinalIgnoreCase))
                || (q.PoNumber is { Length: > 0 } po && !string.Equals(c.PoNumber, po, StringComparison.OrdinalIgnoreCase))
                || (q.Currency is { Length: > 0 } cur && !string.Equals(c.Currency, cur, StringComparison.OrdinalIgnoreCase)))
            {
                continue;
            }

            yield return c;
        }
    }

    /// <summary>What keeps the card's figures from being taken at face value, if anything.</summary>
    public CardIssue? Issue(ReportCard c) =>
        c.UnitCost is null ? CardIssue.NoCost
        : c.LineId is not null || c.ReplacesGpuId is not null ? null
        : c.PoNumber is null ? CardIssue.NoOrder
        : VendorByOrder.ContainsKey(c.PoNumber.ToUpperInvariant()) ? null
        : CardIssue.UnmatchedOrder;

    public static string? Warning(CardIssue? issue, ReportCard c) => issue switch
    {
        CardIssue.NoCost => "no unit cost: counted, but not in the money totals",
        CardIssue.UnmatchedOrder => $"PO {c.PoNumber} matches no purchase order",
        CardIssue.NoOrder => "on no purchase order",
        _ => null,
    };

    /// <summary>One line per issue among <paramref name="cards"/>: how many cards, and for costed ones how much money per currency.</summary>
    public IReadOnlyList<string> Warnings(IEnumerable<ReportCard> cards, string noCostEffect)
    {
        var warnings = new List<string>();
        foreach (var group in cards.Select(c => (Card: c, Issue: Issue(c))).Where(x => x.Issue is not null).GroupBy(x => x.Issue!.Value).OrderBy(g => g.Key))
        {
            var n = group.Count();
            var cardsText = string.Create(CultureInfo.InvariantCulture, $"{n} card{(n == 1 ? "" : "s")}");
            var money = string.Join(", ", group.GroupBy(x => x.Card.Currency).OrderBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => string.Create(CultureInfo.InvariantCulture, $"{g.Sum(x => x.Card.UnitCost ?? 0m):N2} {g.Key}")));
            warnings.Add(group.Key switch
            {
                CardIssue.NoCost => $"{cardsText} without a unit cost: {noCostEffect}.",
                CardIssue.UnmatchedOrder => $"{cardsText} ({money}) name a PO number that matches no purchase order: " +
                    string.Join(", ", group.Select(x => x.Card.PoNumber).Distinct(StringComparer.OrdinalIgnoreCase).Order(StringComparer.Ordinal).Take(10)) + ".",
                _ => $"{cardsText} ({money}) are on no purchase order.",
            });
        }

        return warnings;
    }

    /// <summary>Depreciation start: the original card's for a replacement, else in-service, else received.</summary>
    public DateOnly? Start(ReportCard c)
    {
        var root = c;
        for (var hops = 0; root.ReplacesGpuId is { } prev && ById.TryGetValue(prev, out var original) && hops < 50; hops++)
        {
            root = original;
        }

        var at = root.InServiceAt ?? root.ReceivedAt;
        return at is null ? null : DateOnly.FromDateTime(at.Value);
    }

    public string StartBasis(ReportCard c) =>
        c.ReplacesGpuId is { } prev && ById.TryGetValue(prev, out var o) ? $"replaces {o.Serial}" : c.InServiceAt is null ? "received" : "in service";

    public string DcCode(ReportCard c) => c.DatacenterId is { } d && Dcs.TryGetValue(d, out var dc) ? dc.Code : "(none)";

    public string Vendor(ReportCard c) =>
        c.LineId is { } l ? VendorByLine.GetValueOrDefault(l, "")
        : c.PoNumber is { } po ? VendorByOrder.GetValueOrDefault(po.ToUpperInvariant(), "")
        : "";
}
