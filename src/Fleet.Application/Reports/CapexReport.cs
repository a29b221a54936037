using Fleet.Domain.Finance;

namespace Fleet.Application.Reports;

/// <summary>Capex per month received, datacenter, vendor, order and currency; cards with an issue on their own lines.</summary>
public sealed class CapexReport : IReport
{
    private sealed record Row(string Month, string Datacenter, string Vendor, string Po, string Currency, int Cards, decimal? Amount, string? Warning,
        ReportQuery Drill) : IReportRow
    {
        string? IReportRow.Currency => Currency;
        ReportQuery? IReportRow.Drill => Drill;
    }

    private static readonly ReportColumn<Row>[] s_columns =
    [
        new("month", "Month", ColumnKind.Text, r => r.Month), new("datacenter", "Datacenter", ColumnKind.Text, r => r.Datacenter),
        new("vendor", "Vendor", ColumnKind.Text, r => r.Vendor), new("po_number", "PO", ColumnKind.Text, r => r.Po),
        new("currency", "Currency", ColumnKind.Text, r => r.Currency), new("cards", "Cards", ColumnKind.Integer, r => r.Cards),
        new("amount", "Capex", ColumnKind.Money, r => r.Amount, Totals: true), new("warning", "Warning", ColumnKind.Text, r => r.Warning),
    ];

    public string Name => ReportService.Capex;

    /// <inheritdoc/>
    public Task<ReportTable> RunAsync(ReportFacts facts, ReportQuery q, CancellationToken ct)
    {
        var scoped = q with { Scope = CardScope.Purchased };
        var from = q.From ?? DateOnly.MinValue;
        var to = q.To ?? q.AsOf!.Value;
        var cards = facts.Select(scoped, to).Where(c => DateOnly.FromDateTime(c.ReceivedAt!.Value) >= from).ToList();
        // A card with an issue (no cost, no known order) gets its own line, so nothing leaves the totals unseen.
        var groups = cards.GroupBy(c => (Month: new DateOnly(c.ReceivedAt!.Value.Year, c.ReceivedAt.Value.Month, 1), Dc: facts.DcCode(c),
            Vendor: facts.Vendor(c), Po: c.PoNumber ?? "", c.Currency, Issue: facts.Issue(c)));
        var rows = groups.OrderBy(g => g.Key.Month).ThenBy(g => g.Key.Dc, StringComparer.Ordinal).ThenBy(g => g.Key.Vendor, StringComparer.Ordinal)
            .ThenBy(g => g.Key.Po, StringComparer.Ordinal).ThenBy(g => g.Key.Issue)
            .Select(g => new Row(g.Key.Month.ToString("yyyy-MM", CultureInfo.InvariantCulture), g.Key.Dc, g.Key.Vendor, g.Key.Po, g.Key.Currency, g.Count(),
                g.Key.Issue == CardIssue.NoCost ? null : g.Sum(c => c.UnitCost!.Value), ReportFacts.Warning(g.Key.Issue, g.First()),
                // Exactly the cards of this line: this month's receipts, this order, this issue (not everything held at month end).
                scoped with { Datacenter = g.Key.Dc, Vendor = g.Key.Vendor, PoNumber = g.Key.Po, Currency = g.Key.Currency,
                    From = g.Key.Month, To = Depreciation.LastDay(g.Key.Month), AsOf = Depreciation.LastDay(g.Key.Month),
                    ReceivedFrom = g.Key.Month, ReceivedTo = Depreciation.LastDay(g.Key.Month), Issue = g.Key.Issue, NoIssue = g.Key.Issue is null }))
            .ToList();
        return Task.FromResult(TypedReport.Table(Name, "Capex", s_columns, rows,
            "Capex is each purchased card's unit cost in the month it was received, imported cards included. RMA replacements are not new " +
            "spend; vendor credits appear under rma-credits. Cards without a cost or a known order have their own lines with a warning.",
            scoped with { From = q.From, To = to, ReceivedFrom = q.From, ReceivedTo = to }) with
        {
            Warnings = facts.Warnings(cards, "they have their own lines, and capex is understated by their cost"),
        });
    }
}
