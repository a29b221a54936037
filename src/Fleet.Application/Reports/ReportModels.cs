namespace Fleet.Application.Reports;

/// <summary>How a column's cells are typed, so exports write numbers raw and dates as dates.</summary>
public enum ColumnKind
{
    Text,
    Integer,
    Number,
    Money,
    Date,
}

/// <summary>A report column: its export name (snake_case), its heading and its type.</summary>
public sealed record ReportColumn(string Name, string Title, ColumnKind Kind);

/// <summary>Which cards a report is computed over.</summary>
public enum CardScope
{
    /// <summary>Cards the company holds on the date: not returned to a vendor, not disposed.</summary>
    Register,
    /// <summary>Cards bought on a purchase order (returned ones included, RMA replacements excluded): what capex counts.</summary>
    Purchased,
}

/// <summary>The parameters every report accepts; a figure's drill-down is the asset register under a narrower query.</summary>
public sealed record ReportQuery
{
    public DateOnly? AsOf { get; init; }
    public DateOnly? From { get; init; }
    public DateOnly? To { get; init; }
    public string? Datacenter { get; init; }
    public string? Model { get; init; }
    public string? Vendor { get; init; }
    public string? PoNumber { get; init; }
    public string? Currency { get; init; }
    public CardScope Scope { get; init; } = CardScope.Register;
}

/// <summary>One row; <see cref="Drill"/> selects the cards behind its figures.</summary>
public sealed record ReportRow(object?[] Cells, ReportQuery? Drill = null);

/// <summary>A total of one money column in one currency, with the cards behind it.</summary>
public sealed record ReportTotal(string Column, string Currency, decimal Amount, ReportQuery? Drill = null);

/// <summary>A computed report, ready to render, chart or export.</summary>
public sealed record ReportTable(
    string Name, string Title, IReadOnlyList<ReportColumn> Columns, IReadOnlyList<ReportRow> Rows, IReadOnlyList<ReportTotal> Totals, string Notes)
{
    public int IndexOf(string column)
    {
        for (var i = 0; i < Columns.Count; i++)
        {
            if (Columns[i].Name == column)
            {
                return i;
            }
        }

        throw new ArgumentException($"Report {Name} has no column '{column}'.", nameof(column));
    }
}
