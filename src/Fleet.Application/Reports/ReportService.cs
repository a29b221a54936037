using System.Globalization;
using Fleet.Application.Common;
using Fleet.Application.Finance;
using Fleet.Data;
using Fleet.Domain;
using Fleet.Domain.Finance;
using Fleet.Domain.Lifecycle;
using Fleet.Domain.Models;
using Fleet.Domain.Rma;
using Microsoft.EntityFrameworkCore;

namespace Fleet.Application.Reports;

/// <summary>
/// Finance's reports, computed set-based: one projection query per table (cards, models, datacenters, order lines,
/// policies, readings), then in-memory grouping — never a query per card. Money stays per currency throughout.
/// Depreciation follows <see cref="Depreciation"/> (full-month convention); an RMA replacement continues the original
/// card's depreciation start.
/// </summary>
public sealed class ReportService(IDbContextFactory<FleetDbContext> contexts, TimeProvider time, FinanceOptions options)
{
    public const string AssetRegister = "asset-register";
    public const string DepreciationSchedule = "depreciation-schedule";
    public const string Capex = "capex";
    public const string BudgetVsActual = "budget-vs-actual";
    public const string CostPerGpuHour = "cost-per-gpu-hour";
    public const string Warranties = "warranties";
    public const string RmaCredits = "rma-credits";

    public static IReadOnlyList<string> Names { get; } =
        [AssetRegister, DepreciationSchedule, Capex, BudgetVsActual, CostPerGpuHour, Warranties, RmaCredits];

    private sealed record Card(
        int Id, string Serial, int ModelId, int? DatacenterId, GpuStatus Status, decimal? UnitCost, string Currency, DateTime? ReceivedAt,
        DateTime? InServiceAt, DateTime? WarrantyEndsAt, int? ReplacesGpuId, int? LineId, string? PoNumber);

    private sealed record Dc(int Id, string Code, decimal Pue, decimal Price, string Currency);

    private sealed record ModelInfo(int Id, string Name, int TdpW, DepreciationTerms Terms);

    /// <summary>Everything a report needs, loaded in one pass.</summary>
    private sealed class Facts
    {
        public required List<Card> Cards { get; init; }
        public required Dictionary<int, Card> ById { get; init; }
        public required Dictionary<int, ModelInfo> Models { get; init; }
        public required Dictionary<int, Dc> Dcs { get; init; }
        public required Dictionary<int, string> VendorByLine { get; init; }

        /// <summary>Each purchase order's vendor by order number (upper case), for cards that name a PO but no order line.</summary>
        public required Dictionary<string, string> VendorByOrder { get; init; }

        /// <summary>What keeps the card's figures from being taken at face value, if anything.</summary>
        public CardIssue? Issue(Card c) =>
            c.UnitCost is null ? CardIssue.NoCost
            : c.LineId is not null || c.ReplacesGpuId is not null ? null
            : c.PoNumber is null ? CardIssue.NoOrder
            : VendorByOrder.ContainsKey(c.PoNumber.ToUpperInvariant()) ? null
            : CardIssue.UnmatchedOrder;

        public static string? Warning(CardIssue? issue, Card c) => issue switch
        {
            CardIssue.NoCost => "no unit cost: counted, but not in the money totals",
            CardIssue.UnmatchedOrder => $"PO {c.PoNumber} matches no purchase order",
            CardIssue.NoOrder => "on no purchase order",
            _ => null,
        };

        /// <summary>One line per issue among <paramref name="cards"/>: how many cards, and for costed ones how much money per currency.</summary>
        public IReadOnlyList<string> Warnings(IEnumerable<Card> cards, string noCostEffect)
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
        public DateOnly? Start(Card c)
        {
            var root = c;
            for (var hops = 0; root.ReplacesGpuId is { } prev && ById.TryGetValue(prev, out var original) && hops < 50; hops++)
            {
                root = original;
            }

            var at = root.InServiceAt ?? root.ReceivedAt;
            return at is null ? null : DateOnly.FromDateTime(at.Value);
        }

        public string StartBasis(Card c) =>
            c.ReplacesGpuId is { } prev && ById.TryGetValue(prev, out var o) ? $"replaces {o.Serial}" : c.InServiceAt is null ? "received" : "in service";

        public string DcCode(Card c) => c.DatacenterId is { } d && Dcs.TryGetValue(d, out var dc) ? dc.Code : "(none)";

        public string Vendor(Card c) =>
            c.LineId is { } l ? VendorByLine.GetValueOrDefault(l, "")
            : c.PoNumber is { } po ? VendorByOrder.GetValueOrDefault(po.ToUpperInvariant(), "")
            : "";
    }

    /// <summary>Computes the report called <paramref name="name"/>; an unknown name is a NotFound listing the valid ones.</summary>
    public async Task<ReportTable> RunAsync(string name, ReportQuery query, CancellationToken ct = default)
    {
        if (!Names.Contains(name))
        {
            throw new NotFoundException($"Unknown report '{name}'. Valid reports: {string.Join(", ", Names)}.");
        }

        if (query.From is { } f && query.To is { } t && f > t)
        {
            throw new ValidationException("from", $"from ({f:yyyy-MM-dd}) is after to ({t:yyyy-MM-dd}).");
        }

        await using var db = await contexts.CreateDbContextAsync(ct);
        var facts = await LoadAsync(db, ct);
        var q = query with { AsOf = query.AsOf ?? DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime) };
        CheckFilters(facts, q);
        return name switch
        {
            AssetRegister => BuildAssetRegister(facts, q),
            DepreciationSchedule => BuildSchedule(facts, q),
            Capex => BuildCapex(facts, q),
            BudgetVsActual => await BuildBudgetAsync(db, facts, q, ct),
            CostPerGpuHour => await BuildCostPerHourAsync(db, facts, q, ct),
            Warranties => BuildWarranties(facts, q),
            _ => await BuildCreditsAsync(db, facts, q, ct),
        };
    }

    private static async Task<Facts> LoadAsync(FleetDbContext db, CancellationToken ct)
    {
        var cards = await db.Gpus.AsNoTracking().Select(g => new Card(g.Id, g.Serial, g.GpuModelId, g.DatacenterId, g.Status, g.UnitCost, g.Currency,
            g.ReceivedAt, g.InServiceAt, g.WarrantyEndsAt, g.ReplacesGpuId, g.PurchaseOrderLineId, g.PoNumber)).ToListAsync(ct);
        var policies = await db.DepreciationPolicies.AsNoTracking().ToDictionaryAsync(p => p.GpuModelId, ct);
        var models = await db.GpuModels.AsNoTracking().Select(m => new { m.Id, m.Name, m.TdpW, m.DepreciationMonths }).ToListAsync(ct);
        var dcs = await db.Datacenters.AsNoTracking().Select(d => new Dc(d.Id, d.Code, d.Pue, d.ElectricityPricePerKwh, d.Currency)).ToListAsync(ct);
        var vendors = await db.PurchaseOrderLines.AsNoTracking().Select(l => new { l.Id, l.PurchaseOrder!.Vendor!.Name }).ToListAsync(ct);
        var orders = await db.PurchaseOrders.AsNoTracking().Select(o => new { o.Number, o.Vendor!.Name }).ToListAsync(ct);
        return new Facts
        {
            Cards = cards,
            ById = cards.ToDictionary(c => c.Id),
            Models = models.ToDictionary(m => m.Id, m => new ModelInfo(m.Id, m.Name, m.TdpW, policies.TryGetValue(m.Id, out var p)
                ? new DepreciationTerms(p.LifeMonths, p.SalvageAmount, p.SalvagePercent) : new DepreciationTerms(m.DepreciationMonths))),
            Dcs = dcs.ToDictionary(d => d.Id),
            VendorByLine = vendors.ToDictionary(v => v.Id, v => v.Name),
            VendorByOrder = orders.GroupBy(o => o.Number.ToUpperInvariant()).ToDictionary(g => g.Key, g => g.First().Name),
        };
    }

    private static void CheckFilters(Facts facts, ReportQuery q)
    {
        if (q.Datacenter is { Length: > 0 } dc && !facts.Dcs.Values.Any(d => string.Equals(d.Code, dc, StringComparison.OrdinalIgnoreCase)))
        {
            throw new ValidationException("datacenter", $"Unknown datacenter '{dc}'. Known: {string.Join(", ", facts.Dcs.Values.Select(d => d.Code).Order())}.");
        }

        if (q.Model is { Length: > 0 } m && !facts.Models.Values.Any(x => string.Equals(x.Name, m, StringComparison.OrdinalIgnoreCase)))
        {
            throw new ValidationException("model", $"Unknown model '{m}'. Known: {string.Join(", ", facts.Models.Values.Select(x => x.Name).Order())}.");
        }
    }

    /// <summary>The cards the query selects: scope, filters, and (for the register) held on the as-of date.</summary>
    private static IEnumerable<Card> Select(Facts facts, ReportQuery q, DateOnly heldOn)
    {
        foreach (var c in facts.Cards)
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

            var issue = facts.Issue(c);
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

            if ((q.Datacenter is { Length: > 0 } dc && !string.Equals(facts.DcCode(c), dc, StringComparison.OrdinalIgnoreCase))
                || (q.Model is { Length: > 0 } m && !string.Equals(facts.Models[c.ModelId].Name, m, StringComparison.OrdinalIgnoreCase))
                || (q.Vendor is { Length: > 0 } v && !string.Equals(facts.Vendor(c), v, StringComparison.OrdinalIgnoreCase))
                || (q.PoNumber is { Length: > 0 } po && !string.Equals(c.PoNumber, po, StringComparison.OrdinalIgnoreCase))
                || (q.Currency is { Length: > 0 } cur && !string.Equals(c.Currency, cur, StringComparison.OrdinalIgnoreCase)))
            {
                continue;
            }

            yield return c;
        }
    }

    private static ReportColumn Col(string name, string title, ColumnKind kind) => new(name, title, kind);

    private static List<ReportTotal> Totals(IEnumerable<ReportRow> rows, IEnumerable<(string Column, int Index)> money, int currencyIndex, ReportQuery? drill) =>
        money.SelectMany(m => rows.Where(r => r.Cells[m.Index] is decimal)
            .GroupBy(r => (string)r.Cells[currencyIndex]!)
            .Select(g => new ReportTotal(m.Column, g.Key, g.Sum(r => (decimal)r.Cells[m.Index]!), drill is null ? null : drill with { Currency = g.Key })))
            .OrderBy(t => t.Column, StringComparer.Ordinal).ThenBy(t => t.Currency, StringComparer.Ordinal).ToList();

    // ---------------------------------------------------------------- asset register

    private static ReportTable BuildAssetRegister(Facts facts, ReportQuery q)
    {
        var asOf = q.AsOf!.Value;
        var period = q.From is not null || q.To is not null;
        var from = q.From ?? DateOnly.MinValue;
        var to = q.To ?? asOf;
        var heldOn = period ? to : asOf;
        var columns = new List<ReportColumn>
        {
            Col("serial", "Serial", ColumnKind.Text), Col("model", "Model", ColumnKind.Text), Col("datacenter", "Datacenter", ColumnKind.Text),
            Col("vendor", "Vendor", ColumnKind.Text), Col("po_number", "PO", ColumnKind.Text), Col("status", "Status", ColumnKind.Text),
            Col("cost", "Cost", ColumnKind.Money), Col("currency", "Currency", ColumnKind.Text), Col("start_date", "Depreciation start", ColumnKind.Date),
            Col("start_basis", "Start basis", ColumnKind.Text), Col("received_date", "Received", ColumnKind.Date),
            Col("accumulated_depreciation", "Accumulated depreciation", ColumnKind.Money), Col("book_value", "Book value", ColumnKind.Money),
        };
        if (period)
        {
            columns.Add(Col("depreciation_in_period", "Depreciation in period", ColumnKind.Money));
        }

        columns.Add(Col("warning", "Warning", ColumnKind.Text));
        var rows = new List<ReportRow>();
        var cards = Select(facts, q, heldOn).OrderBy(c => c.Serial, StringComparer.Ordinal).ToList();
        foreach (var c in cards)
        {
            var start = facts.Start(c)!.Value;
            var terms = facts.Models[c.ModelId].Terms;
            var cost = c.UnitCost;
            decimal? accumulated = cost is { } basis ? Depreciation.Accumulated(basis, start, heldOn, terms) : null;
            var cells = new List<object?>
            {
                c.Serial, facts.Models[c.ModelId].Name, facts.DcCode(c), facts.Vendor(c), c.PoNumber, c.Status.ToString(), cost, c.Currency, start,
                facts.StartBasis(c), DateOnly.FromDateTime(c.ReceivedAt!.Value), accumulated, cost - accumulated,
            };
            if (period)
            {
                cells.Add(cost is { } b
                    ? accumulated - (from == DateOnly.MinValue ? 0m : Depreciation.Accumulated(b, start, from.AddDays(-1), terms))
                    : null);
            }

            cells.Add(Facts.Warning(facts.Issue(c), c));
            rows.Add(new ReportRow(cells.ToArray()));
        }

        var money = columns.Select((col, i) => (col, i)).Where(x => x.col.Kind == ColumnKind.Money).Select(x => (x.col.Name, x.i));
        return new ReportTable(AssetRegister, "Asset register", columns, rows, Totals(rows, money, 7, null),
            string.Create(CultureInfo.InvariantCulture, $"As of {heldOn:yyyy-MM-dd}. ") + ConventionNote)
        {
            Warnings = facts.Warnings(cards, "listed, but their cost, depreciation and book value are empty and not in the totals"),
        };
    }

    private const string ConventionNote =
        "Straight-line over each model's life to its salvage floor; full-month convention: a card depreciates from the month after it went " +
        "into service (or was received, when never in service), and a month's charge falls due on its last day. RMA replacements continue " +
        "the original card's start and cost less any vendor credit.";

    // ---------------------------------------------------------------- depreciation schedule

    private static IEnumerable<DateOnly> Months(DateOnly from, DateOnly to)
    {
        for (var m = new DateOnly(from.Year, from.Month, 1); m <= to; m = m.AddMonths(1))
        {
            yield return m;
        }
    }

    private static ReportTable BuildSchedule(Facts facts, ReportQuery q)
    {
        var asOf = q.AsOf!.Value;
        var from = q.From ?? new DateOnly(asOf.Year, 1, 1);
        var to = q.To ?? new DateOnly(asOf.Year, 12, 31);
        var months = Months(from, to).ToList();
        if (months.Count > 600)
        {
            throw new ValidationException("to", "A depreciation schedule spans at most 600 months.");
        }

        var sums = new Dictionary<(DateOnly Month, string Dc, string Currency), (decimal Charge, int Cards)>();
        var selected = Select(facts, q, Depreciation.LastDay(months[^1])).ToList();
        foreach (var c in selected.Where(c => c.UnitCost is not null))
        {
            var start = facts.Start(c)!.Value;
            var terms = facts.Models[c.ModelId].Terms;
            var dc = facts.DcCode(c);
            foreach (var month in months)
            {
                var charge = Depreciation.ChargeForMonth(c.UnitCost!.Value, start, month, terms);
                if (charge == 0m)
                {
                    continue;
                }

                var key = (month, dc, c.Currency);
                var (sum, count) = sums.GetValueOrDefault(key);
                sums[key] = (sum + charge, count + 1);
            }
        }

        var columns = new[]
        {
            Col("month", "Month", ColumnKind.Text), Col("datacenter", "Datacenter", ColumnKind.Text), Col("currency", "Currency", ColumnKind.Text),
            Col("cards", "Cards", ColumnKind.Integer), Col("depreciation", "Depreciation", ColumnKind.Money),
        };
        var rows = sums.OrderBy(kv => kv.Key.Month).ThenBy(kv => kv.Key.Dc, StringComparer.Ordinal).ThenBy(kv => kv.Key.Currency, StringComparer.Ordinal)
            .Select(kv => new ReportRow(
                [kv.Key.Month.ToString("yyyy-MM", CultureInfo.InvariantCulture), kv.Key.Dc, kv.Key.Currency, kv.Value.Cards, kv.Value.Charge],
                q with { Datacenter = kv.Key.Dc, Currency = kv.Key.Currency, From = kv.Key.Month, To = Depreciation.LastDay(kv.Key.Month), Scope = CardScope.Register }))
            .ToList();
        return new ReportTable(DepreciationSchedule, "Depreciation schedule", columns, rows,
            Totals(rows, [("depreciation", 4)], 2, q with { From = from, To = to }), ConventionNote)
        {
            Warnings = facts.Warnings(selected, "nothing to depreciate, so they are left out of this schedule"),
        };
    }

    // ---------------------------------------------------------------- capex

    private static ReportTable BuildCapex(Facts facts, ReportQuery q)
    {
        var scoped = q with { Scope = CardScope.Purchased };
        var from = q.From ?? DateOnly.MinValue;
        var to = q.To ?? q.AsOf!.Value;
        var cards = Select(facts, scoped, to).Where(c => DateOnly.FromDateTime(c.ReceivedAt!.Value) >= from).ToList();
        // A card with an issue (no cost, no known order) gets its own line, so nothing leaves the totals unseen.
        var groups = cards.GroupBy(c => (Month: new DateOnly(c.ReceivedAt!.Value.Year, c.ReceivedAt.Value.Month, 1), Dc: facts.DcCode(c),
            Vendor: facts.Vendor(c), Po: c.PoNumber ?? "", c.Currency, Issue: facts.Issue(c)));
        var columns = new[]
        {
            Col("month", "Month", ColumnKind.Text), Col("datacenter", "Datacenter", ColumnKind.Text), Col("vendor", "Vendor", ColumnKind.Text),
            Col("po_number", "PO", ColumnKind.Text), Col("currency", "Currency", ColumnKind.Text), Col("cards", "Cards", ColumnKind.Integer),
            Col("amount", "Capex", ColumnKind.Money), Col("warning", "Warning", ColumnKind.Text),
        };
        var rows = groups.OrderBy(g => g.Key.Month).ThenBy(g => g.Key.Dc, StringComparer.Ordinal).ThenBy(g => g.Key.Vendor, StringComparer.Ordinal)
            .ThenBy(g => g.Key.Po, StringComparer.Ordinal).ThenBy(g => g.Key.Issue)
            .Select(g => new ReportRow(
                [g.Key.Month.ToString("yyyy-MM", CultureInfo.InvariantCulture), g.Key.Dc, g.Key.Vendor, g.Key.Po, g.Key.Currency, g.Count(),
                    g.Key.Issue == CardIssue.NoCost ? null : g.Sum(c => c.UnitCost!.Value), Facts.Warning(g.Key.Issue, g.First())],
                // Exactly the cards of this line: this month's receipts, this order, this issue (not everything held at month end).
                scoped with { Datacenter = g.Key.Dc, Vendor = g.Key.Vendor, PoNumber = g.Key.Po, Currency = g.Key.Currency,
                    From = g.Key.Month, To = Depreciation.LastDay(g.Key.Month), AsOf = Depreciation.LastDay(g.Key.Month),
                    ReceivedFrom = g.Key.Month, ReceivedTo = Depreciation.LastDay(g.Key.Month), Issue = g.Key.Issue, NoIssue = g.Key.Issue is null }))
            .ToList();
        return new ReportTable(Capex, "Capex", columns, rows,
            Totals(rows, [("amount", 6)], 4, scoped with { From = q.From, To = to, ReceivedFrom = q.From, ReceivedTo = to }),
            "Capex is each purchased card's unit cost in the month it was received, imported cards included. RMA replacements are not new " +
            "spend; vendor credits appear under rma-credits. Cards without a cost or a known order have their own lines with a warning.")
        {
            Warnings = facts.Warnings(cards, "they have their own lines, and capex is understated by their cost"),
        };
    }

    // ---------------------------------------------------------------- budget vs actual

    /// <summary>The fiscal year a date falls in, when fiscal year N starts in month <paramref name="startMonth"/> of year N.</summary>
    public static int FiscalYear(DateOnly date, int startMonth) => date.Month >= startMonth ? date.Year : date.Year - 1;

    private async Task<ReportTable> BuildBudgetAsync(FleetDbContext db, Facts facts, ReportQuery q, CancellationToken ct)
    {
        var startMonth = Math.Clamp(options.FiscalYearStartMonth, 1, 12);
        var budgets = await db.Budgets.AsNoTracking().ToListAsync(ct);
        var purchased = Select(facts, q with { Scope = CardScope.Purchased }, DateOnly.MaxValue).ToList();
        var actual = purchased.Where(c => c.UnitCost is not null)
            .GroupBy(c => (Dc: facts.DcCode(c), Year: FiscalYear(DateOnly.FromDateTime(c.ReceivedAt!.Value), startMonth), c.Currency))
            .ToDictionary(g => g.Key, g => g.Sum(c => c.UnitCost!.Value));
        var planned = budgets.Where(b => facts.Dcs.ContainsKey(b.DatacenterId))
            .ToDictionary(b => (Dc: facts.Dcs[b.DatacenterId].Code, Year: b.FiscalYear, b.Currency), b => b.Amount);
        var keys = actual.Keys.Union(planned.Keys)
            .Where(k => q.Datacenter is not { Length: > 0 } dc || string.Equals(k.Dc, dc, StringComparison.OrdinalIgnoreCase))
            .Where(k => (q.From is null || k.Year >= FiscalYear(q.From.Value, startMonth)) && (q.To is null || k.Year <= FiscalYear(q.To.Value, startMonth)))
            .OrderBy(k => k.Year).ThenBy(k => k.Dc, StringComparer.Ordinal).ThenBy(k => k.Currency, StringComparer.Ordinal);
        var columns = new[]
        {
            Col("datacenter", "Datacenter", ColumnKind.Text), Col("fiscal_year", "Fiscal year", ColumnKind.Integer), Col("currency", "Currency", ColumnKind.Text),
            Col("budget", "Budget", ColumnKind.Money), Col("actual", "Actual", ColumnKind.Money), Col("remaining", "Remaining", ColumnKind.Money),
            Col("percent_used", "% used", ColumnKind.Number),
        };
        var rows = keys.Select(k =>
        {
            var budget = planned.TryGetValue(k, out var b) ? b : (decimal?)null;
            var spent = actual.GetValueOrDefault(k);
            var fyStart = new DateOnly(k.Year, startMonth, 1);
            return new ReportRow(
                [k.Dc, k.Year, k.Currency, budget, spent, budget - spent, budget is > 0 ? Math.Round(spent / budget.Value * 100m, 1) : null],
                q with { Scope = CardScope.Purchased, Datacenter = k.Dc, Currency = k.Currency, From = fyStart, To = fyStart.AddYears(1).AddDays(-1) });
        }).ToList();
        return new ReportTable(BudgetVsActual, "Budget vs actual", columns, rows, Totals(rows, [("actual", 4), ("budget", 3)], 2, null),
            string.Create(CultureInfo.InvariantCulture, $"Actual is capex by received date. Fiscal year N starts in month {startMonth} of year N."))
        {
            Warnings = facts.Warnings(purchased, "actual is understated by their cost"),
        };
    }

    // ---------------------------------------------------------------- cost per GPU-hour

    private async Task<ReportTable> BuildCostPerHourAsync(FleetDbContext db, Facts facts, ReportQuery q, CancellationToken ct)
    {
        var asOf = q.AsOf!.Value;
        var from = q.From ?? new DateOnly(asOf.Year, asOf.Month, 1).AddMonths(-1);
        var to = q.To ?? new DateOnly(asOf.Year, asOf.Month, 1).AddDays(-1);
        var fromTime = from.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
        var endTime = to.AddDays(1).ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
        var readings = (await db.GpuEnergyReadings.AsNoTracking().Where(r => r.PeriodStart < endTime && r.PeriodEnd > fromTime)
                .Select(r => new { r.GpuId, r.PeriodStart, r.PeriodEnd, r.EnergyKwh }).ToListAsync(ct))
            .GroupBy(r => r.GpuId)
            .ToDictionary(g => g.Key, g => (Kwh: g.Sum(r => r.EnergyKwh), Hours: g.Sum(r => (r.PeriodEnd - r.PeriodStart).TotalHours)));
        var point = q.OperatingPoint ?? new OperatingPoint(options.DefaultBatch, options.DefaultContext);
        var profiles = (await db.StoredProfiles.AsNoTracking().Select(p => new { p.GpuModel, p.Model, p.Json, p.UploadedAt }).ToListAsync(ct))
            .GroupBy(p => p.GpuModel, StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => g.OrderByDescending(p => p.UploadedAt).First(), StringComparer.OrdinalIgnoreCase);
        var fits = new Dictionary<string, DecodeFit?>(StringComparer.OrdinalIgnoreCase);
        DecodeFit? Fit(string gpuModel)
        {
            if (!fits.TryGetValue(gpuModel, out var fit))
            {
                fits[gpuModel] = fit = profiles.TryGetValue(gpuModel, out var p) ? DecodeFitOf(p.Json) : null;
            }

            return fit;
        }

        var groups = new Dictionary<(int Model, int? Dc, string Currency), CostAccumulator>();
        var selected = Select(facts, q, to).ToList();
        foreach (var c in selected.Where(c => c.UnitCost is not null))
        {
            var begin = c.ReceivedAt!.Value > fromTime ? c.ReceivedAt.Value : fromTime;
            var hours = (endTime - begin).TotalHours;
            if (hours <= 0)
            {
                continue;
            }

            var model = facts.Models[c.ModelId];
            var key = (c.ModelId, c.DatacenterId, c.Currency);
            if (!groups.TryGetValue(key, out var acc))
            {
                groups[key] = acc = new CostAccumulator();
            }

            var measured = readings.TryGetValue(c.Id, out var r) ? r : default;
            var card = CostOfOwnership.Card(c.UnitCost!.Value, facts.Start(c)!.Value, model.Terms, from, to, hours, model.TdpW, options.AssumedLoad,
                measured.Hours > 0 ? measured.Kwh : null, measured.Hours > 0 ? measured.Hours : null);
            acc.Cards++;
            acc.Hours += card.Hours;
            acc.Depreciation += card.Depreciation;
            acc.Kwh += card.EnergyKwh;
            acc.Measured += card.Measured ? 1 : 0;
        }

        var columns = new[]
        {
            Col("model", "Model", ColumnKind.Text), Col("datacenter", "Datacenter", ColumnKind.Text), Col("currency", "Currency", ColumnKind.Text),
            Col("cards", "Cards", ColumnKind.Integer), Col("gpu_hours", "GPU-hours", ColumnKind.Number), Col("depreciation", "Depreciation", ColumnKind.Money),
            Col("energy_kwh", "Energy kWh (IT)", ColumnKind.Number), Col("energy_basis", "Energy basis", ColumnKind.Text), Col("power_cost", "Power cost", ColumnKind.Money),
            Col("overhead", "Overhead", ColumnKind.Money), Col("total_cost", "Total cost", ColumnKind.Money), Col("cost_per_gpu_hour", "Cost per GPU-hour", ColumnKind.Money),
            Col("profile_model", "Profiled model", ColumnKind.Text), Col("tokens_per_second", "Tokens/s per card", ColumnKind.Number),
            Col("cost_per_million_tokens", "Cost per million tokens", ColumnKind.Money),
        };
        var rows = new List<ReportRow>();
        foreach (var ((modelId, dcId, currency), acc) in groups.OrderBy(g => facts.Models[g.Key.Model].Name, StringComparer.Ordinal)
                     .ThenBy(g => g.Key.Dc).ThenBy(g => g.Key.Currency, StringComparer.Ordinal))
        {
            var model = facts.Models[modelId];
            var dc = dcId is { } id ? facts.Dcs.GetValueOrDefault(id) : null;
            // Power is billed in the datacenter's currency; it is only added to cards bought in that currency.
            var period = CostOfOwnership.Period(acc.Cards, acc.Hours, acc.Depreciation, acc.Kwh, currency,
                dc is null ? null : new PowerTerms(dc.Pue, dc.Price, dc.Currency), options.OverheadPerGpuHour);
            var profile = profiles.GetValueOrDefault(model.Name);
            double? tokens = Fit(model.Name) is { } fit ? point.TokensPerSecond(fit) : null;
            rows.Add(new ReportRow(
                [model.Name, dc?.Code ?? "(none)", currency, acc.Cards, Math.Round(acc.Hours, 1), acc.Depreciation, Math.Round((double)acc.Kwh, 1),
                    acc.Measured == 0 ? "estimated" : acc.Measured == acc.Cards ? "measured" : "mixed", period.Power, period.Overhead, period.Total, period.PerGpuHour,
                    profile?.Model, tokens is { } t ? Math.Round(t, 1) : null, tokens is { } tps ? period.PerMillionTokens(tps) : null],
                q with { Model = model.Name, Datacenter = dc?.Code, Currency = currency, From = from, To = to, Scope = CardScope.Register }));
        }

        return new ReportTable(CostPerGpuHour, "Cost per GPU-hour", columns, rows,
            Totals(rows, [("depreciation", 5), ("power_cost", 8), ("total_cost", 10)], 2, null),
            string.Create(CultureInfo.InvariantCulture,
                $"{from:yyyy-MM-dd} to {to:yyyy-MM-dd}. Energy is measured telemetry where a card has readings (its average draw over its hours), else TDP × {options.AssumedLoad:0.##} load; " +
                $"power cost = energy × datacenter PUE × price per kWh, in the datacenter's currency (left empty where cards were bought in another currency). " +
                $"Overhead {options.OverheadPerGpuHour:0.####} per GPU-hour. Cost per million tokens is at {point}{(q.OperatingPoint is null ? " (the stated default; ask with batch= and context=)" : "")}: " +
                $"tokens/s per card from the decode fit of the GPU model's latest uploaded profile (batch ÷ (a + b·batch·context + c·batch)), every card decoding at that point all its hours; " +
                $"total cost ÷ (GPU-hours × tokens/s × 3,600) × 10⁶."))
        {
            Warnings = facts.Warnings(selected.Where(c => c.UnitCost is null), "no depreciation to spread, so they are left out of these rows"),
        };
    }

    private static readonly System.Text.Json.JsonSerializerOptions s_profileJson = new(System.Text.Json.JsonSerializerDefaults.Web);

    /// <summary>The decode fit of a stored profile's JSON; null when it cannot be read.</summary>
    private static DecodeFit? DecodeFitOf(string json)
    {
        try
        {
            return System.Text.Json.JsonSerializer.Deserialize<PerformanceProfile>(json, s_profileJson)?.Decode;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    private sealed class CostAccumulator
    {
        public int Cards { get; set; }
        public double Hours { get; set; }
        public decimal Depreciation { get; set; }
        public decimal Kwh { get; set; }
        public int Measured { get; set; }
    }

    // ---------------------------------------------------------------- warranties

    private static ReportTable BuildWarranties(Facts facts, ReportQuery q)
    {
        var asOf = q.AsOf!.Value;
        var columns = new[]
        {
            Col("serial", "Serial", ColumnKind.Text), Col("model", "Model", ColumnKind.Text), Col("datacenter", "Datacenter", ColumnKind.Text),
            Col("vendor", "Vendor", ColumnKind.Text), Col("status", "Status", ColumnKind.Text), Col("warranty_ends", "Warranty ends", ColumnKind.Date),
            Col("days_left", "Days left", ColumnKind.Integer), Col("window", "Expires within", ColumnKind.Text),
        };
        var rows = Select(facts, q, asOf)
            .Where(c => c.WarrantyEndsAt is { } end && DateOnly.FromDateTime(end) >= asOf && DateOnly.FromDateTime(end) <= asOf.AddDays(90))
            .Select(c => (Card: c, End: DateOnly.FromDateTime(c.WarrantyEndsAt!.Value)))
            .OrderBy(x => x.End).ThenBy(x => x.Card.Serial, StringComparer.Ordinal)
            .Select(x =>
            {
                var days = x.End.DayNumber - asOf.DayNumber;
                return new ReportRow([x.Card.Serial, facts.Models[x.Card.ModelId].Name, facts.DcCode(x.Card), facts.Vendor(x.Card), x.Card.Status.ToString(),
                    x.End, days, days <= 30 ? "30 days" : days <= 60 ? "60 days" : "90 days"]);
            }).ToList();
        return new ReportTable(Warranties, "Warranties expiring", columns, rows, [],
            string.Create(CultureInfo.InvariantCulture, $"Cards held on {asOf:yyyy-MM-dd} whose warranty ends within 90 days, in windows of 30, 60 and 90 days."));
    }

    // ---------------------------------------------------------------- RMA credits

    private static async Task<ReportTable> BuildCreditsAsync(FleetDbContext db, Facts facts, ReportQuery q, CancellationToken ct)
    {
        var cases = await db.RmaCases.AsNoTracking().Where(c => c.CreditAmount != null).ToListAsync(ct);
        var vendors = await db.Vendors.AsNoTracking().ToDictionaryAsync(v => v.Id, v => v.Name, ct);
        var columns = new[]
        {
            Col("case", "Case", ColumnKind.Integer), Col("serial", "Serial", ColumnKind.Text), Col("model", "Model", ColumnKind.Text),
            Col("datacenter", "Datacenter", ColumnKind.Text), Col("vendor", "Vendor", ColumnKind.Text), Col("vendor_case", "Vendor case", ColumnKind.Text),
            Col("status", "Status", ColumnKind.Text), Col("credited_on", "Date", ColumnKind.Date), Col("credit", "Credit", ColumnKind.Money),
            Col("currency", "Currency", ColumnKind.Text), Col("replacement", "Replacement", ColumnKind.Text),
        };
        var rows = new List<ReportRow>();
        foreach (var c in cases.OrderBy(c => c.Id))
        {
            var card = facts.ById[c.GpuId];
            var date = DateOnly.FromDateTime(c.ClosedAt ?? c.ShippedAt ?? c.OpenedAt);
            if ((q.From is { } f && date < f) || (q.To is { } t && date > t)
                || (q.Datacenter is { Length: > 0 } dc && !string.Equals(facts.DcCode(card), dc, StringComparison.OrdinalIgnoreCase))
                || (q.Currency is { Length: > 0 } cur && !string.Equals(c.CreditCurrency, cur, StringComparison.OrdinalIgnoreCase)))
            {
                continue;
            }

            rows.Add(new ReportRow([c.Id, card.Serial, facts.Models[card.ModelId].Name, facts.DcCode(card),
                c.VendorId is { } v ? vendors.GetValueOrDefault(v) : null, c.VendorCaseNumber, c.Status.ToString(), date, c.CreditAmount!.Value,
                c.CreditCurrency ?? card.Currency, c.ReplacementGpuId is { } r && facts.ById.TryGetValue(r, out var rep) ? rep.Serial : null]));
        }

        return new ReportTable(RmaCredits, "RMA credits", columns, rows, Totals(rows, [("credit", 8)], 9, null),
            "Vendor credits on RMA cases, dated by closing (else shipping, else opening). A credit lowers the replacement's cost basis.");
    }
}
