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

/// <summary>A report column: its export name (snake_case), its heading, its type and whether it is totalled per currency.</summary>
public sealed record ReportColumn(string Name, string Title, ColumnKind Kind)
{
    public bool Totals { get; init; }
}

/// <summary>Which cards a report is computed over.</summary>
public enum CardScope
{
    /// <summary>Cards the company holds on the date: not returned to a vendor, not disposed.</summary>
    Register,
    /// <summary>Cards bought on a purchase order (returned ones included, RMA replacements excluded): what capex counts.</summary>
    Purchased,
}

/// <summary>Why a card's figures cannot be taken at face value; such cards get their own line with a warning, never dropped.</summary>
public enum CardIssue
{
    /// <summary>The card has no unit cost: it is counted, but adds nothing to money totals.</summary>
    NoCost,
    /// <summary>The card names a PO number that matches no purchase order (typically an imported card).</summary>
    UnmatchedOrder,
    /// <summary>The card is on no purchase order at all.</summary>
    NoOrder,
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
    /// <summary>Only cards received on or after this day (a drill-down into one month of capex).</summary>
    public DateOnly? ReceivedFrom { get; init; }
    /// <summary>Only cards received on or before this day.</summary>
    public DateOnly? ReceivedTo { get; init; }
    /// <summary>Only cards with this issue; <see cref="NoIssue"/> selects only cards without one.</summary>
    public CardIssue? Issue { get; init; }
    public bool NoIssue { get; init; }
    /// <summary>The decode operating point cost per million tokens is stated at (the planner's served point); null uses finance's stated default.</summary>
    public Fleet.Domain.Finance.OperatingPoint? OperatingPoint { get; init; }
}

/// <summary>One row; <see cref="Drill"/> selects the cards behind its figures.</summary>
public sealed record ReportRow(object?[] Cells, ReportQuery? Drill = null);

/// <summary>A total of one money column in one currency, with the cards behind it.</summary>
public sealed record ReportTotal(string Column, string Currency, decimal Amount, ReportQuery? Drill = null);

/// <summary>A computed report, ready to render, chart or export.</summary>
public sealed record ReportTable(
    string Name, string Title, IReadOnlyList<ReportColumn> Columns, IReadOnlyList<ReportRow> Rows, IReadOnlyList<ReportTotal> Totals, string Notes)
{
    /// <summary>What a reader must know before trusting the totals: cards without a cost, cards on no known order.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

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
