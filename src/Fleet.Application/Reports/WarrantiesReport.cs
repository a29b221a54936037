namespace Fleet.Application.Reports;

/// <summary>Cards held whose warranty ends within 90 days, in windows of 30, 60 and 90 days.</summary>
public sealed class WarrantiesReport : IReport
{
    private sealed record Row(string Serial, string Model, string Datacenter, string Vendor, string Status, DateOnly Ends, int DaysLeft, string Window) : IReportRow
    {
        public string? Currency => null;
        public ReportQuery? Drill => null;
    }

    private static readonly ReportColumn<Row>[] s_columns =
    [
        new("serial", "Serial", ColumnKind.Text, r => r.Serial), new("model", "Model", ColumnKind.Text, r => r.Model),
        new("datacenter", "Datacenter", ColumnKind.Text, r => r.Datacenter), new("vendor", "Vendor", ColumnKind.Text, r => r.Vendor),
        new("status", "Status", ColumnKind.Text, r => r.Status), new("warranty_ends", "Warranty ends", ColumnKind.Date, r => r.Ends),
        new("days_left", "Days left", ColumnKind.Integer, r => r.DaysLeft), new("window", "Expires within", ColumnKind.Text, r => r.Window),
    ];

    public string Name => ReportService.Warranties;

    /// <inheritdoc/>
    public Task<ReportTable> RunAsync(ReportFacts facts, ReportQuery q, CancellationToken ct)
    {
        var asOf = q.AsOf!.Value;
        var rows = facts.Select(q, asOf)
            .Where(c => c.WarrantyEndsAt is { } end && DateOnly.FromDateTime(end) >= asOf && DateOnly.FromDateTime(end) <= asOf.AddDays(90))
            .Select(c => (Card: c, End: DateOnly.FromDateTime(c.WarrantyEndsAt!.Value)))
            .OrderBy(x => x.End).ThenBy(x => x.Card.Serial, StringComparer.Ordinal)
            .Select(x =>
            {
                var days = x.End.DayNumber - asOf.DayNumber;
                return new Row(x.Card.Serial, facts.Models[x.Card.ModelId].Name, facts.DcCode(x.Card), facts.Vendor(x.Card), x.Card.Status.ToString(),
                    x.End, days, days <= 30 ? "30 days" : days <= 60 ? "60 days" : "90 days");
            }).ToList();
        return Task.FromResult(TypedReport.Table(Name, "Warranties expiring", s_columns, rows,
            string.Create(CultureInfo.InvariantCulture, $"Cards held on {asOf:yyyy-MM-dd} whose warranty ends within 90 days, in windows of 30, 60 and 90 days.")));
    }
}
