namespace Fleet.Application.Reports;

/// <summary>One finance report: its name (the <c>/api/reports/{name}</c> segment) and how it is computed over the shared facts.</summary>
public interface IReport
{
    string Name { get; }

    /// <summary>Computes the report for <paramref name="query"/> (its as-of date already set).</summary>
    Task<ReportTable> RunAsync(ReportFacts facts, ReportQuery query, CancellationToken ct);
}

/// <summary>A typed report row: which currency its money is in (null when it has none) and the cards behind its figures.</summary>
public interface IReportRow
{
    string? Currency { get; }
    ReportQuery? Drill { get; }
}

/// <summary>A column of rows of <typeparamref name="TRow"/>: its name, heading, kind, cell and whether it totals per currency.</summary>
public sealed record ReportColumn<TRow>(string Name, string Title, ColumnKind Kind, Func<TRow, object?> Value, bool Totals = false)
    where TRow : IReportRow;

/// <summary>Turns typed rows into a <see cref="ReportTable"/>, totalling the columns that say so per row currency.</summary>
public static class TypedReport
{
    public static ReportTable Table<TRow>(string name, string title, IReadOnlyList<ReportColumn<TRow>> columns, IReadOnlyList<TRow> rows,
        string notes, ReportQuery? totalDrill = null)
        where TRow : IReportRow
    {
        var totals = columns.Where(c => c.Totals)
            .SelectMany(c => rows.Select(r => (Row: r, Value: c.Value(r))).Where(x => x.Value is decimal && x.Row.Currency is not null)
                .GroupBy(x => x.Row.Currency!)
                .Select(g => new ReportTotal(c.Name, g.Key, g.Sum(x => (decimal)x.Value!), totalDrill is null ? null : totalDrill with { Currency = g.Key })))
            .OrderBy(t => t.Column, StringComparer.Ordinal).ThenBy(t => t.Currency, StringComparer.Ordinal).ToList();
        return new ReportTable(name, title, columns.Select(c => new ReportColumn(c.Name, c.Title, c.Kind) { Totals = c.Totals }).ToList(),
            rows.Select(r => new ReportRow(columns.Select(c => c.Value(r)).ToArray(), r.Drill)).ToList(), totals, notes);
    }
}
