namespace Fleet.Application.Reports;

/// <summary>Vendor credits on RMA cases, dated by closing (else shipping, else opening).</summary>
public sealed class RmaCreditsReport : IReport
{
    private sealed record Row(int Case, string Serial, string Model, string Datacenter, string? Vendor, string? VendorCase, string Status, DateOnly Date,
        decimal Credit, string Currency, string? Replacement) : IReportRow
    {
        string? IReportRow.Currency => Currency;
        public ReportQuery? Drill => null;
    }

    private static readonly ReportColumn<Row>[] s_columns =
    [
        new("case", "Case", ColumnKind.Integer, r => r.Case), new("serial", "Serial", ColumnKind.Text, r => r.Serial),
        new("model", "Model", ColumnKind.Text, r => r.Model), new("datacenter", "Datacenter", ColumnKind.Text, r => r.Datacenter),
        new("vendor", "Vendor", ColumnKind.Text, r => r.Vendor), new("vendor_case", "Vendor case", ColumnKind.Text, r => r.VendorCase),
        new("status", "Status", ColumnKind.Text, r => r.Status), new("credited_on", "Date", ColumnKind.Date, r => r.Date),
        new("credit", "Credit", ColumnKind.Money, r => r.Credit, Totals: true), new("currency", "Currency", ColumnKind.Text, r => r.Currency),
        new("replacement", "Replacement", ColumnKind.Text, r => r.Replacement),
    ];

    public string Name => ReportService.RmaCredits;

    /// <inheritdoc/>
    public async Task<ReportTable> RunAsync(ReportFacts facts, ReportQuery q, CancellationToken ct)
    {
        var cases = await facts.Db.RmaCases.AsNoTracking().Where(c => c.CreditAmount != null).ToListAsync(ct);
        var vendors = await facts.Db.Vendors.AsNoTracking().ToDictionaryAsync(v => v.Id, v => v.Name, ct);
        var rows = new List<Row>();
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

            rows.Add(new Row(c.Id, card.Serial, facts.Models[card.ModelId].Name, facts.DcCode(card),
                c.VendorId is { } v ? vendors.GetValueOrDefault(v) : null, c.VendorCaseNumber, c.Status.ToString(), date, c.CreditAmount!.Value,
                c.CreditCurrency ?? card.Currency, c.ReplacementGpuId is { } r && facts.ById.TryGetValue(r, out var rep) ? rep.Serial : null));
        }

        return TypedReport.Table(Name, "RMA credits", s_columns, rows,
            "Vendor credits on RMA cases, dated by closing (else shipping, else opening). A credit lowers the replacement's cost basis.");
    }
}
