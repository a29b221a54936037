using Fleet.Domain.Finance;

namespace Fleet.Application.Reports;

/// <summary>Every card held on a date with its cost, depreciation start, accumulated depreciation and book value.</summary>
public sealed class AssetRegisterReport : IReport
{
    public const string ConventionNote =
        "Straight-line over each model's life to its salvage floor; full-month convention: a card depreciates from the month after it went " +
        "into service (or was received, when never in service), and a month's charge falls due on its last day. RMA replacements continue " +
        "the original card's start and cost less any vendor credit.";

    private sealed record Row(
        string Serial, string Model, string Datacenter, string Vendor, string? PoNumber, string Status, decimal? Cost, string Currency, DateOnly Start,
        string StartBasis, DateOnly Received, decimal? Accumulated, decimal? BookValue, decimal? InPeriod, string? Warning) : IReportRow
    {
        public ReportQuery? Drill => null;
    }

    private static readonly ReportColumn<Row>[] s_before =
    [
        new("serial", "Serial", ColumnKind.Text, r => r.Serial), new("model", "Model", ColumnKind.Text, r => r.Model),
        new("datacenter", "Datacenter", ColumnKind.Text, r => r.Datacenter), new("vendor", "Vendor", ColumnKind.Text, r => r.Vendor),
        new("po_number", "PO", ColumnKind.Text, r => r.PoNumber), new("status", "Status", ColumnKind.Text, r => r.Status),
        new("cost", "Cost", ColumnKind.Money, r => r.Cost, Totals: true), new("currency", "Currency", ColumnKind.Text, r => r.Currency),
        new("start_date", "Depreciation start", ColumnKind.Date, r => r.Start), new("start_basis", "Start basis", ColumnKind.Text, r => r.StartBasis),
        new("received_date", "Received", ColumnKind.Date, r => r.Received),
        new("accumulated_depreciation", "Accumulated depreciation", ColumnKind.Money, r => r.Accumulated, Totals: true),
        new("book_value", "Book value", ColumnKind.Money, r => r.BookValue, Totals: true),
    ];

    private static readonly ReportColumn<Row> s_inPeriod = new("depreciation_in_period", "Depreciation in period", ColumnKind.Money, r => r.InPeriod, Totals: true);
    private static readonly ReportColumn<Row> s_warning = new("warning", "Warning", ColumnKind.Text, r => r.Warning);

    public string Name => ReportService.AssetRegister;

    /// <inheritdoc/>
    public Task<ReportTable> RunAsync(ReportFacts facts, ReportQuery q, CancellationToken ct)
    {
        var asOf = q.AsOf!.Value;
        var period = q.From is not null || q.To is not null;
        var from = q.From ?? DateOnly.MinValue;
        var heldOn = period ? q.To ?? asOf : asOf;
        var cards = facts.Select(q, heldOn).OrderBy(c => c.Serial, StringComparer.Ordinal).ToList();
        var rows = cards.Select(c =>
        {
            var start = facts.Start(c)!.Value;
            var terms = facts.Models[c.ModelId].Terms;
            decimal? accumulated = c.UnitCost is { } basis ? Depreciation.Accumulated(basis, start, heldOn, terms) : null;
            decimal? inPeriod = period && c.UnitCost is { } b
                ? accumulated - (from == DateOnly.MinValue ? 0m : Depreciation.Accumulated(b, start, from.AddDays(-1), terms))
                : null;
            return new Row(c.Serial, facts.Models[c.ModelId].Name, facts.DcCode(c), facts.Vendor(c), c.PoNumber, c.Status.ToString(), c.UnitCost, c.Currency,
                start, facts.StartBasis(c), DateOnly.FromDateTime(c.ReceivedAt!.Value), accumulated, c.UnitCost - accumulated, inPeriod,
                ReportFacts.Warning(facts.Issue(c), c));
        }).ToList();
        ReportColumn<Row>[] columns = period ? [.. s_before, s_inPeriod, s_warning] : [.. s_before, s_warning];
        return Task.FromResult(TypedReport.Table(Name, "Asset register", columns, rows,
            string.Create(CultureInfo.InvariantCulture, $"As of {heldOn:yyyy-MM-dd}. ") + ConventionNote) with
        {
            Warnings = facts.Warnings(cards, "listed, but their cost, depreciation and book value are empty and not in the totals"),
        });
    }
}
