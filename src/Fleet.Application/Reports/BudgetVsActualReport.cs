using Fleet.Application.Finance;

namespace Fleet.Application.Reports;

/// <summary>Each datacenter's capex budget per fiscal year and currency against what was spent.</summary>
public sealed class BudgetVsActualReport(FinanceOptions options) : IReport
{
    private sealed record Row(string Datacenter, int FiscalYear, string Currency, decimal? Budget, decimal Actual, decimal? Remaining, decimal? PercentUsed,
        ReportQuery Drill) : IReportRow
    {
        string? IReportRow.Currency => Currency;
        ReportQuery? IReportRow.Drill => Drill;
    }

    private static readonly ReportColumn<Row>[] s_columns =
    [
        new("datacenter", "Datacenter", ColumnKind.Text, r => r.Datacenter), new("fiscal_year", "Fiscal year", ColumnKind.Integer, r => r.FiscalYear),
        new("currency", "Currency", ColumnKind.Text, r => r.Currency), new("budget", "Budget", ColumnKind.Money, r => r.Budget, Totals: true),
        new("actual", "Actual", ColumnKind.Money, r => r.Actual, Totals: true), new("remaining", "Remaining", ColumnKind.Money, r => r.Remaining),
        new("percent_used", "% used", ColumnKind.Number, r => r.PercentUsed),
    ];

    public string Name => ReportService.BudgetVsActual;

    /// <inheritdoc/>
    public async Task<ReportTable> RunAsync(ReportFacts facts, ReportQuery q, CancellationToken ct)
    {
        var startMonth = Math.Clamp(options.FiscalYearStartMonth, 1, 12);
        var budgets = await facts.Db.Budgets.AsNoTracking().ToListAsync(ct);
        var purchased = facts.Select(q with { Scope = CardScope.Purchased }, DateOnly.MaxValue).ToList();
        var actual = purchased.Where(c => c.UnitCost is not null)
            .GroupBy(c => (Dc: facts.DcCode(c), Year: ReportService.FiscalYear(DateOnly.FromDateTime(c.ReceivedAt!.Value), startMonth), c.Currency))
            .ToDictionary(g => g.Key, g => g.Sum(c => c.UnitCost!.Value));
        var planned = budgets.Where(b => facts.Dcs.ContainsKey(b.DatacenterId))
            .ToDictionary(b => (Dc: facts.Dcs[b.DatacenterId].Code, Year: b.FiscalYear, b.Currency), b => b.Amount);
        var keys = actual.Keys.Union(planned.Keys)
            .Where(k => q.Datacenter is not { Length: > 0 } dc || string.Equals(k.Dc, dc, StringComparison.OrdinalIgnoreCase))
            .Where(k => (q.From is null || k.Year >= ReportService.FiscalYear(q.From.Value, startMonth)) && (q.To is null || k.Year <= ReportService.FiscalYear(q.To.Value, startMonth)))
            .OrderBy(k => k.Year).ThenBy(k => k.Dc, StringComparer.Ordinal).ThenBy(k => k.Currency, StringComparer.Ordinal);
        var rows = keys.Select(k =>
        {
            var budget = planned.TryGetValue(k, out var b) ? b : (decimal?)null;
            var spent = actual.GetValueOrDefault(k);
            var fyStart = new DateOnly(k.Year, startMonth, 1);
            return new Row(k.Dc, k.Year, k.Currency, budget, spent, budget - spent, budget is > 0 ? Math.Round(spent / budget.Value * 100m, 1) : null,
                q with { Scope = CardScope.Purchased, Datacenter = k.Dc, Currency = k.Currency, From = fyStart, To = fyStart.AddYears(1).AddDays(-1) });
        }).ToList();
        return TypedReport.Table(Name, "Budget vs actual", s_columns, rows,
            string.Create(CultureInfo.InvariantCulture, $"Actual is capex by received date. Fiscal year N starts in month {startMonth} of year N.")) with
        {
            Warnings = facts.Warnings(purchased, "actual is understated by their cost"),
        };
    }
}
