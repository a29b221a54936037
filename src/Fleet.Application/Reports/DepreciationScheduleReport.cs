using Fleet.Domain.Finance;

namespace Fleet.Application.Reports;

/// <summary>Depreciation charged per month, datacenter and currency.</summary>
public sealed class DepreciationScheduleReport : IReport
{
    private sealed record Row(string Month, string Datacenter, string Currency, int Cards, decimal Depreciation, ReportQuery Drill) : IReportRow
    {
        string? IReportRow.Currency => Currency;
        ReportQuery? IReportRow.Drill => Drill;
    }

    private static readonly ReportColumn<Row>[] s_columns =
    [
        new("month", "Month", ColumnKind.Text, r => r.Month), new("datacenter", "Datacenter", ColumnKind.Text, r => r.Datacenter),
        new("currency", "Currency", ColumnKind.Text, r => r.Currency), new("cards", "Cards", ColumnKind.Integer, r => r.Cards),
        new("depreciation", "Depreciation", ColumnKind.Money, r => r.Depreciation, Totals: true),
    ];

    public string Name => ReportService.DepreciationSchedule;

    private static IEnumerable<DateOnly> Months(DateOnly from, DateOnly to)
    {
        for (var m = new DateOnly(from.Year, from.Month, 1); m <= to; m = m.AddMonths(1))
        {
            yield return m;
        }
    }

    /// <inheritdoc/>
    public Task<ReportTable> RunAsync(ReportFacts facts, ReportQuery q, CancellationToken ct)
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
        var selected = facts.Select(q, Depreciation.LastDay(months[^1])).ToList();
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

        var rows = sums.OrderBy(kv => kv.Key.Month).ThenBy(kv => kv.Key.Dc, StringComparer.Ordinal).ThenBy(kv => kv.Key.Currency, StringComparer.Ordinal)
            .Select(kv => new Row(kv.Key.Month.ToString("yyyy-MM", CultureInfo.InvariantCulture), kv.Key.Dc, kv.Key.Currency, kv.Value.Cards, kv.Value.Charge,
                q with { Datacenter = kv.Key.Dc, Currency = kv.Key.Currency, From = kv.Key.Month, To = Depreciation.LastDay(kv.Key.Month), Scope = CardScope.Register }))
            .ToList();
        return Task.FromResult(TypedReport.Table(Name, "Depreciation schedule", s_columns, rows, AssetRegisterReport.ConventionNote, q with { From = from, To = to }) with
        {
            Warnings = facts.Warnings(selected, "nothing to depreciate, so they are left out of this schedule"),
        });
    }
}
